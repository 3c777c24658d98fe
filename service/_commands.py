"""The service's commands: `pinrules serve` and `pinrules apikeys`.

Registered through the `pinrules.commands` entry point; argparse only (this loads when
`pinrules` starts): the service's code is imported when a command runs.
"""

from __future__ import annotations

import argparse

from pinrules import PRIVATE_NETWORK, RULE_OPTIONS, Command, Commands, Parser, option_group


def _declare_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the scheduler's database, as for `pinrules worker`; the service's tables go in it "
        "(postgresql://...) or beside it (service.sqlite3; default: your data folder)",
    )


DATABASE = option_group(_declare_database)


def _declare_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: a free one)")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="where Pinterest and browsers reach this service (OAuth callback, image URLs)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API base (default: PINTEREST_API_BASE or Pinterest's)"
    )


def _declare_apikeys(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    create = actions.add_parser("create", help="make a key (printed once)", parents=[DATABASE])
    create.add_argument(
        "--workspace", default="default", help="the workspace the key sees (default: default)"
    )
    create.add_argument("--name", default="", help="what the key is for")
    actions.add_parser("list", help="keys and their workspaces (never the keys)", parents=[DATABASE])
    actions.add_parser("revoke", help="stop a key working", parents=[DATABASE]).add_argument(
        "id", metavar="ID"
    )


def _serve(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._cli import ServeArguments, run_serve  # noqa: PLC0415

    return run_serve(options_from(ServeArguments, namespace))


def _apikeys(namespace: argparse.Namespace) -> int:
    from pinrules import options_from  # noqa: PLC0415

    from ._cli import ApiKeysArguments, run_apikeys  # noqa: PLC0415

    return run_apikeys(options_from(ApiKeysArguments, namespace))


def register(commands: Commands) -> None:
    commands.add(
        Command(
            "serve",
            "the posting service: /v1/posts, /v1/media, /v1/accounts over HTTP",
            "pinrules serve --port 8080 --public-url https://pins.example.com",
            _declare_serve,
            _serve,
            parents=(RULE_OPTIONS, PRIVATE_NETWORK, DATABASE),
        )
    )
    commands.add(
        Command(
            "apikeys",
            "API keys of the posting service: create, list, revoke",
            "pinrules apikeys create --workspace shop --name 'web app'",
            _declare_apikeys,
            _apikeys,
        )
    )
