"""The README's promises: the quickstart is the two commands, CI calls the test command."""

from __future__ import annotations

from .helpers import ROOT


def test_quickstart_is_make_demo_then_make_test() -> None:
    """The README opens with exactly the two quickstart commands."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run calls `make test`."""
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
