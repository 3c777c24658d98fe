"""`pinrules accounts`, `pinrules boards` and `pinrules lint --online --account NAME`."""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
import webbrowser
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinrules import Diagnostic, Document, Places, Preflight, UsageError, load_settings, pinterest

from ._accounts import KEY_VARIABLE, Account, Accounts, AccountStore
from ._accounts import default_path as account_store_path
from ._arguments import AccountLintArguments, AccountsArguments, BoardsArguments
from ._backend import database_url
from ._client import PinterestClient, base_url_from_env
from ._errors import ConnectionFailed, ReauthRequired, Unauthorized
from ._oauth import DEFAULT_SCOPES, SECRET_BOARD_SCOPES, OAuthApp, OAuthFlow
from ._publish import Publisher
from ._secret import Secret
from ._tokens import TokenManager

if TYPE_CHECKING:
    from aiohttp import web

    from ._models import Board

BOARD_POINTER = ("options", "pinterest", "boardId")  # where board findings are reported


def oauth_app(redirect_uri: str, base_url: str | None) -> OAuthApp:
    """The app's credentials: the environment, with the app id also from [tool.pinrules] app-id."""
    return OAuthApp.from_env(redirect_uri, base_url, load_settings().app_id)


def require(store: Accounts | None, name: str) -> Account:
    """The named connected account, or a usage error that says how to connect it."""
    if store is None:
        raise UsageError(f"no account store yet: connect with `pinrules accounts connect --name {name}`")
    return store.require(name)


def open_accounts(store: str | None, database: str | None = None, *, create: bool = False) -> Accounts | None:
    """The accounts the commands use: in PostgreSQL when --database (else PINRULES_DATABASE_URL,
    else [tool.pinrules] database) names one, as the scheduler's workers read them; else the
    SQLite file --store, else FOLDER/accounts.sqlite3 for sqlite:FOLDER, else the data folder's.
    None when there is no SQLite file yet and `create` is false (publishing and linting never
    make one)."""
    url = database_url(database, load_settings().database)
    if url is not None and url.startswith(("postgresql://", "postgres://")):
        if store is not None:
            raise UsageError(
                "--store names a SQLite file, but the accounts are in the PostgreSQL database "
                "(--database, PINRULES_DATABASE_URL or [tool.pinrules] database): drop one"
            )
        from ._postgres_accounts import open_postgres_accounts  # noqa: PLC0415 - psycopg only for it

        return open_postgres_accounts(url)
    if store is not None:
        location = Path(store)
    elif url is not None and url.startswith("sqlite:"):
        location = Path(url.removeprefix("sqlite:").removeprefix("//")) / "accounts.sqlite3"
    else:
        location = account_store_path()
    return AccountStore(location) if create or location.exists() else None


def existing_store(path: str | None) -> Accounts | None:
    """The account store, if there is one: publishing and linting never create it."""
    return open_accounts(path)


def _printable(text: str, limit: int = 300) -> str:
    """Text that came from outside (a callback's error_description, an API's message), safe to
    print: control and format characters (terminal escape sequences, bidirectional overrides)
    shown as escapes, and cut at `limit` characters."""
    shown = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text[:limit]
    )
    return shown + ("..." if len(text) > limit else "")


def _page(status: int, message: str) -> web.Response:
    """The small HTML page the browser shows after the consent page sent it back here."""
    from aiohttp import web  # noqa: PLC0415

    body = f"<!doctype html><title>pinrules</title><p>pinrules: {html.escape(message)}</p>"
    return web.Response(status=status, text=body, content_type="text/html")


