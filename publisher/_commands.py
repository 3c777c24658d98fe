"""The publisher's commands: `publish`, `accounts`, `boards`, `sandbox`, and `lint --account`.

Registered with the `pinrules` script through the `pinrules.commands` entry point. This module
only declares them (argparse only: it loads when `pinrules` starts); each command turns its
parsed arguments into a typed object (`_arguments`) and imports the code that runs it only then.
"""

from __future__ import annotations

import argparse

from pinrules import (
    ACCOUNTS_FILE,
    PRIVATE_NETWORK,
    RULE_OPTIONS,
    SELECTION_OPTIONS,
    Command,
    Commands,
    LintExtension,
    Parser,
    UsageError,
    option_group,
    pinterest,
)

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from pinrules import LintAddOn, Preflight


def _declare_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="FILE", help="the account store (default: in your data folder)")


def _declare_base_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url", metavar="URL", help="API base (default: PINTEREST_API_BASE or Pinterest's)"
    )


def _declare_account(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", metavar="NAME", help="a connected account (pinrules accounts)")


def _declare_journal(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal", metavar="FILE", help="the publish journal (default: in your data folder)"
    )


def _declare_rate_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate-limit",
        type=float,
        metavar="N",
        help="Pinterest requests a second per account (default: your app's access tier's limit, "
        "[tool.pinrules] access-tier and rate-limit)",
    )


def _declare_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql://... for many machines, sqlite:FOLDER; default: SQLite in your data folder "
        "(also PINRULES_DATABASE_URL, or [tool.pinrules] database)",
    )


STORE = option_group(_declare_store)
DATABASE = option_group(_declare_database)
BASE_URL = option_group(_declare_base_url)
ACCOUNT = option_group(_declare_account)
JOURNAL = option_group(_declare_journal)
RATE_LIMIT = option_group(_declare_rate_limit)


def _declare_publish(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="post files or folders")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--dry-run", action="store_true", help="show the Pinterest requests, send nothing")
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="no claims, records or look-ups of earlier publishes (two runs could then both publish a post)",
    )
    parser.add_argument("--ignore-schedule", action="store_true",
                        help="publish posts whose scheduledAt is still ahead, now")  # fmt: skip
    parser.add_argument("--poll-interval", type=float, default=pinterest.MEDIA_POLL_INTERVAL_SECONDS,
                        metavar="SECONDS", help="how often a video's processing is asked about")  # fmt: skip
    parser.add_argument("--poll-timeout", type=float, default=pinterest.MEDIA_POLL_TIMEOUT_SECONDS,
                        metavar="SECONDS", help="how long a video may take to process")  # fmt: skip
    parser.add_argument("--deadline", type=float, metavar="SECONDS",
                        help="end the run after this long: nothing starts later, waits end "
                             "(default: publish-deadline in [tool.pinrules], else none)")  # fmt: skip
    parser.add_argument("--max-retry-after", type=float, metavar="SECONDS",
                        help="a longer Retry-After ends the attempt, rate limited (default: 60)")  # fmt: skip


