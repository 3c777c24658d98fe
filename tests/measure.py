"""Wall time and peak memory of one real command, measured from a small wrapper process (for
the tests' bounded-input checks and for the benchmarks).

The wrapper runs the command as its only child, so that `RUSAGE_CHILDREN`'s peak resident set
is the command's own (not the largest of everything this process ever started).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_WRAPPER = """\
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], timeout=float(sys.argv[1])).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"\\n@measured {seconds:.4f} {peak}\\n")
sys.exit(code)
"""


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def measure(
    command: list[str],
    *,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    memory_mb: int | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run `command`; with `memory_mb`, under that much address space (RLIMIT_AS)."""

    def limit() -> None:
        if memory_mb is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(timeout), *command],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        preexec_fn=limit,  # only setrlimit: safe between fork and exec
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    body, found, last = stderr.rstrip("\n").rpartition("\n@measured ")
    assert found, stderr  # the wrapper itself ran out of time or memory
    seconds, peak_kb = last.split()
    return Measured(
        done.returncode, done.stdout.decode("utf-8", "replace"), body, float(seconds), int(peak_kb) / 1024
    )
