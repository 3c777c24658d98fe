"""Start-up: how long the commands people type most take before they do anything.

- `pinrules --version` and `pinrules --help` against `python -c pass` (goal: at most 40 ms
  above it);
- `pinrules publish --dry-run` of one post (a local image: no network) against the same command
  of pinrules before the package boundary was drawn (commit 27f4dc9, read with `git archive`
  and run from its own tree with the same Python and libraries): goal at least 100 ms faster.

Each figure is the best of several runs, alternating the two sides.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .commands import ROOT, source_tree

BEFORE = "27f4dc9"  # the last commit before the boundary change
ROUNDS = 15


def _best(commands: list[tuple[list[str], dict[str, str]]], cwd: Path) -> list[float]:
    """The best wall time of each command, run alternately ROUNDS times."""
    best = [float("inf")] * len(commands)
    for _ in range(ROUNDS):
        for n, (command, env) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(
                command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )
            best[n] = min(best[n], time.perf_counter() - start)
    return best


def main() -> list[tuple[str, float, str, bool]]:
    python = sys.executable
    results: list[tuple[str, float, str, bool]] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {**os.environ, "PINRULES_CACHE_DIR": str(work / "cache")}
        base, version, help_ = _best(
            [([python, "-c", "pass"], env), ([python, "-m", "pinrules", "--version"], env),
             ([python, "-m", "pinrules", "--help"], env)],
            work,
        )  # fmt: skip
        for name, seconds in (("--version", version), ("--help", help_)):
            above = (seconds - base) * 1000
            print(f"pinrules {name}: {seconds * 1000:.0f} ms, python -c pass {base * 1000:.0f} ms")
            results.append((f"pinrules {name}: ms above python (ms)", above, "<= 40 ms", above <= 40))
        shutil.copy(ROOT / "examples" / "media" / "pumpkin-soup.jpg", work / "soup.jpg")
        post = {"id": "soup", "title": "Soup", "media": [{"kind": "image", "path": "soup.jpg"}],
                "options": {"pinterest": {"boardId": "549755885175"}}}  # fmt: skip
        (work / "post.json").write_text(json.dumps(post), encoding="utf-8")
        old = source_tree(BEFORE, work / "before")
        if old is None:
            print(f"publish --dry-run: commit {BEFORE} is not in this checkout; skipped")
            return results
        command = [python, "-m", "pinrules", "publish", "--dry-run", "--isolated", "post.json"]
        now, before = _best([(command, env), (command, {**env, "PYTHONPATH": str(old)})], work)
        saved = (before - now) * 1000
        print(f"publish --dry-run, one post: {now * 1000:.0f} ms, before the boundary {before * 1000:.0f} ms")
        results.append(("publish --dry-run: ms faster than before (ms)", saved, ">= 100 ms", saved >= 100))
    return results


if __name__ == "__main__":
    for row in main():
        print(row)
