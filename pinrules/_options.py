"""Options that several commands share, typed, and the settings and preflight they make.

Flags win over the settings file (`[tool.pinrules]`, see `_config`). The same options serve
`pinrules lint`, `pinrules publish` and the commands of other packages (declared once, in
`_option_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._commands import split_codes, split_pairs
from ._config import SEVERITIES, Settings, load_settings
from ._engine import Preflight
from ._errors import RuleFileError, UsageError


@dataclass(frozen=True)
class RuleOptions:
    """--config, --isolated, --rules-dir."""

    config: str | None = None
    isolated: bool = False
    rules_dir: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelectionOptions:
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
    settings.rules_dirs += list(rules.rules_dir)
    if accounts:
        settings.accounts = accounts
    if allow_private_network:
        settings.allow_private_network = True
    if selection is None:
        return settings
    if selection.select:
        settings.select = split_codes(selection.select)
    settings.extend_select += split_codes(selection.extend_select)
    if selection.ignore:
        settings.ignore = split_codes(selection.ignore)
    for code, level in split_pairs(selection.severity, "--severity").items():
        if level not in SEVERITIES:
            raise UsageError(f"--severity {code}={level}: the level is one of {', '.join(SEVERITIES)}")
        settings.severity[code] = level
    for glob, codes in split_pairs(selection.per_file_ignores, "--per-file-ignores").items():
        settings.per_file_ignores[glob] = split_codes([codes])
    return settings


def build_preflight(settings: Settings, *, selected: bool = True) -> Preflight:
    """The preflight the settings describe; `selected=False` keeps every rule (for docs)."""
    select = [*settings.select, *settings.extend_select] if settings.select else []
    try:
        return Preflight(
            settings.rules_dirs,
            select=select if selected else (),
            ignore=settings.ignore if selected else (),
            severity=settings.severity,
        )
    except RuleFileError as error:
        raise UsageError(f"broken rule file: {error}") from None
