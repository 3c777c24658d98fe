"""The README's examples are true: each console block's commands are run and print what is
shown, and the settings snippet is a valid [tool.pinrules] table."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .helpers import GOOD, ROOT, run, write

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONSOLE = re.findall(r"```console\n(.*?)```", README, re.DOTALL)


def _examples() -> list[tuple[str, list[str]]]:
    """(command, the lines shown after it) for every `$ ` line of every console block."""
    found: list[tuple[str, list[str]]] = []
    for block in CONSOLE:
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


EXAMPLES = _examples()


def test_the_readme_has_console_examples() -> None:
    """The linter section shows commands (so that the test below cannot pass on nothing)."""
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(command: str, shown: list[str]) -> None:
    """The command prints the lines shown (all of them, or those before a `...`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip
    printed = (done.stdout + done.stderr).splitlines()
    if "..." in shown:
        shown = shown[: shown.index("...")]
        printed = printed[: len(shown)]
    assert printed == shown


SETTINGS = re.search(r"### Settings\n.*?```toml\n(.*?)```", README, re.DOTALL)


def test_the_settings_snippet_is_a_valid_table(tmp_path: Path) -> None:
    """Every key of the snippet loads, is shown by --show-settings as coming from the file, and
    a lint run with it works (its codes and folders exist)."""
    assert SETTINGS is not None
    snippet = SETTINGS.group(1)
    pyproject = write(tmp_path / "pyproject.toml", snippet)
    shutil.copytree(ROOT / "examples" / "house-rules", tmp_path / "house-rules")
    shutil.copy(ROOT / "examples" / "accounts.yaml", tmp_path / "accounts.yaml")
    shown = run("lint", "--show-settings", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = {line.split(" = ")[0]: line for line in shown.stdout.splitlines() if " = " in line}
    table = tomllib.loads(snippet)["tool"]["pinrules"]
    for key, value in table.items():
        assert lines[key].endswith(f"# {pyproject}"), key
        if key in ("select", "extend-select", "ignore", "extend-exclude", "fail-on", "app-id"):
            assert lines[key].startswith(f"{key} = {json.dumps(value)}"), key
    post = {**GOOD, "options": {"pinterest": {"boardId": "549755885175", "altText": "Soup"}}}
    linted = run("lint", write(tmp_path / "posts" / "soup.json", post), cwd=tmp_path)
    assert (linted.returncode, linted.stdout, linted.stderr) == (0, "1 file checked: no problems.\n", "")
