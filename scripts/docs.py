"""Regenerate the README's rule table and docs/rules.md from the rule files.

python scripts/docs.py          # rewrite them (make docs)
python scripts/docs.py --check  # exit 1 when either is stale
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pinrules import Preflight, rules_markdown, with_table

ROOT = Path(__file__).resolve().parent.parent


def stale_documents(root: Path = ROOT) -> dict[Path, str]:
    """Each generated document whose text on disk differs from what the rules give, with that text."""
    preflight = Preflight()
    readme, docs = root / "README.md", root / "docs" / "rules.md"
    wanted = {
        readme: with_table(readme.read_text(encoding="utf-8"), preflight.all_rules),
        docs: rules_markdown(preflight),
    }
    return {p: text for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text}


def main(argv: Sequence[str] = ()) -> int:
    stale = stale_documents()
    if "--check" in argv:
        for path in stale:
            print(f"{path} is stale: run `make docs`")
        return 1 if stale else 0
    for path, text in stale.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
