"""Options that several commands share, typed, and the settings and preflight they make.

Flags win over the settings file (`[tool.pinrules]`, see `_config`). The same options serve
`pinrules lint`, `pinrules publish` and the commands of other packages (declared once, in
`_option_groups`).
"""

from __future__ import annotations

from typing import NamedTuple

from ._commands import split_codes, split_pairs
from ._config import SEVERITIES, Settings, load_settings
from ._engine import Preflight
from ._errors import RuleFileError, UsageError
from ._selection import UnknownCodeError, unknown_code_hint


class RuleOptions(NamedTuple):
    """--config, --isolated, --rules-dir."""

    config: str | None = None
    isolated: bool = False
    rules_dir: tuple[str, ...] = ()


class SelectionOptions(NamedTuple):
    """--select, --extend-select, --ignore, --severity, --per-file-ignores."""

    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    per_file_ignores: tuple[str, ...] = ()


def resolve_settings(
    rules: RuleOptions,
    selection: SelectionOptions | None = None,
    *,
    accounts: str | None = None,
    allow_private_network: bool = False,
) -> Settings:
    """The settings file (unless isolated) with the flags applied over it."""
    settings = Settings() if rules.isolated else load_settings(rules.config)
    if rules.rules_dir:
        settings.rules_dirs += list(rules.rules_dir)
        settings.set_by("rules-dirs", "--rules-dir")
    if accounts:
        settings.accounts = accounts
        settings.set_by("accounts", "--accounts")
    if allow_private_network:
        settings.allow_private_network = True
        settings.set_by("allow-private-network", "--allow-private-network")
    if selection is None:
        return settings
    if selection.select:
        settings.select = _flag_codes(settings, "select", selection.select)
    settings.extend_select += _flag_codes(settings, "extend-select", selection.extend_select)
    if selection.ignore:
        settings.ignore = _flag_codes(settings, "ignore", selection.ignore)
    for code, level in split_pairs(selection.severity, "--severity").items():
        if level not in SEVERITIES:
            raise UsageError(f"--severity {code}={level}: the level is one of {', '.join(SEVERITIES)}")
        settings.severity[code] = level
        settings.flag_values.setdefault("severity", set()).add(code)
        settings.set_by("severity", "--severity")
    for glob, codes in split_pairs(selection.per_file_ignores, "--per-file-ignores").items():
        settings.per_file_ignores[glob] = _flag_codes(settings, "per-file-ignores", [codes])
    return settings


def _flag_codes(settings: Settings, key: str, values: tuple[str, ...] | list[str]) -> list[str]:
    """Codes of a flag, remembered as the flag's (errors name it)."""
    codes = split_codes(values)
    if codes:
        settings.flag_values.setdefault(key, set()).update(codes)
        settings.set_by(key, "--" + key)
    return codes


def build_preflight(settings: Settings, *, selected: bool = True) -> Preflight:
    """The preflight the settings describe; `selected=False` keeps every rule (for docs).

    A code or prefix that matches no rule (in select, extend-select, ignore, severity or
    per-file-ignores) is a UsageError naming the flag, or the settings file and key."""
    select = [*settings.select, *settings.extend_select] if settings.select else []
    try:
        preflight = Preflight(
            settings.rules_dirs,
            select=select if selected else (),
            ignore=settings.ignore if selected else (),
            severity=settings.severity,
        )
    except RuleFileError as error:
        raise UsageError(f"broken rule file: {error}") from None
    except UnknownCodeError as error:
        keys = ("select", "extend-select") if error.setting == "select" else (error.setting,)
        key = next((k for k in keys if error.pattern in getattr(settings, k.replace("-", "_"))), keys[0])
        raise UsageError(f"{settings.where(key, error.pattern)}: {error.hint}") from None
    codes = [rule.code for rule in preflight.all_rules]
    if not select and settings.extend_select:  # without select every rule runs: still check them
        _check(settings, "extend-select", settings.extend_select, codes)
    for pattern_codes in settings.per_file_ignores.values():
        _check(settings, "per-file-ignores", pattern_codes, codes)
    return preflight


def _check(settings: Settings, key: str, patterns: list[str], codes: list[str]) -> None:
    for pattern in patterns:
        hint = unknown_code_hint(pattern, codes)
        if hint is not None:
            raise UsageError(f"{settings.where(key, pattern)}: {hint}")
