"""Output formats of `pinrules lint`: one class per format, one name-to-class registry."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._diagnostic import Diagnostic
from ._lint import LintResult


class TextReporter:
    """`file:line:col: severity rule message`, the fix on the next line, then a summary."""

    def render(self, result: LintResult) -> str:
        lines = []
        for d in result.diagnostics:
            lines.append(f"{d.file}:{d.line}:{d.column}: {d.severity} {d.rule} {d.message}")
            lines.append(f"    fix: {d.fix}")
        lines.append(_summary(result.diagnostics, result.files))
        return "\n".join(lines) + "\n"


class JsonReporter:
    """A JSON list of diagnostics with every field."""

    def render(self, result: LintResult) -> str:
        return json.dumps([d.to_dict() for d in result.diagnostics], indent=2, ensure_ascii=False) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    if not diagnostics:
        return f"{_plural(files, 'file')} checked: no problems."
    counts = {s: sum(1 for d in diagnostics if d.severity.value == s) for s in ("error", "warning", "info")}
    affected = len({d.file for d in diagnostics})
    found = ", ".join(_plural(n, s) for s, n in counts.items() if n)
    return f"{found} in {affected} of {_plural(files, 'file')}."


Reporter = TextReporter | JsonReporter
REPORTER_BY_NAME: dict[str, type[Reporter]] = {"text": TextReporter, "json": JsonReporter}
