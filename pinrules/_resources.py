"""Where the built-in rules and schemas are: inside the installed package, or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`rules` or `schemas`: shipped in the wheel under pinrules/_data, at the top of a checkout."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def builtin_rules_dir() -> Path:
    return data_dir("rules")


def schema_path(name: str) -> Path:
    return data_dir("schemas") / name
