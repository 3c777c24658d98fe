"""service: the posting service of the provider reference, over HTTP (aiohttp).

    pinrules serve --port 8080 --public-url https://pins.example.com
    pinrules apikeys create --workspace shop

    from service import make_app, ServiceSettings
    app = make_app(ServiceSettings(public_url="https://pins.example.com"))

It uses only the public APIs of `publisher` and `pinrules` (the engine and the publisher never
import it). Names are imported on first use, so that `pinrules --help` loads no aiohttp.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any

    from ._app import AccessLogger, LogFormatter, Service, ServiceSettings, make_app
    from ._openapi import openapi
    from ._store import ApiKey, PendingConnection, ServiceStore
    from ._store_backends import PostgresServiceStore, SqliteServiceStore, open_service_store

_HOMES = {
    "AccessLogger": "_app",
    "LogFormatter": "_app",
    "Service": "_app",
    "ServiceSettings": "_app",
    "make_app": "_app",
    "openapi": "_openapi",
    "ApiKey": "_store",
    "ServiceStore": "_store",
    "PendingConnection": "_store",
    "SqliteServiceStore": "_store_backends",
    "PostgresServiceStore": "_store_backends",
    "open_service_store": "_store_backends",
}

__all__ = [
    "AccessLogger",
    "ApiKey",
    "LogFormatter",
    "PendingConnection",
    "PostgresServiceStore",
    "Service",
    "ServiceSettings",
    "ServiceStore",
    "SqliteServiceStore",
    "make_app",
    "open_service_store",
    "openapi",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'service' has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415 - only when a name is first used

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
