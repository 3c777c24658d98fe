"""The parts of Pinterest's official OpenAPI description (API v5, MIT licence) that the
stand-in validates request bodies with, extracted so that they ship with the package.

    python -m publisher._api_subset ../shared/pinterest-api/openapi.json   # regenerate
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOTS = ("PinCreate", "MediaUploadCreate", "OauthAccessTokenRequestCode", "OauthAccessTokenRequestRefresh")
SUBSET = Path(__file__).resolve().parent / "pinterest-api-v5.subset.json"


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
        f"(version {openapi['info']['version']}, MIT licence) by publisher/_api_subset.py.",
        "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}},
    }


def load() -> dict[str, Any]:
    subset: dict[str, Any] = json.loads(SUBSET.read_text(encoding="utf-8"))
    return subset


if __name__ == "__main__":
    official = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    SUBSET.write_text(json.dumps(extract(official), indent=1, sort_keys=True) + "\n", encoding="utf-8")
