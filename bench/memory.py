"""Memory of `pinrules lint` in the number of files: flat, because no parsed file is kept.

Peak resident set of the real command (`RUSAGE_CHILDREN` of a wrapper, see `measure`) over
5,000 and 50,000 generated posts (bench/corpus.py: realistic, some with mistakes), and the
same 50,000 with the linter of the commit before this change (read with `git archive`), which
kept every parsed file until the end. Goals: 50,000 files under 100 MB, and within 20 MB of
5,000 files (what does grow is the list of file names and the diagnostics: a few hundred bytes a
file, against several kilobytes for a parsed file).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.measure import measure

from .commands import ROOT, source_tree
from .corpus import write_files

WORK = ROOT / "bench" / ".work" / "memory"
BEFORE = "8735951"  # main before the linter kept no parsed file


def main() -> list[tuple[str, float, str, bool]]:
    small = WORK / "5k"
    large = WORK / "50k"
    if len(list(large.glob("*.json"))) != 50_000:
        write_files(large, 50_000)
    if len(list(small.glob("*.json"))) != 5_000:
        write_files(small, 5_000)
    command = [sys.executable, "-m", "pinrules", "lint", "--isolated", "--quiet", "--no-respect-gitignore"]
    measure([*command, str(small)])  # warm the rule cache
    few = measure([*command, str(small)])
    many = measure([*command, str(large)])
    assert many.stdout.count("\n") > 1_000, many.stderr  # the corpus's mistakes were found
    print(f"lint 5,000 files: {few.seconds:.1f} s, peak {few.peak_mb:.0f} MB")
    print(f"lint 50,000 files: {many.seconds:.1f} s, peak {many.peak_mb:.0f} MB")
    results = [
        ("lint 50,000 files: peak memory (MB)", many.peak_mb, "< 100 MB", many.peak_mb < 100),
        ("lint 50,000 vs 5,000 files: growth (MB)", many.peak_mb - few.peak_mb, "< 20 MB",
         many.peak_mb - few.peak_mb < 20),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        old = source_tree(BEFORE, Path(folder))
        if old is None:
            print(f"commit {BEFORE} is not in this checkout: no comparison with it")
            return results
        env = {**os.environ, "PYTHONPATH": str(old)}
        # from the old tree's folder: `python -m` puts the working folder first on sys.path
        command = [sys.executable, "-m", "pinrules", "lint", "--isolated", str(large)]
        before = measure(command, cwd=old, env=env)
        assert "no post files" not in before.stderr, before.stderr
        print(f"lint 50,000 files with {BEFORE}: {before.seconds:.1f} s, peak {before.peak_mb:.0f} MB")
    return results


if __name__ == "__main__":
    for row in main():
        print(row)
