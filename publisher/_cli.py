"""`pinrules publish` and `pinrules sandbox`: the command line's publishing side."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pinrules._accounts import load_accounts
from pinrules._config import load_settings
from pinrules._diagnostic import Diagnostic
from pinrules._documents import Document
from pinrules._engine import Preflight
from pinrules._errors import UsageError
from pinrules._lint import account_for, find_post_files, read_post_file, reader_diagnostic
from pinrules._network import NetworkSettings

from . import token_from_env
from ._accounts import KEY_VARIABLE, Account, AccountStore, StoreError
from ._accounts import default_path as account_store_path
from ._client import PinterestClient
from ._errors import PinterestError
from ._journal import Journal
from ._models import Board
from ._oauth import DEFAULT_SCOPES, SECRET_BOARD_SCOPES, OAuthApp, OAuthError, OAuthFlow
from ._publish import Publisher, PublishOptions, PublishResult, Status
from ._sandbox import demo_state, serve
from ._secret import Secret
from ._tokens import ReauthRequired, TokenManager

CONCURRENT_POSTS = 8


class _ProgressBar:
    """One line on stderr, rewritten, while stdout is a terminal."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if total:
            filled = int(30 * done / total)
            line = f"{self.name}: {stage} [{'#' * filled}{'.' * (30 - filled)}] {100 * done // total:3d}%"
        else:
            line = f"{self.name}: {stage}"
        sys.stderr.write("\r" + line[:100].ljust(100))
        sys.stderr.flush()


def _render_text(results: list[PublishResult]) -> str:
    lines = []
    for r in results:
        what = f"{r.file or r.post_id}: {r.status}"
        if r.pin_id:
            what += f" pin {r.pin_id} {r.pin_url}" + (" (recorded earlier)" if r.from_journal else "")
        lines.append(what)
        for step in r.requests:
            body = json.dumps(step["body"], ensure_ascii=False) if step["body"] is not None else ""
            lines.append(f"    {step['method']} {step['url']} {body}".rstrip())
        for d in r.diagnostics:
            place = f"{d.file}:{d.line}:{d.column}: " if d.file else ""
            lines.append(f"    {place}{d.severity} {d.rule} {d.message}")
    counts = {s: sum(r.status == s for r in results) for s in Status}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no posts")
    return "\n".join(lines) + "\n"


