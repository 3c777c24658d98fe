"""publisher: publish posts that pass preflight to Pinterest API v5 (aiohttp).

    from publisher import publish
    result = await publish(post, token=os.environ["PINTEREST_ACCESS_TOKEN"])
    result.status, result.pin_url, result.diagnostics

The public API is exactly what `__all__` names; names are imported on first use, so that the
command line can register the publisher's commands without importing aiohttp. The local
Pinterest stand-in is the public module `publisher.sandbox` (for demos and tests).
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any

    from pinrules import NetworkSettings

    from ._accounts import Account, Accounts, AccountStore
    from ._api import publish, token_from_env
    from ._backend import Backend, database_url, migrate, open_backend
    from ._claims import (
        LEASE_SECONDS,
        Claim,
        ClaimOutcome,
        JournalEntry,
        JournalState,
        PublishJournal,
        decide_claim,
        post_key,
    )
    from ._client import DEFAULT_BASE_URL, PinterestClient
    from ._enqueue import ScheduleResult, due_at, schedule
    from ._errors import (
        AmbiguousResponse,
        ApiError,
        BadRequest,
        ConnectionFailed,
        DownloadFailed,
        Forbidden,
        JournalError,
        MalformedAnswer,
        MediaError,
        MediaTransferError,
        NoCredentials,
        NotFound,
        NotPicklable,
        OAuthError,
        PinterestError,
        PublisherError,
        RateLimited,
        ReauthRequired,
        RefreshFailed,
        ScheduleError,
        ServerError,
        StoreError,
        TokensUnsaved,
        Unauthorized,
        UnknownEvent,
        UploadFailed,
    )
    from ._events import EVENTS, Event, Events
    from ._journal import Journal
    from ._limiter import Limiters, RateLimiter, rate_limiters
    from ._media_store import IncomingMedia, MediaStore, StoredMedia, is_stored_media_id
    from ._models import Board, Media, MediaUpload, Pin
    from ._oauth import OAuthApp, OAuthFlow
    from ._postgres import Database, open_database
    from ._progress import ProgressBar
    from ._publish import Publisher, PublishOptions, default_owner
    from ._results import PublishResult, Status
    from ._retry import RetryPolicy, parse_retry_after
    from ._schedule import DEFAULT_WORKSPACE, Outcome, PostState, ScheduledPost, ScheduleStore
    from ._schedule_sql import Executor
    from ._schedule_sqlite import SqliteScheduleStore
    from ._secret import Secret
    from ._senders import Senders
    from ._sqlite import immediate, open_store
    from ._tokens import REAUTH_WINDOW, TokenManager
    from ._webhook_sql import SqliteWebhookStore
    from ._webhooks import (
        WEBHOOK_EVENTS,
        Deliverer,
        Delivery,
        DeliverySettings,
        Subscription,
        WebhookStore,
        bridge,
        check_expiring,
        watch_accounts,
    )
    from ._worker import Worker, WorkerSettings

_HOMES = {
    "Database": "_postgres",
    "open_database": "_postgres",
    "Executor": "_schedule_sql",
    "migrate": "_backend",
    "database_url": "_backend",
    "REAUTH_WINDOW": "_tokens",
    "watch_accounts": "_webhooks",
    "IncomingMedia": "_media_store",
    "is_stored_media_id": "_media_store",
    "due_at": "_enqueue",
    "DEFAULT_WORKSPACE": "_schedule",
    "open_store": "_sqlite",
    "immediate": "_sqlite",
    "WEBHOOK_EVENTS": "_webhooks",
    "Deliverer": "_webhooks",
    "Delivery": "_webhooks",
    "DeliverySettings": "_webhooks",
    "SqliteWebhookStore": "_webhook_sql",
    "Subscription": "_webhooks",
    "WebhookStore": "_webhooks",
    "bridge": "_webhooks",
    "check_expiring": "_webhooks",
    "StoredMedia": "_media_store",
    "MediaStore": "_media_store",
    "Senders": "_senders",
    "WorkerSettings": "_worker",
    "Worker": "_worker",
    "SqliteScheduleStore": "_schedule_sqlite",
    "Outcome": "_schedule",
    "ScheduleStore": "_schedule",
    "PostState": "_schedule",
    "ScheduledPost": "_schedule",
    "ScheduleResult": "_enqueue",
    "schedule": "_enqueue",
    "Backend": "_backend",
    "open_backend": "_backend",
    "ProgressBar": "_progress",
    "parse_retry_after": "_retry",
    "RateLimiter": "_limiter",
    "Limiters": "_limiter",
    "rate_limiters": "_limiter",
    "Account": "_accounts",
    "AccountStore": "_accounts",
    "Accounts": "_accounts",
    "publish": "_api",
    "token_from_env": "_api",
    "DEFAULT_BASE_URL": "_client",
    "PinterestClient": "_client",
    "AmbiguousResponse": "_errors",
    "ApiError": "_errors",
    "BadRequest": "_errors",
    "ConnectionFailed": "_errors",
    "DownloadFailed": "_errors",
    "Forbidden": "_errors",
    "JournalError": "_errors",
    "MalformedAnswer": "_errors",
    "MediaError": "_errors",
    "MediaTransferError": "_errors",
    "NoCredentials": "_errors",
    "NotFound": "_errors",
    "NotPicklable": "_errors",
    "OAuthError": "_errors",
    "PinterestError": "_errors",
    "PublisherError": "_errors",
    "RateLimited": "_errors",
    "ReauthRequired": "_errors",
    "RefreshFailed": "_errors",
    "ScheduleError": "_errors",
    "ServerError": "_errors",
    "StoreError": "_errors",
    "TokensUnsaved": "_errors",
    "Unauthorized": "_errors",
    "UnknownEvent": "_errors",
    "UploadFailed": "_errors",
    "EVENTS": "_events",
    "Event": "_events",
    "Events": "_events",
    "Journal": "_journal",
    "Board": "_models",
    "Media": "_models",
    "MediaUpload": "_models",
    "Pin": "_models",
    "OAuthApp": "_oauth",
    "OAuthFlow": "_oauth",
    "Publisher": "_publish",
    "PublishOptions": "_publish",
    "default_owner": "_publish",
    "PublishResult": "_results",
    "Status": "_results",
    "LEASE_SECONDS": "_claims",
    "Claim": "_claims",
    "ClaimOutcome": "_claims",
    "JournalEntry": "_claims",
    "JournalState": "_claims",
    "PublishJournal": "_claims",
    "decide_claim": "_claims",
    "post_key": "_claims",
    "RetryPolicy": "_retry",
    "Secret": "_secret",
    "TokenManager": "_tokens",
    "NetworkSettings": "pinrules",  # where it has always been importable from, too
}

__all__ = [  # the public API: each name is lazy, in _HOMES (a test checks)
    "DEFAULT_BASE_URL",
    "DEFAULT_WORKSPACE",
    "EVENTS",
    "LEASE_SECONDS",
    "REAUTH_WINDOW",
    "WEBHOOK_EVENTS",
    "Account",
    "AccountStore",
    "Accounts",
    "AmbiguousResponse",
    "ApiError",
    "Backend",
    "BadRequest",
    "Board",
    "Claim",
    "ClaimOutcome",
    "ConnectionFailed",
    "Database",
    "Deliverer",
    "Delivery",
    "DeliverySettings",
    "DownloadFailed",
    "Event",
    "Events",
    "Executor",
    "Forbidden",
    "IncomingMedia",
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalState",
    "Limiters",
    "MalformedAnswer",
    "Media",
    "MediaError",
    "MediaStore",
    "MediaTransferError",
    "MediaUpload",
    "NetworkSettings",
    "NoCredentials",
    "NotFound",
    "NotPicklable",
    "OAuthApp",
    "OAuthError",
    "OAuthFlow",
    "Outcome",
    "Pin",
    "PinterestClient",
    "PinterestError",
    "PostState",
    "ProgressBar",
    "PublishJournal",
    "PublishOptions",
    "PublishResult",
    "Publisher",
    "PublisherError",
    "RateLimited",
    "RateLimiter",
    "ReauthRequired",
    "RefreshFailed",
    "RetryPolicy",
    "ScheduleError",
    "ScheduleResult",
    "ScheduleStore",
    "ScheduledPost",
    "Secret",
    "Senders",
    "ServerError",
    "SqliteScheduleStore",
    "SqliteWebhookStore",
    "Status",
    "StoreError",
    "StoredMedia",
    "Subscription",
    "TokenManager",
    "TokensUnsaved",
    "Unauthorized",
    "UnknownEvent",
    "UploadFailed",
    "WebhookStore",
    "Worker",
    "WorkerSettings",
    "bridge",
    "check_expiring",
    "database_url",
    "decide_claim",
    "default_owner",
    "due_at",
    "immediate",
    "is_stored_media_id",
    "migrate",
    "open_backend",
    "open_database",
    "open_store",
    "parse_retry_after",
    "post_key",
    "publish",
    "rate_limiters",
    "schedule",
    "token_from_env",
    "watch_accounts",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'publisher' has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415 - only when a name is first used

    module = import_module("pinrules" if home == "pinrules" else f".{home}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
