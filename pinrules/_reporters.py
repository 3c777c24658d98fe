"""Output formats of `pinrules lint`: one class per format, one name-to-class registry.

Each reporter turns a finished `LintResult` (and the rules that ran, for formats that
describe them) into the text written to standard output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ._diagnostic import Diagnostic
from ._lint import LintResult
from ._rule import Rule
from ._version import __version__

INFORMATION_URI = "https://github.com/pinrules/pinrules"


class TextReporter:
    """`file:line:col: severity code message`, the fix on the next line, then a summary."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        lines = []
        for d in result.diagnostics:
            lines.append(f"{d.file}:{d.line}:{d.column}: {d.severity} {d.rule} {d.message}")
            lines.append(f"    fix: {d.fix}")
        lines.append(_summary(result.diagnostics, result.files))
        return "\n".join(lines) + "\n"


class JsonReporter:
    """A JSON list of diagnostics with every field."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        return json.dumps([d.to_dict() for d in result.diagnostics], indent=2, ensure_ascii=False) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class SarifReporter:
    """SARIF 2.1.0, for GitHub code scanning and editors: every rule described, 1-based regions."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        index = {rule.code: n for n, rule in enumerate(rules)}
        log = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "pinrules",
                            "version": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [_sarif_rule(rule) for rule in rules],
                        }
                    },
                    "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                    "results": [_sarif_result(d, index) for d in result.diagnostics],
                }
            ],
        }
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    full = " ".join((rule.description or rule.summary).split())
    return {
        "id": rule.code,
        "name": rule.code,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{rule.fix}\n\n{full}",
            "markdown": f"**How to fix:** {rule.fix}\n\n{full}\n\n`pinrules explain {rule.code}`",
        },
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity.value]},
        "properties": {"phase": rule.phase, "tags": [rule.phase, rule.code.split(".")[0]]},
    }


def _artifact(file: str) -> dict[str, str]:
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _sarif_result(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    import hashlib  # noqa: PLC0415 - SARIF only: loading OpenSSL costs every other run 3 ms

    result: dict[str, Any] = {
        "ruleId": d.rule,
        "level": _SARIF_LEVEL[d.severity.value],
        "message": {"text": f"{d.message}. Fix: {d.fix}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(d.file or ""),
                    "region": {"startLine": d.line or 1, "startColumn": d.column or 1},
                },
                "logicalLocations": [{"fullyQualifiedName": d.pointer or "/", "kind": "member"}],
            }
        ],
        # stable across line moves: the same file, code and place in the post
        "partialFingerprints": {
            "pinrules/v1": hashlib.sha256(f"{d.file}\0{d.rule}\0{d.pointer}".encode()).hexdigest()[:32]
        },
    }
    if d.rule in index:
        result["ruleIndex"] = index[d.rule]
    return result


_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """GitHub Actions workflow commands: annotations on the pull request's files."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        lines = [
            f"::{_GITHUB_COMMAND[d.severity.value]} file={_escape_property(d.file or '')},"
            f"line={d.line or 1},col={d.column or 1},title={_escape_property(d.rule)}"
            f"::{_escape_data(f'{d.message}. Fix: {d.fix}')}"
            for d in result.diagnostics
        ]
        return "".join(line + "\n" for line in lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    if not diagnostics:
        return f"{_plural(files, 'file')} checked: no problems."
    counts = {s: sum(1 for d in diagnostics if d.severity.value == s) for s in ("error", "warning", "info")}
    affected = len({d.file for d in diagnostics})
    found = ", ".join(_plural(n, s) for s, n in counts.items() if n)
    return f"{found} in {affected} of {_plural(files, 'file')}."


Reporter = TextReporter | JsonReporter | SarifReporter | GithubReporter
REPORTER_BY_NAME: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
}
