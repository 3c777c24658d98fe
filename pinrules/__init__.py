"""pinrules: check a Pinterest post before it is published.

The public API is exactly what `__all__` names (README "From Python" describes it)::

    from pinrules import Preflight, Diagnostic
    diagnostics = Preflight().check(post, account={"defaultBoardId": "549755885175"})

Names are imported on first use, so that `import pinrules` (and `pinrules --help`) stays cheap;
the publisher and the service import only these names, never a `pinrules._module`.
"""

from __future__ import annotations

from . import pinterest
from ._errors import PinrulesError, RuleFileError, UsageError
from ._version import USER_AGENT, __version__

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any

    from ._accounts import load_accounts
    from ._atomic import write_atomic
    from ._cli import main
    from ._command_run import LintAddOn, options_from
    from ._commands import Command, Commands, LintExtension, Parser, option_group, split_codes
    from ._conditions import FORMATS, TYPE_NAMES, json_type
    from ._config import Settings, load_settings
    from ._diagnostic import Diagnostic, Severity
    from ._docs import explain_text, rules_markdown, with_table
    from ._documents import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, Document, ParseError, read_document
    from ._duplicates import duplicate_ids
    from ._engine import Preflight
    from ._errors import BlockedAddressError, InvalidPointer, InvalidTime
    from ._files import FileFacts, inspect_file, resolve_media_path
    from ._folders import cache_dir, data_dir, data_file
    from ._formats import UPLOAD_ID_PREFIX, is_upload_id, parse_rfc3339
    from ._guard import check_address, why_not_public
    from ._json import parse_json
    from ._lint import FileProblem, LintResult, account_for, find_post_files, lint, read_post_file
    from ._media_paths import MediaFolders, media_outside_findings
    from ._network import UrlFacts, make_session, probe, probe_all
    from ._network_settings import NetworkSettings
    from ._online import Finding, OnlinePost, online_findings
    from ._option_groups import ACCOUNTS_FILE, PRIVATE_NETWORK, RULE_OPTIONS, SELECTION_OPTIONS
    from ._options import RuleOptions, SelectionOptions, build_preflight, resolve_settings
    from ._places import Places
    from ._pointer import is_array_index, located, split_pointer, to_pointer
    from ._reporters import REPORTER_BY_NAME
    from ._rule import Example, Rule
    from ._rule_files import load_rules
    from ._selection import matches
    from ._sniff import SNIFF_BYTES, describe, sniff
    from ._suggest import did_you_mean
    from ._text import MAX_CHARS, MAX_INT_DIGITS, LineIndex, decode, line_column
    from ._yaml import YAML_LOADER, PureYamlLoader, parse_yaml