def _declare_accounts(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    connect = actions.add_parser(
        "connect", help="connect an account (OAuth, opens a browser)", parents=[STORE, DATABASE, BASE_URL]
    )
    connect.add_argument("--name", default="default", help="what to call the account here")
    connect.add_argument("--secret-boards", action="store_true",
                         help="also ask for " + " and ".join(pinterest.SECRET_BOARD_SCOPES))  # fmt: skip
    connect.add_argument("--no-browser", action="store_true", help="print the URL only")
    connect.add_argument(
        "--port", type=_port, default=0, help="callback port on 127.0.0.1 (default: a free one)"
    )
    actions.add_parser("list", help="list connected accounts", parents=[STORE, DATABASE])
    actions.add_parser(
        "show", help="one account, without its tokens", parents=[STORE, DATABASE]
    ).add_argument("name", metavar="NAME")
    actions.add_parser(
        "refresh", help="refresh its tokens now", parents=[STORE, DATABASE, BASE_URL]
    ).add_argument("name", metavar="NAME")
    actions.add_parser(
        "disconnect", help="forget the account and delete its tokens", parents=[STORE, DATABASE]
    ).add_argument("name", metavar="NAME")
    default_board = actions.add_parser(
        "set-default-board", help="the board posts without boardId go to", parents=[STORE, DATABASE]
    )
    default_board.add_argument("name", metavar="NAME")
    default_board.add_argument("board_id", metavar="BOARD_ID", type=_board_id)
    actions.add_parser("key", help="print a new key for PINRULES_TOKEN_KEY (tokens encrypted at rest)")


SCHEDULE_ACTIONS = ("list", "show", "cancel", "retry")


def _declare_schedule(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "items",
        nargs="+",
        metavar="PATH | list | show ID | cancel ID | retry ID",
        help="post files or folders to schedule, or an action on scheduled posts",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--offline", action="store_true", help="check local files but not URLs when scheduling"
    )
    states = ("scheduled", "sending", "published", "failed", "unknown", "missed", "cancelled")
    parser.add_argument("--status", choices=states, help="with list: only posts in this state")


def _declare_worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="send what is due now, then exit (for cron)")
    parser.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="posts sent at once (default 4)"
    )
    parser.add_argument("--max-lateness", type=float, default=3600.0, metavar="SECONDS",
                        help="a post later than this is missed, not sent (default 3600)")  # fmt: skip
    parser.add_argument("--lease", type=float, default=120.0, metavar="SECONDS",
                        help="a post being sent stays this worker's this long between renewals")  # fmt: skip
    parser.add_argument("--poll-interval", type=float, default=5.0, metavar="SECONDS",
                        help="longest wait between looks at the schedule (default 5)")  # fmt: skip


