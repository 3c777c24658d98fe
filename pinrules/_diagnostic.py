"""The finding model: one `Diagnostic` per problem, with its place in the post and in the file.

Every diagnostic (of the reader, the engine, the online checks and the publish flow) is built
by `make_diagnostic`, from the rule that names it and the place it was found.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from ._pointer import to_pointer


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_FIELDS = ("rule", "severity", "message", "fix", "pointer", "file", "line", "column")


class Diagnostic:
    """One finding.

    `pointer` is an RFC 6901 JSON pointer into the post; `file`, `line` and `column`
    (1-based) are set when the post came from a file. Immutable and hashable: `replace` makes
    a changed copy, `to_dict` gives the fields as plain values (for JSON). (A plain class: the
    lint path imports no dataclasses; not a tuple, so that no encoder takes it for a list.)
    """

    __slots__ = _FIELDS
    __match_args__ = ("rule", "severity", "message", "fix", "pointer", "file", "line", "column")
    rule: str
    severity: Severity
    message: str
    fix: str
    pointer: str
    file: str | None
    line: int | None
    column: int | None

    def __init__(  # noqa: PLR0917 - the fields in order, as before
        self,
        rule: str,
        severity: Severity,
        message: str,
        fix: str,
        pointer: str = "",
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        for name, value in zip(
            _FIELDS, (rule, severity, message, fix, pointer, file, line, column), strict=True
        ):
            object.__setattr__(self, name, value)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def replace(self, **changes: Any) -> Diagnostic:
        return Diagnostic(**{**dict(zip(_FIELDS, self._values(), strict=True)), **changes})

    def to_dict(self) -> dict[str, Any]:
        return {**dict(zip(_FIELDS, self._values(), strict=True)), "severity": self.severity.value}

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        return self._values() == other._values() if type(other) is Diagnostic else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Diagnostic(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS) + ")"

    def __reduce__(self) -> tuple[type[Diagnostic], tuple[Any, ...]]:
        return (Diagnostic, self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Diagnostic is immutable: use replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Diagnostic is immutable")


class _Building:
    """A Diagnostic's slots, filled by a plain __init__ (Diagnostic's own refuses assignment, and
    findings come in bulk): make_diagnostic builds one and makes it a Diagnostic (same slots, so
    the same object)."""

    __slots__ = _FIELDS

    def __init__(self, *values: Any) -> None:
        (self.rule, self.severity, self.message, self.fix, self.pointer, self.file, self.line,
         self.column) = values  # fmt: skip


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
    diagnostic: Any = _Building(
        rule.code, rule.severity, message, rule.fix, to_pointer(pointer), file, line, column
    )
    diagnostic.__class__ = Diagnostic
    return diagnostic  # type: ignore[no-any-return]
