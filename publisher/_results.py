"""What publishing a post came to: a `Status`, the pin, and the diagnostics that say why."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pinrules import Diagnostic


class Status(StrEnum):
    PUBLISHED = "published"  # the pin exists: pin_id (made now, recorded earlier, or found on the board)
    REJECTED = "rejected"  # preflight found errors: nothing was sent
    FAILED = "failed"  # Pinterest refused, or the post cannot be sent as it is; nothing was created
    RETRY = "retry"  # nothing was created, and trying again later may work (rate limit, network)
    UNKNOWN = "unknown"  # the create may have happened; not confirmed (candidates named)
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # another run holds the post's claim: nothing was done
    REUSED_ID = "reused_id"  # the id belongs to another post (with other content): nothing was sent
    PLANNED = "planned"  # a dry run: these requests would be sent
    SCHEDULED = "scheduled"  # scheduledAt is still ahead: nothing was sent


@dataclass
class PublishResult:
    """One post's outcome. `diagnostics` say why (their `rule` is the reason's code); for
    RETRY, `retry_after` is how many seconds Pinterest asked to wait, when it said (for
    CLAIMED_ELSEWHERE, when the other run's claim ends); for UNKNOWN,
    `candidates` are the ids of pins on the board that could be this post's."""

    status: Status
    post_id: str | None = None
    file: str | None = None
    pin_id: str | None = None
    pin_url: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    from_journal: bool = False
    retry_after: float | None = None
    candidates: list[str] = field(default_factory=list)
    due_at: float | None = None  # SCHEDULED and stored for the scheduler's workers: when it is due

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "status": str(self.status),
                "id": self.post_id,
                "file": self.file,
                "pin_id": self.pin_id,
                "pin_url": self.pin_url,
                "from_journal": self.from_journal,
                "diagnostics": [d.to_dict() for d in self.diagnostics],
            }
            | ({"retry_after": self.retry_after} if self.retry_after is not None else {})
            | ({"candidates": self.candidates} if self.candidates else {})
            | ({"due_at": self.due_at} if self.due_at is not None else {})
            | ({"requests": self.requests} if self.requests else {})
        )


_RESULT = "pinrules_result"  # the attribute of a publish's cancellation that carries its post's result


def attach_result(cancelled: asyncio.CancelledError, result: PublishResult) -> None:
    """Record on a publish's cancellation (Ctrl-C, SIGTERM, a caller's timeout) how far its post
    got. The cancellation itself goes on unchanged: a subclass or another instance would escape
    `asyncio.timeout()`, which turns only a plain CancelledError into its TimeoutError."""
    setattr(cancelled, _RESULT, result)


def interrupted_result(cancelled: BaseException) -> PublishResult | None:
    """How far the post of a cancelled publish got (`unknown` when its create may have left,
    else `retry`); None when the cancellation did not come through a publish."""
    result = getattr(cancelled, _RESULT, None)
    return result if isinstance(result, PublishResult) else None
