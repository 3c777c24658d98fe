"""Which rules run: `select` and `ignore` by code or by prefix of dotted parts.

A code or prefix that names no rule is a mistake, never a silent no-op: `--select
pinterest.titl` would otherwise turn every check off and pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ._errors import UsageError
from ._suggest import close_matches


def matches(code: str, pattern: str) -> bool:
    """`pinterest.video` matches `pinterest.video.cover_required`, not `pinterest.videos.x`."""
    return pattern in ("ALL", code) or code.startswith(pattern.rstrip(".") + ".")


def most_specific(code: str, table: Mapping[str, str]) -> str | None:
    """The value of the longest code or prefix in `table` that matches `code`."""
    found = [(len(pattern), value) for pattern, value in table.items() if matches(code, pattern)]
    return max(found)[1] if found else None


class UnknownCodeError(UsageError):
    """A code or prefix (of `setting`: select, ignore, ...) that matches no rule."""

    def __init__(self, setting: str, pattern: str, hint: str) -> None:
        super().__init__(f"{setting}: {hint}")
        self.setting = setting
        self.pattern = pattern
        self.hint = hint


def _prefixes(codes: Iterable[str]) -> tuple[str, ...]:
    """Every code and every prefix of one: pinterest, pinterest.title, pinterest.title.max_length."""
    found = {".".join(code.split(".")[:n]) for code in codes for n in range(1, code.count(".") + 2)}
    return tuple(sorted(found))


def unknown_code_hint(pattern: str, codes: Iterable[str]) -> str | None:
    """None when `pattern` matches a code; else what to say about it, with the nearest names."""
    codes = tuple(codes)
    if any(matches(code, pattern) for code in codes):
        return None
    close = [repr(c) for c in close_matches(pattern, _prefixes(codes))]
    listed = " or ".join(close) if len(close) < 3 else f"{', '.join(close[:-1])} or {close[-1]}"
    hint = f"; did you mean {listed}?" if close else ""
    return f"no rule has the code or prefix {pattern!r}{hint} (`pinrules rules` lists them)"


def check_codes(setting: str, patterns: Iterable[str], codes: Iterable[str]) -> None:
    """Raise UnknownCodeError for the first pattern of `setting` that names no rule."""
    codes = tuple(codes)
    for pattern in patterns:
        hint = unknown_code_hint(pattern, codes)
        if hint is not None:
            raise UnknownCodeError(setting, pattern, hint)


class Selection(NamedTuple):
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def includes(self, code: str) -> bool:
        if self.select and not any(matches(code, p) for p in self.select):
            return False
        return not self.ignores(code)

    def ignores(self, code: str) -> bool:
        """Ignored by name or prefix (rather than merely left out of `select`)."""
        return any(matches(code, p) for p in self.ignore)
