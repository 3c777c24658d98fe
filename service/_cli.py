"""What `pinrules serve` and `pinrules apikeys` run."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pinrules import NetworkSettings, RuleOptions, UsageError, build_preflight, resolve_settings

from ._store_backends import open_service_store


@dataclass(frozen=True)
class ServeArguments:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    base_url: str | None = None
    database: str | None = None
    allow_private_network: bool = False
    rules: RuleOptions = field(default_factory=RuleOptions)


@dataclass(frozen=True)
class ApiKeysArguments:
    action: str
    workspace: str = "default"
    name: str = ""
    id: str = ""
    database: str | None = None


def run_serve(args: ServeArguments) -> int:
    from aiohttp import web  # noqa: PLC0415

    from publisher import database_url  # noqa: PLC0415

    from ._app import AccessLogger, LogFormatter, ServiceSettings, make_app  # noqa: PLC0415

    if args.public_url is not None:
        parts = urlsplit(args.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise UsageError(f"--public-url takes http(s)://host[:port][/path] (got {args.public_url!r})")
    settings = resolve_settings(args.rules, allow_private_network=args.allow_private_network)
    service_settings = ServiceSettings(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        base_url=args.base_url,
        database=database_url(args.database, settings.database),
        app_id=settings.app_id,
        network=NetworkSettings(allow_private_network=settings.allow_private_network),
    )
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    app = make_app(service_settings, preflight=build_preflight(settings))

    async def serve() -> None:
        runner = web.AppRunner(app, access_log_class=AccessLogger, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await site.start()
            host, port = runner.addresses[0][:2]
            sys.stdout.write(f"pinrules service on http://{host}:{port} (Ctrl-C stops it)\n")
            sys.stdout.flush()
            await stop.wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    return 0


def run_apikeys(args: ApiKeysArguments) -> int:
    from pinrules import load_settings  # noqa: PLC0415
    from publisher import database_url  # noqa: PLC0415

    store = open_service_store(database_url(args.database, load_settings().database))
    try:
        if args.action == "create":
            record, key = store.create_key(args.workspace, args.name)
            sys.stdout.write(f"{key.reveal()}\n")
            sys.stderr.write(f"key {record.id} for workspace {record.workspace}: shown once, keep it now\n")
        elif args.action == "list":
            sys.stdout.write(json.dumps([k.summary() for k in store.api_keys()], indent=2) + "\n")
        elif not store.revoke(args.id):
            raise UsageError(f"no active API key {args.id!r} (see `pinrules apikeys list`)")
        else:
            sys.stdout.write(f"revoked {args.id}\n")
    finally:
        store.close()
    return 0
