"""Where pinrules keeps its files: the user's cache and data folders (platformdirs), or
folders named in the environment (tests, CI caches, several installs side by side)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "pinrules"


def _user_folder(variable: str, default: str, name: str) -> Path:
    """The user's XDG folder on Linux as platformdirs finds it, without importing it (4 ms at
    every start) in the usual case: $variable when absolute, else `default` under an absolute
    $HOME. Elsewhere, and for an unusual home, platformdirs itself."""
    if sys.platform == "linux":
        configured = os.environ.get(variable, "")
        if os.path.isabs(configured):
            return Path(configured) / APP
        home = os.environ.get("HOME", "")
        if os.path.isabs(home):
            return Path(home) / default / APP
    import platformdirs  # noqa: PLC0415

    found: Path = getattr(platformdirs, name)(APP)
    return found


def cache_dir() -> Path:
    """$PINRULES_CACHE_DIR, else the user's cache folder (~/.cache/pinrules on Linux)."""
    configured = os.environ.get("PINRULES_CACHE_DIR")
    if configured:
        return Path(configured)
    return _user_folder("XDG_CACHE_HOME", ".cache", "user_cache_path")


def data_dir() -> Path:
    """$PINRULES_DATA_DIR, else the user's data folder (~/.local/share/pinrules on Linux)."""
    configured = os.environ.get("PINRULES_DATA_DIR")
    if configured:
        return Path(configured)
    return _user_folder("XDG_DATA_HOME", ".local/share", "user_data_path")


def data_file(name: str, variable: str) -> Path:
    """$variable if set, else `name` in the data folder."""
    configured = os.environ.get(variable)
    return Path(configured) if configured else data_dir() / name
