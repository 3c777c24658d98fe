"""'Did you mean ...?': the nearest known name to a word, worked out once per word."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def did_you_mean(word: str, choices: tuple[str, ...], cutoff: float = 0.6) -> str | None:
    """The choice closest to `word` (a different case first: boardID -> boardId), or None.

    Cached: a bulk run meets the same misspelt key in many posts, and difflib is slow."""
    by_case = {choice.lower(): choice for choice in choices}
    close = by_case.get(word.lower())
    if close is None:
        import difflib  # noqa: PLC0415 - only for a word that is not a choice in another case

        matches = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
        close = matches[0] if matches else None
    return close if close != word else None


def close_matches(word: str, choices: tuple[str, ...], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """Up to `n` choices near `word`, for messages that list a few ('pinterest.titl')."""
    import difflib  # noqa: PLC0415

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
