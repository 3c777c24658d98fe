"""The engine's commands: `pinrules lint`, `pinrules rules`, `pinrules explain`.

Declared here (argparse only: this loads when `pinrules` starts); what they run, with typed
options, is in `_lint_run`.
"""

from __future__ import annotations

import argparse

from ._commands import Command, Commands
from ._option_groups import ACCOUNTS_FILE, PRIVATE_NETWORK, RULE_OPTIONS, SELECTION_OPTIONS

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")  # REPORTER_BY_NAME's names


def _declare_lint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="post files or folders; - reads standard input"
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--fail-on", choices=("error", "warning"), help="lowest severity that fails the run")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the run")
    parser.add_argument("-q", "--quiet", action="store_true", help="print the diagnostics only: no summary")
    parser.add_argument("--statistics", action="store_true", help="count the findings of each code instead")
    parser.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text report (auto: on a terminal, see NO_COLOR)")  # fmt: skip
    parser.add_argument("--show-settings", action="store_true",
                        help="print the settings and where each came from, then exit")  # fmt: skip
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="with -: the file name standard input stands for")  # fmt: skip
    parser.add_argument("--max-findings-per-file", type=int, metavar="N",
                        help="cap the findings of one file (default 100, 0: none)")  # fmt: skip
    for flag, text in (
        ("--exclude", "leave out files and folders matching these globs (replaces the default list)"),
        ("--extend-exclude", "leave out these globs too"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="GLOB", help=f"{text}; comma-separated"
        )
    parser.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction,
                        help="skip what git ignores, in a git work tree (default: yes)")  # fmt: skip
    parser.add_argument("--force-exclude", action=argparse.BooleanOptionalAction,
                        help="exclude files named on the command line too (for pre-commit)")  # fmt: skip
    parser.add_argument("--allow-empty", action="store_true", help="no post files to check is not an error")
    parser.add_argument("--online", action="store_true", help="also check local media files and media URLs")
    parser.add_argument(
        "--online-cache-ttl",
        type=float,
        metavar="SECONDS",
        help="reuse URL answers of earlier runs (default 0)",
    )
    for flag, what in (("--connect-timeout", "to connect to a media server (default 5)"),
                       ("--read-timeout", "a media server may send nothing (default 10)")):  # fmt: skip
        parser.add_argument(flag, type=float, metavar="SECONDS", help=f"with --online: longest wait {what}")
    parser.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE")
    parser.add_argument("--write-baseline", metavar="FILE", help="record today's findings in FILE")


def _declare_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--show-compiled", action="store_true",
                        help="print the Python that `pinrules lint` runs for the static rules")  # fmt: skip


def _declare_explain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE")


def register(commands: Commands) -> None:
    commands.add(Command(
        "lint", "check post files (JSON or YAML) and folders of them",
        "pinrules lint posts/ --format github",
        _declare_lint, _lint, parents=(RULE_OPTIONS, SELECTION_OPTIONS, ACCOUNTS_FILE, PRIVATE_NETWORK),
    ))  # fmt: skip
    commands.add(Command(
        "rules", "list the rules (built-in and house rules)", "pinrules rules --format json",
        _declare_rules, _rules, parents=(RULE_OPTIONS,),
    ))  # fmt: skip
    commands.add(Command(
        "explain", "print one rule's documentation", "pinrules explain pinterest.video.cover_required",
        _declare_explain, _explain, parents=(RULE_OPTIONS,),
    ))  # fmt: skip


def _lint(namespace: argparse.Namespace) -> int:
    from ._lint_run import run_lint  # noqa: PLC0415

    return run_lint(namespace)


def _rules(namespace: argparse.Namespace) -> int:
    from ._lint_run import run_rules  # noqa: PLC0415

    return run_rules(namespace)


def _explain(namespace: argparse.Namespace) -> int:
    from ._lint_run import run_explain  # noqa: PLC0415

    return run_explain(namespace)
