"""Loading rule files: broken files are clear errors; valid ones are cached and reused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinrules import Preflight, RuleFileError, load_rules

GOOD_RULE = """\
code: house.alt_text.required
severity: warning
phase: static
summary: Every pin has alt text.
message: add alt text for screen readers
fix: Set options.pinterest.altText.
given: ""
when: {type: object}
then:
  all:
    - {path: /options/pinterest/altText, exists: true}
    - {path: /options/pinterest/altText, min_length: 1}
at: /options/pinterest/altText
examples:
  pass:
    - post: {options: {pinterest: {altText: Soup}}}
  fail:
    - post: {options: {pinterest: {}}}
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _load_error(tmp_path: Path, name: str, text: str) -> RuleFileError:
    _write(tmp_path, name, text)
    with pytest.raises(RuleFileError) as caught:
        load_rules([tmp_path])
    return caught.value


class TestBrokenRuleFiles:
    def test_operator_typo_names_file_line_and_nearest_operator(self, tmp_path: Path) -> None:
        """'max_lenght' is an unknown operator at its line, with 'max_length' suggested."""
        text = GOOD_RULE.replace("min_length: 1}", "max_lenght: 1}")
        error = _load_error(tmp_path, "house.alt_text.required", text)
        assert error.file.endswith("house.alt_text.required.yaml")
        assert (error.line, error.column) == (12, 42)
        assert "did you mean 'max_length'" in error.message

    def test_schema_violation_is_located(self, tmp_path: Path) -> None:
        """A severity outside error/warning/info fails the schema at its own line."""
        error = _load_error(tmp_path, "house.alt_text.required",
                            GOOD_RULE.replace("severity: warning", "severity: fatal"))  # fmt: skip
        assert error.line == 2
        assert "severity" in error.message

    def test_code_must_match_file_name(self, tmp_path: Path) -> None:
        """A file named differently from its code is refused."""
        error = _load_error(tmp_path, "house.other", GOOD_RULE)
        assert "must equal the file name" in error.message
        assert error.line == 1

    def test_yaml_syntax_error_is_located(self, tmp_path: Path) -> None:
        """Broken YAML in a rule file is reported like broken YAML in a post."""
        error = _load_error(tmp_path, "house.alt_text.required", "code: [unclosed\n")
        assert error.line == 2

    def test_unknown_placeholder_is_refused(self, tmp_path: Path) -> None:
        """A message placeholder that is not provided is an error, not a literal {brace}."""
        error = _load_error(tmp_path, "house.alt_text.required",
                            GOOD_RULE.replace("add alt text", "add {alt} text"))  # fmt: skip
        assert "{alt}" in error.message

    def test_invalid_regex_is_refused(self, tmp_path: Path) -> None:
        """A pattern that does not compile is named with the regex error."""
        text = GOOD_RULE.replace("min_length: 1}", "pattern: '(['}")
        assert "regular expression" in _load_error(tmp_path, "house.alt_text.required", text).message

    def test_wildcard_in_a_condition_path_is_refused(self, tmp_path: Path) -> None:
        """'*' selects subjects in 'given' only."""
        text = GOOD_RULE.replace("/options/pinterest/altText, min", "/media/*/url, min")
        assert text != GOOD_RULE
        assert "'*' belongs in 'given'" in _load_error(tmp_path, "house.alt_text.required", text).message

    def test_a_custom_rule_may_not_reuse_a_builtin_code(self, tmp_path: Path) -> None:
        """Reusing pinterest.board.required in a house rule is refused."""
        text = GOOD_RULE.replace("house.alt_text.required", "pinterest.board.required")
        assert "already defined" in _load_error(tmp_path, "pinterest.board.required", text).message

    def test_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        """A rules directory that does not exist is named."""
        with pytest.raises(RuleFileError, match="does not exist"):
            load_rules([tmp_path / "nope"])


class TestCustomRules:
    def test_custom_rule_runs_like_a_builtin(self, tmp_path: Path) -> None:
        """A house rule from a directory is loaded, compiled and reported."""
        _write(tmp_path, "house.alt_text.required", GOOD_RULE)
        preflight = Preflight([tmp_path])
        post = {"media": [{"kind": "image", "url": "https://a.example.com/x.jpg"}],
                "options": {"pinterest": {"boardId": "1"}}}  # fmt: skip
        assert [d.rule for d in preflight.check(post)] == ["house.alt_text.required"]


class TestCache:
    def test_warm_load_does_not_import_jsonschema(self, tmp_path: Path) -> None:
        """After one validation, loading the rules again skips jsonschema entirely."""
        script = "import sys, pinrules; pinrules.Preflight(); print('jsonschema' in sys.modules)"
        env = {"PINRULES_CACHE_DIR": str(tmp_path), "PATH": ""}
        runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               env=env, check=True).stdout.strip() for _ in range(2)]  # fmt: skip
        assert runs == ["True", "False"]

    def test_an_edited_rule_is_validated_again(self, tmp_path: Path) -> None:
        """The cache is keyed by content: breaking a cached rule file is noticed."""
        rules = tmp_path / "rules"
        rules.mkdir()
        path = _write(rules, "house.alt_text.required", GOOD_RULE)
        load_rules([rules])
        path.write_text(GOOD_RULE.replace("severity: warning", "severity: loud"), encoding="utf-8")
        with pytest.raises(RuleFileError, match="severity"):
            load_rules([rules])

    def test_unwritable_cache_still_loads(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A cache directory that cannot be created only costs speed."""
        blocker = tmp_path / "file"
        blocker.write_text("x")
        monkeypatch.setenv("PINRULES_CACHE_DIR", str(blocker / "cache"))
        assert len(load_rules()) > 30


def test_the_cache_keeps_several_rule_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two projects with different house rules do not evict each other's cache."""
    monkeypatch.setenv("PINRULES_CACHE_DIR", str(tmp_path / "cache"))
    first, second = tmp_path / "a", tmp_path / "b"
    for directory, code in ((first, "house.a"), (second, "house.b")):
        directory.mkdir()
        _write(directory, code, GOOD_RULE.replace("house.alt_text.required", code))
    load_rules([first])
    load_rules([second])
    assert len(list((tmp_path / "cache").glob("rules-*.json"))) == 2
    load_rules([first])  # a hit: nothing new is written, nothing dropped
    assert len(list((tmp_path / "cache").glob("rules-*.json"))) == 2