def _declare_db(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    actions.add_parser("migrate", help="create or update the database's tables (procrastinate's and ours)",
                       parents=[DATABASE])  # fmt: skip


def _port(text: str) -> int:
    """A TCP port, 0 (a free one) to 65535. (Argument types raise UsageError, which argparse lets
    through: exit status 2 and one line, as for every other usage error.)"""
    port = int(text) if text.isascii() and text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise UsageError(f"--port: a port is a number from 0 (a free one) to 65535 (got {text!r})")
    return port


def _token(text: str) -> str:
    """An access token that can be sent: no line break, space or control character."""
    from ._errors import NoCredentials  # noqa: PLC0415 - only when --token is given
    from ._secret import checked_token  # noqa: PLC0415

    try:
        checked_token(text, "--token")
    except NoCredentials as error:
        raise UsageError(str(error)) from None
    return text


def _board_id(text: str) -> str:
    """A board id as Pinterest writes it: digits (a board's name is not its id)."""
    if not (text.isascii() and text.isdigit()):
        raise UsageError(
            f"BOARD_ID: a board id is digits only, like 549755885175 (got {text!r}); "
            "`pinrules boards ACCOUNT` lists an account's boards with their ids"
        )
    return text


def _declare_boards(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="ACCOUNT")


def _declare_sandbox(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=_port, default=8765, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--token", type=_token, help="the access token to accept (default: a random one, printed)"
    )
    parser.add_argument("--files", metavar="DIR", help="serve DIR at /files/ (cover images for demos)")
    parser.add_argument(
        "--fault", dest="faults", action="append", default=[], metavar="ROUTE=KIND[:N]",
        help='make ROUTE fail (N times): KIND is status:CODE, slow:SECONDS, drop_before or drop_after, '
        'e.g. "POST /v5/pins=status:503:2"',
    )  # fmt: skip


def _publish(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import PublishArguments  # noqa: PLC0415
    from ._cli_publish import run_publish  # noqa: PLC0415

    return run_publish(options_from(PublishArguments, namespace))


def _accounts(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import AccountsArguments  # noqa: PLC0415
    from ._cli_accounts import run_accounts  # noqa: PLC0415

    return run_accounts(options_from(AccountsArguments, namespace))


def _boards(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import BoardsArguments  # noqa: PLC0415
    from ._cli_accounts import run_boards  # noqa: PLC0415

    return run_boards(options_from(BoardsArguments, namespace))


def _schedule(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import ScheduleArguments  # noqa: PLC0415
    from ._cli_schedule import run_schedule  # noqa: PLC0415

    return run_schedule(options_from(ScheduleArguments, namespace))


def _worker(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import WorkerArguments  # noqa: PLC0415
    from ._cli_schedule import run_worker  # noqa: PLC0415

    return run_worker(options_from(WorkerArguments, namespace))


def _db(namespace: argparse.Namespace) -> int:
    from ._cli_schedule import run_migrate  # noqa: PLC0415

    return run_migrate(getattr(namespace, "database", None))


def _sandbox(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import SandboxArguments  # noqa: PLC0415
    from .sandbox import run_sandbox  # noqa: PLC0415 - the stand-in only for this command

    return run_sandbox(options_from(SandboxArguments, namespace))


def _declare_lint_account(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account", metavar="NAME", help="with --online: an account's default board, and its boards checked"
    )
    _declare_store(parser)
    _declare_base_url(parser)


def _lint_account(namespace: argparse.Namespace, preflight: Preflight) -> LintAddOn | None:
    account = getattr(namespace, "account", None)
    if account is None:
        for flag in ("store", "base_url"):
            if getattr(namespace, flag, None) is not None:
                name = "--" + flag.replace("_", "-")
                raise UsageError(f"{name} applies to lint with --account NAME")
        return None
    from pinrules import options_from  # noqa: PLC0415

    from ._arguments import AccountLintArguments  # noqa: PLC0415
    from ._cli_accounts import account_lint  # noqa: PLC0415

    return account_lint(options_from(AccountLintArguments, namespace), preflight)


def register(commands: Commands) -> None:
    commands.add(Command(
        "publish", "preflight posts, then publish those that pass",
        "pinrules publish posts/ --account shop --dry-run",
        _declare_publish, _publish,
        parents=(RULE_OPTIONS, SELECTION_OPTIONS, ACCOUNTS_FILE, PRIVATE_NETWORK,
                 ACCOUNT, STORE, BASE_URL, JOURNAL, RATE_LIMIT, DATABASE),
    ))  # fmt: skip
    commands.add(Command(
        "schedule", "check posts and keep them to go out at their scheduledAt; list, show, cancel, retry",
        "pinrules schedule posts/ && pinrules schedule list",
        _declare_schedule, _schedule,
        parents=(RULE_OPTIONS, SELECTION_OPTIONS, ACCOUNTS_FILE, PRIVATE_NETWORK, ACCOUNT, STORE, DATABASE),
    ))  # fmt: skip
    commands.add(Command(
        "worker", "send scheduled posts when they are due (until stopped, or --once)",
        "pinrules worker --once", _declare_worker, _worker,
        parents=(RULE_OPTIONS, PRIVATE_NETWORK, STORE, BASE_URL, DATABASE, RATE_LIMIT),
    ))  # fmt: skip
    commands.add(Command(
        "db", "the scheduler's database: migrate", "pinrules db migrate --database postgresql://localhost/pins",
        _declare_db, _db,
    ))  # fmt: skip
    commands.add(Command(
        "accounts", "connected Pinterest accounts and their tokens", "pinrules accounts connect --name shop",
        _declare_accounts, _accounts,
    ))  # fmt: skip
    commands.add(Command(
        "boards", "list a connected account's boards", "pinrules boards shop",
        _declare_boards, _boards, parents=(STORE, DATABASE, BASE_URL),
    ))  # fmt: skip
    commands.add(Command(
        "sandbox", "run the local Pinterest stand-in (for demos and tests)", "pinrules sandbox --port 0",
        _declare_sandbox, _sandbox,
    ))  # fmt: skip
    commands.extend_lint(LintExtension(_declare_lint_account, _lint_account))