class _Route:
    """Which account publishes a post: --account, else the post's accountId when that account is
    connected, else PINTEREST_ACCESS_TOKEN. One client and publisher per account, made on first use."""

    def __init__(self, args: argparse.Namespace, preflight: Preflight, options: PublishOptions,
                 journal: Journal | None) -> None:  # fmt: skip
        self.args, self.preflight, self.options, self.journal = args, preflight, options, journal
        self.token = token_from_env()
        self.store = _existing_store(args)
        self.manager: TokenManager | None = None
        self.publishers: dict[str | None, tuple[Publisher, dict[str, Any] | None]] = {}
        if args.account:
            _require(self.store, args.account)

    def check(self, documents: list[Document | Diagnostic]) -> None:
        """Every post has credentials before anything is published (a dry run needs none)."""
        if self.args.dry_run or self.token is not None:
            return
        for document in documents:
            if isinstance(document, Document) and self.account_of(document.value) is None:
                raise UsageError(f"{document.name}: no access token: set PINTEREST_ACCESS_TOKEN, "
                                 "use --account NAME, or name a connected account in accountId")  # fmt: skip

    def account_of(self, post: Any) -> str | None:
        if self.args.account:
            return str(self.args.account)
        named = post.get("accountId") if isinstance(post, dict) else None
        if isinstance(named, str) and self.store is not None and self.store.get(named) is not None:
            return named
        return None

    def publisher(self, name: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        if name not in self.publishers:
            self.publishers[name] = self._make(name)
        return self.publishers[name]

    def _make(self, name: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        if name is None or self.store is None:
            client = PinterestClient(self.token or Secret(""), self.args.base_url)
            checks = self.token is not None
            return Publisher(client, self.journal, self.preflight, self.options, check_boards=checks), None
        if self.manager is None:
            self.manager = TokenManager(self.store, OAuthFlow(_app("http://127.0.0.1/", self.args.base_url)))
        stored = self.store.require(name)
        source, unauthorized = self.manager.client_auth(name)
        client = PinterestClient(stored.access_token, self.args.base_url, token_source=source,
                                 on_unauthorized=unauthorized)  # fmt: skip
        publisher = Publisher(
            client, self.journal, self.preflight, self.options, account_scopes=stored.scopes
        )
        defaults = {"defaultBoardId": stored.default_board_id} if stored.default_board_id else None
        return publisher, defaults

    async def close(self) -> None:
        for publisher, _ in self.publishers.values():
            await publisher.client.close()
        if self.store is not None:
            self.store.close()


def _require(store: AccountStore | None, name: str) -> Account:
    """The named connected account, or a usage error that says how to connect it."""
    if store is None:
        raise UsageError(f"no account store yet: connect with `pinrules accounts connect --name {name}`")
    try:
        return store.require(name)
    except StoreError as error:
        raise UsageError(str(error)) from None


def _existing_store(args: argparse.Namespace) -> AccountStore | None:
    """The account store, if there is one: publishing never creates it."""
    path = Path(args.store) if args.store else account_store_path()
    if not path.exists():
        return None
    try:
        return AccountStore(path)
    except StoreError as error:
        raise UsageError(str(error)) from None


async def _publish_all(
    files: list[str], route: _Route, accounts: dict[str, dict[str, Any]], progress: bool
) -> list[PublishResult]:
    """Publish every file, a few at a time, each with its account's publisher."""
    gate = asyncio.Semaphore(CONCURRENT_POSTS)
    documents = [read_post_file(name) for name in files]
    route.check(documents)

    async def one(name: str, document: Document | Diagnostic) -> PublishResult:
        if isinstance(document, Diagnostic):
            # an unreadable file cannot be published, even with its rule ignored
            reader = reader_diagnostic(document, route.preflight) or document
            return PublishResult(Status.REJECTED, file=name, diagnostics=[reader])
        publisher, defaults = route.publisher(route.account_of(document.value))
        async with gate:
            account = account_for(document.value, accounts) or defaults
            return await publisher.publish(document.value, account=account, document=document)

    results = await asyncio.gather(
        *(one(name, document) for name, document in zip(files, documents, strict=True))
    )
    if progress:
        sys.stderr.write("\r" + " " * 100 + "\r")
    return list(results)


def run_publish(args: argparse.Namespace, preflight: Preflight, accounts_file: str | None) -> int:
    files = find_post_files(args.paths)
    accounts = load_accounts(accounts_file) if accounts_file else {}
    progress = sys.stdout.isatty()
    options = PublishOptions(
        network=NetworkSettings(allow_private_network=args.allow_private_network),
        poll_interval=args.poll_interval,
        poll_timeout=args.poll_timeout,
        dry_run=args.dry_run,
        progress=_ProgressBar("video") if progress else None,
        ignore_schedule=args.ignore_schedule,
    )
    journal = None if args.dry_run or args.no_journal else Journal(args.journal)

    async def go() -> list[PublishResult]:
        route = _Route(args, preflight, options, journal)
        try:
            return await _publish_all(files, route, accounts, progress)
        finally:
            await route.close()

    try:
        results = asyncio.run(go())
    finally:
        if journal is not None:
            journal.close()
    if args.format == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_render_text(results))
    # a post that is not due yet is not a failure: a later run publishes it
    wanted = {Status.PLANNED, Status.SCHEDULED} if args.dry_run else {Status.PUBLISHED, Status.SCHEDULED}
    return 0 if all(r.status in wanted for r in results) else 1


def _app(redirect_uri: str, base_url: str | None) -> OAuthApp:
    """The app's credentials: the environment, with the app id also from [tool.pinrules] app-id."""
    try:
        return OAuthApp.from_env(redirect_uri, base_url, load_settings().app_id)
    except OAuthError as error:
        raise UsageError(str(error)) from None


def run_sandbox(args: argparse.Namespace) -> int:
    token = args.token or f"sandbox-{secrets.token_hex(8)}"
    state = demo_state(token)
    if args.files:
        state.files = Path(args.files).resolve()
    base = f"http://127.0.0.1:{args.port}"
    sys.stdout.write(
        f"Pinterest stand-in on {base}/v5 (boards 549755885175 public, 549755885176 secret)\n"
        f"  export PINTEREST_API_BASE={base}/v5\n"
        f"  export PINTEREST_ACCESS_TOKEN={token}   # a sandbox token, valid only here\n"
    )
    sys.stdout.flush()
    try:
        asyncio.run(serve(state, args.port))
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}") from None
    return 0


# --- accounts ----------------------------------------------------------------------------------


def _store(args: argparse.Namespace) -> AccountStore:
    try:
        return AccountStore(args.store)
    except StoreError as error:
        raise UsageError(str(error)) from None


