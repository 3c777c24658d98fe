"""Scheduled posts: what is stored, the states a post moves through, and the store interface.

    scheduled ──take──▶ sending ──▶ published | failed | unknown | missed
        │  ▲               │
        │  └── transient ──┘   (a retry with backoff: scheduled again, a later attempt time)
        └──cancel──▶ cancelled        failed | unknown | missed | cancelled ──retry──▶ scheduled

A worker *takes* a post: one atomic step moves a due `scheduled` post (or a `sending` post whose
worker's lease ran out) to `sending` under the worker's lease, so two workers never hold one
post. A takeover of an expired lease is marked: the publish journal and the board are consulted
before anything is sent again (see `_worker`). Two backends implement `ScheduleStore`: SQLite
(one machine, the default) and PostgreSQL (many machines, procrastinate jobs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

DEFAULT_WORKSPACE = "default"


class PostState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the create may have happened: reconciled on retry, never repeated blindly
    MISSED = "missed"  # past the lateness allowed; nothing was sent
    CANCELLED = "cancelled"


FINAL = (PostState.PUBLISHED, PostState.FAILED, PostState.UNKNOWN, PostState.MISSED, PostState.CANCELLED)
RETRYABLE = (PostState.FAILED, PostState.UNKNOWN, PostState.MISSED, PostState.CANCELLED)
CANCELLABLE = (PostState.SCHEDULED, PostState.FAILED, PostState.UNKNOWN, PostState.MISSED)


@dataclass(frozen=True)
class ScheduledPost:
    """One scheduled post and where it stands."""

    id: str
    post: dict[str, Any]  # as it will be published (local media already copied into the store)
    due_at: float  # UTC seconds
    status: PostState = PostState.SCHEDULED
    workspace: str = DEFAULT_WORKSPACE
    account: str | None = None  # a connected account's name; None: the environment's token
    attempts: int = 0
    next_attempt_at: float = 0.0  # when a worker may take it (due_at, or later after a retry)
    lease_owner: str | None = None
    lease_until: float | None = None
    taken_over: bool = False  # taken from a worker whose lease ran out: reconcile before sending
    pin_id: str | None = None
    pin_url: str | None = None
    diagnostics: tuple[dict[str, Any], ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0
    content_hash: str = ""  # of `post`: the same id scheduled again with other content is refused
    extra: dict[str, Any] = field(default_factory=dict)  # backend details (procrastinate job id)

    def summary(self) -> dict[str, Any]:
        """The post's record as JSON-ready data (the post itself under "post")."""
        return {
            "id": self.id,
            "workspace": self.workspace,
            "status": str(self.status),
            "due_at": self.due_at,
            "account": self.account,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "pin_id": self.pin_id,
            "pin_url": self.pin_url,
            "diagnostics": list(self.diagnostics),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "post": self.post,
        }

    def with_changes(self, **changes: Any) -> ScheduledPost:
        return replace(self, **changes)


@dataclass(frozen=True)
class Outcome:
    """How a sending attempt ended, as the worker records it."""

    status: PostState  # published, failed, unknown, missed, or scheduled (a retry later)
    pin_id: str | None = None
    pin_url: str | None = None
    diagnostics: tuple[dict[str, Any], ...] = ()
    next_attempt_at: float | None = None  # for a retry


def encode_post(post: dict[str, Any]) -> str:
    """A post as stored: canonical JSON (sorted keys), so that its hash is stable."""
    return json.dumps(post, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Exchange(NamedTuple):
    """What `ScheduleStore.finish_and_take` did: for each finished post, whether it was still the
    worker's (and is now recorded); the posts taken."""

    recorded: list[bool]
    taken: list[ScheduledPost]


class ScheduleStore(Protocol):
    """Where scheduled posts live. Every method is one transaction; times are UTC seconds."""

    def add(self, item: ScheduledPost, *, digest: str | None = None) -> ScheduledPost:
        """Store a new post, `scheduled`. The same id with the same content while it is still
        scheduled returns the stored one (scheduling is repeatable); the same id with other
        content, or one that is past `scheduled`, is a ScheduleError. `digest` is what "the same
        content" means (default: the hash of `item.post`; a caller whose stored post names
        fresh copies of its files gives one over the files' contents)."""

    def add_sending(self, item: ScheduledPost, owner: str, until: float) -> ScheduledPost:
        """Store a new post already `sending` under `owner`'s lease until `until` (published
        right away by the posting service: if it dies mid-publish, a worker takes the post
        over and reconciles). An id already stored is a ScheduleError."""

    def get(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost | None: ...

    def list(
        self,
        workspace: str = DEFAULT_WORKSPACE,
        status: PostState | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 100,
    ) -> list[ScheduledPost]:
        """Posts by due time then id, after the (due_at, id) cursor."""

    def cancel(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        """scheduled (or failed, unknown, missed) -> cancelled; a post being sent cannot be."""

    def retry(self, post_id: str, now: float, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        """failed, unknown, missed or cancelled -> scheduled, due now (an unknown one is
        reconciled before anything is sent)."""

    def take(self, now: float, owner: str, lease: float) -> ScheduledPost | None:
        """Atomically: the earliest due `scheduled` post, or a `sending` post whose lease
        ended, becomes `sending` under `owner` until `now + lease`. None when nothing is due."""

    def finish_and_take(
        self,
        finished: Sequence[tuple[ScheduledPost, Outcome]],
        now: float,
        owner: str,
        lease: float,
        limit: int,
    ) -> Exchange:
        """In one transaction: `finish` each of `owner`'s `finished` posts (whether each was
        still theirs), then `take` up to `limit` posts, in take's order (a worker records the
        posts it sent and takes the next ones with one commit instead of one each)."""

    def release(self, taken: Sequence[ScheduledPost], now: float, owner: str) -> None:
        """Posts `owner` took but did not start sending go back as they were: a waiting post is
        `scheduled` again (its attempt not counted), one taken over stays `sending` with its lease
        ended now (the next take reconciles it)."""

    def renew(self, post_id: str, workspace: str, owner: str, until: float) -> bool:
        """Extend `owner`'s lease; False when the post is no longer theirs."""

    def finish(self, post_id: str, workspace: str, owner: str, outcome: Outcome, now: float) -> bool:
        """Record how `owner`'s attempt ended (and release the lease); False when the post is
        no longer theirs (its lease ran out and another worker took it)."""

    def next_due(self) -> float | None:
        """When the next scheduled post becomes due (for a worker deciding how long to wait)."""

    def close(self) -> None: ...
