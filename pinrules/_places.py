"""Where a few values of a file are, kept after the parsed file itself is let go.

A lint run keeps no parsed file once its diagnostics are made (memory stays flat however many
files there are). The phases that report later (the online checks, a lint add-on looking up
boards) keep a `Places` instead: the positions of the few pointers they may report, worked out
while the file was at hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._diagnostic import Placed

Pointer = tuple[str | int, ...]


class Places:
    """A file's name and the line and column of some of its values (a `Placed`)."""

    __slots__ = ("_positions", "name")

    def __init__(self, name: str, positions: dict[Pointer, tuple[int, int]]) -> None:
        self.name = name
        self._positions = positions

    @classmethod
    def of(cls, document: Placed, pointers: Iterable[Pointer]) -> Places:
        """The positions of `pointers` in `document` (of their nearest existing parent when a
        value is missing), and of the document itself."""
        return cls(document.name, {p: document.position(p) for p in (*pointers, ())})

    def position(self, pointer: Pointer) -> tuple[int, int]:
        """Line and column of `pointer`, or of its nearest parent whose place was kept."""
        for end in range(len(pointer), -1, -1):
            found = self._positions.get(pointer[:end])
            if found is not None:
                return found
        return (1, 1)
