"""Hostile and huge inputs: each is a located diagnostic or a clear error, never a hang or a
memory blow-up. The real command runs under an address-space limit and a generous time cap
(the figures themselves are printed by `python -m bench`); memory stays flat in the number of
files."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from .helpers import GOOD, run_bounded, write

MEMORY_MB = 512  # the linter needs about 100 MB; before the cap, 90,000 findings took 1.7 GB at 515,000
LIMIT_MB = 300  # the issue's bound on the peak resident set


def _diagnostics(stdout: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(stdout)
    return found


class TestManyFindings:
    def test_a_json_with_45000_unknown_keys_is_capped(self, tmp_path: Path) -> None:
        """100 findings and one post.findings.truncated that counts the other 44,900 (45,000
        members are 90,000 values: under the reader's cap of 100,000)."""
        post = dict(GOOD) | {f"unknown_{n}": n for n in range(45_000)}
        name = write(tmp_path / "keys.json", json.dumps(post))
        result = run_bounded("lint", "--format", "json", name, memory_mb=MEMORY_MB)
        assert (result.returncode, result.stderr) == (1, "")
        found = _diagnostics(result.stdout)
        assert [d["rule"] for d in found].count("post.unknown_field") == 100
        (notice,) = [d for d in found if d["rule"] == "post.findings.truncated"]
        assert str(notice["message"]).startswith(
            "and 44,900 more findings not shown (44,900 post.unknown_field)"
        )
        assert result.peak_mb < LIMIT_MB

    def test_the_cap_is_a_setting_and_keeps_the_most_severe(self, tmp_path: Path) -> None:
        """--max-findings-per-file 1 keeps the error, not the earlier warning; 0 lifts the cap."""
        write(tmp_path / "rules" / "house.title.short.yaml", textwrap.dedent("""\
            code: house.title.short
            severity: warning
            phase: static
            summary: Short titles.
            message: long title
            fix: Shorten it.
            given: /title
            then: {max_length: 3}
            examples: {pass: [{post: {title: abc}}], fail: [{post: {title: abcd}}]}
        """))  # fmt: skip
        name = write(tmp_path / "p.json", {**GOOD, "title": "long", "Text": 1})
        capped = run_bounded("lint", "--format", "json", "--rules-dir", tmp_path / "rules",
                             "--max-findings-per-file", "1", name)  # fmt: skip
        assert sorted(d["rule"] for d in _diagnostics(capped.stdout)) == [
            "post.findings.truncated",
            "post.unknown_field",
        ]
        whole = run_bounded("lint", "--format", "json", "--rules-dir", tmp_path / "rules",
                            "--max-findings-per-file", "0", name)  # fmt: skip
        assert sorted(d["rule"] for d in _diagnostics(whole.stdout)) == [
            "house.title.short",
            "post.unknown_field",
        ]

    def test_30000_media_items(self, tmp_path: Path) -> None:
        """A post with 30,000 broken media items (90,000 values, under the reader's cap) is checked
        within the limits, output capped."""
        post = {**GOOD, "media": [{"kind": "imag"}] * 30_000}
        result = run_bounded("lint", write(tmp_path / "media.json", post), memory_mb=MEMORY_MB)
        assert result.returncode == 1
        assert result.stdout.count("\n    fix: ") == 101
        assert result.peak_mb < LIMIT_MB

    def test_40000_unknown_codes_in_suppression_comments(self, tmp_path: Path) -> None:
        """Unknown codes in comments are warnings up to the cap, then one notice counts the rest."""
        lines = [f"k{n}: 1  # pinrules: ignore[nope{n}]" for n in range(40_000)]
        name = write(tmp_path / "comments.yaml", "\n".join(lines) + "\n")
        result = run_bounded("lint", "--format", "json", name, memory_mb=MEMORY_MB)
        codes = [d["rule"] for d in _diagnostics(result.stdout)]
        assert codes.count("post.suppression.unknown_code") == 100
        (notice,) = [d for d in _diagnostics(result.stdout) if d["rule"] == "post.findings.truncated"]
        assert notice["message"] == "and 39,900 more unknown codes in suppression comments not shown"
        assert result.peak_mb < LIMIT_MB


HOUSE_RULE = """\
code: house.title.words
severity: error
phase: static
summary: Titles are plain words.
message: "the title is not plain words: {value}"
fix: Use letters and spaces.
given: /title
then: {pattern: 'PATTERN'}
examples:
  pass: [{post: {title: PASSING}}]
  fail: [{post: {title: "FAILING"}}]
"""


def _house_rule(tmp_path: Path, pattern: str, passing: str, failing: str) -> Path:
    text = HOUSE_RULE.replace("PATTERN", pattern).replace("PASSING", passing).replace("FAILING", failing)
    write(tmp_path / "rules" / "house.title.words.yaml", text)
    return tmp_path / "rules"


class TestPatterns:
    def test_the_issues_pattern_gives_a_verdict_at_once(self, tmp_path: Path) -> None:
        """^(\\w+\\s?)*$ on a 29-character title (21 s with re) is settled by the regex engine."""
        rules = _house_rule(tmp_path, r"^(\w+\s?)*$", "Soup", "Soup!")
        post = write(tmp_path / "p.json", {**GOOD, "title": "a" * 28 + "!"})
        result = run_bounded("lint", "--rules-dir", rules, post, timeout=30)
        assert result.returncode == 1
        assert "error house.title.words the title is not plain words" in result.stdout
        assert result.seconds < 10

    def test_a_pattern_that_times_out_is_a_diagnostic_and_the_run_goes_on(self, tmp_path: Path) -> None:
        """An exponential pattern is given up on that value: post.pattern_timeout names the rule
        and its file, and the next file is still checked."""
        rules = _house_rule(tmp_path, "^(a|aa)+$", "aa", "b")
        slow = write(tmp_path / "a-slow.json", {"title": "a" * 40 + "!", **GOOD, "id": "slow"})
        other = write(tmp_path / "b-other.json", {"title": "b", **GOOD, "id": "other"})
        result = run_bounded("lint", "--rules-dir", rules, slow, other, timeout=30)
        assert result.returncode == 1
        first, _, second, _, summary = result.stdout.splitlines()
        assert first.startswith(f"{slow}:2:3: error post.pattern_timeout the pattern of house.title.words (")
        assert "house.title.words.yaml) took longer than 0.1 s" in first
        assert second.startswith(f"{other}:2:3: error house.title.words")
        assert summary == "2 errors in 2 of 2 files."


class TestInputs:
    def test_standard_input_past_the_cap_is_a_parse_error(self) -> None:
        """11 MB on standard input: read up to the cap, then one located diagnostic."""
        data = b'{"title": "' + b"x" * 11_000_000 + b'"}'
        result = run_bounded("lint", "-", stdin=data, memory_mb=MEMORY_MB)
        assert result.returncode == 1
        assert "<stdin>:1:1: error post.parse_error the file is larger than 10,000,000 bytes" in result.stdout
        assert result.peak_mb < LIMIT_MB

    def test_a_fifo_named_on_the_command_line_is_not_read(self, tmp_path: Path) -> None:
        """A FIFO would block a reader for ever: it is post.unreadable at once."""
        fifo = tmp_path / "post.json"
        os.mkfifo(fifo)
        result = run_bounded("lint", fifo, timeout=30)
        assert result.returncode == 1
        assert (
            f"{fifo}:1:1: error post.unreadable cannot read the file: it is a FIFO (named pipe), "
            "not a regular file" in result.stdout
        )


class TestFlatMemory:
    def test_ten_times_the_files_costs_no_more_memory(self, tmp_path: Path) -> None:
        """4,000 files peak within 8 MB of 400 (keeping each parsed file cost 4 KB a file)."""
        post = {**GOOD, "title": "Soup " * 20, "text": "Hot soup. " * 40}
        for n in range(4000):
            folder = tmp_path / ("few" if n < 400 else "more")
            folder.mkdir(exist_ok=True)
            text = json.dumps({**post, "id": f"soup-{n:05d}"}, indent=2)
            (folder / f"post-{n:05d}.json").write_text(text, encoding="utf-8")
        few = run_bounded("lint", tmp_path / "few")
        many = run_bounded("lint", tmp_path / "few", tmp_path / "more")
        assert (few.stdout, many.stdout) == (
            "400 files checked: no problems.\n",
            "4,000 files checked: no problems.\n",
        )
        assert many.peak_mb - few.peak_mb < 8