async def _connect(args: AccountsArguments) -> Account:
    """Run the OAuth flow with a callback server on 127.0.0.1 and a free (or given) port.

    Only an answer carrying the pending `state` counts: any other request to the callback (a
    forged or stale link) gets an error page and the connection goes on waiting."""
    from aiohttp import web  # noqa: PLC0415

    received: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
    flow: OAuthFlow | None = None  # made once the port, and so the redirect URI, is known

    async def callback(request: web.Request) -> web.Response:
        state = request.query.get("state", "")
        if flow is None or received.done() or not flow.is_pending(state):
            return _page(400, "this answer does not belong to the connection being made; it was ignored.")
        if "code" not in request.query:
            problem = request.query.get("error_description") or request.query.get("error") or "no code"
            received.set_exception(UsageError(f"Pinterest did not authorise the app: {_printable(problem)}"))
            return _page(200, f"not connected ({problem[:300]}). You can close this page.")
        received.set_result((request.query["code"], state))
        return _page(200, "connected. You can close this page and return to the terminal.")

    app = web.Application()
    app.router.add_get("/callback", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
    except OSError as error:
        await runner.cleanup()
        raise UsageError(
            f"cannot listen on 127.0.0.1:{args.port} for Pinterest's answer "
            f"({os.strerror(error.errno) if error.errno else error}): "
            "choose another --port, or leave it out for a free one"
        ) from None
    port = runner.addresses[0][1]
    try:
        flow = OAuthFlow(oauth_app(f"http://127.0.0.1:{port}/callback", args.base_url))
        scopes = (*DEFAULT_SCOPES, *(SECRET_BOARD_SCOPES if args.secret_boards else ()))
        url = flow.authorization_url(scopes)
        sys.stdout.write(
            f"Open this page to connect a Pinterest account:\n  {url}\nWaiting (10 minutes) ...\n"
        )
        sys.stdout.flush()
        if not args.no_browser:
            webbrowser.open(url)
        try:
            code, state = await asyncio.wait_for(received, timeout=600)
        except TimeoutError:
            raise UsageError("no answer from Pinterest within 10 minutes; run connect again") from None
        return await flow.complete(code, state, args.name)
    finally:
        await runner.cleanup()


def run_accounts(args: AccountsArguments) -> int:
    if args.action == "key":
        try:
            from cryptography.fernet import Fernet  # noqa: PLC0415
        except ImportError:
            raise UsageError("making a key needs cryptography: pip install 'pinrules[encryption]'") from None
        sys.stdout.write(f"{Fernet.generate_key().decode()}\n")
        sys.stderr.write(f"pinrules: keep it safe and export it as {KEY_VARIABLE} to encrypt stored tokens\n")
        return 0
    store = open_accounts(args.store, args.database, create=True)
    assert store is not None  # made when missing
    try:
        return _account_action(args, store)
    finally:
        store.close()


def _account_action(args: AccountsArguments, store: Accounts) -> int:
    if args.action == "connect":
        account = asyncio.run(_connect(args))
        previous = store.get(account.name)
        if previous is not None:  # keep the default board across reconnections
            account = replace(account, default_board_id=previous.default_board_id)
        store.save(account)
        sys.stdout.write(f"connected {account.name}: Pinterest user {account.username} "
                         f"(scopes {' '.join(account.scopes)})\n")  # fmt: skip
    elif args.action == "list":
        for account in store.all():
            board = account.default_board_id or "no default board"
            sys.stdout.write(f"{account.name}  {account.username}  {board}  {' '.join(account.scopes)}\n")
    elif args.action == "show":
        sys.stdout.write(json.dumps(store.require(args.name).summary(), indent=2) + "\n")
    elif args.action == "set-default-board":
        store.set_default_board(args.name, args.board_id)
        sys.stdout.write(f"{args.name}: default board {args.board_id}\n")
    elif args.action == "refresh":
        manager = TokenManager(store, OAuthFlow(oauth_app("http://127.0.0.1/", args.base_url)))
        try:
            account = asyncio.run(manager.refresh(args.name))
        except ReauthRequired as error:
            sys.stderr.write(f"pinrules: {error}\n")
            return 1
        sys.stdout.write(f"{args.name}: refreshed; the access token is valid for "
                         f"{account.summary()['access_token_expires_in_hours']} hours\n")  # fmt: skip
    elif args.action == "disconnect":
        if not store.delete(args.name):
            raise UsageError(f"no account {args.name!r}")
        sys.stdout.write(f"{args.name}: disconnected (its tokens are deleted from {store.where})\n")
    return 0


def run_boards(args: BoardsArguments) -> int:
    """Every board of a connected account, all pages."""
    store = open_accounts(args.store, args.database)
    try:
        require(store, args.name)
        assert store is not None  # require refuses a missing store
        manager = TokenManager(store, OAuthFlow(oauth_app("http://127.0.0.1/", args.base_url)))
        source, unauthorized = manager.client_auth(args.name)

        async def boards() -> list[Board]:
            async with PinterestClient(
                Secret(""), args.base_url, token_source=source, on_unauthorized=unauthorized
            ) as client:
                return [board async for board in client.boards()]

        found = asyncio.run(boards())
    finally:
        if store is not None:
            store.close()
    for board in found:
        sys.stdout.write(f"{board.id}  {board.privacy or '':7}  {board.name or ''}\n")
    return 0


@dataclass
class _AccountCheck:
    """`pinrules lint --online --account NAME`: the account's defaults, and its boards looked up
    for the posts (exists, is the account's, secret boards need the scope)."""

    args: AccountLintArguments
    preflight: Preflight
    store: Accounts
    account: Account
    posts: list[tuple[str, Places]] = field(default_factory=list)  # board id, where it is

    @property
    def defaults(self) -> dict[str, Any] | None:
        board = self.account.default_board_id
        return {"defaultBoardId": board} if board else None

    def collect(self, document: Document) -> None:
        board = _board_of(document.value) or self.account.default_board_id
        if board is not None:  # the board's place, worked out now: the file is let go after this
            self.posts.append((board, Places.of(document, [BOARD_POINTER])))

    def check(self) -> list[Diagnostic]:
        async def go() -> list[Diagnostic]:
            manager = TokenManager(self.store, OAuthFlow(oauth_app("http://127.0.0.1/", self.args.base_url)))
            source, unauthorized = manager.client_auth(self.account.name)
            async with PinterestClient(self.account.access_token, self.args.base_url, token_source=source,
                                       on_unauthorized=unauthorized) as client:  # fmt: skip
                publisher = Publisher(client, None, self.preflight, account_scopes=self.account.scopes)
                found = []
                for board, places in self.posts:
                    findings = await publisher.board_findings(board)
                    found += self.preflight.probe_diagnostics(findings, places)
                return found

        try:
            return asyncio.run(go())
        except ReauthRequired as error:
            raise UsageError(str(error)) from None
        except (Unauthorized, ConnectionFailed) as error:  # once, not as a finding on every post
            fix = f"connect it again with `pinrules accounts connect --name {self.account.name}`"
            raise unusable_api(error, base_url_from_env(self.args.base_url), fix) from None
        finally:
            self.store.close()


def unusable_api(error: Unauthorized | ConnectionFailed, base_url: str, fix: str) -> UsageError:
    """A run that cannot talk to Pinterest at all, said once and as what it is: the token was
    refused (`fix` says what to do), or the API cannot be reached."""
    if isinstance(error, Unauthorized):
        return UsageError(f"401: the access token was refused ({_printable(error.message)}); {fix}")
    reason = str(error).removeprefix(f"cannot connect to {base_url}: ")
    return UsageError(
        f"cannot reach the API at {base_url} ({reason}); check --base-url, PINTEREST_API_BASE and the network"
    )


def account_lint(args: AccountLintArguments, preflight: Preflight) -> _AccountCheck:
    store = existing_store(args.store)
    account = require(store, args.account)
    assert store is not None  # require refuses a missing store
    return _AccountCheck(args, preflight, store, account)


def _board_of(post: Any) -> str | None:
    board = pinterest.pinterest_options(post).get("boardId")
    return board if isinstance(board, str) and board.isascii() and board.isdigit() else None
