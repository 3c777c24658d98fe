"""Static preflight per post, against json.loads, jsonschema and (when installed) jsonschema_rs on
the same posts, in the same run:

- the clean path: posts without a finding;
- the findings path: the same posts, each broken in 14 usual ways (misspelt and unknown keys,
  wrong types, bad URLs, a bad date, a long alt text, an unsupported type, a missing board), so
  that each gets 14 diagnostics with their messages; goal at least 10x faster than jsonschema,
  and at most 2 us per finding above the clean path.

And what the example house rules cost on top (two of their three rules are patterns, which run on
the regex engine with a time limit: about 2 us a search, against under 0.5 us for re without one).

Every figure is the best of several rounds, the sides taking turns within each round, in CPU
time of this process (what other processes on a shared machine take does not count).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from pinrules import Preflight

from .corpus import posts
from .timing import best_of

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = 14
ROUNDS = 9


def broken(post: dict[str, Any], number: int) -> dict[str, Any]:
    """The post with 14 mistakes people make, each a finding of its own."""
    post = copy.deepcopy(post)
    pinterest = post["options"]["pinterest"]
    media = post["media"][0]
    post["id"] = number  # an id without quotes
    post["accountID"] = post.pop("accountId")  # the wrong case: 'did you mean'
    post["Title"] = post.pop("title")
    post["text"] = [post["text"]]  # a list where text belongs
    post["scheduledAt"] = f"2026-12-{number % 28 + 1:02d} 9am"
    media["url"] = "ftp" + media["url"].removeprefix("https")  # not http(s)
    media["mimeType"] = "image/gif" if media["kind"] == "image" else "video/avi"
    media["sizeBytes"] = f"{number % 9 + 1} MB"
    media["Kind"] = media["kind"]
    pinterest["boardID"] = pinterest.pop("boardId")  # and so no board either
    pinterest["altText"] = "Photo of " + "soup " * (100 + number % 40)
    pinterest["destinationUrl"] = f"example.com/recipes/{number}"  # no scheme
    pinterest["link"] = pinterest["destinationUrl"]  # an API field name, not an option
    return post


def main() -> list[tuple[str, float, str, bool]]:
    preflight = Preflight()
    house = Preflight([ROOT / "examples" / "house-rules"])
    clean = [p for p in posts(2400) if not preflight.check(p)][:2000]
    bad = [broken(p, n) for n, p in enumerate(clean)]
    counts = {len(preflight.check(p)) for p in bad}
    assert counts == {FINDINGS}, counts
    texts = [json.dumps(p) for p in clean]
    schema = json.loads((ROOT / "schemas" / "post.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    sides: dict[str, Callable[[], object]] = {
        "loads": lambda: [json.loads(t) for t in texts],
        "clean": lambda: [preflight.check(p) for p in clean],
        "findings": lambda: [preflight.check(p) for p in bad],
        "house": lambda: [house.check(p) for p in clean],
        "jsonschema clean": lambda: [list(validator.iter_errors(p)) for p in clean],
        "jsonschema findings": lambda: [list(validator.iter_errors(p)) for p in bad],
    }
    try:
        import jsonschema_rs

        fast = jsonschema_rs.validator_for(schema)
        sides["jsonschema_rs clean"] = lambda: [list(fast.iter_errors(p)) for p in clean]
        sides["jsonschema_rs findings"] = lambda: [list(fast.iter_errors(p)) for p in bad]
    except ImportError:
        print("jsonschema_rs is not installed: its column is left out")
    best = best_of(sides, ROUNDS, time.process_time)
    per = {name: seconds * 1e6 / len(clean) for name, seconds in best.items()}
    size = sum(map(len, texts)) // len(texts)
    schema_errors = sum(len(list(validator.iter_errors(p))) for p in bad) / len(bad)
    print(f"static preflight over {len(clean):,} posts (avg {size} bytes), best of {ROUNDS} rounds")
    print(f"  {'':24s} {'clean':>10s} {f'{FINDINGS} findings':>12s}")
    print(f"  {'json.loads':24s} {per['loads']:8.2f} us")
    print(f"  {'Preflight().check':24s} {per['clean']:8.2f} us {per['findings']:10.2f} us")
    print(f"  {'with house rules':24s} {per['house']:8.2f} us (examples/house-rules: 2 patterns)")
    for name in ("jsonschema", "jsonschema_rs"):
        if f"{name} clean" in per:
            print(f"  {name + ' 2020-12':24s} {per[f'{name} clean']:8.2f} us "
                  f"{per[f'{name} findings']:10.2f} us")  # fmt: skip
    print(f"  (jsonschema reports {schema_errors:.0f} errors per broken post)")
    per_finding = (per["findings"] - per["clean"]) / FINDINGS
    print(f"  cost of a finding: {per_finding:.2f} us above the clean path")
    loads_ratio = per["clean"] / per["loads"]
    clean_ratio = per["jsonschema clean"] / per["clean"]
    findings_ratio = per["jsonschema findings"] / per["findings"]
    house_ratio = per["house"] / per["clean"]
    results = [
        ("preflight / json.loads, clean", loads_ratio, "<= 2.0x", loads_ratio <= 2),
        ("jsonschema / preflight, clean", clean_ratio, ">= 10x", clean_ratio >= 10),
        (f"jsonschema / preflight, {FINDINGS} findings", findings_ratio, ">= 10x", findings_ratio >= 10),
        ("a finding above the clean path (us)", per_finding, "<= 2 us", per_finding <= 2),
        ("preflight with house rules / built-in only", house_ratio, "<= 2.5x", house_ratio <= 2.5),
    ]
    if "jsonschema_rs findings" in per:
        ratio = per["jsonschema_rs findings"] / per["findings"]
        results.append((f"jsonschema_rs / preflight, {FINDINGS} findings", ratio, "info", True))
        ratio = per["jsonschema_rs clean"] / per["clean"]
        results.append(("jsonschema_rs / preflight, clean", ratio, "info", True))
    return results


if __name__ == "__main__":
    for row in main():
        print(row)
