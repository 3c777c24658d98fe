"""The `pinrules` command line. Exit status: 0 clean, 1 findings, 2 usage error.

The exit status is decided in one place, `main`; commands return it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._errors import UsageError

if TYPE_CHECKING:
    from ._config import Settings
    from ._engine import Preflight

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="settings file (default: nearest pyproject.toml)")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument(
        "--rules-dir", action="append", default=[], metavar="DIR", help="add the rule files of DIR"
    )


def _selection_options(parser: argparse.ArgumentParser) -> None:
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pinrules", description="Check Pinterest posts before they are published.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    _linting_commands(commands)
    _publishing_commands(commands)
    _account_commands(commands)
    return parser


def _linting_commands(commands: Any) -> None:
    lint = commands.add_parser("lint", help="check post files (JSON or YAML) and folders of them")
    lint.add_argument("paths", nargs="+", metavar="PATH", help="post files or folders")
    lint.add_argument("--format", choices=FORMATS, default="text")
    _rule_options(lint)
    lint.add_argument("--accounts", metavar="FILE", help="YAML/JSON: accountId -> {defaultBoardId: ...}")
    _selection_options(lint)
    lint.add_argument("--fail-on", choices=("error", "warning"), help="lowest severity that fails the run")
    lint.add_argument("--online", action="store_true", help="also check local media files and media URLs")
    lint.add_argument("--allow-private-network", action="store_true",
                      help="let --online reach loopback and private addresses (local testing)")  # fmt: skip
    lint.add_argument(
        "--account", metavar="NAME", help="with --online: an account's default board, and its boards checked"
    )
    lint.add_argument("--store", metavar="FILE", help="the account store (default: in your data folder)")
    lint.add_argument(
        "--base-url", metavar="URL", help="API base (default: PINTEREST_API_BASE or Pinterest's)"
    )
    lint.add_argument("--online-cache-ttl", type=float, metavar="SECONDS",
                      help="reuse URL answers of earlier runs for this long (default 0: never)")  # fmt: skip
    lint.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE")
    lint.add_argument("--write-baseline", metavar="FILE", help="record today's findings in FILE")

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    _rule_options(rules)

    explain = commands.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code", metavar="CODE")
    _rule_options(explain)


def _publishing_commands(commands: Any) -> None:
    publish = commands.add_parser("publish", help="preflight posts, then publish those that pass")
    publish.add_argument("paths", nargs="+", metavar="FILE", help="post files or folders")
    publish.add_argument("--format", choices=("text", "json"), default="text")
    publish.add_argument("--dry-run", action="store_true", help="show the Pinterest requests, send nothing")
    _rule_options(publish)
    _selection_options(publish)
    publish.add_argument("--accounts", metavar="FILE", help="YAML/JSON: accountId -> {defaultBoardId: ...}")
    publish.add_argument(
        "--base-url", metavar="URL", help="API base (default: PINTEREST_API_BASE or Pinterest's)"
    )
    publish.add_argument(
        "--journal", metavar="FILE", help="the publish journal (default: in your data folder)"
    )
    publish.add_argument(
        "--no-journal", action="store_true", help="do not record or look up earlier publishes"
    )
    publish.add_argument(
        "--allow-private-network",
        action="store_true",
        help="let media checks and downloads reach loopback and private addresses",
    )
    publish.add_argument(
        "--ignore-schedule", action="store_true", help="publish posts whose scheduledAt is still ahead, now"
    )
    publish.add_argument(
        "--account", metavar="NAME", help="publish with a connected account (pinrules accounts)"
    )
    publish.add_argument("--store", metavar="FILE", help="the account store (default: in your data folder)")
    publish.add_argument("--poll-interval", type=float, default=2.0, metavar="SECONDS")
    publish.add_argument("--poll-timeout", type=float, default=300.0, metavar="SECONDS")

    sandbox = commands.add_parser("sandbox", help="run the local Pinterest stand-in")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--token", help="the access token to accept (default: a random one, printed)")
    sandbox.add_argument("--files", metavar="DIR", help="serve DIR at /files/ (cover images for demos)")


def _account_commands(commands: Any) -> None:
    accounts = commands.add_parser("accounts", help="connected Pinterest accounts and their tokens")
    actions = accounts.add_subparsers(dest="action", required=True, parser_class=_Parser)
    connect = actions.add_parser("connect", help="connect an account (OAuth, opens a browser)")
    connect.add_argument("--name", default="default", help="what to call the account here")
    connect.add_argument("--secret-boards", action="store_true",
                         help="also ask for pins:read_secret and boards:read_secret")  # fmt: skip
    connect.add_argument("--no-browser", action="store_true", help="print the URL only")
    connect.add_argument(
        "--port", type=int, default=0, help="callback port on 127.0.0.1 (default: a free one)"
    )
    actions.add_parser("list", help="list connected accounts")
    for action, text in (("show", "one account, without its tokens"), ("refresh", "refresh its tokens now"),
                         ("disconnect", "forget the account and delete its tokens")):  # fmt: skip
        actions.add_parser(action, help=text).add_argument("name", metavar="NAME")
    default_board = actions.add_parser("set-default-board", help="the board posts without boardId go to")
    default_board.add_argument("name", metavar="NAME")
    default_board.add_argument("board_id", metavar="BOARD_ID")
    actions.add_parser("key", help="print a new key for PINRULES_TOKEN_KEY (tokens encrypted at rest)")
    for action_parser in actions.choices.values():
        action_parser.add_argument(
            "--store", metavar="FILE", help="the account store (default: your data folder)"
        )
        action_parser.add_argument("--base-url", metavar="URL", help="API base (default: PINTEREST_API_BASE)")

    boards = commands.add_parser("boards", help="list a connected account's boards")
    boards.add_argument("name", metavar="ACCOUNT")
    boards.add_argument("--store", metavar="FILE")
    boards.add_argument("--base-url", metavar="URL")


def _codes(values: Sequence[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _pairs(values: Sequence[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name or not setting:
            raise UsageError(f"{flag} takes NAME=VALUE (got {value!r})")
        pairs[name.strip()] = setting.strip()
    return pairs


def _settings(args: argparse.Namespace) -> Settings:
    from ._config import SEVERITIES, Settings, load_settings  # noqa: PLC0415

    settings = Settings() if args.isolated else load_settings(args.config)
    settings.rules_dirs += args.rules_dir
    if not hasattr(args, "select"):  # rules and explain document every rule
        return settings
    if args.select:
        settings.select = _codes(args.select)
    settings.extend_select += _codes(args.extend_select)
    if args.ignore:
        settings.ignore = _codes(args.ignore)
    for code, level in _pairs(args.severity, "--severity").items():
        if level not in SEVERITIES:
            raise UsageError(f"--severity {code}={level}: the level is one of {', '.join(SEVERITIES)}")
        settings.severity[code] = level
    for glob, codes in _pairs(args.per_file_ignores, "--per-file-ignores").items():
        settings.per_file_ignores[glob] = _codes([codes])
    if args.accounts:
        settings.accounts = args.accounts
    if getattr(args, "fail_on", None):
        settings.fail_on = args.fail_on
    if args.allow_private_network:
        settings.allow_private_network = True
    if getattr(args, "online_cache_ttl", None) is not None:
        settings.online_cache_ttl = args.online_cache_ttl
    return settings


def _preflight(settings: Settings, *, selected: bool = True) -> Preflight:
    from ._engine import Preflight  # noqa: PLC0415
    from ._rules import RuleFileError  # noqa: PLC0415

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


def _lint(args: argparse.Namespace) -> int:
    from ._accounts import load_accounts  # noqa: PLC0415
    from ._baseline import apply_baseline, read_baseline, write_baseline  # noqa: PLC0415
    from ._lint import editor_order, find_post_files, lint  # noqa: PLC0415
    from ._reporters import REPORTER_BY_NAME  # noqa: PLC0415

    settings = _settings(args)
    files = find_post_files(args.paths)
    preflight = _preflight(settings)
    accounts = load_accounts(settings.accounts) if settings.accounts else {}
    baseline = read_baseline(args.baseline) if args.baseline else None
    online = None
    if args.online:
        from ._network import NetworkSettings  # noqa: PLC0415 - imports aiohttp
        from ._rules import cache_dir  # noqa: PLC0415

        online = NetworkSettings(
            allow_private_network=settings.allow_private_network,
            cache_ttl=settings.online_cache_ttl,
            cache_dir=cache_dir(),
        )
    fallback, account_check = None, None
    if args.account:
        if not args.online:
            raise UsageError("--account checks boards on Pinterest: add --online")
        from publisher._cli import account_lint  # noqa: PLC0415 - the publisher only for account checks

        fallback, account_check = account_lint(args, preflight)
    result = lint(
        files, preflight, accounts, ignored_in=settings.ignored_in, online=online, fallback=fallback
    )
    if account_check is not None:
        result.diagnostics = sorted(
            result.diagnostics + account_check(result.documents),
            key=editor_order,
        )
    if args.write_baseline:
        count = write_baseline(args.write_baseline, result.diagnostics)
        sys.stderr.write(f"pinrules: recorded {count} findings in {args.write_baseline}\n")
    if baseline is not None:
        outcome = apply_baseline(baseline, result.diagnostics)
        result.diagnostics = outcome.new
        for file, rule, pointer in outcome.gone:
            sys.stderr.write(f"pinrules: baseline entry no longer occurs: {file} {rule} {pointer or '/'}\n")
    sys.stdout.write(REPORTER_BY_NAME[args.format]().render(result, preflight.rules))
    failing = ("error",) if settings.fail_on == "error" else ("error", "warning")
    return EXIT_FINDINGS if any(d.severity in failing for d in result.diagnostics) else EXIT_CLEAN


def _rules(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    preflight = _preflight(_settings(args), selected=False)
    if args.format == "json":
        listing = [
            {"code": r.code, "severity": str(r.severity), "phase": r.phase, "summary": r.summary,
             "builtin": r.builtin, "file": r.file}
            for r in preflight.all_rules
        ]  # fmt: skip
        sys.stdout.write(json.dumps(listing, indent=2) + "\n")
        return EXIT_CLEAN
    width = max(len(r.code) for r in preflight.all_rules)
    for r in preflight.all_rules:
        sys.stdout.write(f"{r.code:<{width}}  {r.severity:<7}  {r.phase:<7}  {r.summary}\n")
    return EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    import difflib  # noqa: PLC0415

    from ._docs import explain_text  # noqa: PLC0415

    preflight = _preflight(_settings(args), selected=False)
    rule = preflight.rule(args.code)
    if rule is None:
        codes = [r.code for r in preflight.all_rules]
        close = difflib.get_close_matches(args.code, codes, n=3, cutoff=0.5)
        close += [c for c in codes if c.startswith(args.code.rstrip(".") + ".") and c not in close]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `pinrules rules` lists them"
        raise UsageError(f"unknown rule {args.code!r}{hint}")
    sys.stdout.write(explain_text(rule, preflight))
    return EXIT_CLEAN


def _publish(args: argparse.Namespace) -> int:
    from publisher._cli import run_publish  # noqa: PLC0415 - the publisher only when publishing

    settings = _settings(args)
    args.allow_private_network = settings.allow_private_network
    return run_publish(args, _preflight(settings), settings.accounts)


def _accounts(args: argparse.Namespace) -> int:
    from publisher._cli import run_accounts  # noqa: PLC0415

    return run_accounts(args)


def _boards(args: argparse.Namespace) -> int:
    from publisher._cli import run_boards  # noqa: PLC0415

    return run_boards(args)


def _sandbox(args: argparse.Namespace) -> int:
    from publisher._cli import run_sandbox  # noqa: PLC0415

    return run_sandbox(args)


def main(argv: Sequence[str] | None = None) -> int:
    # file names with undecodable bytes must print, not crash the report
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = _parser().parse_args(argv)
        if args.version:
            from . import __version__  # noqa: PLC0415

            sys.stdout.write(f"pinrules {__version__}\n")
            return EXIT_CLEAN
        commands = {
            "lint": _lint,
            "rules": _rules,
            "explain": _explain,
            "publish": _publish,
            "sandbox": _sandbox,
            "accounts": _accounts,
            "boards": _boards,
        }
        if args.command not in commands:
            raise UsageError(
                "choose a command: lint, rules, explain, publish or sandbox (see pinrules --help)"
            )
        return commands[args.command](args)
    except UsageError as error:
        sys.stderr.write(f"pinrules: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # `pinrules lint . | head` is not an error
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
