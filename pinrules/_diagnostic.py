"""The finding model: one `Diagnostic` per problem, with its place in the post and in the file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding.

    `pointer` is an RFC 6901 JSON pointer into the post; `file`, `line` and `column`
    (1-based) are set when the post came from a file.
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
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
