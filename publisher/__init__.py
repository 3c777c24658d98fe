"""publisher: publish posts that pass preflight to Pinterest API v5 (aiohttp).

    from publisher import publish
    result = await publish(post, token=os.environ["PINTEREST_ACCESS_TOKEN"])
    result.status, result.pin_url, result.diagnostics

The public API is exactly what `__all__` names; names are imported on first use, so that the
command line can register the publisher's commands without importing aiohttp. The local
Pinterest stand-in is the public module `publisher.sandbox` (for demos and tests).
"""

from __future__ import annotations

from ._errors import (
    AmbiguousResponse,
    ApiError,
    BadRequest,
    ConnectionFailed,
    DownloadFailed,
    Forbidden,
    JournalError,
    MalformedAnswer,
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
    ServerError,
    StoreError,
    TokensUnsaved,
    Unauthorized,
    UnknownEvent,
    UploadFailed,
)

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any

    from pinrules import NetworkSettings

    from ._accounts import Account, AccountStore
    from ._api import publish, token_from_env
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
    from ._events import EVENTS, Event, Events
    from ._journal import Journal
    from ._limiter import Limiters, RateLimiter
    from ._models import Board, Media, MediaUpload, Pin
    from ._oauth import OAuthApp, OAuthFlow
    from ._progress import ProgressBar
    from ._publish import Publisher, PublishOptions, default_owner
    from ._results import PublishResult, Status
    from ._retry import RetryPolicy, parse_retry_after
    from ._secret import Secret
    from ._tokens import TokenManager

_HOMES = {
    "ProgressBar": "_progress",
    "parse_retry_after": "_retry",
    "RateLimiter": "_limiter",
    "Limiters": "_limiter",
    "Account": "_accounts",
    "AccountStore": "_accounts",
    "publish": "_api",
    "token_from_env": "_api",
    "DEFAULT_BASE_URL": "_client",
    "PinterestClient": "_client",
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

__all__ = [  # the public API: each name is eager above or lazy in _HOMES (a test checks)
    "DEFAULT_BASE_URL",
    "EVENTS",
    "LEASE_SECONDS",
    "Account",
    "AccountStore",
    "AmbiguousResponse",
    "ApiError",
    "BadRequest",
    "Board",
    "Claim",
    "ClaimOutcome",
    "ConnectionFailed",
    "DownloadFailed",
    "Event",
    "Events",
    "Forbidden",
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalState",
    "Limiters",
    "MalformedAnswer",
    "Media",
    "MediaTransferError",
    "MediaUpload",
    "NetworkSettings",
    "NoCredentials",
    "NotFound",
    "NotPicklable",
    "OAuthApp",
    "OAuthError",
    "OAuthFlow",
    "Pin",
    "PinterestClient",
    "PinterestError",
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
    "Secret",
    "ServerError",
    "Status",
    "StoreError",
    "TokenManager",
    "TokensUnsaved",
    "Unauthorized",
    "UnknownEvent",
    "UploadFailed",
    "decide_claim",
    "default_owner",
    "parse_retry_after",
    "post_key",
    "publish",
    "token_from_env",
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
