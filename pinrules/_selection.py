"""Which rules run: `select` and `ignore` by code or by prefix of dotted parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def matches(code: str, pattern: str) -> bool:
    """`pinterest.video` matches `pinterest.video.cover_required`, not `pinterest.videos.x`."""
    return pattern in ("ALL", code) or code.startswith(pattern.rstrip(".") + ".")


def most_specific(code: str, table: Mapping[str, str]) -> str | None:
    """The value of the longest code or prefix in `table` that matches `code`."""
    found = [(len(pattern), value) for pattern, value in table.items() if matches(code, pattern)]
    return max(found)[1] if found else None


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def includes(self, code: str) -> bool:
        if self.select and not any(matches(code, p) for p in self.select):
            return False
        return not any(matches(code, p) for p in self.ignore)
