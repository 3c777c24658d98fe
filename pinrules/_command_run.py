"""What commands use once they run: typed options from parsed arguments, and the lint add-on."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any, Protocol, TypeVar

from ._diagnostic import Diagnostic
from ._documents import Document

T = TypeVar("T")


class LintAddOn(Protocol):
    """What another package adds to one `pinrules lint` run (the publisher: an account).

    A run keeps no parsed file after its diagnostics are made (memory stays flat in the number
    of files): `collect` sees each file that parsed, while it is at hand, and keeps only what
    `check` will need (a board id and a `Places` for the pointers it may report, say)."""

    @property
    def defaults(self) -> dict[str, Any] | None:
        """Account defaults for posts that name no account of the accounts file."""

    def collect(self, document: Document) -> None:
        """Take what `check` needs from one file that parsed."""

    def check(self) -> list[Diagnostic]:
        """More diagnostics, once every file was read."""


def options_from(cls: type[T], namespace: argparse.Namespace) -> T:
    """A typed options object (a dataclass) from parsed arguments: each field from the
    attribute of its name; a field whose type is itself a dataclass is built the same way;
    lists become tuples."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        kind = hints[item.name]
        if dataclasses.is_dataclass(kind):
            values[item.name] = options_from(kind, namespace)  # type: ignore[arg-type]
        elif hasattr(namespace, item.name):
            value = getattr(namespace, item.name)
            values[item.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)
