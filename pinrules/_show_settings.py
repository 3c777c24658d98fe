"""`pinrules lint --show-settings`: the resolved settings, each with where it came from.

Printed as TOML that could go back into `[tool.pinrules]`, each line commented with its origin:
the settings file, a flag, or the default.
"""

from __future__ import annotations

import json
from typing import Any

from ._config import SETTING_KEYS, Settings
from ._escape import visible

# every setting, by its key; the attribute has the key's name with underscores
_SHOWN = tuple((key, key.replace("-", "_")) for key in SETTING_KEYS)


_ALIGN = 40


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return json.dumps(value, ensure_ascii=False)


def _row(key: str, value: Any) -> str:
    return f"# {key} is not set" if value is None else f"{key} = {_toml(value)}"


def show_settings(settings: Settings) -> str:
    source = settings.source or "none found (defaults, and flags)"
    lines = [f"# settings file: {source}", "[tool.pinrules]"]
    rows = [(_row(key, getattr(settings, name)), settings.origin(key)) for key, name in _SHOWN]
    width = max(len(row) for row, _ in rows if len(row) <= _ALIGN)  # a long list is not aligned to
    lines += [f"{row:<{width}}  # {origin}" for row, origin in rows]
    return "".join(visible(line) + "\n" for line in lines)
