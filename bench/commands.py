"""How the benchmarks run pinrules: as installed next to the Python running them (the wheel in
`make bench`'s own environment), never the checkout's sources by accident."""

from __future__ import annotations

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
