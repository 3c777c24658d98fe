"""`pinrules rules` and `pinrules explain`, and the generated documentation."""

from __future__ import annotations

import json
import subprocess
import sys

from pinrules import load_rules

from .helpers import ROOT, run

HOUSE = ROOT / "examples" / "house-rules"


def test_rules_lists_every_rule() -> None:
    """One line per rule: code, severity, phase and summary."""
    lines = run("rules").stdout.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in load_rules()]
    board = next(line for line in lines if line.startswith("pinterest.board.required "))
    assert board.split()[1:3] == ["error", "static"]
    assert board.endswith("A pin needs a board, from the post or the account's default board.")


def test_rules_json_includes_house_rules() -> None:
    """--format json lists the same fields, and --rules-dir adds house rules."""
    listing = json.loads(run("rules", "--format", "json", "--rules-dir", HOUSE).stdout)
    house = [r for r in listing if not r["builtin"]]
    assert [r["code"] for r in house] == [
        "house.alt_text.required",
        "house.link.our_domain",
        "house.title.no_free",
    ]
    assert house[0]["severity"] == "warning"


def test_explain_prints_the_whole_documentation() -> None:
    """Why, what it checks, how to fix, an example that fails (with its message) and one that passes."""
    text = run("explain", "pinterest.video.cover_required").stdout
    for part in (
        "pinterest.video.cover_required (error, static phase)",
        "Why\n  Pinterest mandates a still-frame URL",
        'What it checks\n  For each of `/media/*`, where `/kind` is "video"',
        "How to fix\n  Pass pinterest.coverImageUrl pointing at a public still frame.",
        "Example that fails",
        "→ `/options/pinterest/coverImageUrl`: a video pin needs options.pinterest.coverImageUrl",
        "Example that passes",
        "→ passes",
    ):
        assert part in text


def test_explain_documents_house_rules() -> None:
    """A custom rule is explained like a built-in one."""
    text = run("explain", "house.title.no_free", "--rules-dir", HOUSE).stdout
    assert "it must hold that not (the value matches `(?i)\\bfree\\b`)" in text
    assert "→ `/title`: the title says 'free': \"FREE soup recipe\"" in text


def test_unknown_code_suggests_and_exits_2() -> None:
    """A misspelt code is a usage error with the nearest codes."""
    result = run("explain", "pinterest.board.requird")
    assert result.returncode == 2
    assert "did you mean pinterest.board.required" in result.stderr


def test_generated_docs_are_fresh() -> None:
    """README.md's table and docs/rules.md are exactly what `make docs` writes."""
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--check"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
