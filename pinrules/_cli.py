"""The `pinrules` command line. Exit status: 0 clean, 1 an error was found, 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._errors import UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    from ._reporters import REPORTER_BY_NAME  # noqa: PLC0415

    parser = _Parser(prog="pinrules", description="Check Pinterest posts before they are published.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    lint = commands.add_parser("lint", help="check post files (JSON or YAML) and folders of them")
    lint.add_argument("paths", nargs="+", metavar="PATH", help="post files or folders")
    lint.add_argument("--format", choices=sorted(REPORTER_BY_NAME), default="text")
    lint.add_argument(
        "--accounts",
        metavar="FILE",
        help="YAML/JSON file mapping accountId to {defaultBoardId: ...}",
    )
    lint.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODE",
        help="run only these codes or prefixes (repeatable, or comma-separated)",
    )
    lint.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="skip these codes or prefixes (repeatable, or comma-separated)",
    )
    lint.add_argument(
        "--rules-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="add the rule files of DIR to the built-in rules",
    )
    return parser


def _codes(values: Sequence[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _lint(args: argparse.Namespace) -> int:
    from ._accounts import load_accounts  # noqa: PLC0415
    from ._engine import Preflight  # noqa: PLC0415
    from ._lint import find_post_files, lint  # noqa: PLC0415
    from ._reporters import REPORTER_BY_NAME  # noqa: PLC0415
    from ._rules import RuleFileError  # noqa: PLC0415

    files = find_post_files(args.paths)
    try:
        preflight = Preflight(args.rules_dir, select=_codes(args.select), ignore=_codes(args.ignore))
    except RuleFileError as error:
        raise UsageError(f"broken rule file: {error}") from None
    accounts = load_accounts(args.accounts) if args.accounts else {}
    result = lint(files, preflight, accounts)
    sys.stdout.write(REPORTER_BY_NAME[args.format]().render(result))
    return EXIT_FINDINGS if result.has_errors else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    # file names with undecodable bytes must print, not crash the report
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = _parser().parse_args(argv)
        return _lint(args)
    except UsageError as error:
        sys.stderr.write(f"pinrules: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # `pinrules lint . | head` is not an error
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
