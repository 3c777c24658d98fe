"""`pinrules schedule`, `pinrules worker` and `pinrules db migrate`."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

from pinrules import (
    Document,
    FileProblem,
    MediaFolders,
    NetworkSettings,
    UsageError,
    build_preflight,
    find_post_files,
    load_accounts,
    load_settings,
    read_post_file,
    resolve_settings,
)

from ._arguments import ScheduleArguments, WorkerArguments
from ._backend import Backend, database_url, migrate, open_backend
from ._commands import SCHEDULE_ACTIONS
from ._enqueue import ScheduleResult, schedule
from ._errors import OAuthError
from ._events import Events
from ._limiter import publish_rate
from ._oauth import OAuthApp
from ._publish import PublishOptions
from ._schedule import PostState, ScheduledPost
from ._senders import Senders
from ._tokens import REAUTH_WINDOW
from ._webhooks import Deliverer, bridge, check_expiring, watch_accounts
from ._worker import Worker, WorkerSettings


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _backend(database: str | None) -> Backend:
    return open_backend(database_url(database, load_settings().database))


def run_schedule(args: ScheduleArguments) -> int:
    action, rest = args.items[0], list(args.items[1:])
    if action in SCHEDULE_ACTIONS:
        return _act(args, action, rest)
    settings = resolve_settings(args.rules, args.selection, accounts=args.accounts,
                                allow_private_network=args.allow_private_network)  # fmt: skip
    preflight = build_preflight(settings)
    files = find_post_files(args.items)
    defaults_by_id = load_accounts(settings.accounts) if settings.accounts else {}
    backend = _backend(args.database)
    network = NetworkSettings(
        allow_private_network=settings.allow_private_network,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    try:
        results = asyncio.run(
            _schedule_files(args, files, backend, preflight, defaults_by_id, network=network)
        )
    finally:
        backend.close()
    if args.format == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_render(results))
    return 0 if all(r.status == "scheduled" for r in results) else 1


async def _schedule_files(
    args: ScheduleArguments,
    files: list[str],
    backend: Backend,
    preflight: Any,
    defaults_by_id: dict[str, dict[str, Any]],
    *,
    network: NetworkSettings,
) -> list[ScheduleResult]:
    results = []
    for name in files:
        document = read_post_file(name)
        if isinstance(document, FileProblem):
            diagnostic = document.diagnostic(preflight, always=True)
            results.append(ScheduleResult("rejected", None, name, None, [diagnostic] if diagnostic else []))
            continue
        account, defaults = _account(args, document, backend, defaults_by_id)
        results.append(await schedule(
            document.value, store=backend.schedule, media=backend.media, preflight=preflight, account=account,
            account_defaults=defaults, document=document, network=network, online=not args.offline,
        ))  # fmt: skip
    return results


def _account(
    args: ScheduleArguments, document: Document, backend: Backend, defaults_by_id: dict[str, dict[str, Any]]
) -> tuple[str | None, dict[str, Any] | None]:
    """The connected account that will publish the post, and its defaults for the checks."""
    post = document.value
    named = post.get("accountId") if isinstance(post, dict) else None
    account = args.account or (named if isinstance(named, str) else None)
    stored = backend.accounts.get(account) if backend.accounts is not None and account else None
    if args.account and stored is None:
        raise UsageError(f"no connected account {args.account!r}: connect it with "
                         f"`pinrules accounts connect --name {args.account}`")  # fmt: skip
    if stored is None:
        return None, defaults_by_id.get(named) if isinstance(named, str) else None
    return stored.name, {"defaultBoardId": stored.default_board_id} if stored.default_board_id else None


def _render(results: list[ScheduleResult]) -> str:
    lines = []
    for r in results:
        what = f"{r.file or r.post_id}: {r.status}"
        if r.item is not None:
            what += f" {r.post_id} due {_when(r.item.due_at)}"
        lines.append(what)
        for d in r.diagnostics:
            place = f"{d.file}:{d.line}:{d.column}: " if d.file else ""
            lines.append(f"    {place}{d.severity} {d.rule} {d.message}")
    scheduled = sum(r.status == "scheduled" for r in results)
    lines.append(f"{scheduled} scheduled, {len(results) - scheduled} rejected")
    return "\n".join(lines) + "\n"


def _act(args: ScheduleArguments, action: str, rest: list[str]) -> int:
    if action == "list" and rest:
        raise UsageError(f"`schedule list` takes no names (got {' '.join(rest)}); to schedule a file named "
                         "list, write ./list")  # fmt: skip
    if action != "list" and len(rest) != 1:
        raise UsageError(f"`schedule {action}` takes one post id")
    if args.status and action != "list":
        raise UsageError("--status applies to `schedule list`")
    backend = _backend(args.database)
    try:
        if action == "list":
            status = PostState(args.status) if args.status else None
            items = _all(backend, status)
            if args.format == "json":
                sys.stdout.write(
                    json.dumps([i.summary() for i in items], indent=2, ensure_ascii=False) + "\n"
                )
            else:
                sys.stdout.write("".join(_line(i) for i in items) or "no scheduled posts\n")
            return 0
        (post_id,) = rest
        if action == "show":
            found = backend.schedule.get(post_id)
            if found is None:
                raise UsageError(f"no scheduled post {post_id!r}")
        elif action == "cancel":
            found = backend.schedule.cancel(post_id)
        else:
            found = backend.schedule.retry(post_id, time.time())
        if args.format == "json" or action == "show":
            sys.stdout.write(json.dumps(found.summary(), indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(_line(found))
        return 0
    finally:
        backend.close()


def _all(backend: Backend, status: PostState | None) -> list[ScheduledPost]:
    items: list[ScheduledPost] = []
    while True:
        after = (items[-1].due_at, items[-1].id) if items else None
        page = backend.schedule.list(status=status, after=after, limit=500)
        items += page
        if len(page) < 500:
            return items


def _line(item: ScheduledPost) -> str:
    pin = f"  pin {item.pin_id}" if item.pin_id else ""
    problem = f"  {item.diagnostics[0]['rule']}" if item.diagnostics and not item.pin_id else ""
    return f"{item.id}  {item.status:<9}  due {_when(item.due_at)}  attempts {item.attempts}{pin}{problem}\n"


def run_worker(args: WorkerArguments) -> int:
    settings = resolve_settings(args.rules, allow_private_network=args.allow_private_network)
    if args.concurrency < 1:
        raise UsageError("--concurrency takes a number of posts, 1 or more")
    preflight = build_preflight(settings)
    if args.lease <= 0 or args.poll_interval <= 0:
        raise UsageError("--lease and --poll-interval take a number of seconds above 0")
    backend = open_backend(database_url(args.database, settings.database), lease=args.lease)
    network = NetworkSettings(
        allow_private_network=settings.allow_private_network,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    options = PublishOptions(network=network, media=MediaFolders.from_settings(settings),
                             rate_limit=publish_rate(args.rate_limit, settings.rate_limit),
                             access_tier=settings.access_tier)  # fmt: skip
    try:
        app: OAuthApp | None = OAuthApp.from_env("http://127.0.0.1/", args.base_url, settings.app_id)
    except OAuthError:
        app = None  # posts of connected accounts will say what is missing
    worker_settings = WorkerSettings(concurrency=args.concurrency, max_lateness=args.max_lateness,
                                     lease=args.lease, poll_interval=args.poll_interval)  # fmt: skip

    async def go() -> str:
        events = Events()
        bridge(events, backend.webhooks, backend.accounts)  # post and account events become deliveries
        senders = Senders(preflight=preflight, options=options, journal=backend.journal,
                          accounts=backend.accounts, app=app, base_url=args.base_url,
                          events=events)  # fmt: skip
        worker = Worker(backend.schedule, backend.media, senders.send, settings=worker_settings,
                        preflight=preflight, events=events, sent_before=senders.sent_before)  # fmt: skip
        stop = asyncio.Event()
        deliverer = Deliverer(backend.webhooks, options.network)
        helpers = [] if args.once else _helpers(backend, deliverer, events, stop)
        try:
            if backend.kind == "postgresql":
                from ._jobs import run_jobs  # noqa: PLC0415 - procrastinate only for PostgreSQL

                await run_jobs(backend.database.url, worker, once=args.once)  # stops on SIGINT/SIGTERM
            else:
                loop = asyncio.get_running_loop()

                def stop_all() -> None:
                    worker.stop()
                    stop.set()

                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop_all)
                await worker.run(once=args.once)
            return str(worker.report)
        finally:
            stop.set()
            await asyncio.gather(*helpers)
            if args.once and backend.accounts is not None:
                check_expiring(backend.accounts, events, time.time(), REAUTH_WINDOW)
            if args.once:
                await deliverer.deliver_due()  # what this run queued, once (a cron run)
            await senders.close()

    try:
        report = asyncio.run(go())
    finally:
        backend.close()
    sys.stdout.write(f"worker: {report}\n")
    return 0


def _helpers(
    backend: Backend, deliverer: Deliverer, events: Events, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """Beside the worker: the webhook deliverer, and the hourly look for expiring tokens."""
    tasks = [asyncio.create_task(deliverer.run(stop))]
    if backend.accounts is not None:
        watch = watch_accounts(backend.accounts, events, stop, window=REAUTH_WINDOW)
        tasks.append(asyncio.create_task(watch))
    return tasks


def run_migrate(database: str | None) -> int:
    sys.stdout.write(migrate(database_url(database, load_settings().database)) + "\n")
    return 0
