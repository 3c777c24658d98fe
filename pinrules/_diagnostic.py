"""The finding model: one `Diagnostic` per problem, with its place in the post and in the file.

Every diagnostic (of the reader, the engine, the online checks and the publish flow) is built
by `make_diagnostic`, from the rule that names it and the place it was found.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from ._pointer import to_pointer


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Diagnostic(NamedTuple):
    """One finding.

    `pointer` is an RFC 6901 JSON pointer into the post; `file`, `line` and `column`
    (1-based) are set when the post came from a file. Immutable; `_replace` makes a changed
    copy. (A NamedTuple: the lint path imports no dataclasses.)
    """

    rule: str
    severity: Severity
    message: str
    fix: str
    pointer: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict()
        data["severity"] = self.severity.value
        return data


_new = tuple.__new__


class Named(Protocol):
    """What a diagnostic takes from its rule."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def fix(self) -> str: ...


class Placed(Protocol):
    """A parsed file: its name, and where a pointer's value is in its text."""

    @property
    def name(self) -> str: ...
    def position(self, pointer: tuple[str | int, ...]) -> tuple[int, int]: ...


def make_diagnostic(
    rule: Named,
    message: str,
    pointer: tuple[str | int, ...] = (),
    document: Placed | None = None,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> Diagnostic:
    """A finding of `rule` at `pointer`: placed in the document's text when there is one, else
    at `file`, `line`, `column` when given (a file that could not be read or parsed)."""
    if document is not None:
        file = document.name
        line, column = document.position(pointer)
    # tuple.__new__ skips the generated __new__'s keyword handling: findings come in bulk
    values = (rule.code, rule.severity, message, rule.fix, to_pointer(pointer), file, line, column)
    return _new(Diagnostic, values)
