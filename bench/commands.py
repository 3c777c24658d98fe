"""How the benchmarks run pinrules: as installed next to the Python running them (the wheel in
`make bench`'s own environment), never the checkout's sources by accident."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pinrules_command() -> list[str]:
    """The `pinrules` script of this Python's environment: it imports the installed package,
    whatever the working folder (`python -m pinrules` would import ./pinrules from the checkout)."""
    script = Path(sys.executable).parent / "pinrules"
    if not script.exists():
        raise SystemExit(f"no pinrules script next to {sys.executable}: install pinrules there")
    return [str(script)]


def source_tree(commit: str, into: Path) -> Path | None:
    """The checkout's sources at `commit`, written into the folder `into` (for a comparison with
    an earlier version); None outside a git checkout that has the commit."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=False)
    if archive.returncode != 0:
        return None
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into
