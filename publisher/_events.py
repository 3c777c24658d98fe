"""Events for subscribers (Python callbacks; webhooks subscribe through `_webhooks.bridge`,
which turns each event into deliveries in a durable outbox).

token.expiring          the refresh token is inside its re-authorisation window
token.refreshed         a new access token (and refresh token) was stored
account.reauth_required a refresh failed: the account must be connected again
post.scheduled          a post was accepted to go out at its scheduledAt
post.published          a scheduled post went out (its pin id and URL in the detail)
post.failed             a scheduled post failed for good (its diagnostics in the detail)
post.missed             a scheduled post could only have gone out too late, so it did not
post.unknown            a scheduled post may have been created: reconciled before any retry
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ._errors import UnknownEvent

EVENTS = (
    "token.expiring",
    "token.refreshed",
    "account.reauth_required",
    "post.scheduled",
    "post.published",
    "post.failed",
    "post.missed",
    "post.unknown",
)
log = logging.getLogger("pinrules.events")


@dataclass(frozen=True)
class Event:
    name: str
    account: str  # the account's name in the store, never a token
    detail: dict[str, Any] = field(default_factory=dict)


class Events:
    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callable[[Event], None]]] = defaultdict(list)
        self.batch: object | None = None  # while `together` runs: one token for its events

    @contextlib.contextmanager
    def together(self) -> Iterator[None]:
        """The events emitted inside happened at one moment (a worker records a batch of posts
        in one transaction): a subscriber may read what it needs once for all of them, keyed by
        `batch`."""
        if self.batch is not None:  # already inside one
            yield
            return
        self.batch = object()
        try:
            yield
        finally:
            self.batch = None

    def subscribe(self, name: str, callback: Callable[[Event], None]) -> None:
        if name not in EVENTS:
            raise UnknownEvent(f"unknown event {name!r}; events: {', '.join(EVENTS)}")
        self._subscribers[name].append(callback)

    def emit(self, event: Event) -> None:
        log.info("%s (account %s, post %s)", event.name, event.account or "-", event.detail.get("id", "-"))
        for callback in self._subscribers[event.name]:
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not break a publish
                log.exception("subscriber of %s failed", event.name)
