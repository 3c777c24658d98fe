"""`pinrules publish` and `pinrules sandbox`: the command line's publishing side."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from pinrules._accounts import load_accounts
from pinrules._diagnostic import Diagnostic
from pinrules._engine import Preflight
from pinrules._errors import UsageError
from pinrules._lint import account_for, find_post_files, read_post_file
from pinrules._network import NetworkSettings

from . import token_from_env
from ._client import PinterestClient
from ._journal import Journal
from ._publish import Publisher, PublishOptions, PublishResult, Status
from ._sandbox import demo_state, serve
from ._secret import Secret

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


async def _publish_all(
    files: list[str], publisher: Publisher, accounts: dict[str, dict[str, Any]], progress: bool
) -> list[PublishResult]:
    gate = asyncio.Semaphore(CONCURRENT_POSTS)

    async def one(name: str) -> PublishResult:
        document = read_post_file(name)
        if isinstance(document, Diagnostic):
            rule = publisher.preflight.rule(document.rule)
            fixed = Diagnostic(
                **{**document.to_dict(), "severity": document.severity, "fix": rule.fix if rule else ""}
            )
            return PublishResult(Status.REJECTED, file=name, diagnostics=[fixed])
        async with gate:
            return await publisher.publish(
                document.value, account=account_for(document.value, accounts), document=document
            )

    if progress:
        publisher.options = PublishOptions(
            **{**publisher.options.__dict__, "progress": _ProgressBar("video")}
        )
    results = await asyncio.gather(*(one(name) for name in files))
    if progress:
        sys.stderr.write("\r" + " " * 100 + "\r")
    return list(results)


def run_publish(args: argparse.Namespace, preflight: Preflight, accounts_file: str | None) -> int:
    files = find_post_files(args.paths)
    token = token_from_env()
    if token is None and not args.dry_run:
        raise UsageError("no access token: set PINTEREST_ACCESS_TOKEN (or use --dry-run)")
    accounts = load_accounts(accounts_file) if accounts_file else {}
    options = PublishOptions(
        network=NetworkSettings(allow_private_network=args.allow_private_network),
        poll_interval=args.poll_interval,
        poll_timeout=args.poll_timeout,
        dry_run=args.dry_run,
    )
    journal = None if args.dry_run or args.no_journal else Journal(args.journal)

    async def go() -> list[PublishResult]:
        async with PinterestClient(token or Secret(""), args.base_url) as client:
            publisher = Publisher(client, journal, preflight, options)
            return await _publish_all(files, publisher, accounts, progress=sys.stdout.isatty())

    try:
        results = asyncio.run(go())
    finally:
        if journal is not None:
            journal.close()
    if args.format == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_render_text(results))
    wanted = Status.PLANNED if args.dry_run else Status.PUBLISHED
    return 0 if all(r.status == wanted for r in results) else 1


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
