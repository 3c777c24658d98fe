"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit against this repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import GOOD, ROOT

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
IDENTITY = {
    "GIT_AUTHOR_NAME": "pinrules tests",
    "GIT_AUTHOR_EMAIL": "tests@pinrules.invalid",
    "GIT_COMMITTER_NAME": "pinrules tests",
    "GIT_COMMITTER_EMAIL": "tests@pinrules.invalid",
}


@pytest.fixture(scope="module")
def posts_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A git repository with one good and one bad post, and a private pre-commit cache."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hooks")
    repo = tmp_path_factory.mktemp("posts-repo")
    env = {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    env.pop("PINRULES_CACHE_DIR", None)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / "posts").mkdir()
    (repo / "posts" / "good.json").write_text(json.dumps(GOOD, indent=2))
    (repo / "posts" / "bad.yaml").write_text("media:\n  - kind: video\n    path: clip.mp4\n")
    (repo / "package.json").write_text('{"name": "not a post"}')
    (repo / "posts" / "package.json").write_text('{"name": "not a post either"}')
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    return repo, env


def _try(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRE_COMMIT, "try-repo", str(ROOT), "pinrules", "--files", *files],
                          cwd=repo, env=env, capture_output=True, text=True, check=False)  # fmt: skip


def test_hook_definitions() -> None:
    """Both hooks lint JSON and YAML files matching a post pattern; the online one adds --online."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["pinrules"]["entry"] == "pinrules lint --force-exclude --allow-empty"
    assert hooks["pinrules"]["types_or"] == ["json", "yaml"]
    assert hooks["pinrules"]["language"] == "python"
    assert hooks["pinrules-online"]["entry"] == "pinrules lint --online --force-exclude --allow-empty"
    assert hooks["pinrules-online"]["files"] == hooks["pinrules"]["files"]


def test_bad_post_fails_with_its_code(posts_repo: tuple[Path, dict[str, str]]) -> None:
    """A video pin without a cover fails the hook and names the rule and place."""
    repo, env = posts_repo
    result = _try(repo, env, "posts/bad.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "posts/bad.yaml:1:1: error pinterest.board.required" in result.stdout
    assert "error pinterest.video.cover_required" in result.stdout


def test_good_post_passes_and_other_json_is_left_alone(posts_repo: tuple[Path, dict[str, str]]) -> None:
    """A valid post passes; package.json does not match the hook's files pattern, and one in
    posts/ is excluded (--force-exclude applies the default excludes to named files)."""
    repo, env = posts_repo
    result = _try(repo, env, "posts/good.json", "package.json", "posts/package.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