# public name -> the private module that defines it
_HOMES = {
    "PureYamlLoader": "_yaml",
    "YAML_LOADER": "_yaml",
    "parse_json": "_json",
    "parse_yaml": "_yaml",
    "decode": "_text",
    "line_column": "_text",
    "LineIndex": "_text",
    "MAX_INT_DIGITS": "_text",
    "MAX_CHARS": "_text",
    "read_post_bytes": "_documents",
    "UnreadableFile": "_documents",
    "main": "_cli",
    "probe": "_network",
    "FileFacts": "_files",
    "inspect_file": "_files",
    "check_address": "_guard",
    "located": "_pointer",
    "MAX_NODES": "_documents",
    "MAX_FILE_BYTES": "_documents",
    "MAX_DEPTH": "_documents",
    "json_type": "_conditions",
    "TYPE_NAMES": "_conditions",
    "FORMATS": "_conditions",
    "parse_rfc3339": "_formats",
    "UPLOAD_ID_PREFIX": "_formats",
    "is_upload_id": "_formats",
    "load_accounts": "_accounts",
    "write_atomic": "_atomic",
    "Command": "_commands",
    "Commands": "_commands",
    "LintAddOn": "_command_run",
    "LintExtension": "_commands",
    "Parser": "_commands",
    "option_group": "_commands",
    "options_from": "_command_run",
    "split_codes": "_commands",
    "Settings": "_config",
    "load_settings": "_config",
    "Diagnostic": "_diagnostic",
    "Severity": "_diagnostic",
    "explain_text": "_docs",
    "rules_markdown": "_docs",
    "with_table": "_docs",
    "Document": "_documents",
    "duplicate_ids": "_duplicates",
    "ParseError": "_documents",
    "read_document": "_documents",
    "Preflight": "_engine",
    "resolve_media_path": "_files",
    "cache_dir": "_folders",
    "data_dir": "_folders",
    "data_file": "_folders",
    "BlockedAddressError": "_errors",
    "InvalidPointer": "_errors",
    "InvalidTime": "_errors",
    "why_not_public": "_guard",
    "FileProblem": "_lint",
    "LintResult": "_lint",
    "account_for": "_lint",
    "find_post_files": "_lint",
    "lint": "_lint",
    "read_post_file": "_lint",
    "MediaFolders": "_media_paths",
    "media_outside_findings": "_media_paths",
    "UrlFacts": "_network",
    "make_session": "_network",
    "probe_all": "_network",
    "NetworkSettings": "_network_settings",
    "Finding": "_online",
    "OnlinePost": "_online",
    "online_findings": "_online",
    "ACCOUNTS_FILE": "_option_groups",
    "PRIVATE_NETWORK": "_option_groups",
    "RULE_OPTIONS": "_option_groups",
    "RuleOptions": "_options",
    "SELECTION_OPTIONS": "_option_groups",
    "SelectionOptions": "_options",
    "build_preflight": "_options",
    "resolve_settings": "_options",
    "Places": "_places",
    "is_array_index": "_pointer",
    "split_pointer": "_pointer",
    "to_pointer": "_pointer",
    "REPORTER_BY_NAME": "_reporters",
    "Example": "_rule",
    "Rule": "_rule",
    "load_rules": "_rule_files",
    "matches": "_selection",
    "SNIFF_BYTES": "_sniff",
    "describe": "_sniff",
    "sniff": "_sniff",
    "did_you_mean": "_suggest",
}

__all__ = [  # the public API: each name is eager above or lazy in _HOMES (a test checks)
    "ACCOUNTS_FILE",
    "FORMATS",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_INT_DIGITS",
    "MAX_NODES",
    "PRIVATE_NETWORK",
    "REPORTER_BY_NAME",
    "RULE_OPTIONS",
    "SELECTION_OPTIONS",
    "SNIFF_BYTES",
    "TYPE_NAMES",
    "UPLOAD_ID_PREFIX",
    "USER_AGENT",
    "YAML_LOADER",
    "BlockedAddressError",
    "Command",
    "Commands",
    "Diagnostic",
    "Document",
    "Example",
    "FileFacts",
    "FileProblem",
    "Finding",
    "InvalidPointer",
    "InvalidTime",
    "LineIndex",
    "LintAddOn",
    "LintExtension",
    "LintResult",
    "MediaFolders",
    "NetworkSettings",
    "OnlinePost",
    "ParseError",
    "Parser",
    "PinrulesError",
    "Places",
    "Preflight",
    "PureYamlLoader",
    "Rule",
    "RuleFileError",
    "RuleOptions",
    "SelectionOptions",
    "Settings",
    "Severity",
    "UnreadableFile",
    "UrlFacts",
    "UsageError",
    "__version__",
    "account_for",
    "build_preflight",
    "cache_dir",
    "check_address",
    "data_dir",
    "data_file",
    "decode",
    "describe",
    "did_you_mean",
    "duplicate_ids",
    "explain_text",
    "find_post_files",
    "inspect_file",
    "is_array_index",
    "is_upload_id",
    "json_type",
    "line_column",
    "lint",
    "load_accounts",
    "load_rules",
    "load_settings",
    "located",
    "main",
    "make_session",
    "matches",
    "media_outside_findings",
    "online_findings",
    "option_group",
    "options_from",
    "parse_json",
    "parse_rfc3339",
    "parse_yaml",
    "pinterest",
    "probe",
    "probe_all",
    "read_document",
    "read_post_bytes",
    "read_post_file",
    "resolve_media_path",
    "resolve_settings",
    "rules_markdown",
    "sniff",
    "split_codes",
    "split_pointer",
    "to_pointer",
    "why_not_public",
    "with_table",
    "write_atomic",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pinrules' has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415 - only when a name is first used

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
