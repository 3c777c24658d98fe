"""`pinrules lint` against `check-jsonschema` on the same files: wall time of the real commands,
as installed (their scripts, each best of several runs, the two taking turns).

- one file (start-up dominates): goal at most 0.25x check-jsonschema's time;
- 2,000 files: goal at most 0.5x;
- scaling: 1,000, 10,000 and 50,000 files, seconds per 1,000 files and peak memory (RSS) of the
  process, check-jsonschema beside it at 1,000 and 10,000 (50,000 would take it minutes).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .commands import ROOT, pinrules_command
from .corpus import write_files

WORK = ROOT / "bench" / ".work"
SCHEMA = ["--schemafile", str(ROOT / "schemas" / "post.schema.json")]
SCALES = (1_000, 10_000, 50_000)
BESIDE = (1_000, 10_000)  # the sizes check-jsonschema is measured at too


# the peak memory of a process counts the memory it was forked with (Linux keeps the high-water
# mark across exec): so a small Python starts the command and reports its child's peak
_PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=WORK, check=False)
    return time.perf_counter() - start


def _peak_mb(command: list[str]) -> float:
    """Peak RSS (MB) of one run of the command."""
    found = subprocess.run([sys.executable, "-c", _PEAK, *command], capture_output=True, text=True,
                           cwd=WORK, check=True)  # fmt: skip
    return int(found.stdout) / 1024


def _best(commands: list[list[str]], rounds: int) -> list[float]:
    """Best time of each command, the commands taking turns."""
    best = [math.inf] * len(commands)
    for _ in range(rounds):
        for n, command in enumerate(commands):
            best[n] = min(best[n], _seconds(command))
    return best


def _checker() -> list[str]:
    here = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    return [here or "check-jsonschema", *SCHEMA]


def main() -> list[tuple[str, float, str, bool]]:
    lint, checker = [*pinrules_command(), "lint", "--isolated"], _checker()
    results: list[tuple[str, float, str, bool]] = []
    files = [str(p) for p in write_files(WORK / "posts", 2000)]
    for label, chosen, rounds, goal in (("one file", files[:1], 15, 0.25), ("2,000 files", files, 5, 0.5)):
        _best([[*lint, *chosen], [*checker, *chosen]], 1)  # warm the rule cache and the disk cache
        ours, theirs = _best([[*lint, *chosen], [*checker, *chosen]], rounds)
        print(f"lint {label}: pinrules {ours * 1000:.0f} ms, check-jsonschema {theirs * 1000:.0f} ms "
              f"(best of {rounds})")  # fmt: skip
        ratio = ours / theirs
        results.append((f"pinrules / check-jsonschema, {label}", ratio, f"<= {goal}x", ratio <= goal))
    print("scaling (one folder of N post files; best of 2, one run at 50,000):")
    heads = ("files", "pinrules s/1k", "peak MB", "check-jsonschema s/1k", "peak MB")
    print("  " + " ".join(f"{head:>{width}s}" for head, width in zip(heads, (7, 14, 8, 22, 8), strict=True)))
    for count in SCALES:
        folder = WORK / f"scale-{count}"
        if len(list(folder.glob("*.json"))) != count:
            write_files(folder, count)
        rounds = 2 if count < 50_000 else 1
        commands = [[*lint, str(folder)]]
        if count in BESIDE:  # the shell would refuse 10,000 arguments only past ARG_MAX; Popen takes them
            commands.append([*checker, *sorted(str(p) for p in folder.glob("*.json"))])
        times = _best(commands, rounds)
        peaks = [_peak_mb(command) for command in commands]
        mine, our_mb = times[0], peaks[0]
        line = f"  {count:>7,} {mine / count * 1000:14.3f} {our_mb:8.0f}"
        if len(commands) > 1:
            line += f" {times[1] / count * 1000:22.3f} {peaks[1]:8.0f}"
            ratio = mine / times[1]
            results.append((f"pinrules / check-jsonschema, {count:,} files", ratio, "info", True))
        print(line)
        per_thousand = mine / count * 1000
        results.append((f"lint {count:,} files: seconds per 1,000 files (s)", per_thousand, "info", True))
        results.append((f"lint {count:,} files: peak RSS (MB)", our_mb, "info", True))
    return results


if __name__ == "__main__":
    for row in main():
        print(row)
