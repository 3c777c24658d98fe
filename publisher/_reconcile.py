"""Reconciliation: was the pin of an unanswered create made? Looked up on the board, never guessed.

A pin on the board is this post's only when it matches everything a pin shows of what was
sent (board, section, title, description, link, alt text, media type: Pinterest's `Pin`
shows neither the source image URL nor the uploaded media id, so those cannot be compared),
was created at or after the first create of this post, and is not recorded in the journal
for another post. "After the first create" is compared in Pinterest's time: the journal's
time of the create, moved by the difference between Pinterest's clock (the Date header of its
answers) and ours, less a margin of `CLOCK_MARGIN` seconds for clock steps and whole-second
times (`NO_DATE_MARGIN` when no answer carried a Date).

Exactly one such pin, and no other post that looks the same with a create of its own in
flight: that pin. More than one, a look-alike post in flight, a matching pin without a
creation time, or a board that cannot be read: undecided, with the candidates named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ._claims import PublishJournal, shown_fields
from ._client import PinterestClient
from ._errors import PinterestError
from ._requests import PinPlan

if TYPE_CHECKING:
    from ._models import Pin

CLOCK_MARGIN = 60.0
NO_DATE_MARGIN = 900.0


@dataclass(frozen=True)
class Reconciled:
    """The post's pin when it was proven (`pin`); else the candidates and why it is undecided."""

    pin: Pin | None = None
    candidates: tuple[str, ...] = ()
    undecided: str | None = None  # None with no pin: no candidate at all

    @property
    def none_found(self) -> bool:
        return self.pin is None and self.undecided is None


def _created_at(pin: Pin) -> float | None:
    if not pin.created_at:
        return None
    try:
        when = datetime.fromisoformat(pin.created_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _same(shown: str | None, sent: str | None) -> bool:
    return (shown or "").strip() == (sent or "").strip()  # absent and empty look alike on a pin


def shows(found: Pin, pin: PinPlan) -> bool:
    """The pin shows what was sent: board, section, title, description, link, alt text, media type."""
    if found.board_id not in (None, pin.board_id):
        return False
    if found.media is not None and found.media.media_type not in (None, pin.kind):
        return False
    return all(_same(getattr(found, name), sent) for name, sent in shown_fields(pin).items())


async def reconcile(
    client: PinterestClient,
    pin: PinPlan,
    since: float,
    *,
    journal: PublishJournal | None = None,
    key: str | None = None,
    fingerprint: str | None = None,
) -> Reconciled:
    """Look for the pin of the post `key` (plan `pin`) whose first create was at `since` (the
    journal's clock) on its board."""
    found: list[Pin] = []
    try:
        async for candidate in client.board_pins(pin.board_id):
            if not shows(candidate, pin):
                continue
            recorded_for = journal.key_of_pin(candidate.id) if journal else None
            if recorded_for is None or recorded_for == key:  # another post's pin is never adopted
                found.append(candidate)
    except PinterestError as error:
        names = tuple(p.id for p in found)
        return Reconciled(None, names, f"board {pin.board_id} could not be read ({error})")
    offset = client.server_offset
    margin = CLOCK_MARGIN if offset is not None else NO_DATE_MARGIN
    since_there = since + (offset or 0.0) - margin
    undated = [p.id for p in found if _created_at(p) is None]
    recent = [p for p in found if (created := _created_at(p)) is not None and created >= since_there]
    names = tuple(p.id for p in recent) + tuple(undated)
    if undated:
        return Reconciled(None, names, f"pin {', '.join(undated)} matches but shows no creation time")
    rivals = journal.rivals(key, fingerprint, since - margin) if journal and key and fingerprint else []
    if recent and rivals:
        others = ", ".join(r.removeprefix("id:") for r in rivals)
        return Reconciled(None, names, f"pin {', '.join(names)} matches, but posts {others} look the "
                          "same and may have made it")  # fmt: skip
    if len(recent) > 1:
        return Reconciled(None, names, f"{len(recent)} pins match: {', '.join(names)}")
    return Reconciled(recent[0]) if recent else Reconciled()
