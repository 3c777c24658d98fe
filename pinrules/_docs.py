"""Documentation generated from the rule files: the README's rule table.

python -m pinrules._docs          # rewrite the table in README.md
python -m pinrules._docs --check  # exit 1 when README.md is stale
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ._rules import Rule, load_rules

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rule_table(rules: Sequence[Rule]) -> str:
    lines = ["| code | severity | phase | what it checks |", "|---|---|---|---|"]
    lines += [f"| `{r.code}` | {r.severity} | {r.phase} | {_cell(r.summary)} |" for r in rules]
    return "\n".join(lines)


def with_table(readme: str, rules: Sequence[Rule]) -> str:
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{rule_table(rules)}\n{END}{after}"


def main(argv: Sequence[str] = ()) -> int:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    fresh = with_table(text, load_rules())
    if "--check" in argv:
        return 0 if fresh == text else 1
    readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
