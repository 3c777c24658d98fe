"""What commands use once they run: typed options from parsed arguments, and the lint add-on."""

from __future__ import annotations

import argparse
from typing import Any, Protocol, TypeVar, get_type_hints

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
    """A typed options object (a NamedTuple or a dataclass) from parsed arguments: each field
    from the attribute of its name; a field whose type is itself an options class is built the
    same way; lists become tuples."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for name in _field_names(cls):
        kind = hints[name]
        if _is_options(kind):
            values[name] = options_from(kind, namespace)
        elif hasattr(namespace, name):
            value = getattr(namespace, name)
            values[name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def _is_options(kind: object) -> bool:
    return isinstance(kind, type) and (hasattr(kind, "_fields") or hasattr(kind, "__dataclass_fields__"))


def _field_names(cls: type) -> tuple[str, ...]:
    names: tuple[str, ...] | None = getattr(cls, "_fields", None)  # a NamedTuple's
    if names is None:  # a dataclass's (the publisher's options; the lint path imports none)
        import dataclasses  # noqa: PLC0415

        names = tuple(item.name for item in dataclasses.fields(cls))
    return names
