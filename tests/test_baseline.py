"""Baselines: record today's findings, then report only new ones and name the fixed ones."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import GOOD, run, write


def test_baseline_round_trip(tmp_path: Path) -> None:
    """Recorded findings are silent; a new one is reported; a fixed one is named on stderr."""
    old = write(tmp_path / "old.json", {**GOOD, "title": 5})
    baseline = tmp_path / "baseline.json"
    first = run("lint", "--write-baseline", baseline, old, cwd=tmp_path)
    assert first.returncode == 1
    assert "recorded 1 findings" in first.stderr
    assert json.loads(baseline.read_text())["findings"] == [
        {"file": "old.json", "rule": "post.field.type", "pointer": "/title"}
    ]

    assert run("lint", "--baseline", baseline, old, cwd=tmp_path).returncode == 0

    # the old finding moves down a line (still matched), and a new one appears
    write(old, "{\n\n" + json.dumps({**GOOD, "title": 5, "text": 7})[1:])
    second = run("lint", "--format", "json", "--baseline", baseline, old, cwd=tmp_path)
    assert [d["pointer"] for d in json.loads(second.stdout)] == ["/text"]
    assert second.returncode == 1

    write(old, GOOD)
    third = run("lint", "--baseline", baseline, old, cwd=tmp_path)
    assert third.returncode == 0
    assert "baseline entry no longer occurs" in third.stderr
    assert "post.field.type /title" in third.stderr


def test_a_file_that_is_not_a_baseline_exits_2(tmp_path: Path) -> None:
    """A broken baseline is a usage error that says how to make one."""
    post = write(tmp_path / "p.json", GOOD)
    result = run("lint", "--baseline", write(tmp_path / "b.json", "[]"), post)
    assert result.returncode == 2
    assert "--write-baseline" in result.stderr
