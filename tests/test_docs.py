"""Documentation generated from rules/ stays in sync with it."""

from __future__ import annotations

from pinrules._docs import main


def test_readme_rule_table_is_fresh() -> None:
    """README.md holds exactly the table `python -m pinrules._docs` would write."""
    assert main(["--check"]) == 0, "README.md is stale: run `make docs`"
