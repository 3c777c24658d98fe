"""The worker: sends scheduled posts when they are due, once, and records how each ended.

It takes due posts from the store (an atomic lease, see `_schedule`), publishes each through
`Publisher` (whose journal claim makes the create happen at most once, also when a crashed
worker's post is taken over), and records the outcome: published; failed for good (preflight,
a 4xx, an account to reconnect); a transient failure retried later with backoff; unknown (the
create may have happened: never repeated blindly); missed (it could only have gone out later
than allowed). While a post is being sent its lease is renewed, so a long video upload keeps it.
SIGINT/SIGTERM stop taking posts; posts in flight finish (or, past a grace period, are
abandoned safely: the lease lapses and the next worker reconciles before sending).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinrules import FileFacts, Preflight

from ._errors import MediaError
from ._events import Event, Events
from ._media_store import MediaStore, StoredMedia, is_stored_media_id
from ._schedule import Outcome, PostState, ScheduledPost, ScheduleStore

log = logging.getLogger("pinrules.worker")

# a batch while sends are quick: the slots' worth of posts that start now and as many that
# follow as slots free up (half the store transactions; see `run`)
BATCH_SLOTS = 2
# posts taken in a batch, waiting for a free slot: (post, when taken, on the loop's clock)
Ready = collections.deque[tuple[ScheduledPost, float]]
# `run`'s posts being sent, by their task: (post, when its send began, on the loop's clock)
Sending = dict[asyncio.Task[Outcome], tuple[ScheduledPost, float]]
# the stored media of the posts in `Ready`, looked up together: by (workspace, media id)
Known = dict[tuple[str, str], StoredMedia]
# what sends one post: (post, account name, folder of its media files, owner, what is known of
# its stored media files by path as the post names them: see `Publisher.publish`) -> outcome
Send = Callable[[dict[str, Any], str | None, Path, str, Mapping[str, FileFacts]], Awaitable[Outcome]]
# whether a create of the post (as `Send` gets it) may already have been sent, or made its pin
SentBefore = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = 4  # posts sent at once
    lease: float = 120.0  # seconds a taken post is ours without a renewal
    poll_interval: float = 5.0  # the longest idle wait before looking again
    max_lateness: float = 3600.0  # a post later than this is missed, not sent late
    retry_base: float = 30.0  # backoff of transient failures: full jitter up to base * 2**n
    retry_cap: float = 1800.0
    max_attempts: int = 8
    grace: float = 30.0  # on SIGINT/SIGTERM, how long posts in flight may still take
    hold: float = 1.0  # how long a post taken in a batch may wait for a free slot before it goes back


@dataclass
class WorkerReport:
    """What one worker run did, by final status."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: PostState) -> None:
        self.counts[str(status)] = self.counts.get(str(status), 0) + 1

    def __str__(self) -> str:
        return ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items())) or "nothing was due"


