"""Where the publisher keeps its files: the user's data folder, or a path from the environment."""

from __future__ import annotations

import os
from pathlib import Path


def data_file(name: str, variable: str) -> Path:
    """$variable if set, else $XDG_DATA_HOME/pinrules/name (default ~/.local/share/pinrules/name)."""
    configured = os.environ.get(variable)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "pinrules" / name
