"""Webhooks: subscriptions to events, a durable outbox of deliveries, and the deliverer.

    store.subscribe("default", "https://example.com/hooks", ("post.published",), now)
    bridge(events, store, accounts)         # each event becomes one delivery per subscription
    await Deliverer(store, network).run(stop)   # POSTs them, signed, retried with backoff

Deliveries follow the Standard Webhooks specification: a `webhook-id` (the same on every retry
of one delivery), `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the
subscription's `whsec_` secret), and a JSON body `{"type", "timestamp", "data"}`. The outbox
lives in the scheduler's store (`Backend.webhooks`: the SQLite file or the PostgreSQL database,
SQL in `_webhook_sql`), so that a worker (`pinrules worker`) on any machine delivers the events
of the posts it sends, and those queued by the posting service, even when the service is not
running; deliveries are leased like scheduled posts, so several deliverers never send one twice
at once. Addresses go through the same guard as the online checks (private networks refused
unless allowed).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pinrules import NetworkSettings

from ._accounts import Accounts
from ._events import Event, Events
from ._secret import Secret

# what a webhook can subscribe to
WEBHOOK_EVENTS = (
    "token.expiring",
    "token.refreshed",
    "account.reauth_required",
    "post.published",
    "post.failed",
    "post.missed",
)
log = logging.getLogger("pinrules.webhooks")


@dataclass(frozen=True)
class Subscription:
    id: str
    workspace: str
    url: str
    events: tuple[str, ...]
    secret: Secret  # whsec_...: shown once, when the subscription is made
    created_at: float

    def summary(self) -> dict[str, Any]:
        """Everything but the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events), "createdAt": self.created_at}


@dataclass(frozen=True)
class Delivery:
    id: str  # the webhook-id header: the same on every attempt
    subscription_id: str
    workspace: str
    event: str
    payload: str  # the JSON body, exactly as signed
    status: str  # pending, delivered, failed
    attempts: int
    next_attempt_at: float
    last_status: int | None
    last_error: str | None
    url: str  # the subscription's
    secret: Secret

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "status": self.status, "attempts": self.attempts,
                "nextAttemptAt": self.next_attempt_at, "lastStatus": self.last_status,
                "lastError": self.last_error}  # fmt: skip


def new_secret() -> Secret:
    return Secret("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii"))


