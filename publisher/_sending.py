"""Sending one claimed post: its lease kept alive, an earlier create reconciled first, the media
opened once, and the create sent at most once per answer that proves nothing was made.

Whatever happens, the post's journal row is left in a state that tells the truth: `published`
with the pin, `failed` when nothing can have been created, `unknown` when a create may have
left (an unanswered create, a crash or a cancelled run after `begin_create`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pinrules import MediaFolders

from ._claims import Claim, ClaimOutcome, JournalState, PublishJournal
from ._client import PinterestClient
from ._errors import AmbiguousResponse, JournalError, PinterestError, PublisherError, TokensUnsaved
from ._flow import FlowError, Pointer, step_failed
from ._image import image_source
from ._media_file import open_media
from ._reconcile import reconcile
from ._requests import PinPlan, pin_body, video_source
from ._results import Status
from ._video import VideoSettings, video_media_id

if TYPE_CHECKING:
    from ._models import Pin

log = logging.getLogger("pinrules.publish")
Finding = tuple[str, Pointer, str]


@dataclass
class Sent:
    """What sending came to; `findings` (code, pointer, message) say why."""

    status: Status
    pin: Pin | None = None
    findings: list[Finding] = field(default_factory=list)
    retry_after: float | None = None
    candidates: list[str] = field(default_factory=list)


class _Unconfirmed(PublisherError):
    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = candidates


class _ClaimLost(PublisherError):
    """Our lease expired and another run took the post over: it must not be created here."""


@dataclass
class SendSettings:
    video: VideoSettings
    folders: MediaFolders
    recreate_after: (
        float  # seconds after an unanswered create before a board without it proves it was not made
    )
    deadline: float | None = None  # seconds left for this post (the run's deadline)


class Sender:
    """Sends one post, held by `owner` in `journal` (or without a journal: no claim at all)."""

    def __init__(
        self,
        client: PinterestClient,
        settings: SendSettings,
        pin: PinPlan,
        base_dir: Path,
        *,
        journal: PublishJournal | None,
        key: str,
        owner: str,
        fingerprint: str,
    ) -> None:
        self.client, self.settings, self.pin, self.base_dir = client, settings, pin, base_dir
        self.journal, self.key, self.owner, self.fingerprint = journal, key, owner, fingerprint
        self.sent = False  # a create may have left (now or in an earlier run)
        self.since: float | None = None  # the first such create (the journal's clock)
        self._finished = False

    async def run(self, claim: Claim | None) -> Sent:
        try:
            async with self._lease():
                return await self._within_deadline(claim)
        except FlowError as error:  # a step failed: nothing was created
            self._finish(JournalState.FAILED, error.message)
            status = Status.RETRY if error.retry else Status.FAILED
            if error.code.startswith("post."):
                status = Status.REJECTED  # the post itself (its file) is the problem
            return Sent(
                status, findings=[(error.code, error.pointer, error.message)], retry_after=error.retry_after
            )
        except _Unconfirmed as error:
            self._finish(JournalState.UNKNOWN, error.message)
            finding = ("pinterest.pin.create_unconfirmed", (), error.message)
            return Sent(Status.UNKNOWN, findings=[finding], candidates=list(error.candidates))
        except _ClaimLost:
            message = "this run's claim expired and another run took the post over; nothing was sent here"
            return Sent(Status.CLAIMED_ELSEWHERE, findings=[("pinrules.claim.held", (), message)])
        except TokensUnsaved as error:  # the run stops; a request that needed the token never left
            self._finish(JournalState.UNKNOWN if self.sent else JournalState.FAILED, str(error))
            status = Status.UNKNOWN if self.sent else Status.RETRY
            return Sent(status, findings=[("pinterest.account.tokens_unsaved", (), str(error))])
        except JournalError as error:
            self._finish(JournalState.UNKNOWN if self.sent else JournalState.FAILED, str(error))
            status = Status.UNKNOWN if self.sent else Status.RETRY
            return Sent(status, findings=[("pinrules.journal.unwritable", (), str(error))])
        except BaseException as error:  # a bug, or the run cancelled: the row must still be true
            state = JournalState.UNKNOWN if self.sent else JournalState.FAILED
            self._finish(state, f"interrupted ({error.__class__.__name__})")
            raise

    async def _within_deadline(self, claim: Claim | None) -> Sent:
        limit = asyncio.timeout(self.settings.deadline)
        try:
            async with limit:
                return await self._send(claim)
        except TimeoutError:
            if not limit.expired():
                raise
        what = "while its create was unanswered" if self.sent else "before its create was sent"
        message = f"the run's deadline passed {what}"
        if self.sent:  # the create may have been made: the next publish reconciles first
            self._finish(JournalState.UNKNOWN, message)
            return Sent(Status.UNKNOWN, findings=[("pinrules.run.deadline", (), message)])
        self._finish(JournalState.FAILED, message)
        return Sent(Status.RETRY, findings=[("pinrules.run.deadline", (), message)])

    async def _send(self, claim: Claim | None) -> Sent:
        if claim is not None and claim.outcome == ClaimOutcome.RECONCILE and claim.entry is not None:
            entry = claim.entry
            self.sent, self.since = True, entry.attempted_at or entry.sent_at or 0.0
            found = await reconcile(self.client, self.pin, self.since, journal=self.journal, key=self.key,
                                    fingerprint=self.fingerprint)  # fmt: skip
            if found.pin is not None:
                return self._published(found.pin)
            if not found.none_found:
                raise _Unconfirmed(f"an earlier create of this post is not confirmed: {found.undecided}",
                                   found.candidates)  # fmt: skip
            waited = self._now() - (entry.sent_at or self.since)
            if waited < self.settings.recreate_after:
                raise _Unconfirmed(
                    f"an earlier create of this post ({waited:.0f} s ago) got no answer and its pin is not "
                    f"on board {self.pin.board_id} yet; it is sent again only after "
                    f"{self.settings.recreate_after:g} s without one",
                    (),
                )
            log.info(
                "%s: no pin on the board %.0f s after the unanswered create: creating it", self.key, waited
            )
        return self._published(await self._create(await self._body()))

    async def _body(self) -> dict[str, object]:
        pin, file = self.pin, None
        if pin.source == "path":
            file = open_media(pin.value, self.base_dir, self.settings.folders)
        try:
            if pin.kind == "image":
                return pin_body(pin, image_source(pin, file))
            media_id = await video_media_id(self.client, pin, self.settings.video, file)
            return pin_body(pin, video_source(pin, media_id))
        finally:
            if file is not None:
                file.close()

    async def _create(self, body: dict[str, object]) -> Pin:
        if self.journal is not None:
            if not self.journal.begin_create(self.key, self.owner, board_id=self.pin.board_id,
                                             fingerprint=self.fingerprint):  # fmt: skip
                raise _ClaimLost
            if self.since is None:
                entry = self.journal.get(self.key)
                self.since = entry.attempted_at if entry is not None else None
        self.since = self.since if self.since is not None else self._now()
        self.sent = True
        try:
            return await self.client.create_pin(body)
        except AmbiguousResponse as error:
            found = await reconcile(self.client, self.pin, self.since, journal=self.journal, key=self.key,
                                    fingerprint=self.fingerprint)  # fmt: skip
            if found.pin is not None:
                return found.pin
            why = found.undecided or f"no such pin is on board {self.pin.board_id} yet"
            raise _Unconfirmed(
                f"{error}; {why}. Publish again later: the board is checked before anything is created",
                found.candidates,
            ) from None
        except TokensUnsaved as error:  # raised before the request left: nothing was sent
            raise FlowError("pinterest.account.tokens_unsaved", str(error), retry=True) from None
        except PinterestError as error:  # an answer that proves nothing was made, or none was sent
            raise step_failed(
                error, "pinterest.pin.create_failed", "Pinterest refused to create the pin"
            ) from None

    def _published(self, pin: Pin) -> Sent:
        self._finished = True
        if self.journal is None:
            return Sent(Status.PUBLISHED, pin)
        try:
            self.journal.finish(self.key, self.owner, JournalState.PUBLISHED, pin_id=pin.id)
        except JournalError as error:  # the pin exists: the next run confirms it on the board
            message = f"{error} (pin {pin.id} was made; the next publish confirms it on the board)"
            return Sent(Status.PUBLISHED, pin, [("pinrules.journal.unwritable", (), message)])
        return Sent(Status.PUBLISHED, pin)

    def _finish(self, state: JournalState, detail: str) -> None:
        """Release the claim with `state` (once; a journal that cannot be written leaves the row
        claimed or sending, which the next claim handles safely after the lease)."""
        if self._finished or self.journal is None:
            return
        self._finished = True
        try:
            self.journal.finish(self.key, self.owner, state, detail=detail)
        except JournalError as error:
            log.info("%s: %s", self.key, error)

    def _now(self) -> float:
        return self.journal.now() if self.journal is not None else time.time()

    @contextlib.asynccontextmanager
    async def _lease(self) -> AsyncIterator[None]:
        """Renew the claim every third of its lease while the post is being sent."""
        journal = self.journal
        if journal is None:
            yield
            return

        async def renew() -> None:
            while True:
                await asyncio.sleep(journal.lease / 3)
                try:
                    if not journal.renew(self.key, self.owner):
                        log.info("%s: the claim was taken over by another run", self.key)
                        return
                except JournalError as error:
                    log.info("%s: the claim could not be renewed: %s", self.key, error)

        heartbeat = asyncio.create_task(renew())
        try:
            yield
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
