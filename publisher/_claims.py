"""Claims on posts: which run publishes a post, and what is known about its pin.

The publish journal holds one row per post key: the post's `id` (or, for a post without one, a
hash of its content). A row has a **state**, what is known about the pin, and a **claim**, who
is working on it (`owner`) and until when (`lease_until`). Only the holder of a live claim
moves a row forward; anyone may `claim` a row whose lease has expired, and is then told what
to do first.

States (`JournalState`):

    claimed    a run holds the post; no create has been sent (an upload may be under way)
    sending    a create may have been sent; no answer is recorded yet
    published  the pin is known (`pin_id`)                                        final
    failed     nothing was created: the flow failed before the create, or Pinterest's answer
               proves it (4xx but 408/409, 429)        the next claim starts afresh
    unknown    a create may have made a pin, reconciliation could not tell       released

Transitions (the holder is the run whose `owner` is on the row and whose lease is alive; a
released row has no owner):

    (no row)                   claim         -> claimed, held   NEW: nothing can exist yet
    failed; claimed, expired   claim         -> claimed, held   NEW: nothing was created
    sending/unknown, released
      or expired               claim         -> same state, held RECONCILE: look on the board first
    published                  claim         -> unchanged       PUBLISHED: the recorded pin
    any other, live lease      claim         -> unchanged       HELD: another run (or this owner,
                                                                 for another post with the key) has it
    sending, unknown or published,
      other content            claim         -> unchanged       REUSED: the id is another post's
    claimed/sending/unknown, held
                               begin_create  -> sending         holder only; durable before the
                                                                 create request leaves
    held                       finish        -> published | failed | unknown, released
                                                                 (`published` is kept even by a
                                                                 holder that lost the claim)
    held                       renew         -> same state, lease_until = now + lease

A lease lasts `lease` seconds (the journal's, 120 s by default) from the claim or its last
renewal; `Publisher` renews it every third of that while the post's flow runs, so a long
video upload or processing wait keeps it alive, and a run that dies stops renewing: its posts
are taken over one lease later, after reconciliation. Leases compare the clocks of the runs
that share a journal, so those clocks must agree to within a few seconds (NTP).

`decide_claim` is the whole claim rule, shared by every backend (SQLite here; PostgreSQL for the
scheduler): a backend reads the row, decides, and writes the outcome in one transaction
(compare-and-set on the values it read, so two claimers never both win).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from ._requests import PinPlan

LEASE_SECONDS = 120.0


class JournalState(StrEnum):
    CLAIMED = "claimed"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"


class ClaimOutcome(StrEnum):
    NEW = "new"  # claimed; no pin can exist yet: run the flow
    RECONCILE = "reconcile"  # claimed; an earlier create may have made the pin: look first
    PUBLISHED = "published"  # not claimed: the pin is recorded
    HELD = "held"  # not claimed: a live claim of another run (or of this owner, for another post)
    REUSED = "reused"  # not claimed: the key is recorded with other content


# states in which a create may have made a pin that the journal does not know yet
MAY_EXIST = (JournalState.SENDING, JournalState.UNKNOWN)


@dataclass(frozen=True)
class JournalEntry:
    """A journal row. Times are the journal clock's (seconds since the epoch)."""

    key: str
    state: JournalState
    content_hash: str | None = None  # what is sent; None in rows written before claims existed
    owner: str | None = None  # the claim's holder (None: released)
    lease_until: float | None = None
    attempted_at: float | None = None  # the first create since nothing was last proved to exist
    sent_at: float | None = None  # the latest create
    board_id: str | None = None
    pin_id: str | None = None
    fingerprint: str | None = None  # what a pin shows (see `fingerprint`)
    detail: str | None = None  # why it failed or is unknown (candidates named)
    updated_at: float | None = None

    def held(self, now: float) -> bool:
        return self.owner is not None and self.lease_until is not None and self.lease_until > now


@dataclass(frozen=True)
class Claim:
    """What `claim` found: the outcome, and the row as it was before (None: there was none)."""

    outcome: ClaimOutcome
    entry: JournalEntry | None = None

    @property
    def claimed(self) -> bool:
        return self.outcome in (ClaimOutcome.NEW, ClaimOutcome.RECONCILE)


