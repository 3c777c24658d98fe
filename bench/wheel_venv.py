"""`make bench`: measure what users run. Builds the wheel, installs it (its `.pyc` files compiled
by pip, as for any user) with the baselines into its own environment, bench/.work/venv, and runs
the benchmarks with that environment's Python. The benchmark scripts run from the checkout, but
`pinrules` is imported from the installed wheel: the checkout is not on that Python's path.

    python3 bench/wheel_venv.py [MODULE]     # MODULE: one of bench's, e.g. engine; default: all
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
VENV = WORK / "venv"
DIST = WORK / "dist"
PATH = WORK / "path"  # holds links to the checkout's bench/ and tests/ only (never pinrules/)
OPTIONAL = ["jsonschema_rs"]  # a baseline where it installs; left out where it does not


def _pip(*args: str) -> None:
    python = VENV / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "-qq", *args], check=True)


def build() -> Path:
    """The wheel of the checkout as it is now."""
    shutil.rmtree(DIST, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-qq", "wheel", str(ROOT),
                    "--no-deps", "-w", str(DIST)], check=True)  # fmt: skip
    (wheel,) = DIST.glob("pinrules-*.whl")
    return wheel


def install(wheel: Path) -> None:
    if not (VENV / "bin" / "python").exists():
        venv.create(VENV, with_pip=True)
    # the same version number as the last run's: reinstall it, then make sure of its dependencies
    _pip("install", "--force-reinstall", "--no-deps", str(wheel))
    _pip("install", f"{wheel}[bench,postgresql]")  # postgresql: bench.schedule's workers on PostgreSQL
    for name in OPTIONAL:
        try:
            _pip("install", name)
        except subprocess.CalledProcessError:
            print(f"bench: {name} does not install here; its figures are left out", file=sys.stderr)
    PATH.mkdir(parents=True, exist_ok=True)
    for name in ("bench", "tests"):
        link = PATH / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)


def main() -> int:
    install(build())
    python = VENV / "bin" / "python"
    module = "bench" if len(sys.argv) < 2 else f"bench.{sys.argv[1]}"
    env = {**os.environ, "PYTHONPATH": str(PATH)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # -P: the working folder (the checkout, with its pinrules/) is not put on the path
    return subprocess.run([str(python), "-P", "-m", module], cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
