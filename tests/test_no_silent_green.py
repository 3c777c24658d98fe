"""No silent green: a run that checks nothing, or checks what is not a post, says so.

Codes that match no rule are usage errors with the nearest codes; folders hold non-post files
that are excluded (by default, by glob, by .gitignore) or reported as not looking like posts;
no post file at all is an error; a house rule that contradicts its own examples is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinrules import Preflight, RuleFileError, UsageError, load_rules

from .helpers import GOOD, ROOT, run, write

HOUSE_RULES = ROOT / "examples" / "house-rules"


class TestUnknownCodes:
    @pytest.mark.parametrize(
        ("args", "source"),
        [
            (["--select", "pinterest.titl"], "--select"),
            (["--extend-select", "pinterest.titl"], "--extend-select"),
            (["--select", "post", "--extend-select", "pinterest.titl"], "--extend-select"),
            (["--ignore", "post,pinterest.titl"], "--ignore"),
            (["--severity", "pinterest.titl=warning"], "--severity"),
            (["--per-file-ignores", "*.json=pinterest.titl"], "--per-file-ignores"),
        ],
    )
    def test_a_flag_with_an_unknown_code_exits_2_with_the_nearest(
        self, tmp_path: Path, args: list[str], source: str
    ) -> None:
        """`--select pinterest.titl` would turn every check off and pass: it is a usage error
        naming the flag and suggesting pinterest.title."""
        result = run("lint", "--isolated", *args, write(tmp_path / "p.json", GOOD))
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.startswith(
            f"pinrules: {source}: no rule has the code or prefix 'pinterest.titl'"
        )
        assert "did you mean 'pinterest.title'" in result.stderr

    @pytest.mark.parametrize("key", ["select", "extend-select", "ignore", "severity", "per-file-ignores"])
    def test_a_setting_with_an_unknown_code_names_the_file_and_key(self, tmp_path: Path, key: str) -> None:
        """The same in [tool.pinrules]: the message names the settings file and the key."""
        value = {
            "severity": '{"pinterest.titl" = "info"}',
            "per-file-ignores": '{"*.json" = ["pinterest.titl"]}',
        }.get(key, '["pinterest.titl"]')
        write(tmp_path / "pyproject.toml", f"[tool.pinrules]\n{key} = {value}\n")
        result = run("lint", write(tmp_path / "p.json", GOOD), cwd=tmp_path)
        assert result.returncode == 2
        pyproject = tmp_path / "pyproject.toml"
        assert result.stderr.startswith(f"pinrules: {pyproject}: [tool.pinrules] {key}: no rule has the code")

    def test_house_rule_codes_are_known_when_their_folder_is_loaded(self, tmp_path: Path) -> None:
        """--select house.title works with --rules-dir, and is unknown without it."""
        post = write(tmp_path / "p.json", {**GOOD, "title": "FREE soup"})
        with_rules = run("lint", "--isolated", "--rules-dir", HOUSE_RULES, "--select", "house.title", post)
        assert (with_rules.returncode, with_rules.stdout.split()[2]) == (1, "house.title.no_free")
        assert run("lint", "--isolated", "--select", "house.title", post).returncode == 2

    def test_preflight_refuses_unknown_codes(self) -> None:
        """Preflight(select=["nope"]) raises UsageError (a PinrulesError), naming the argument."""
        with pytest.raises(UsageError, match=r"^select: no rule has the code or prefix 'nope'"):
            Preflight(select=["nope"])
        with pytest.raises(UsageError, match=r"did you mean 'post\.media'"):
            Preflight(ignore=["post.meda"])
        with pytest.raises(UsageError, match=r"^severity: "):
            Preflight(severity={"pinterest.vide": "info"})
        assert [r.code for r in Preflight(select=["ALL"]).rules] == [r.code for r in Preflight().rules]


NOT_POSTS = {
    "package.json": {"name": "shop", "version": "1.0.0", "scripts": {"build": "vite"}},
    "package-lock.json": {"name": "shop", "lockfileVersion": 3},
    "tsconfig.json": {"compilerOptions": {"strict": True}},
    "tsconfig.build.json": {"extends": "./tsconfig.json"},
    "composer.json": {"require": {}},
    ".gitlab-ci.yml": "test:\n  script: [make test]\n",
    ".pre-commit-config.yaml": "repos: []\n",
    "docker-compose.override.yml": "services: {}\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    "node_modules/x/package.json": {"name": "x"},
    ".venv/lib/data.json": {"a": 1},
    "venv/data.json": {"a": 1},
    "__pycache__/x.json": {"a": 1},
    "build/out.json": {"a": 1},
    "dist/out.json": {"a": 1},
    "vendor/lib.json": {"a": 1},
    "schemas/post.schema.json": {"type": "object"},
}


def _project_with_clutter(root: Path) -> None:
    for name, value in NOT_POSTS.items():
        write(root / name, value)
    write(root / "posts" / "soup.json", GOOD)


class TestExcludes:
    def test_well_known_files_that_are_not_posts_are_left_out(self, tmp_path: Path) -> None:
        """package.json, tsconfig*.json, CI files, dependency and build folders: 12 bogus errors
        before; now only the post is checked."""
        _project_with_clutter(tmp_path)
        result = run("lint", "--isolated", tmp_path)
        assert (result.returncode, result.stdout) == (0, "1 file checked: no problems.\n")

    def test_a_file_named_on_the_command_line_is_always_linted(self, tmp_path: Path) -> None:
        """As in ruff: a named file is checked even when excluded, unless --force-exclude."""
        package = write(tmp_path / "package.json", NOT_POSTS["package.json"])
        named = run("lint", "--isolated", package)
        assert (named.returncode, named.stdout.split()[2]) == (1, "post.not_a_post")
        forced = run("lint", "--isolated", "--force-exclude", package)
        assert forced.returncode == 2
        assert "no post files to check" in forced.stderr
        assert run("lint", "--isolated", "--force-exclude", "--allow-empty", package).returncode == 0

    def test_exclude_and_extend_exclude_flags(self, tmp_path: Path) -> None:
        """--extend-exclude adds globs (a name anywhere, or a path from the working folder);
        --exclude replaces the default list."""
        write(tmp_path / "posts" / "soup.json", GOOD)
        write(tmp_path / "posts" / "drafts" / "a.json", {"title": 5})
        write(tmp_path / "posts" / "old" / "b.json", {"title": 5})
        write(tmp_path / "posts" / "package.json", NOT_POSTS["package.json"])
        extended = run("lint", "--isolated", "--extend-exclude", "drafts,posts/old/*", "posts", cwd=tmp_path)
        assert extended.stdout == "1 file checked: no problems.\n"
        replaced = run(
            "lint", "--isolated", "--format", "json", "--exclude", "drafts,old", "posts", cwd=tmp_path
        )
        assert {Path(d["file"]).name for d in json.loads(replaced.stdout)} == {"package.json"}

    def test_exclude_settings_are_relative_to_the_settings_file(self, tmp_path: Path) -> None:
        """extend-exclude = ["posts/old/*"] in pyproject.toml holds when run from a subfolder."""
        write(tmp_path / "pyproject.toml", '[tool.pinrules]\nextend-exclude = ["posts/old/*", "drafts"]\n')
        write(tmp_path / "posts" / "soup.json", GOOD)
        write(tmp_path / "posts" / "old" / "b.json", {"title": 5})
        write(tmp_path / "posts" / "drafts" / "c.json", {"title": 5})
        result = run("lint", ".", cwd=tmp_path / "posts")
        assert (result.returncode, result.stdout) == (0, "1 file checked: no problems.\n")

    def test_pinrules_own_files_are_not_posts(self, tmp_path: Path) -> None:
        """The accounts file, the baseline and the rule folders of the settings are left out."""
        write(
            tmp_path / "pyproject.toml",
            '[tool.pinrules]\naccounts = "accounts.yaml"\nrules-dirs = ["rules"]\n',
        )
        write(tmp_path / "accounts.yaml", "acc: {defaultBoardId: '1'}\n")
        shutil.copytree(HOUSE_RULES, tmp_path / "rules")
        write(tmp_path / "soup.json", {**GOOD, "options": {"pinterest": {"boardId": "1", "altText": "Soup"}}})
        run("lint", "--write-baseline", "baseline.json", ".", cwd=tmp_path)
        result = run("lint", "--baseline", "baseline.json", ".", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, "1 file checked: no problems.\n")


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


class TestGitignore:
    def test_what_git_ignores_is_skipped_unless_told(self, tmp_path: Path) -> None:
        """Inside a git work tree, ignored files and folders are left out; a tracked file that
        matches a pattern is not ignored; --no-respect-gitignore checks them all."""
        _git("init", "-q", cwd=tmp_path)
        write(tmp_path / ".gitignore", "generated/\n*.tmp.json\n")
        write(tmp_path / "posts" / "soup.json", GOOD)
        write(tmp_path / "posts" / "scratch.tmp.json", {"title": 5})
        write(tmp_path / "generated" / "x.json", {"title": 5})
        write(tmp_path / "posts" / "kept.tmp.json", GOOD)
        _git("add", "-f", "posts/kept.tmp.json", cwd=tmp_path)
        respected = run("lint", "--isolated", ".", cwd=tmp_path)
        assert (respected.returncode, respected.stdout) == (0, "2 files checked: no problems.\n")
        everything = run("lint", "--isolated", "--no-respect-gitignore", ".", cwd=tmp_path)
        assert everything.stdout.splitlines()[-1] == "6 errors in 2 of 4 files."
        named = run("lint", "--isolated", "posts/scratch.tmp.json", cwd=tmp_path)
        assert named.returncode == 1  # named on the command line: checked
        forced = run("lint", "--isolated", "--force-exclude", "posts/scratch.tmp.json", cwd=tmp_path)
        assert forced.returncode == 2

    def test_respect_gitignore_setting(self, tmp_path: Path) -> None:
        """respect-gitignore = false in [tool.pinrules] does what the flag does."""
        _git("init", "-q", cwd=tmp_path)
        write(tmp_path / ".gitignore", "*.tmp.json\n")
        write(tmp_path / "pyproject.toml", "[tool.pinrules]\nrespect-gitignore = false\n")
        write(tmp_path / "scratch.tmp.json", {"title": 5})
        assert run("lint", ".", cwd=tmp_path).returncode == 1

    def test_outside_a_work_tree_nothing_is_ignored(self, tmp_path: Path) -> None:
        """A .gitignore outside any git work tree means nothing (git itself ignores it)."""
        write(tmp_path / ".gitignore", "*.json\n")
        write(tmp_path / "p.json", {"title": 5})
        assert run("lint", "--isolated", tmp_path).returncode == 1


class TestNothingToCheck:
    def test_an_empty_folder_is_an_error(self, tmp_path: Path) -> None:
        """0 files checked is not a pass: exit 2 with what was searched; --allow-empty accepts it."""
        (tmp_path / "posts").mkdir()
        result = run("lint", "--isolated", tmp_path / "posts")
        assert (result.returncode, result.stdout) == (2, "")
        assert f"no post files to check in {tmp_path / 'posts'}" in result.stderr
        assert "--allow-empty" in result.stderr
        allowed = run("lint", "--isolated", "--allow-empty", tmp_path / "posts")
        assert (allowed.returncode, allowed.stdout) == (0, "0 files checked: no problems.\n")


class TestNotAPost:
    def test_a_file_with_no_post_field_is_one_diagnostic(self, tmp_path: Path) -> None:
        """A mapping with none of the post fields gets post.not_a_post, not an error per key."""
        other = write(tmp_path / "settings.json", {"name": "x", "version": 2, "private": True})
        result = run("lint", "--isolated", "--format", "json", other)
        (found,) = json.loads(result.stdout)
        assert (found["rule"], found["line"], found["column"]) == ("post.not_a_post", 1, 1)
        assert "does not look like a post" in found["message"]
        assert "--extend-exclude" in found["fix"]

    def test_ignoring_it_checks_the_file_as_a_post(self, tmp_path: Path) -> None:
        """With post.not_a_post ignored, the post rules speak again."""
        other = write(tmp_path / "settings.json", {"name": "x"})
        result = run("lint", "--isolated", "--format", "json", "--ignore", "post.not_a_post", other)
        assert "post.unknown_field" in {d["rule"] for d in json.loads(result.stdout)}

    def test_a_post_with_its_schema_is_a_post(self, tmp_path: Path) -> None:
        """$schema is allowed in a post, and one naming the post schema marks a post."""
        schema = "https://pinrules.dev/schemas/post.schema.json"
        post = write(tmp_path / "p.json", {"$schema": schema, **GOOD})
        assert run("lint", "--isolated", post).stdout == "1 file checked: no problems.\n"
        only = write(tmp_path / "only.json", {"$schema": "../schemas/post.schema.json"})
        codes = {d["rule"] for d in json.loads(run("lint", "--isolated", "--format", "json", only).stdout)}
        assert codes == {"pinterest.media.required", "pinterest.board.required"}
        typed = write(tmp_path / "typed.json", {"$schema": 5, **GOOD})
        assert json.loads(run("lint", "--format", "json", typed).stdout)[0]["rule"] == "post.field.type"


GOOD_RULE = """\
code: house.title.required
severity: error
phase: static
summary: Every pin has a title.
message: add a title
fix: Set title.
then: {path: /title, exists: true}
examples:
  pass:
    - post: {title: Soup}
  fail:
    - post: {text: Soup}
