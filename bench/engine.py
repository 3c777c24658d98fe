"""Static preflight per post against json.loads and jsonschema, on the same posts, same run; and
what the example house rules cost on top (two of their three rules are patterns, which run on the
regex engine with a time limit: about 2 us a search, against under 0.5 us for re without one)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema

from pinrules import Preflight

from .corpus import posts

ROOT = Path(__file__).resolve().parent.parent


def _best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> list[tuple[str, float, str, bool]]:
    corpus = posts(2000)
    texts = [json.dumps(p) for p in corpus]
    preflight = Preflight()
    schema = json.loads((ROOT / "schemas" / "post.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)

    loads = _best(lambda: [json.loads(t) for t in texts], 15)
    check = _best(lambda: [preflight.check(p) for p in corpus], 15)
    house = Preflight([ROOT / "examples" / "house-rules"])
    with_house = _best(lambda: [house.check(p) for p in corpus], 15)
    schema_time = _best(lambda: [list(validator.iter_errors(p)) for p in corpus], 3)

    per = 1e6 / len(corpus)
    print(f"static preflight over {len(corpus)} posts (avg {sum(map(len, texts)) // len(texts)} bytes)")
    print(f"  json.loads           {loads * per:8.2f} us/post")
    print(f"  Preflight().check    {check * per:8.2f} us/post")
    print(f"  with house rules     {with_house * per:8.2f} us/post (examples/house-rules: 2 patterns)")
    print(f"  jsonschema 2020-12   {schema_time * per:8.2f} us/post")
    return [
        ("preflight / json.loads", check / loads, "<= 2.0x", check / loads <= 2.0),
        ("jsonschema / preflight (speed-up)", schema_time / check, ">= 10x", schema_time / check >= 10),
        (
            "preflight with house rules / built-in only",
            with_house / check,
            "<= 2.5x",
            with_house / check <= 2.5,
        ),
    ]
