"""Where pinrules keeps its files: the user's cache and data folders (platformdirs), or
folders named in the environment (tests, CI caches, several installs side by side)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "pinrules"


def cache_dir() -> Path:
    """$PINRULES_CACHE_DIR, else the user's cache folder (~/.cache/pinrules on Linux)."""
    configured = os.environ.get("PINRULES_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs  # noqa: PLC0415 - only when no folder is configured

    return platformdirs.user_cache_path(APP)


def data_dir() -> Path:
    """$PINRULES_DATA_DIR, else the user's data folder (~/.local/share/pinrules on Linux)."""
    configured = os.environ.get("PINRULES_DATA_DIR")
    if configured:
        return Path(configured)
    import platformdirs  # noqa: PLC0415

    return platformdirs.user_data_path(APP)


def data_file(name: str, variable: str) -> Path:
    """$variable if set, else `name` in the data folder."""
    configured = os.environ.get(variable)
    return Path(configured) if configured else data_dir() / name
