"""`pinrules lint` against `check-jsonschema` on the same files: wall time of the real commands."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .corpus import write_files

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "posts"


def _wall(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> list[tuple[str, float, str, bool]]:
    files = [str(p) for p in write_files(WORK, 2000)]
    bin_dir = Path(sys.executable).parent
    checker = shutil.which("check-jsonschema", path=str(bin_dir)) or "check-jsonschema"
    pinrules = [sys.executable, "-m", "pinrules", "lint"]
    schema = ["--schemafile", str(ROOT / "schemas" / "post.schema.json")]
    results = []
    for label, chosen, repeat in (("2,000 files", files, 5), ("one file", files[:1], 11)):
        _wall([*pinrules, *chosen], 1)  # warm the rule cache and the disk cache
        _wall([checker, *schema, *chosen], 1)
        ours = _wall([*pinrules, *chosen], repeat)
        theirs = _wall([checker, *schema, *chosen], repeat)
        print(f"lint {label}: pinrules {ours:.3f} s, check-jsonschema {theirs:.3f} s (median of {repeat})")
        results.append(
            (f"pinrules / check-jsonschema, {label}", ours / theirs, "<= 0.5x", ours / theirs <= 0.5)
        )
    return results
