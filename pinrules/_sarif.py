"""SARIF 2.1.0 for GitHub code scanning and editors: every rule described, 1-based regions.

File names become URIs from their bytes (a name that is not UTF-8 is percent-encoded as it is
on disk), so that the log is always valid UTF-8 JSON.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ._diagnostic import Diagnostic
from ._escape import json_text
from ._rule import Rule
from ._version import __version__

INFORMATION_URI = "https://github.com/pinrules/pinrules"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sarif_log(diagnostics: Sequence[Diagnostic], rules: Sequence[Rule]) -> dict[str, Any]:
    index = {rule.code: n for n, rule in enumerate(rules)}
    return {
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
                "results": [_sarif_result(d, index) for d in diagnostics],
            }
        ],
    }


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


def relative_path(file: str) -> Path | None:
    """The file relative to the working folder, or None when it lies elsewhere."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd())
        except ValueError:
            return None
    return path


def _uri(path: Path) -> str:
    try:
        return quote(os.fsencode(path.as_posix()))  # the name's bytes, whatever they are
    except UnicodeEncodeError:  # a lone surrogate in a name that did not come from the disk
        return quote(json_text(path.as_posix()))


def _artifact(file: str) -> dict[str, str]:
    path = relative_path(file)
    if path is None:
        return {"uri": "file://" + _uri(Path(file))}
    return {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}


def fingerprint(d: Diagnostic) -> str:
    """Stable across line moves: the same file, code and place in the post."""
    key = f"{d.file}\0{d.rule}\0{d.pointer}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:32]


def _sarif_result(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
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
        "partialFingerprints": {"pinrules/v1": fingerprint(d)},
    }
    if d.rule in index:
        result["ruleIndex"] = index[d.rule]
    return result