class WebhookStore(Protocol):
    """Subscriptions and the outbox. Every method is one transaction; times are UTC seconds."""

    def subscribe(self, workspace: str, url: str, events: tuple[str, ...], now: float) -> Subscription: ...

    def subscriptions(self, workspace: str) -> list[Subscription]: ...

    def get_subscription(self, subscription_id: str, workspace: str) -> Subscription | None: ...

    def unsubscribe(self, subscription_id: str, workspace: str) -> bool:
        """Forget the subscription and its undelivered deliveries."""

    def enqueue(self, workspace: str, event: str, event_id: str, payload: str, now: float) -> int:
        """One pending delivery per subscription of `workspace` to `event`; an `event_id` already
        queued for a subscription is not queued again (once per expiry window, say). The count."""

    def wanted(self, workspace: str) -> frozenset[str]:
        """Every event some subscription of `workspace` wants now: a plain read, no lock (an
        answer that is stale by the time the event is queued is as if the event came first)."""

    def take(self, now: float, owner: str, lease: float, limit: int) -> list[Delivery]:
        """Atomically lease up to `limit` due pending deliveries (with their URL and secret)."""

    def finish(self, delivery_id: str, owner: str, *, status: str, last_status: int | None,
               last_error: str | None, next_attempt_at: float, now: float) -> bool:  # fmt: skip
        """Record an attempt (pending again for a retry, delivered, failed); False if the lease
        was lost."""

    def deliveries(self, subscription_id: str, workspace: str, limit: int = 50) -> list[Delivery]: ...


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bridge(
    events: Events,
    store: WebhookStore,
    accounts: Accounts | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> None:
    """Subscribe to every webhook event: each one emitted becomes outbox deliveries for the
    subscriptions of its workspace (a post's, or its account's). A `token.expiring` is queued
    once per account and refresh-token expiry (the window it warns about).

    What the subscriptions want is read when an event comes, so that a subscription made by
    any process before then gets it; for the events emitted `together` (a batch of posts the
    worker recorded in one transaction), once for all of them, after that transaction: as if
    they came at the same moment, which they did."""
    read: dict[str, frozenset[str]] = {}  # by workspace, for the events of batch `read_for`
    read_for: object | None = None

    def wanted(workspace: str) -> frozenset[str]:
        nonlocal read_for
        if events.batch is None:
            return store.wanted(workspace)
        if read_for is not events.batch:
            read.clear()
            read_for = events.batch
        if workspace not in read:
            read[workspace] = store.wanted(workspace)
        return read[workspace]

    def queue(event: Event) -> None:
        account = accounts.get(event.account) if accounts is not None and event.account else None
        workspace = event.detail.get("workspace") or (account.workspace if account else None)
        if not isinstance(workspace, str):
            return  # no workspace, no subscriber can be told
        if event.name not in wanted(workspace):
            return  # most events have no subscriber: no payload, no write transaction (one per post)
        if event.name == "token.expiring" and account is not None:
            event_id = f"token.expiring:{account.name}:{int(account.refresh_expires_at or 0)}"
        else:
            event_id = f"{event.name}:{secrets.token_urlsafe(12)}"
        now = clock()
        detail = {k: v for k, v in event.detail.items() if k != "workspace"}
        data = {"account": event.account or None} | detail
        payload = json.dumps({"type": event.name, "timestamp": _iso(now), "data": data}, sort_keys=True)
        store.enqueue(workspace, event.name, event_id, payload, now)

    for name in WEBHOOK_EVENTS:
        events.subscribe(name, queue)


def check_expiring(
    accounts: Accounts, events: Events, now: float, window: float, workspace: str | None = None
) -> int:
    """Emit `token.expiring` for every account whose refresh token ends within `window`
    seconds (the bridge queues it once per expiry window). The number of such accounts."""
    found = 0
    for account in accounts.all():
        if workspace is not None and account.workspace != workspace:
            continue
        if account.refresh_expires_at is None or account.refresh_expires_at - now > window:
            continue
        left = account.refresh_expires_at - now
        events.emit(Event("token.expiring", account.name, {
            "workspace": account.workspace, "refresh_expires_at": _iso(account.refresh_expires_at),
            "refresh_expires_in_days": round(left / 86400, 1)}))  # fmt: skip
        found += 1
    return found


@dataclass(frozen=True)
class DeliverySettings:
    poll_interval: float = 2.0
    lease: float = 60.0  # a delivery stays this deliverer's while it is tried
    batch: int = 20  # deliveries taken at once
    retry_base: float = 10.0  # backoff: full jitter up to base * 2**attempts
    retry_cap: float = 3600.0
    max_attempts: int = 10  # then it is failed
    timeout: float = 10.0


class Deliverer:
    """Sends due deliveries from the outbox, signed (Standard Webhooks), retried with backoff."""

    def __init__(
        self,
        store: WebhookStore,
        network: NetworkSettings | None = None,
        settings: DeliverySettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.network = network or NetworkSettings()
        self.settings = settings or DeliverySettings()
        self.clock = clock
        self.owner = owner or f"deliverer:{secrets.token_hex(6)}"
        self._rng = rng or random.Random()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set."""
        while not stop.is_set():
            try:
                sent = await self.deliver_due()
            except Exception:  # a store hiccup must not end the loop
                log.exception("webhook delivery pass failed")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_interval)

    async def deliver_due(self) -> int:
        """One pass: every due delivery attempted once. The number attempted."""
        from dataclasses import replace  # noqa: PLC0415

        from pinrules import make_session  # noqa: PLC0415 - aiohttp only when something is sent

        due = self.store.take(self.clock(), self.owner, self.settings.lease, self.settings.batch)
        if not due:
            return 0
        network = replace(self.network, timeout=self.settings.timeout)
        async with make_session(network) as session:
            await asyncio.gather(*(self._attempt(session, delivery) for delivery in due))
        return len(due)

    async def _attempt(self, session: Any, delivery: Delivery) -> None:
        from standardwebhooks import Webhook  # noqa: PLC0415

        now = self.clock()
        signature = Webhook(delivery.secret.reveal()).sign(delivery.id, datetime.fromtimestamp(now, UTC),
                                                           delivery.payload)  # fmt: skip
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(int(now)),
            "webhook-signature": signature,
        }
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(delivery.url, data=delivery.payload.encode(), headers=headers,
                                    allow_redirects=False) as response:  # fmt: skip
                status = response.status
                await response.read()
        except Exception as problem:  # every network failure is a failed attempt, retried
            error = _describe(problem)
        ok = status is not None and 200 <= status < 300
        attempts = delivery.attempts + 1
        if ok:
            outcome, next_at = "delivered", now
        elif attempts >= self.settings.max_attempts or (error or "").startswith("refused to connect"):
            outcome, next_at = "failed", now
        else:
            backoff = min(self.settings.retry_cap, self.settings.retry_base * 2 ** (attempts - 1))
            outcome, next_at = "pending", self.clock() + self._rng.uniform(backoff / 2, backoff)
        if error is None and not ok:
            error = f"the receiver answered {status}"
        self.store.finish(delivery.id, self.owner, status=outcome, last_status=status, last_error=error,
                          next_attempt_at=next_at, now=self.clock())  # fmt: skip


def _describe(problem: BaseException) -> str:
    """What went wrong, without a traceback: the guard's refusal when it was one."""
    cause: BaseException | None = problem
    while cause is not None:
        if cause.__class__.__name__ == "BlockedAddressError":
            return str(cause)
        cause = cause.__cause__ or getattr(cause, "os_error", None)
        if cause is problem:
            break
    return f"{problem.__class__.__name__}: {problem}" if str(problem) else problem.__class__.__name__


async def watch_accounts(
    accounts: Accounts,
    events: Events,
    stop: asyncio.Event,
    *,
    window: float,
    interval: float = 3600.0,
    clock: Callable[[], float] = time.time,
) -> None:
    """Every `interval` seconds until `stop`: `check_expiring` (so that `token.expiring` goes
    out although no post of the account is being published)."""
    while not stop.is_set():
        try:
            check_expiring(accounts, events, clock(), window)
        except Exception:  # an unreadable store now is not a reason to stop watching
            log.exception("checking accounts for expiring tokens failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
