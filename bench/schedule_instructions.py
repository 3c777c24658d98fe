"""Issue 13's comparison counted in instructions instead of seconds: what one more post costs
`pinrules worker --once` (SQLite) and `Publisher` directly, against the local stand-in, under
valgrind (callgrind). The count does not change with the machine's load, so it settles what a
timed run on a noisy machine cannot; seconds remain the goal (`bench.schedule`). Each side runs at
two sizes, and the difference is the cost of a post; the worker's start-up is printed beside it.
Not part of `make bench` (valgrind makes it slow: a few minutes); skipped, saying why, without
valgrind.

    python3 bench/wheel_venv.py schedule_instructions     # or: -m bench.schedule_instructions [N1 N2]
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from publisher import open_backend

from . import schedule as bs
from .commands import ROOT

SIZES = (200, 800)
VALGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
Row = tuple[str, float, str, bool]


def _collected(stderr: str) -> int:
    found = re.search(r"Collected : (\d+)", stderr)
    if found is None:
        raise SystemExit(f"bench.schedule_instructions: valgrind said no count:\n{stderr[-2000:]}")
    return int(found.group(1))


def _worker(n: int, work: Path, folder: Path) -> int:
    """Instructions of one `pinrules worker --once` draining `n` posts due at once."""
    store = work / f"store-{n}"
    backend = open_backend(f"sqlite:{store}")
    held = time.time()
    posts = [bs._post(i, held + 1) for i in range(n)]
    asyncio.run(bs._enqueue(backend, posts, folder, lambda: held))
    backend.close()
    time.sleep(max(0.0, held + 1 - time.time()))
    with bs._stand_in():
        done = subprocess.run([*VALGRIND, *bs._worker_command(f"sqlite:{store}", "--once")], cwd=work,
                              env=bs._environment(work / f"data-{n}"), capture_output=True, text=True,
                              check=False)  # fmt: skip
    bs._require(f"{n} published" in done.stdout, f"the worker did not publish {n}: {done.stdout[-500:]}")
    return _collected(done.stderr)


def _direct(n: int, work: Path, folder: Path) -> int:
    """Instructions of a process that publishes `n` posts through `Publisher` (its start-up in)."""
    code = (
        "import asyncio, time; from pathlib import Path; import bench.schedule as bs; "
        f"due = time.time() - 5; posts = [bs._post(i, due) for i in range({n})]; "
        f"asyncio.run(bs._direct(posts, Path({str(folder)!r}), Path({str(work / f'direct-{n}.sqlite3')!r})))"
    )
    with bs._stand_in():
        done = subprocess.run([*VALGRIND, sys.executable, "-P", "-c", code], cwd=ROOT, env=dict(os.environ),
                              capture_output=True, text=True, check=False)  # fmt: skip
    bs._require(done.returncode == 0, f"the direct publish failed: {done.stderr[-1000:]}")
    return _collected(done.stderr)


def main(sizes: tuple[int, int] = SIZES) -> list[Row]:
    small, large = sizes
    print(f"instructions (valgrind), one more post, from {small} to {large} posts due at once:")
    if shutil.which("valgrind") is None:
        print("  skipped: valgrind is not installed")
        return []
    work = Path(tempfile.mkdtemp(prefix="pinrules-bench-instructions-"))
    try:
        folder = work / "posts"
        folder.mkdir()
        shutil.copy(bs.IMAGE, folder / bs.IMAGE.name)
        per_post: dict[str, float] = {}
        for side, count in (("worker", _worker), ("direct", _direct)):
            few, many = count(small, work, folder), count(large, work, folder)
            per_post[side] = (many - few) / (large - small)
            fixed = few - per_post[side] * small
            print(f"  {side}: {per_post[side] / 1e3:,.0f}k a post; the rest (start-up): {fixed / 1e6:,.0f}M")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = per_post["direct"] / per_post["worker"]
    print(f"  direct / worker, a post: {ratio:.3f}x")
    return [("instructions a post: direct / one worker", ratio, "info", True)]


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main((arguments[0], arguments[1]) if len(arguments) == 2 else SIZES)