async def _connect(args: argparse.Namespace) -> Account:
    """Run the OAuth flow with a callback server on 127.0.0.1 and a free (or given) port."""
    from aiohttp import web  # noqa: PLC0415

    received: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()

    async def callback(request: web.Request) -> web.Response:
        if "code" not in request.query:
            problem = request.query.get("error_description") or request.query.get("error") or "no code"
            if not received.done():
                received.set_exception(UsageError(f"Pinterest did not authorise the app: {problem}"))
            return web.Response(text="pinrules: not connected. You can close this page.")
        if not received.done():
            received.set_result((request.query["code"], request.query.get("state", "")))
        return web.Response(text="pinrules: connected. You can close this page and return to the terminal.")

    app = web.Application()
    app.router.add_get("/callback", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = runner.addresses[0][1]
    try:
        flow = OAuthFlow(_app(f"http://127.0.0.1:{port}/callback", args.base_url))
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
        try:
            return await flow.complete(code, state, args.name)
        except (OAuthError, PinterestError) as error:
            raise UsageError(str(error)) from None
    finally:
        await runner.cleanup()


def run_accounts(args: argparse.Namespace) -> int:
    if args.action == "key":
        from cryptography.fernet import Fernet  # noqa: PLC0415

        sys.stdout.write(f"{Fernet.generate_key().decode()}\n")
        sys.stderr.write(f"pinrules: keep it safe and export it as {KEY_VARIABLE} to encrypt stored tokens\n")
        return 0
    store = _store(args)
    try:
        return _account_action(args, store)
    except StoreError as error:
        raise UsageError(str(error)) from None
    finally:
        store.close()


def _account_action(args: argparse.Namespace, store: AccountStore) -> int:
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
        manager = TokenManager(store, OAuthFlow(_app("http://127.0.0.1/", args.base_url)))
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
        sys.stdout.write(f"{args.name}: disconnected (its tokens are deleted from {store.path})\n")
    return 0


def run_boards(args: argparse.Namespace) -> int:
    """Every board of a connected account, all pages."""
    store = _store(args)
    try:
        store.require(args.name)
        manager = TokenManager(store, OAuthFlow(_app("http://127.0.0.1/", args.base_url)))
        source, unauthorized = manager.client_auth(args.name)

        async def boards() -> list[Board]:
            async with PinterestClient(
                Secret(""), args.base_url, token_source=source, on_unauthorized=unauthorized
            ) as client:
                return [board async for board in client.boards()]

        found = asyncio.run(boards())
    except (StoreError, PinterestError) as error:
        raise UsageError(str(error)) from None
    finally:
        store.close()
    for board in found:
        sys.stdout.write(f"{board.id}  {board.privacy or '':7}  {board.name or ''}\n")
    return 0


def account_lint(
    args: argparse.Namespace, preflight: Preflight
) -> tuple[dict[str, Any] | None, Callable[[list[Document]], list[Diagnostic]]]:
    """For `pinrules lint --online --account NAME`: the account's defaults, and a check of the
    boards the posts use (exists, is the account's, secret boards need the scope)."""
    store = _existing_store(args)
    stored = _require(store, args.account)
    assert store is not None  # _require refuses a missing store
    defaults = {"defaultBoardId": stored.default_board_id} if stored.default_board_id else None

    def check(documents: list[Document]) -> list[Diagnostic]:
        async def go() -> list[Diagnostic]:
            manager = TokenManager(store, OAuthFlow(_app("http://127.0.0.1/", args.base_url)))
            source, unauthorized = manager.client_auth(stored.name)
            async with PinterestClient(stored.access_token, args.base_url, token_source=source,
                                       on_unauthorized=unauthorized) as client:  # fmt: skip
                publisher = Publisher(client, None, preflight, account_scopes=stored.scopes)
                found = []
                for document in documents:
                    board = _board_of(document.value) or stored.default_board_id
                    if board is not None:
                        findings = await publisher.board_findings(board)
                        found += preflight.probe_diagnostics(findings, document)
                return found

        try:
            return asyncio.run(go())
        except ReauthRequired as error:
            raise UsageError(str(error)) from None
        finally:
            store.close()

    return defaults, check


def _board_of(post: Any) -> str | None:
    options = post.get("options") if isinstance(post, dict) else None
    pinterest = options.get("pinterest") if isinstance(options, dict) else None
    board = pinterest.get("boardId") if isinstance(pinterest, dict) else None
    return board if isinstance(board, str) and board.isascii() and board.isdigit() else None
