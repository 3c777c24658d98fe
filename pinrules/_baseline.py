"""Baselines for gradual adoption: record today's findings, then report only new ones.

A finding is matched by file, code and JSON pointer, not by line, so that edits elsewhere in
a file do not make old findings look new.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ._diagnostic import Diagnostic
from ._errors import UsageError

FORMAT_VERSION = 1
Key = tuple[str, str, str]


def _key(diagnostic: Diagnostic) -> Key:
    """File (relative to the working folder where possible, so baselines travel), code, pointer."""
    path = Path(diagnostic.file or "")
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            path = path.relative_to(Path.cwd())
    return (path.as_posix(), diagnostic.rule, diagnostic.pointer)


def write_baseline(path: str, diagnostics: Iterable[Diagnostic]) -> int:
    entries = sorted(_key(d) for d in diagnostics)
    data = {
        "pinrules-baseline": FORMAT_VERSION,
        "findings": [{"file": f, "rule": r, "pointer": p} for f, r, p in entries],
    }
    try:
        Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write the baseline ({error.strerror})") from None
    return len(entries)


class BaselineOutcome(NamedTuple):
    new: list[Diagnostic]
    gone: list[Key]  # baseline entries that no longer occur


def read_baseline(path: str) -> Counter[Key]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data["findings"]
        if data.get("pinrules-baseline") != FORMAT_VERSION:
            raise ValueError
        return Counter((e["file"], e["rule"], e["pointer"]) for e in entries)
    except OSError as error:
        raise UsageError(f"{path}: cannot read the baseline ({error.strerror})") from None
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{path}: not a pinrules baseline; write one with --write-baseline {path}") from None


def apply_baseline(baseline: Counter[Key], diagnostics: Iterable[Diagnostic]) -> BaselineOutcome:
    remaining = baseline.copy()
    new = []
    for diagnostic in diagnostics:
        key = _key(diagnostic)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(diagnostic)
    return BaselineOutcome(new, sorted(k for k, n in remaining.items() for _ in range(n)))