def decide_claim(entry: JournalEntry | None, content_hash: str, now: float) -> ClaimOutcome:
    """The claim rule: what claiming the row `entry` for content `content_hash` at `now` gives."""
    if entry is None:
        return ClaimOutcome.NEW
    same = entry.content_hash in (None, content_hash)  # rows from before hashes: cannot tell
    if entry.state == JournalState.PUBLISHED:
        return ClaimOutcome.PUBLISHED if same else ClaimOutcome.REUSED
    if entry.held(now):
        return ClaimOutcome.HELD
    if entry.state in MAY_EXIST:
        return ClaimOutcome.RECONCILE if same else ClaimOutcome.REUSED
    return ClaimOutcome.NEW  # claimed (expired) or failed: nothing was created


class PublishJournal(Protocol):
    """What `Publisher` needs of a journal. Every method is one atomic step; a backend raises
    `JournalError` (a StoreError) when it cannot read or write, and never loses a write it
    reported as done.

    `owner` identifies a claim's holder (a run, a scheduler worker): any string unique among
    the runs sharing the journal. Methods that change a held row (`renew`, `begin_create`,
    `finish`) do so only for the holder and return False otherwise (the claim was lost: its
    lease expired and another owner took it)."""

    lease: float  # seconds a claim lives without renewal

    def now(self) -> float:
        """The journal's clock: what leases and times in rows are measured with."""
        ...

    def claim(self, key: str, content_hash: str, owner: str) -> Claim:
        """Claim the row for `owner` (see `decide_claim`); on NEW and RECONCILE the row is held by
        `owner` until `now() + lease`, with `content_hash` recorded."""
        ...

    def renew(self, key: str, owner: str) -> bool:
        """Extend the holder's lease to `now() + lease`."""
        ...

    def begin_create(self, key: str, owner: str, *, board_id: str, fingerprint: str) -> bool:
        """Record, durably, that the create is about to be sent (state `sending`). The request
        must not leave unless this returned True."""
        ...

    def finish(
        self,
        key: str,
        owner: str,
        state: JournalState,
        *,
        pin_id: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record the outcome (`published` with `pin_id`, `failed` or `unknown`, with `detail`)
        and release the claim. A `published` outcome is recorded even when the claim was lost:
        a pin that exists is never forgotten."""
        ...

    def get(self, key: str) -> JournalEntry | None: ...

    def key_of_pin(self, pin_id: str) -> str | None:
        """The key of the post the pin is recorded for, if any: such a pin is never adopted by
        another post."""
        ...

    def rivals(self, key: str, fingerprint: str, since: float) -> list[str]:
        """Keys of other posts that look the same on a board (`fingerprint`) and may have made
        a pin since `since` (state sending or unknown): a pin found on the board could be theirs."""
        ...

    def close(self) -> None: ...


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def post_key(post: dict[str, Any]) -> str:
    """The post's own `id`, or, without one, a hash of its content (same content, same pin)."""
    post_id = post.get("id")
    if isinstance(post_id, str) and post_id:
        return f"id:{post_id}"
    return "sha256:" + _digest(post)


def content_hash(pin: PinPlan, post: dict[str, Any]) -> str:
    """What is sent: the board, every pin field, and the media as the post names it (its URL,
    path as written, or media id) with the cover. The same `id` with another hash is another post."""
    (item,) = post["media"]
    media = {k: item.get(k) for k in ("kind", "url", "path", "mediaId") if k in item}
    return _digest(
        {"board_id": pin.board_id, "fields": pin.fields, "media": media, "cover": pin.cover_image_url}
    )


def fingerprint(pin: PinPlan) -> str:
    """What a created pin shows of what was sent (Pinterest's `Pin`): board, section, title,
    description, link, alt text and media type. Posts with the same fingerprint look alike."""
    return _digest({"board_id": pin.board_id, "kind": pin.kind, **shown_fields(pin)})


SHOWN = ("board_section_id", "title", "description", "link", "alt_text")


def shown_fields(pin: PinPlan) -> dict[str, str | None]:
    return {name: pin.fields.get(name) for name in SHOWN}
