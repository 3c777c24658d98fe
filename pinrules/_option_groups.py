"""Options several commands share, declared once as parent parsers (argparse only: these load
when `pinrules` starts)."""

from __future__ import annotations

import argparse

from ._commands import option_group


def _declare_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="settings file (default: nearest pyproject.toml)")
    parser.add_argument("--isolated", action="store_true", help="ignore settings files")
    parser.add_argument(
        "--rules-dir", action="append", default=[], metavar="DIR", help="add the rule files of DIR"
    )


def _declare_selection_options(parser: argparse.ArgumentParser) -> None:
    for flag, text in (
        ("--select", "run only these codes or prefixes"),
        ("--extend-select", "add codes or prefixes to the selection"),
        ("--ignore", "skip these codes or prefixes"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="CODE", help=f"{text} (repeatable, comma-separated)"
        )
    parser.add_argument("--severity", action="append", default=[], metavar="CODE=LEVEL",
                        help="override a code's (or prefix's) severity: error, warning or info")  # fmt: skip
    parser.add_argument("--per-file-ignores", action="append", default=[], metavar="GLOB=CODES",
                        help="ignore codes in files matching GLOB (repeatable)")  # fmt: skip


def _declare_accounts_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accounts", metavar="FILE", help="YAML/JSON: accountId -> {defaultBoardId: ...}")


def _declare_private_network(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-private-network", action="store_true", help="reach loopback and private addresses (testing)"
    )


RULE_OPTIONS = option_group(_declare_rule_options)
SELECTION_OPTIONS = option_group(_declare_selection_options)
ACCOUNTS_FILE = option_group(_declare_accounts_file)
PRIVATE_NETWORK = option_group(_declare_private_network)
