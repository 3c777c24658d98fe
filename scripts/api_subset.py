"""Extract the parts of Pinterest's official OpenAPI description (API v5, MIT licence) that the
stand-in validates request bodies with, so that they ship with the package.

    python scripts/api_subset.py ../shared/pinterest-api/openapi.json          # regenerate
    python scripts/api_subset.py ../shared/pinterest-api/openapi.json --check  # exit 1 if stale
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOTS = ("PinCreate", "MediaUploadCreate", "OauthAccessTokenRequestCode", "OauthAccessTokenRequestRefresh")
SUBSET = Path(__file__).resolve().parent.parent / "publisher" / "pinterest-api-v5.subset.json"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def extract(openapi: dict[str, Any]) -> dict[str, Any]:
    schemas = openapi["components"]["schemas"]
    wanted: set[str] = set()
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_refs(schemas[name]) - wanted)
    return {
        "$comment": "Extracted from Pinterest's OpenAPI description of API v5 "
        f"(version {openapi['info']['version']}, MIT licence) by scripts/api_subset.py.",
        "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}},
    }


def main(argv: Sequence[str]) -> int:
    official = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    text = json.dumps(extract(official), indent=1, sort_keys=True) + "\n"
    if "--check" in argv:
        current = json.loads(SUBSET.read_text(encoding="utf-8"))
        if current["components"] != extract(official)["components"]:
            print(f"{SUBSET} is stale: run python scripts/api_subset.py {argv[0]}")
            return 1
        return 0
    SUBSET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