"""


class TestRuleExamples:
    def test_a_failing_example_that_passes_is_a_broken_rule_file(self, tmp_path: Path) -> None:
        """The rule's own fail example must raise it: the error names the file and the example."""
        write(
            tmp_path / "house.title.required.yaml",
            GOOD_RULE.replace("post: {text: Soup}", "post: {title: x}"),
        )
        with pytest.raises(RuleFileError) as caught:
            load_rules([tmp_path])
        assert caught.value.file.endswith("house.title.required.yaml")
        assert (caught.value.line, caught.value.column) == (12, 7)
        assert caught.value.message.startswith("examples/fail/0: this post passes the rule")

    def test_a_passing_example_that_fails_is_a_broken_rule_file(self, tmp_path: Path) -> None:
        """The rule's own pass example must not raise it; through the CLI it is exit 2."""
        write(tmp_path / "rules" / "house.title.required.yaml",
              GOOD_RULE.replace("post: {title: Soup}", "post: {text: Soup}"))  # fmt: skip
        result = run(
            "lint", "--isolated", "--rules-dir", tmp_path / "rules", write(tmp_path / "p.json", GOOD)
        )
        assert result.returncode == 2
        assert "house.title.required.yaml:10:7: examples/pass/0: this post raises house.title.required" in (
            result.stderr
        )

    def test_the_examples_are_not_run_on_a_warm_start(self, tmp_path: Path) -> None:
        """Validated rules come from the cache: a warm load validates nothing (jsonschema is not
        even imported), so the examples do not run again."""
        write(tmp_path / "house.title.required.yaml", textwrap.dedent(GOOD_RULE))
        load_rules([tmp_path])
        code = (
            "import sys; from pinrules import load_rules; "
            f"load_rules([{str(tmp_path)!r}]); print('jsonschema' in sys.modules)"
        )
        warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert warm.stdout == "False\n"