def worker_id() -> str:
    """This worker's name in leases and claims: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


class Worker:
    def __init__(
        self,
        store: ScheduleStore,
        media: MediaStore,
        send: Send,
        *,
        settings: WorkerSettings | None = None,
        events: Events | None = None,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        rng: random.Random | None = None,
        preflight: Preflight | None = None,
        sent_before: SentBefore | None = None,
    ) -> None:
        self.store = store
        self.preflight = preflight or Preflight()
        self.media = media
        self.send = send
        self.sent_before = sent_before
        self.settings = settings or WorkerSettings()
        self.events = events or Events()
        self.clock = clock
        self.owner = owner or worker_id()
        self._rng = rng or random.Random()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()  # for `run`: a post ended, or a stop
        self._alarm: asyncio.TimerHandle | None = None  # for `run`: a post waited `hold` for a slot
        self._longest = 0.0  # for `run`: the longest send that ended since the last take (seconds)
        self.report = WorkerReport()

    def stop(self) -> None:
        """Take no more posts; `run` returns once the posts in flight are done."""
        self._stop.set()
        self._wake.set()

    async def run(self, *, once: bool = False) -> WorkerReport:
        """Send due posts until stopped; with `once`, until nothing is due, then return.

        Up to `concurrency` posts are sent at once. Posts are taken a batch at a time (what can
        start now; twice the slots while sends take under half the hold), together with
        recording how the posts sent before ended, in one store transaction: one commit per
        batch instead of two per post. A failure is recorded at once (and synced). One task
        renews the leases of the posts taken; on a stop, those taken but not started go back to
        the store as they were."""
        sending: Sending = {}
        ready: Ready = collections.deque()  # taken, not started yet
        ended: list[tuple[ScheduledPost, Outcome]] = []
        known: Known | None = None  # the stored media of the posts in `ready`
        loop = asyncio.get_running_loop()
        renewing = asyncio.create_task(self._renew_all(sending, ready, ended))
        try:
            while not self._stop.is_set():
                room = self.settings.concurrency - len(sending)
                if room and not ready:
                    now = loop.time()
                    # while sends are quick (each that ended since the last take, and each
                    # still in flight, under half the hold), a batch of twice the slots: what
                    # starts now and what follows as slots free up, within about one send, well
                    # inside the hold; else (none in flight yet: how quick is not known; a
                    # slow one, an upload) only what can start now, so that nothing waits long
                    half = self.settings.hold / 2
                    quick = (
                        bool(sending)
                        and self._longest < half
                        and all(now - began < half for _, began in sending.values())
                    )
                    batch = BATCH_SLOTS * self.settings.concurrency if quick else room
                    self._longest = 0.0
                    taken = self._exchange(ended, batch)
                    ready.extend((item, now) for item in taken)
                    known = self._look_up_media(taken)
                    if once and not ready:
                        break  # nothing more is due: the posts in flight finish
                elif any(outcome.status is not PostState.PUBLISHED for _, outcome in ended):
                    self._exchange(ended, 0)
                while room and ready:
                    self._start(ready.popleft()[0], sending, ended, known)
                    room -= 1
                if ready and loop.time() - ready[0][1] >= self.settings.hold:
                    self._give_back(ready)  # every slot busy with slow sends: for another worker
                if not sending:
                    await self._idle()
                    continue
                await self._next_event(room, ready)
        finally:
            if self._alarm is not None:
                self._alarm.cancel()
            try:
                try:
                    self._give_back(ready)
                except Exception:  # tried again once the posts in flight are done
                    log.exception("giving back %d posts taken but not started failed", len(ready))
                await self._drain(sending, ended)
                self._give_back(ready)
            finally:
                renewing.cancel()
        return self.report

    async def _next_event(self, room: int, ready: Ready) -> None:
        """Wait until a post ends or a stop; with posts waiting for a slot, at most until the
        first has waited `hold` (one timer a batch, not one a wait: a wait ends whenever a post
        does); with room left (nothing was due), at most until a post is due."""
        if ready:
            when = ready[0][1] + self.settings.hold
            if self._alarm is None or self._alarm.when() != when:
                if self._alarm is not None:
                    self._alarm.cancel()
                self._alarm = asyncio.get_running_loop().call_at(when, self._ring)
        self._wake.clear()
        if not room:
            await self._wake.wait()
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._until_due()):
                await self._wake.wait()

    def _ring(self) -> None:
        """The alarm: the first post waiting for a slot has waited `hold`. Spent, it is armed
        again if that post still waits (the loop may run a timer up to its clock's resolution
        early, before `run` sees the wait as long enough)."""
        self._alarm = None
        self._wake.set()

    def _start(
        self,
        item: ScheduledPost,
        sending: Sending,
        ended: list[tuple[ScheduledPost, Outcome]],
        known: Known | None,
    ) -> None:
        """Send `item` in a task of its own (its stored media as looked up with its batch, when
        they were); once it ends, its outcome joins `ended`."""

        def sent(task: asyncio.Task[Outcome]) -> None:
            _, began = sending.pop(task)
            self._longest = max(self._longest, asyncio.get_running_loop().time() - began)
            if task.cancelled():  # abandoned after the grace period: the lease lapses
                pass
            elif (error := task.exception()) is not None:  # not a post's trouble (`_attempt` keeps those)
                log.error("post %s: sending stopped: %r", item.id, error)
            else:
                ended.append((item, task.result()))
            self._wake.set()

        task = asyncio.create_task(self._send(item, known))
        sending[task] = (item, asyncio.get_running_loop().time())
        task.add_done_callback(sent)

    def _give_back(self, ready: Ready) -> None:
        """The posts taken but not started go back to the store (see `ScheduleStore.release`)."""
        if ready:
            self.store.release([item for item, _ in ready], self.clock(), self.owner)
            ready.clear()

    async def _drain(self, sending: Sending, ended: list[tuple[ScheduledPost, Outcome]]) -> None:
        """The posts in flight finish within the grace period, each recorded as it ends; those
        still at work then are abandoned (the lease lapses, the next worker reconciles first). A
        store that fails meanwhile is tried again at the end."""
        deadline = asyncio.get_running_loop().time() + self.settings.grace
        while sending:
            if ended:
                try:
                    self._exchange(ended, 0)
                except Exception:  # kept in `ended`: recorded below, or the error is raised there
                    log.exception("recording the posts that ended failed; trying again")
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._wake.wait()
        if sending:
            # one turn of the loop first: a send whose wait ended in time, but whose task has not
            # resumed yet (a loop running late can wake this task before it), finishes
            await asyncio.sleep(0)
        if sending:
            for task in sending:
                task.cancel()
            await asyncio.wait(list(sending))  # their callbacks run: a post done just now is recorded
        if ended:
            self._exchange(ended, 0)

    def _exchange(self, ended: list[tuple[ScheduledPost, Outcome]], room: int) -> list[ScheduledPost]:
        """Record the posts that ended (the list is emptied) and take up to `room` due ones, in
        one transaction."""
        recorded, taken = self.store.finish_and_take(
            ended, self.clock(), self.owner, self.settings.lease, room
        )
        with self.events.together():  # recorded in one transaction: subscribers read once for them
            for (item, outcome), still_ours in zip(ended, recorded, strict=True):
                if still_ours:
                    self._recorded(item, outcome)
        ended.clear()
        return taken

    async def _idle(self) -> None:
        """Wait until the next post is due (at most the poll interval), or a stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self._until_due())

    def _until_due(self) -> float:
        due = self.store.next_due()
        wait = self.settings.poll_interval if due is None else due - self.clock()
        return min(max(wait, 0.01), self.settings.poll_interval)

    async def handle(self, item: ScheduledPost) -> None:
        """Send one taken post and record how it ended (the PostgreSQL jobs' body)."""
        renewing = asyncio.create_task(self._renew(item))
        try:
            outcome = await self._send(item)
        finally:
            renewing.cancel()
        if self.store.finish(item.id, item.workspace, self.owner, outcome, self.clock()):
            self._recorded(item, outcome)

    async def _send(self, item: ScheduledPost, known: Known | None = None) -> Outcome:
        """One attempt at a taken post, as it is to be recorded."""
        outcome = await self._attempt(item, known)
        if outcome.status is PostState.SCHEDULED and item.attempts >= self.settings.max_attempts:
            outcome = Outcome(PostState.FAILED, diagnostics=outcome.diagnostics)
        if (
            outcome.status is PostState.SCHEDULED
            and (outcome.next_attempt_at or 0) - item.due_at > self.settings.max_lateness
        ):
            outcome = Outcome(PostState.MISSED, diagnostics=outcome.diagnostics)
        return outcome

    def _recorded(self, item: ScheduledPost, outcome: Outcome) -> None:
        self.report.add(outcome.status)
        if outcome.status is not PostState.SCHEDULED:
            self._emit(item, outcome)

    async def _attempt(self, item: ScheduledPost, known: Known | None) -> Outcome:
        now = self.clock()
        too_late = now - item.due_at > self.settings.max_lateness
        if too_late and not self._may_have_been_sent(item, known):
            allowed = self.settings.max_lateness
            late = f"it was due {now - item.due_at:,.0f} s ago; at most {allowed:g} s late is allowed"
            return Outcome(
                PostState.MISSED, diagnostics=(self._diagnostic("post.scheduled_at.missed", late),)
            )
        try:
            with self._local_media(item, known) as (post, folder, checked):
                outcome = await self.send(post, item.account, folder, self.owner, checked)
        except Exception as error:  # one post's trouble is its own result
            return Outcome(
                PostState.FAILED, diagnostics=(self._diagnostic("post.publish.error", str(error)),)
            )
        if outcome.status is PostState.SCHEDULED:
            backoff = min(self.settings.retry_cap, self.settings.retry_base * 2 ** (item.attempts - 1))
            when = outcome.next_attempt_at or (self.clock() + self._rng.uniform(0, backoff))
            return Outcome(PostState.SCHEDULED, diagnostics=outcome.diagnostics, next_attempt_at=when)
        return outcome

    def _may_have_been_sent(self, item: ScheduledPost, known: Known | None) -> bool:
        """Whether a create of this post may have been sent: the send side's journal knows of
        one (a take lost in a power cut, which the store may commit without a disk sync, leaves
        a post that was being sent looking untouched), or, with no journal to ask, the post was
        taken over from a worker that died. Such a post is not missed but sent, so that it is
        reconciled; a post taken over that the journal shows was never sent can be missed."""
        if self.sent_before is None:
            return item.taken_over
        try:
            with self._local_media(item, known) as (post, _, _):  # the post as `send` would get it: its key
                return self.sent_before(post)
        except Exception:  # its media gone, the journal unreadable: as with no journal
            return item.taken_over

    def _look_up_media(self, items: list[ScheduledPost]) -> Known | None:
        """The stored media of `items`, in one read a workspace (not one a post); None when the
        read fails (each post then reads its own, and fails on its own if it must)."""
        wanted: dict[str, set[str]] = {}
        for item in items:
            wanted.setdefault(item.workspace, set()).update(_stored_media_ids(item.post))
        known: Known = {}
        try:
            for workspace, media_ids in wanted.items():
                found = self.media.get_many(sorted(media_ids), workspace) if media_ids else {}
                known.update(((workspace, media_id), stored) for media_id, stored in found.items())
        except Exception:
            log.exception("looking up the stored media of %d posts failed", len(items))
            return None
        return known

    @contextlib.contextmanager
    def _local_media(
        self, item: ScheduledPost, known: Known | None = None
    ) -> Iterator[tuple[dict[str, Any], Path, dict[str, FileFacts]]]:
        """The post with stored media (`med_...` ids) as local files, their folder, and their
        size and type as found when they were stored (by path as the post now names them: the
        files phase of the preflight does not look at them again). `known`: the media as looked
        up with the post's batch (one missing there is gone)."""
        post = dict(item.post)
        checked: dict[str, FileFacts] = {}
        if not _stored_media_ids(post):
            yield post, Path.cwd(), checked  # the post's paths lead into it
            return
        with contextlib.ExitStack() as stack:
            items = []
            for entry in post["media"]:
                media_id = entry.get("mediaId") if isinstance(entry, dict) else None
                if not is_stored_media_id(media_id):
                    items.append(entry)
                    continue
                stored = (
                    known.get((item.workspace, media_id))
                    if known is not None
                    else self.media.get(media_id, item.workspace)
                )
                if stored is None:
                    raise MediaError(f"stored media {media_id} is gone")
                path = stack.enter_context(self.media.open(stored))  # a file in the media folder
                items.append({k: v for k, v in entry.items() if k != "mediaId"} | {"path": path.name})
                checked[path.name] = FileFacts(str(path), size=stored.size, mime=stored.mime)
            post["media"] = items
            yield post, self.media.folder, checked

    async def _renew(self, item: ScheduledPost) -> None:
        """Keep the lease while the post is being sent (a video upload can take long)."""
        while True:
            await asyncio.sleep(self.settings.lease / 3)
            until = self.clock() + self.settings.lease
            if not self.store.renew(item.id, item.workspace, self.owner, until):
                return

    async def _renew_all(
        self,
        sending: Sending,
        ready: Ready,
        ended: Iterable[tuple[ScheduledPost, Outcome]],
    ) -> None:
        """`_renew` for every post `run` holds: being sent, waiting for a free slot, or sent
        and waiting to be recorded with the next batch. A waiting post whose lease was lost
        (another worker took it over) is not started."""
        while True:
            await asyncio.sleep(self.settings.lease / 3)
            until = self.clock() + self.settings.lease
            lost: set[int] = set()
            for item, _ in [*sending.values(), *ready, *ended]:
                try:
                    if not self.store.renew(item.id, item.workspace, self.owner, until):
                        lost.add(id(item))
                except Exception:  # one failed renewal (a locked store): the next round tries again
                    log.exception("renewing the lease of post %s failed", item.id)
            if lost:
                kept = [(item, at) for item, at in ready if id(item) not in lost]
                ready.clear()
                ready.extend(kept)

    def _diagnostic(self, code: str, message: str) -> dict[str, Any]:
        return self.preflight.diagnose(code, message).to_dict()

    def _emit(self, item: ScheduledPost, outcome: Outcome) -> None:
        detail: dict[str, Any] = {"id": item.id, "workspace": item.workspace, "due_at": item.due_at}
        if outcome.pin_id:
            detail |= {"pin_id": outcome.pin_id, "pin_url": outcome.pin_url}
        if outcome.diagnostics:
            detail["diagnostics"] = list(outcome.diagnostics)
        self.events.emit(Event(f"post.{outcome.status}", item.account or "", detail))


def _stored_media_ids(post: dict[str, Any]) -> list[str]:
    """The stored media (`med_...` ids) a post names."""
    media = post.get("media")
    if not isinstance(media, list):
        return []
    return [
        entry["mediaId"]
        for entry in media
        if isinstance(entry, dict) and is_stored_media_id(entry.get("mediaId"))
    ]
