"""Reports for CI servers: JUnit XML (Jenkins, GitLab, Azure, CircleCI test tabs) and GitLab
Code Quality (merge request widgets).

JUnit: one test suite per file with findings, one failing test case per finding (its type the
severity, as ruff does); no findings at all is one passing case, so that the report is never
empty. Text is made visible first: XML 1.0 cannot carry most control characters, even escaped.

GitLab Code Quality: a JSON array of issues with `description`, `check_name`, `fingerprint`
(unique per issue: GitLab merges issues that share one), `severity` and `location.path` /
`location.lines.begin`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from ._diagnostic import Diagnostic
from ._escape import decoded_name, file_name, json_text, visible
from ._sarif import fingerprint, relative_path

_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def junit_xml(diagnostics: Sequence[Diagnostic], files: int) -> str:
    count = str(len(diagnostics))
    root = ET.Element("testsuites", name="pinrules", tests=count, failures=count, errors="0")
    for file, group in groupby(diagnostics, key=lambda d: d.file or ""):
        found = list(group)
        name = file_name(file)
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(found)),
                              failures=str(len(found)), errors="0", skipped="0")  # fmt: skip
        for d in found:
            place = f"{d.line or 1}:{d.column or 1}"
            case = ET.SubElement(suite, "testcase", name=f"{d.rule} at {place}", classname=name,
                                 file=name, line=str(d.line or 1))  # fmt: skip
            failure = ET.SubElement(case, "failure", message=visible(d.message), type=d.severity.value)
            failure.text = (
                f"{name}:{place}: {d.severity} {d.rule} {visible(d.message)}\nfix: {visible(d.fix)}"
            )
    if not diagnostics:
        suite = ET.SubElement(root, "testsuite", name="pinrules", tests="1", failures="0", errors="0",
                              skipped="0")  # fmt: skip
        checked = f"{files} file{'' if files == 1 else 's'} checked"
        ET.SubElement(suite, "testcase", name=checked, classname="pinrules")
        root.set("tests", "1")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def gitlab_issues(diagnostics: Sequence[Diagnostic]) -> list[dict[str, Any]]:
    issues = []
    seen: dict[str, int] = {}
    for d in diagnostics:
        base = fingerprint(d)
        seen[base] = seen.get(base, 0) + 1
        path = relative_path(d.file or "")
        issues.append({
            "description": f"{d.message}. Fix: {d.fix}",
            "check_name": d.rule,
            # the same finding twice in one file (two equal keys in two lists) stays two issues
            "fingerprint": base if seen[base] == 1 else f"{base}-{seen[base]}",
            "severity": _GITLAB_SEVERITY[d.severity.value],
            "location": {
                "path": json_text(decoded_name(path.as_posix() if path else d.file or "")),
                "lines": {"begin": d.line or 1},
            },
        })  # fmt: skip
    return issues
