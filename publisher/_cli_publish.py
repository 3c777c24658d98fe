"""`pinrules publish`: read the post files, route each to its account, publish, report.

The report is always printed, one result per post file: each post is published inside its own
error boundary (`Publisher.publish`). A refreshed token pair that cannot be stored stops the
run (no post starts after it); the write is tried once more at the end, and when it still
fails the command ends with that error (exit 2) after the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

from pinrules import (
    Document,
    FileProblem,
    MediaFolders,
    NetworkSettings,
    Preflight,
    Settings,
    UsageError,
    account_for,
    build_preflight,
    duplicate_ids,
    find_post_files,
    load_accounts,
    read_post_file,
    resolve_settings,
)

from ._api import token_from_env
from ._arguments import PublishArguments
from ._backend import Backend, database_url, open_backend
from ._claims import PublishJournal
from ._cli_accounts import oauth_app, open_accounts, require, unusable_api
from ._client import PinterestClient, account_key, base_url_from_env
from ._enqueue import Handover
from ._errors import ConnectionFailed, TokensUnsaved, Unauthorized
from ._journal import Journal
from ._limiter import limiter_for, publish_rate
from ._oauth import OAuthFlow
from ._progress import ProgressBar
from ._publish import Publisher, PublishOptions, interrupted
from ._results import PublishResult, Status, interrupted_result
from ._retry import DEFAULT_MAX_RETRY_AFTER, RetryPolicy
from ._secret import Secret
from ._tokens import TokenManager

CONCURRENT_POSTS = 8
STOPPED = "pinterest.account.tokens_unsaved"


def _render_text(results: list[PublishResult]) -> str:
    lines = []
    for r in results:
        what = f"{r.file or r.post_id}: {r.status}"
        if r.pin_id:
            what += f" pin {r.pin_id} {r.pin_url}" + (" (recorded earlier)" if r.from_journal else "")
        if r.retry_after is not None and r.status is Status.RETRY:
            what += f" (Pinterest asks to wait {r.retry_after:g} s)"
        if r.due_at is not None:
            when = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(r.due_at))
            what += f" for {when} (stored: `pinrules worker` sends it)"
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
    connected, else PINTEREST_ACCESS_TOKEN. One client and publisher per account, made before
    the first post is sent (so that an account that cannot be used stops the run up front)."""

    def __init__(
        self,
        args: PublishArguments,
        preflight: Preflight,
        options: PublishOptions,
        journal: PublishJournal | None,
        *,
        retry: RetryPolicy,
        backend: Backend | None,
    ) -> None:
        self.args, self.preflight, self.options, self.journal = args, preflight, options, journal
        self.retry = retry
        self.backend = backend  # the scheduler's stores: posts not due yet are handed over to them
        self.token = token_from_env()
        self.store = open_accounts(args.store, args.database)
        self.manager: TokenManager | None = None
        self.publishers: dict[str | None, tuple[Publisher, dict[str, Any] | None]] = {}
        self.interrupted = False  # Ctrl-C or SIGTERM stopped the run
        if args.account:
            require(self.store, args.account)

    def check(self, documents: list[Document | FileProblem]) -> None:
        """Every post has credentials before anything is published (a dry run needs none)."""
        for document in documents:
            if not isinstance(document, Document):
                continue
            name = self.account_of(document.value)
            if name is None and not self.args.dry_run and self.token is None:
                raise UsageError(f"{document.name}: no access token: set PINTEREST_ACCESS_TOKEN, "
                                 "use --account NAME, or name a connected account in accountId")  # fmt: skip
            self.publisher(name)

    def account_of(self, post: Any) -> str | None:
        if self.args.account:
            return self.args.account
        named = post.get("accountId") if isinstance(post, dict) else None
        if isinstance(named, str) and self.store is not None and self.store.get(named) is not None:
            return named
        return None

    def publisher(self, name: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        if name not in self.publishers:
            self.publishers[name] = self._make(name)
        return self.publishers[name]

    @property
    def stopped(self) -> bool:
        return self.manager is not None and bool(self.manager.unsaved)

    def _make(self, name: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        rate, tier = self.options.rate_limit, self.options.access_tier
        if name is None or self.store is None:
            token = self.token or Secret("")
            limiter = limiter_for(account_key(token), rate, tier)
            client = PinterestClient(token, self.args.base_url, limiter=limiter, retry=self.retry)
            checks = self.token is not None
            publisher = Publisher(client, self.journal, self.preflight, self.options, check_boards=checks,
                                  handover=self._handover(None))  # fmt: skip
            return publisher, None
        if self.manager is None:
            self.manager = TokenManager(
                self.store, OAuthFlow(oauth_app("http://127.0.0.1/", self.args.base_url))
            )
        stored = self.store.require(name)
        source, unauthorized = self.manager.client_auth(name)
        client = PinterestClient(stored.access_token, self.args.base_url, token_source=source,
                                 on_unauthorized=unauthorized, retry=self.retry,
                                 limiter=limiter_for(f"account:{name}", rate, tier))  # fmt: skip
        publisher = Publisher(client, self.journal, self.preflight, self.options,
                              account_scopes=stored.scopes, handover=self._handover(name))  # fmt: skip
        defaults = {"defaultBoardId": stored.default_board_id} if stored.default_board_id else None
        return publisher, defaults

    def _handover(self, account: str | None) -> Handover | None:
        if self.backend is None:
            return None
        return Handover(
            self.backend.schedule, self.backend.media, account=account, folders=self.options.media
        )

    async def close(self) -> None:
        for publisher, _ in self.publishers.values():
            await publisher.client.close()
        if self.store is not None:
            self.store.close()


async def _publish_all(
    files: list[str], route: _Route, accounts: dict[str, dict[str, Any]], progress: bool
) -> list[PublishResult]:
    """Publish every file, a few at a time, each with its account's publisher."""
    gate = asyncio.Semaphore(CONCURRENT_POSTS)
    documents = [read_post_file(name) for name in files]
    route.check(documents)
    # an id used by an earlier file of this run: that post is not sent (lint says the same)
    reused = {
        d.file: d for d in duplicate_ids(route.preflight, [d for d in documents if isinstance(d, Document)])
    }

    def unreadable(name: str, problem: FileProblem) -> PublishResult:
        # an unreadable file cannot be published, even with its rule ignored
        reader = problem.diagnostic(route.preflight, always=True)
        return PublishResult(Status.REJECTED, file=name, diagnostics=[reader] if reader else [])

    def not_reached(name: str, document: Document | FileProblem) -> PublishResult:
        if isinstance(document, FileProblem):
            return unreadable(name, document)
        diagnostics = route.preflight.probe_diagnostics([interrupted(False)], document)
        post_id = document.value.get("id") if isinstance(document.value, dict) else None
        return PublishResult(Status.RETRY, post_id, name, diagnostics=diagnostics)

    async def one(name: str, document: Document | FileProblem) -> PublishResult:
        if isinstance(document, FileProblem):
            return unreadable(name, document)
        post_id = document.value.get("id") if isinstance(document.value, dict) else None
        if name in reused:
            return PublishResult(Status.REUSED_ID, post_id, name, diagnostics=[reused[name]])
        publisher, defaults = route.publisher(route.account_of(document.value))
        try:
            async with gate:
                if route.stopped:  # refreshed tokens could not be stored: nothing more is sent
                    message = "not sent: the run stopped because refreshed tokens could not be stored"
                    diagnostic = route.preflight.probe_diagnostics([(STOPPED, (), message)], document)
                    return PublishResult(Status.RETRY, post_id, name, diagnostics=diagnostic)
                account = account_for(document.value, accounts) or defaults
                return await publisher.publish(document.value, account=account, document=document)
        except asyncio.CancelledError as stop:  # the run is stopping: the report says how far it got
            return interrupted_result(stop) or not_reached(name, document)  # none: waiting for its turn

    tasks = [
        asyncio.ensure_future(one(name, document)) for name, document in zip(files, documents, strict=True)
    ]
    if not tasks:
        return []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:  # Ctrl-C or SIGTERM: stop the posts, then report every one
        route.interrupted = True
    for task in tasks:
        task.cancel()  # after a first exception too (the token or the API: said once for the run)
    await asyncio.wait(tasks)
    if progress:
        sys.stderr.write("\r" + " " * 100 + "\r")
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
    return [
        not_reached(name, document) if task.cancelled() else task.result()
        for task, name, document in zip(tasks, files, documents, strict=True)
    ]


def _options(args: PublishArguments, settings: Settings) -> PublishOptions:
    for flag, value in (("--deadline", args.deadline), ("--max-retry-after", args.max_retry_after)):
        if value is not None and not 0 < value < float("inf"):
            raise UsageError(f"{flag} is a number of seconds, more than 0 (got {value:g})")
    deadline = args.deadline if args.deadline is not None else settings.publish_deadline
    return PublishOptions(
        network=NetworkSettings(
            allow_private_network=settings.allow_private_network,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        ),
        poll_interval=args.poll_interval,
        poll_timeout=args.poll_timeout,
        dry_run=args.dry_run,
        progress=ProgressBar("video") if sys.stdout.isatty() else None,
        ignore_schedule=args.ignore_schedule,
        ignored_in=settings.ignored_in,
        media=MediaFolders.from_settings(settings),
        deadline=time.time() + deadline if deadline is not None else None,
        rate_limit=publish_rate(args.rate_limit, settings.rate_limit),
        access_tier=settings.access_tier,
    )


def _stores(args: PublishArguments, settings: Settings) -> tuple[Backend | None, PublishJournal | None]:
    """The scheduler's stores when a database is configured (posts not due yet go there, and its
    journal is the default), and the journal of the run (none for a dry run or --no-journal)."""
    if args.dry_run and (args.journal or args.no_journal):
        raise UsageError("a dry run neither reads nor writes the journal: drop --journal/--no-journal")
    if args.no_journal and args.journal:
        raise UsageError("--journal and --no-journal contradict each other")
    url = database_url(args.database, settings.database)
    backend = open_backend(url) if url is not None and not args.dry_run else None
    if args.dry_run or args.no_journal:
        return backend, None
    return backend, backend.journal if backend is not None and args.journal is None else Journal(args.journal)


def _stop_on_sigterm() -> None:
    """SIGTERM stops the run as Ctrl-C does (asyncio.run already cancels the run on SIGINT)."""
    task = asyncio.current_task()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


def run_publish(args: PublishArguments) -> int:
    settings = resolve_settings(
        args.rules, args.selection, accounts=args.accounts, allow_private_network=args.allow_private_network
    )
    preflight = build_preflight(settings)
    files = find_post_files(args.paths)
    accounts = load_accounts(settings.accounts) if settings.accounts else {}
    progress = sys.stdout.isatty()
    options = _options(args, settings)
    max_retry_after = args.max_retry_after or settings.max_retry_after or DEFAULT_MAX_RETRY_AFTER
    backend, journal = _stores(args, settings)
    unsaved: list[TokensUnsaved] = []

    stopped = False

    async def go() -> list[PublishResult]:
        nonlocal stopped
        retry = RetryPolicy(max_retry_after=max_retry_after)
        route = _Route(args, preflight, options, journal, retry=retry, backend=backend)
        _stop_on_sigterm()
        try:
            results = await _publish_all(files, route, accounts, progress)
            stopped = route.interrupted
            if route.manager is not None:
                try:
                    route.manager.save_unsaved()  # the last try before the process ends
                except TokensUnsaved as error:
                    unsaved.append(error)
            return results
        finally:
            await route.close()

    try:
        results = asyncio.run(go())
    except (Unauthorized, ConnectionFailed) as error:  # said once for the run, not per post
        fix = "check PINTEREST_ACCESS_TOKEN, or connect the account again (`pinrules accounts connect`)"
        raise unusable_api(error, base_url_from_env(args.base_url), fix) from None
    finally:
        if backend is not None:
            backend.close()  # its journal too
        elif journal is not None:
            journal.close()
    if args.format == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_render_text(results))
    sys.stdout.flush()
    if unsaved:
        raise unsaved[0]  # after the report: the command ends with this error (exit 2)
    if stopped:
        raise KeyboardInterrupt  # after the report: the command line says it and exits 130
    # a post that is not due yet, or that another run is publishing, is not a failure of this run
    done = {Status.PLANNED, Status.SCHEDULED} if args.dry_run else {Status.PUBLISHED, Status.SCHEDULED}
    return 0 if all(r.status in done | {Status.CLAIMED_ELSEWHERE} for r in results) else 1
