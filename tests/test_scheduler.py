"""The scheduler: the store contract (every backend), the worker with an injected clock against
the stand-in, and real worker processes (two at once, SIGKILL mid-create, SIGTERM)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pinrules import FileFacts, Preflight
from publisher import (
    Backend,
    Events,
    Outcome,
    PostState,
    PublishOptions,
    PublishResult,
    ScheduledPost,
    ScheduleError,
    Senders,
    SqliteScheduleStore,
    Worker,
    WorkerSettings,
    bridge,
    migrate,
    open_backend,
    post_key,
    publish,
    schedule,
)
from publisher.sandbox import Fault

from .helpers import BOARD, LOCAL, TOKEN, Sandbox, run, write
from .media import image

PREFLIGHT = Preflight()
START = 2_000_000_000.0  # the injected clock's "now": 2033-05-18


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn: the same contract, the same behaviour."""
    if request.param == "sqlite":
        database = f"sqlite:{tmp_path / 'db'}"
    else:
        database = request.getfixturevalue("postgres_url")
        migrate(database)
    opened = open_backend(database)
    try:
        yield opened
    finally:
        opened.close()


def _item(post_id: str, due: float, **post: Any) -> ScheduledPost:
    body = {"id": post_id, "media": [{"kind": "image", "url": "https://cdn.example.com/a.jpg"}], **post}
    return ScheduledPost(post_id, body, due, created_at=START, updated_at=START)


class TestStoreContract:
    def test_add_get_and_repeat(self, backend: Backend) -> None:
        """A post is stored scheduled; the same id and content again returns it; other content is refused."""
        first = backend.schedule.add(_item("a", START + 60))
        assert (first.status, first.due_at, first.attempts) == (PostState.SCHEDULED, START + 60, 0)
        assert backend.schedule.add(_item("a", START + 60)) == first
        with pytest.raises(ScheduleError, match="other content"):
            backend.schedule.add(_item("a", START + 60, title="changed"))
        assert backend.schedule.get("a") == first
        assert backend.schedule.get("a", workspace="other") is None

    def test_take_is_due_first_and_leased(self, backend: Backend) -> None:
        """take hands out the earliest due post under a lease, never one that is not due, never twice."""
        for name, due in (("late", START + 20), ("early", START + 10), ("future", START + 3600)):
            backend.schedule.add(_item(name, due))
        assert backend.schedule.take(START, "w1", 30) is None
        taken = backend.schedule.take(START + 25, "w1", 30)
        assert taken is not None
        assert (taken.id, taken.status, taken.lease_owner, taken.attempts) == (
            "early",
            PostState.SENDING,
            "w1",
            1,
        )
        second = backend.schedule.take(START + 25, "w2", 30)
        assert second is not None
        assert second.id == "late"
        assert backend.schedule.take(START + 25, "w3", 30) is None

    def test_an_expired_lease_is_taken_over_and_marked(self, backend: Backend) -> None:
        """A post whose worker stopped renewing is taken by another, marked for reconciliation;
        the first worker can no longer record an outcome for it."""
        backend.schedule.add(_item("a", START))
        backend.schedule.take(START, "dead", 30)
        assert backend.schedule.take(START + 29, "w2", 30) is None
        taken = backend.schedule.take(START + 31, "w2", 30)
        assert taken is not None
        assert (taken.lease_owner, taken.taken_over, taken.attempts) == ("w2", True, 2)
        assert not backend.schedule.finish(
            "a", "default", "dead", Outcome(PostState.PUBLISHED, "1"), START + 32
        )
        assert backend.schedule.finish(
            "a", "default", "w2", Outcome(PostState.PUBLISHED, "9", "u"), START + 33
        )
        done = backend.schedule.get("a")
        assert done is not None
        assert (done.status, done.pin_id, done.lease_owner) == (PostState.PUBLISHED, "9", None)

    def test_renew_keeps_the_lease(self, backend: Backend) -> None:
        """A renewed lease is not taken over; renewing someone else's is refused."""
        backend.schedule.add(_item("a", START))
        backend.schedule.take(START, "w1", 30)
        assert backend.schedule.renew("a", "default", "w1", START + 100)
        assert not backend.schedule.renew("a", "default", "w2", START + 200)
        assert backend.schedule.take(START + 60, "w2", 30) is None

    def test_cancel_and_retry(self, backend: Backend) -> None:
        """cancel stops a waiting post; retry schedules it again, due now; sending posts refuse both."""
        backend.schedule.add(_item("a", START + 60))
        assert backend.schedule.cancel("a").status is PostState.CANCELLED
        assert backend.schedule.take(START + 120, "w", 30) is None
        again = backend.schedule.retry("a", START + 200)
        assert (again.status, again.due_at) == (PostState.SCHEDULED, START + 200)
        backend.schedule.take(START + 200, "w", 30)
        with pytest.raises(ScheduleError, match="sending"):
            backend.schedule.cancel("a")
        with pytest.raises(ScheduleError, match="no scheduled post"):
            backend.schedule.cancel("nope")

    def test_list_pages_in_due_order(self, backend: Backend) -> None:
        """list walks posts by due time with a cursor, and filters by status."""
        for n in range(7):
            backend.schedule.add(_item(f"p{n}", START + 100 - n))
        first = backend.schedule.list(limit=4)
        rest = backend.schedule.list(after=(first[-1].due_at, first[-1].id), limit=4)
        assert [i.id for i in first + rest] == [f"p{n}" for n in range(6, -1, -1)]
        backend.schedule.cancel("p3")
        assert [i.id for i in backend.schedule.list(status=PostState.CANCELLED)] == ["p3"]

    def test_next_due(self, backend: Backend) -> None:
        """The next moment a worker has something to do: a due time, or a lease running out."""
        assert backend.schedule.next_due() is None
        backend.schedule.add(_item("a", START + 50))
        backend.schedule.add(_item("b", START + 10))
        assert backend.schedule.next_due() == START + 10
        backend.schedule.take(START + 10, "w", 5)
        assert backend.schedule.next_due() == START + 15

    def test_finish_and_take_records_then_takes_in_one_step(self, backend: Backend) -> None:
        """finish_and_take records each ended post (False for one no longer the caller's), then
        takes up to `limit` due posts in take's order, a lapsed lease among them; limit 0 takes none."""
        for name, due in (("a", START + 1), ("b", START + 2), ("c", START + 3), ("d", START + 4)):
            backend.schedule.add(_item(name, due))
        backend.schedule.add(_item("later", START + 3600))
        assert backend.schedule.take(START, "dead", 5) is None
        first = backend.schedule.finish_and_take((), START + 10, "w1", 30, 2)
        assert (first.recorded, [(i.id, i.status, i.lease_owner, i.attempts) for i in first.taken]) == (
            [],
            [("a", PostState.SENDING, "w1", 1), ("b", PostState.SENDING, "w1", 1)],
        )
        lost = backend.schedule.take(START + 10, "w2", 5)  # c, then its lease lapses
        assert lost is not None
        a, b = first.taken
        published = Outcome(PostState.PUBLISHED, "1", "u1")
        failed = Outcome(PostState.FAILED, diagnostics=({"rule": "x"},))
        second = backend.schedule.finish_and_take(
            [(a, published), (b, failed), (lost, published)], START + 20, "w1", 30, 5
        )
        assert second.recorded == [True, True, False]
        assert [(i.id, i.taken_over) for i in second.taken] == [("c", True), ("d", False)]
        states = {name: backend.schedule.get(name) for name in ("a", "b", "c")}
        assert [(i.status, i.pin_id, i.lease_owner) for i in states.values() if i] == [
            (PostState.PUBLISHED, "1", None),
            (PostState.FAILED, None, None),
            (PostState.SENDING, None, "w1"),
        ]
        c, d = second.taken
        third = backend.schedule.finish_and_take([(c, published), (d, published)], START + 30, "w1", 30, 0)
        assert (third.recorded, third.taken) == ([True, True], [])
        assert backend.schedule.next_due() == START + 3600

    def test_media_of_several_posts_are_looked_up_at_once(self, backend: Backend) -> None:
        """`get_many` gives the items of the workspace among the ids asked for, by id, as `get`
        does one by one; ids of another workspace or of nothing are left out."""
        ours = [backend.media.add(io.BytesIO(b"a%d" % n), workspace="team", kind="image", filename=None,
                                  now=START) for n in range(3)]  # fmt: skip
        theirs = backend.media.add(
            io.BytesIO(b"b"), workspace="other", kind="image", filename=None, now=START
        )
        asked = [ours[0].id, ours[2].id, theirs.id, "med_nothing"]
        assert backend.media.get_many(asked, "team") == {m.id: backend.media.get(m.id, "team") for m in
                                                         (ours[0], ours[2])}  # fmt: skip
        assert backend.media.get_many([], "team") == {}

    def test_stored_media_open_as_a_file_in_the_media_folder(self, backend: Backend) -> None:
        """`open` gives a file directly in the media folder (a post sent from stored media names
        it by its name there), holding the bytes stored."""
        stored = backend.media.add(io.BytesIO(b"pixels"), workspace="team", kind="image", filename="a.jpg",
                                   now=START)  # fmt: skip
        with backend.media.open(stored) as path:
            assert path.parent == backend.media.folder
            assert path.read_bytes() == b"pixels"


def test_sqlite_waits_for_the_disk_on_every_change_but_a_take_or_a_published_record(tmp_path: Path) -> None:
    """SQLite commits a take, a post recorded published and a renewed lease without waiting for
    the disk (lost in a power cut, they cost a takeover or a new take, which the publish journal
    answers); every other change waits for it, and so does the connection afterwards, also after
    a change that failed."""
    store = SqliteScheduleStore(tmp_path / "schedule.sqlite3")
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)

    def commits() -> list[str]:
        """The synchronous level in effect at each COMMIT since the last call."""
        level, seen = "FULL", []
        for statement in statements:
            if statement.startswith("PRAGMA synchronous="):
                level = statement.removeprefix("PRAGMA synchronous=")
            elif statement == "COMMIT":
                seen.append(level)
        statements.clear()
        return seen

    try:
        for name in ("a", "b", "c"):
            store.add(_item(name, START))
        assert commits() == ["FULL"] * 3
        store.take(START, "w", 30)
        assert store.renew("a", "default", "w", START + 60)
        assert store.finish("a", "default", "w", Outcome(PostState.PUBLISHED, "1", "u"), START + 1)
        assert commits() == ["NORMAL", "NORMAL", "NORMAL"]
        store.take(START, "w", 30)
        assert store.finish("b", "default", "w", Outcome(PostState.FAILED), START + 1)
        assert commits() == ["NORMAL", "FULL"]
        store.take(START, "w", 30)
        unwritable = Outcome(PostState.PUBLISHED, "3", "u", diagnostics=({"not json": object()},))
        with pytest.raises(TypeError):
            store.finish("c", "default", "w", unwritable, START + 1)
        assert commits() == ["NORMAL"]  # the take; the failed finish was rolled back
        assert store._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert not store._db.in_transaction
        left = store.get("c")
        assert left is not None
        assert left.status is PostState.SENDING
        # the worker's step: published posts recorded with a take, unsynced; any other, synced
        commits()
        for name in ("d", "e"):
            store.add(_item(name, START + 1))
        assert commits() == ["FULL", "FULL"]
        (d,) = store.finish_and_take((), START + 1, "w", 30, 1).taken
        (e,) = store.finish_and_take(
            [(d, Outcome(PostState.PUBLISHED, "4", "u"))], START + 1, "w", 30, 1
        ).taken
        assert (d.id, e.id) == ("d", "e")
        store.finish_and_take([(e, Outcome(PostState.UNKNOWN))], START + 1, "w", 30, 1)
        assert commits() == ["NORMAL", "NORMAL", "FULL"]
    finally:
        store.close()


def _back_to_the_third_schema(path: Path) -> None:
    """A schedule file of today, its indexes put back as the schema's third version had them."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.executescript("""DROP INDEX scheduled_posts_due; DROP INDEX scheduled_posts_lease;
            DROP INDEX scheduled_posts_waiting;
            CREATE INDEX scheduled_posts_due ON scheduled_posts (status, next_attempt_at, id);
            CREATE INDEX scheduled_posts_lease ON scheduled_posts (status, lease_until);
            PRAGMA user_version = 3""")


def test_two_processes_opening_an_old_schedule_at_once_migrate_it_once(tmp_path: Path) -> None:
    """Two `pinrules schedule list` processes open a schedule file of the third schema at the
    same moment: one migrates it, the other waits and finds it done; both list every post, and
    the file ends at the newest version with each index once and no post lost or changed."""
    store = SqliteScheduleStore(tmp_path / "schedule.sqlite3")
    for n in range(3000):  # enough rows that the migration takes a moment
        store.add(_item(f"p{n:04d}", START + n))
    (version,) = store._db.execute("PRAGMA user_version").fetchone()
    store.close()
    _back_to_the_third_schema(tmp_path / "schedule.sqlite3")
    command = [sys.executable, "-m", "pinrules", "schedule", "list", "--database", f"sqlite:{tmp_path}",
               "--status", "scheduled", "--format", "json"]  # fmt: skip
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    for process in both:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert [item["id"] for item in json.loads(out)] == [f"p{n:04d}" for n in range(3000)]
    with contextlib.closing(sqlite3.connect(tmp_path / "schedule.sqlite3")) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (version,)
        listed = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'scheduled_posts_%'"
        names = sorted(name for (name,) in db.execute(listed))
        assert names == ["scheduled_posts_due", "scheduled_posts_lease", "scheduled_posts_waiting"]
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*), MIN(status), MAX(status) FROM scheduled_posts").fetchone() == (
            3000,
            "scheduled",
            "scheduled",
        )


def test_a_schedule_from_before_the_partial_indexes_is_migrated_keeping_its_posts(tmp_path: Path) -> None:
    """A schedule file of the previous schema (every post in the due and lease indexes) opens
    migrated: its posts kept in their states and taken in the same order; the indexes hold only
    posts waiting or being sent; a take, `next_due` and a list of the waiting posts search them
    instead of walking the table (or the workspace)."""
    path = tmp_path / "schedule.sqlite3"
    old = SqliteScheduleStore(path)
    for name, due in (("sent", START), ("sending", START + 1), ("late", START + 30), ("early", START + 20)):
        old.add(_item(name, due))
    first = old.take(START + 1, "w", 60)
    assert first is not None
    assert old.finish("sent", "default", "w", Outcome(PostState.PUBLISHED, "1", "u"), START + 1)
    assert old.take(START + 1, "w", 60) is not None  # "sending", leased until START + 61
    (version,) = old._db.execute("PRAGMA user_version").fetchone()
    old.close()
    _back_to_the_third_schema(path)

    store = SqliteScheduleStore(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone() == (version,)
        indexes = dict(store._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                         "AND name LIKE 'scheduled_posts_%'"))  # fmt: skip
        assert "WHERE status = 'scheduled'" in indexes["scheduled_posts_due"]
        assert "WHERE status = 'sending'" in indexes["scheduled_posts_lease"]
        assert {i.id: i.status for i in store.list()} == {
            "sent": PostState.PUBLISHED, "sending": PostState.SENDING,
            "early": PostState.SCHEDULED, "late": PostState.SCHEDULED,
        }  # fmt: skip
        store.add(_item("next", START + 90))  # waiting, not due at the take below
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)
        assert store.next_due() == START + 20
        taken = store.finish_and_take((), START + 61, "w2", 60, 3).taken
        assert [(i.id, i.taken_over) for i in taken] == [("sending", True), ("early", False), ("late", False)]
        assert [i.id for i in store.list(status=PostState.SCHEDULED)] == ["next"]
        store._db.set_trace_callback(None)
        for statement in (s for s in statements if s.startswith("SELECT")):
            plan = " | ".join(row[-1] for row in store._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
            assert "SCAN scheduled_posts" not in plan, plan
            wanted = "scheduled_posts_waiting" if "ORDER BY due_at" in statement else "scheduled_posts_due"
            assert f"USING INDEX {wanted}" in plan, plan
        assert store.next_due() == START + 90  # "next"; the leases of the posts just taken end at + 121
    finally:
        store.close()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _post(sandbox: Sandbox, post_id: str, due: float, **fields: Any) -> dict[str, Any]:
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))
    return {"id": post_id, "title": f"Post {post_id}", "scheduledAt": when,
            "media": [{"kind": "image", "path": "soup.jpg"}],
            "options": {"pinterest": {"boardId": BOARD}}, **fields}  # fmt: skip


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in's token, as a worker reads it (for this module's tests only)."""
    monkeypatch.setenv("PINTEREST_ACCESS_TOKEN", TOKEN)


def _worker(sandbox: Sandbox, backend: Backend, clock: Clock, **settings: Any) -> tuple[Worker, Senders]:
    senders = Senders(preflight=PREFLIGHT, options=PublishOptions(network=LOCAL), journal=backend.journal,
                      accounts=None, app=None, base_url=sandbox.api)  # fmt: skip
    worker = Worker(backend.schedule, backend.media, senders.send, clock=clock, preflight=PREFLIGHT,
                    settings=WorkerSettings(poll_interval=0.05, **settings),
                    sent_before=senders.sent_before)  # fmt: skip
    return worker, senders


async def _drain(worker: Worker, senders: Senders) -> dict[str, int]:
    try:
        return (await worker.run(once=True)).counts
    finally:
        await senders.close()


async def _schedule(sandbox: Sandbox, backend: Backend, post: dict[str, Any], clock: Clock) -> None:
    result = await schedule(post, store=backend.schedule, media=backend.media, preflight=PREFLIGHT,
                            base_dir=sandbox.dir, network=LOCAL, clock=clock)  # fmt: skip
    assert result.status == "scheduled", result.diagnostics


class TestWorker:
    def test_due_posts_go_out_and_early_ones_wait(self, sandbox: Sandbox, backend: Backend) -> None:
        """At each moment, exactly the posts that are due are published."""
        clock = Clock(time.time())
        dues = {"first": clock.now + 10, "second": clock.now + 20, "later": clock.now + 3600}
        for name, due in dues.items():
            asyncio.run(_schedule(sandbox, backend, _post(sandbox, name, due), clock))
        clock.now += 15
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}
        clock.now += 10
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}
        states = {name: backend.schedule.get(name).status for name in dues}  # type: ignore[union-attr]
        assert states == {"first": "published", "second": "published", "later": "scheduled"}
        assert len(sandbox.state.pins) == 2

    def test_restart_after_downtime(self, sandbox: Sandbox, backend: Backend) -> None:
        """After a downtime, what is still within the lateness goes out; what is too late is missed."""
        clock = Clock(time.time())
        asyncio.run(_schedule(sandbox, backend, _post(sandbox, "recent", clock.now + 10), clock))
        asyncio.run(_schedule(sandbox, backend, _post(sandbox, "old", clock.now + 5), clock))
        clock.now += 5 + 3600 + 1  # "old" is an hour and a second late, "recent" a bit less
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1, "missed": 1}
        old = backend.schedule.get("old")
        assert old is not None
        assert [d["rule"] for d in old.diagnostics] == ["post.scheduled_at.missed"]
        assert len(sandbox.state.pins) == 1

    def test_cancelled_posts_are_not_sent_until_retried(self, sandbox: Sandbox, backend: Backend) -> None:
        """A cancelled post stays unsent; retry sends it at once."""
        clock = Clock(time.time())
        asyncio.run(_schedule(sandbox, backend, _post(sandbox, "a", clock.now + 5), clock))
        backend.schedule.cancel("a")
        clock.now += 10
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {}
        backend.schedule.retry("a", clock.now)
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}

    def test_media_are_kept_by_the_store(self, sandbox: Sandbox, backend: Backend) -> None:
        """The post's image is copied when it is scheduled: deleting the original changes nothing."""
        clock = Clock(time.time())
        (sandbox.dir / "own.jpg").write_bytes(image("PNG"))
        post = _post(sandbox, "a", clock.now + 5, media=[{"kind": "image", "path": "own.jpg"}])
        asyncio.run(_schedule(sandbox, backend, post, clock))
        (sandbox.dir / "own.jpg").unlink()
        stored = backend.schedule.get("a")
        assert stored is not None
        assert stored.post["media"][0]["mimeType"] == "image/png"
        assert stored.post["media"][0]["sizeBytes"] == len(image("PNG"))
        clock.now += 10
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}
        (pin,) = sandbox.state.pins.values()
        assert pin["title"] == "Post a"

    def test_events_tell_subscribers_how_posts_went(self, sandbox: Sandbox, backend: Backend) -> None:
        """post.scheduled when accepted; post.published (with the pin) and post.missed when done."""
        clock = Clock(time.time())
        events = Events()
        seen: list[tuple[str, dict[str, Any]]] = []
        for name in ("post.scheduled", "post.published", "post.missed"):
            events.subscribe(name, lambda event: seen.append((event.name, event.detail)))

        async def accept(post: dict[str, Any]) -> None:
            await schedule(post, store=backend.schedule, media=backend.media, preflight=PREFLIGHT,
                           base_dir=sandbox.dir, network=LOCAL, clock=clock, events=events)  # fmt: skip

        asyncio.run(accept(_post(sandbox, "soon", clock.now + 3700)))
        asyncio.run(accept(_post(sandbox, "gone", clock.now + 10)))
        clock.now += 3700
        worker, senders = _worker(sandbox, backend, clock)
        worker.events = events
        asyncio.run(_drain(worker, senders))
        names = [(name, detail["id"]) for name, detail in seen]
        assert names == [("post.scheduled", "soon"), ("post.scheduled", "gone"),
                         ("post.missed", "gone"), ("post.published", "soon")]  # fmt: skip
        assert seen[-1][1]["pin_id"] == next(iter(sandbox.state.pins))

    def test_a_worker_records_and_takes_a_batch_at_a_time(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """`run` takes posts a batch at a time (up to twice as many as it sends at once),
        recording those that ended in the same transaction: about one write transaction of the
        store per batch, not two per post."""
        backend = open_backend(f"sqlite:{tmp_path / 'db'}")
        try:
            clock = Clock(time.time())
            for n in range(6):
                asyncio.run(_schedule(sandbox, backend, _post(sandbox, f"p{n}", clock.now + 5), clock))
            clock.now += 10
            statements: list[str] = []
            backend.schedule._db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
            assert asyncio.run(_drain(*_worker(sandbox, backend, clock, concurrency=2))) == {"published": 6}
            writes, current = 0, []
            for statement in statements:
                current.append(statement)
                if statement == "COMMIT":
                    writes += any(s.startswith("UPDATE scheduled_posts") for s in current)
                    current = []
            assert writes <= 6 // 2 + 2, writes  # 3 batches of 2, the last posts recorded
            assert len(sandbox.state.pins) == 6
        finally:
            backend.close()

    def test_run_keeps_the_leases_of_posts_being_sent(self, sandbox: Sandbox, backend: Backend) -> None:
        """A create slower than the lease: `run` renews the lease, so nobody else can take the
        post meanwhile, and it is published once."""
        asyncio.run(
            _schedule(sandbox, backend, _post(sandbox, "slow", time.time() - 1), Clock(time.time() - 10))
        )
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=1.5))
        worker, senders = _worker(sandbox, backend, time.time, lease=0.6)  # type: ignore[arg-type]

        async def go() -> tuple[dict[str, int], ScheduledPost | None]:
            drain = asyncio.create_task(_drain(worker, senders))
            await asyncio.sleep(1.0)  # past the first lease, within the create
            stolen = backend.schedule.take(time.time(), "other", 30)
            return await drain, stolen

        counts, stolen = asyncio.run(go())
        assert (counts, stolen) == ({"published": 1}, None)
        assert len(sandbox.state.pins) == 1

    def test_a_past_scheduled_at_is_refused(self, sandbox: Sandbox, backend: Backend) -> None:
        """Scheduling a post whose time has passed is a diagnostic, not an immediate send."""
        clock = Clock(time.time())

        post = _post(sandbox, "a", clock.now - 60)

        async def go() -> Any:
            return await schedule(post, store=backend.schedule, media=backend.media, preflight=PREFLIGHT,
                                  base_dir=sandbox.dir, network=LOCAL, clock=clock)  # fmt: skip

        result = asyncio.run(go())
        assert (result.status, [d.rule for d in result.diagnostics]) == (
            "rejected",
            ["post.scheduled_at.past"],
        )
        assert backend.schedule.get("a") is None


@pytest.mark.parametrize("cut", ["after the publish", "mid-create"])
def test_a_post_whose_take_was_lost_is_not_missed_when_it_was_sent(
    sandbox: Sandbox, tmp_path: Path, cut: str
) -> None:
    """A power cut loses a take (SQLite commits it without a disk sync) but not the publish journal's
    record of the create: the post looks untouched and is past the lateness allowed, yet it is not
    recorded missed; its pin is found (from the journal, or on the board) and not made twice."""
    folder = tmp_path / "db"
    clock = Clock(time.time())
    backend = open_backend(f"sqlite:{folder}", lease=1.0)
    asyncio.run(_schedule(sandbox, backend, _post(sandbox, "a", clock.now + 5), clock))
    backend.close()
    untaken = (folder / "schedule.sqlite3").read_bytes()  # the store as the power cut leaves it
    backend = open_backend(f"sqlite:{folder}", lease=1.0)
    clock.now += 5

    async def cut_mid_create() -> None:
        """The pin is made, but the power goes before Pinterest answers."""
        sandbox.state.faults.add("POST /v5/pins", Fault("slow_after", seconds=3))
        worker, senders = _worker(sandbox, backend, clock)
        item = backend.schedule.take(clock.now, worker.owner, 60)
        assert item is not None
        sending = asyncio.create_task(worker.handle(item))
        while not sandbox.state.pins:
            await asyncio.sleep(0.02)
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await senders.close()

    if cut == "mid-create":
        asyncio.run(cut_mid_create())
        time.sleep(1.1)  # the dead run's claim in the journal ends
    else:
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}
    backend.close()
    (folder / "schedule.sqlite3").write_bytes(untaken)
    backend = open_backend(f"sqlite:{folder}", lease=1.0)
    try:
        lost = backend.schedule.get("a")
        assert lost is not None
        assert (lost.status, lost.taken_over) == (PostState.SCHEDULED, False)
        clock.now += 3600 + 60
        assert asyncio.run(_drain(*_worker(sandbox, backend, clock))) == {"published": 1}
        (pin_id,) = sandbox.state.pins
        recorded = backend.schedule.get("a")
        assert recorded is not None
        assert (recorded.status, recorded.pin_id) == (PostState.PUBLISHED, pin_id)
    finally:
        backend.close()


def _env(sandbox: Sandbox) -> dict[str, str]:
    return {**os.environ, "PINTEREST_API_BASE": sandbox.api, "PINTEREST_ACCESS_TOKEN": TOKEN}


def _worker_process_command(database: str) -> list[str]:
    return [sys.executable, "-m", "pinrules", "worker", "--database", database, "--allow-private-network",
            "--poll-interval", "0.1"]  # fmt: skip


def _worker_process(sandbox: Sandbox, database: str, *args: str) -> subprocess.Popen[str]:
    command = [*_worker_process_command(database), *args]
    return subprocess.Popen(
        command, env=_env(sandbox), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _schedule_files(sandbox: Sandbox, database: str, posts: list[dict[str, Any]]) -> None:
    for post in posts:
        write(sandbox.dir / "posts" / f"{post['id']}.json", post)
    (sandbox.dir / "posts" / "soup.jpg").write_bytes((sandbox.dir / "soup.jpg").read_bytes())
    result = run("schedule", "--database", database, "--offline", sandbox.dir / "posts", cwd=sandbox.dir)
    assert result.returncode == 0, result.stdout + result.stderr


def _wait(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _due(database: str, post_id: str) -> float:
    return float(json.loads(run("schedule", "show", post_id, "--database", database).stdout)["due_at"])


def _stored_media(database: str) -> int:
    """How many media items the store holds."""
    if database.startswith("sqlite:"):
        file = Path(database.removeprefix("sqlite:")) / "schedule.sqlite3"
        with contextlib.closing(sqlite3.connect(file)) as db:
            return int(db.execute("SELECT count(*) FROM media").fetchone()[0])
    import psycopg

    with psycopg.connect(database) as db:
        row = db.execute("SELECT count(*) FROM pinrules_media").fetchone()
        assert row is not None
        return int(row[0])


def _statuses(database: str) -> dict[str, str]:
    listing = run("schedule", "list", "--format", "json", "--database", database)
    return {item["id"]: item["status"] for item in json.loads(listing.stdout)}


class TestProcesses:
    def test_two_workers_send_each_post_once(self, sandbox: Sandbox, database: str) -> None:
        """Two worker processes on one store, 20 posts due at once, slow creates: 20 pins, one each."""
        due = time.time() + 3
        _schedule_files(sandbox, database, [_post(sandbox, f"p{n:02d}", due) for n in range(20)])
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=0.2), times=20)
        workers = [_worker_process(sandbox, database, "--concurrency", "4") for _ in range(2)]
        try:
            _wait(lambda: set(_statuses(database).values()) == {"published"})
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            outputs = [worker.communicate(timeout=30) for worker in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        titles = sorted(pin["title"] for pin in sandbox.state.pins.values())
        assert titles == [f"Post p{n:02d}" for n in range(20)]

    def test_a_worker_killed_mid_create_leaves_exactly_one_pin(self, sandbox: Sandbox, database: str) -> None:
        """SIGKILL while Pinterest has made the pin but not answered: the next worker takes the post
        over when the lease ends, finds the pin, and creates none."""
        _schedule_files(sandbox, database, [_post(sandbox, "only", time.time() + 3)])
        sandbox.state.faults.add("POST /v5/pins", Fault("slow_after", seconds=4))
        first = _worker_process(sandbox, database, "--lease", "1.5")
        try:
            _wait(lambda: len(sandbox.state.pins) == 1)
        finally:
            first.kill()
            first.communicate(timeout=10)
        assert _statuses(database) == {"only": "sending"}
        second = _worker_process(sandbox, database, "--lease", "1.5")
        try:  # the dead worker's job is found within seconds (a check every 2 s), not minutes
            _wait(lambda: _statuses(database) == {"only": "published"}, timeout=25)
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        assert len(sandbox.state.pins) == 1
        listing = json.loads(run("schedule", "show", "only", "--database", database).stdout)
        assert listing["pin_id"] == next(iter(sandbox.state.pins))
        # the takeover is the second attempt; a third when the dead worker's journal claim outlived
        # its lease on the post by a moment (that attempt sends nothing and is retried shortly)
        assert listing["attempts"] in (2, 3)

    def test_hostile_stored_copies_fail_their_posts_in_a_real_worker(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """The worker judges stored copies by the facts recorded when they were stored; a copy
        replaced since by a FIFO, by a link to /dev/zero, or by a file of another size fails its
        own post, saying so (no hang on the FIFO, no endless read), and the rest go out: a real
        `pinrules worker --once`, which exits 0."""
        database = f"sqlite:{tmp_path / 'store'}"
        names = ["fifo", "zero", "grown", "fine"]
        _schedule_files(sandbox, database, [_post(sandbox, name, time.time() + 1) for name in names])
        backend = open_backend(database)
        try:
            folder = backend.media.folder
            copies = {}
            for name in names:
                item = backend.schedule.get(name)
                assert item is not None
                copies[name] = folder / item.post["media"][0]["mediaId"]
        finally:
            backend.close()
        copies["fifo"].unlink()
        os.mkfifo(copies["fifo"])
        copies["zero"].unlink()
        copies["zero"].symlink_to("/dev/zero")
        with copies["grown"].open("ab") as grown:
            grown.write(b"<html>")
        time.sleep(1.2)  # all due
        done = subprocess.run([*_worker_process_command(database), "--once"], env=_env(sandbox),
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert _statuses(database) == {
            "fifo": "failed",
            "zero": "failed",
            "grown": "failed",
            "fine": "published",
        }
        messages = {
            name: json.loads(run("schedule", "show", name, "--database", database).stdout)["diagnostics"][0][
                "message"
            ]
            for name in ("fifo", "zero", "grown")
        }
        assert "is gone from the media folder" in messages["fifo"]
        assert "is gone from the media folder" in messages["zero"]
        assert "was changed after it was stored" in messages["grown"]
        assert [pin["title"] for pin in sandbox.state.pins.values()] == ["Post fine"]

    def test_once_sends_what_is_due_and_exits(self, sandbox: Sandbox, database: str) -> None:
        """`worker --once` (for cron) sends the due posts, leaves the others, and exits 0."""
        _schedule_files(sandbox, database, [_post(sandbox, "now", time.time() + 3),
                                            _post(sandbox, "later", time.time() + 3600)])  # fmt: skip
        _wait(lambda: time.time() > _due(database, "now"))
        worker = _worker_process(sandbox, database, "--once")
        out, err = worker.communicate(timeout=60)
        assert (worker.returncode, out) == (0, "worker: 1 published\n"), err
        assert _statuses(database) == {"now": "published", "later": "scheduled"}

    def test_sigterm_lets_the_post_in_flight_finish(self, sandbox: Sandbox, database: str) -> None:
        """SIGTERM while a create is under way: the worker finishes it, records it, exits 0."""
        _schedule_files(sandbox, database, [_post(sandbox, "a", time.time() + 3)])
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=1.0))
        worker = _worker_process(sandbox, database)
        _wait(lambda: sandbox.state.hits["POST /v5/pins"] == 1)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        assert (worker.returncode, out) == (0, "worker: 1 published\n"), err
        assert _statuses(database) == {"a": "published"}

    def test_sigterm_gives_back_a_post_taken_but_not_started(self, sandbox: Sandbox, database: str) -> None:
        """A real worker with a post waiting for a slot (taken in a batch while a slow create
        holds the other slot) gets SIGTERM: the posts being sent finish, the waiting one goes
        back untouched, and the next run sends it, once."""
        due = time.time() + 3
        _schedule_files(sandbox, database, [_post(sandbox, name, due) for name in "abcd"])
        for seconds in (2.5, 0.3, 2.5, 2.5):  # one slot slow, one quick: c and d are taken together
            sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=seconds))
        worker = _worker_process(sandbox, database, "--concurrency", "2")
        _wait(lambda: sandbox.state.hits["POST /v5/pins"] == 3)  # c is being sent, d waits
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        assert (worker.returncode, out) == (0, "worker: 3 published\n"), err
        assert _statuses(database) == {"a": "published", "b": "published", "c": "published", "d": "scheduled"}
        again = subprocess.run([*_worker_process_command(database), "--once"], env=_env(sandbox),
                               capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert (again.returncode, again.stdout) == (0, "worker: 1 published\n"), again.stderr
        titles = sorted(pin["title"] for pin in sandbox.state.pins.values())
        assert titles == ["Post a", "Post b", "Post c", "Post d"]

    def test_a_medium_removed_by_another_process_fails_only_its_post(
        self, sandbox: Sandbox, database: str
    ) -> None:
        """Another process removes one post's stored medium (as DELETE /v1/media does) before a
        real worker takes the batch: that post fails, saying its medium is gone; the batch's
        other posts go out with their own files, once."""
        due = time.time() + 2
        _schedule_files(sandbox, database, [_post(sandbox, name, due) for name in "abcd"])
        remover = (
            "import sys\nfrom publisher import open_backend\n"
            "backend = open_backend(sys.argv[1])\n"
            "item = backend.schedule.get('b')\n"
            "medium = item.post['media'][0]['mediaId']\n"
            "print(backend.media.delete(medium, item.workspace))\n"
            "backend.close()\n"
        )
        removed = subprocess.run([sys.executable, "-c", remover, database], capture_output=True, text=True,
                                 timeout=60, check=False)  # fmt: skip
        assert removed.stdout == "True\n", removed.stderr
        time.sleep(max(0.0, due - time.time()))
        done = subprocess.run([*_worker_process_command(database), "--once"], env=_env(sandbox),
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert _statuses(database) == {"a": "published", "b": "failed", "c": "published", "d": "published"}
        shown = run("schedule", "show", "b", "--database", database)
        assert "is gone" in shown.stdout
        assert sorted(pin["title"] for pin in sandbox.state.pins.values()) == ["Post a", "Post c", "Post d"]


class TestCommands:
    def test_schedule_list_show_cancel_retry(self, sandbox: Sandbox, database: str) -> None:
        """The commands people use to look after scheduled posts."""
        _schedule_files(sandbox, database, [_post(sandbox, "a", time.time() + 3600)])
        listing = run("schedule", "list", "--database", database)
        assert listing.stdout.startswith("a  scheduled  due ")
        cancelled = run("schedule", "cancel", "a", "--database", database)
        assert cancelled.returncode == 0
        assert " cancelled " in cancelled.stdout
        again = run("schedule", "cancel", "a", "--database", database)
        assert again.returncode == 2
        assert "only a post waiting to go out can be cancelled" in again.stderr
        retried = json.loads(run("schedule", "retry", "a", "--database", database, "--format", "json").stdout)
        assert retried["status"] == "scheduled"
        assert run("schedule", "show", "nope", "--database", database).returncode == 2

    def test_schedule_reports_rejected_posts(self, sandbox: Sandbox, database: str) -> None:
        """A post that fails preflight is not scheduled; the command says why and exits 1."""
        write(sandbox.dir / "bad.json", _post(sandbox, "bad", time.time() + 60, title="x" * 101))
        result = run("schedule", "--database", database, "--offline", "bad.json", cwd=sandbox.dir)
        assert result.returncode == 1
        assert "pinterest.title.max_length" in result.stdout
        assert _statuses(database) == {}


class TestHandOver:
    def test_publish_stores_a_post_that_is_not_due_yet(self, sandbox: Sandbox, database: str) -> None:
        """publish() with a scheduler's database stores a post whose scheduledAt is ahead (its
        file copied into the media store) and sends nothing; without one, it only says so."""
        post = _post(sandbox, "later", time.time() + 3600)
        journal = sandbox.dir / "journal.sqlite3"

        async def go(where: str | None) -> PublishResult:
            return await publish(post, token=TOKEN, base_url=sandbox.api, base_dir=sandbox.dir,
                                 database=where, journal=journal,
                                 options=PublishOptions(network=LOCAL))  # fmt: skip

        left = asyncio.run(go(None))
        backend = open_backend(database)
        try:
            assert (left.status, left.due_at, backend.schedule.get("later", "default")) == (
                "scheduled",
                None,
                None,
            )
            stored = asyncio.run(go(database))
            assert stored.status == "scheduled"
            item = backend.schedule.get("later", "default")
            assert item is not None
            assert (item.status, item.due_at) == (PostState.SCHEDULED, stored.due_at)
            [entry] = item.post["media"]
            assert set(entry) == {"kind", "mediaId", "sizeBytes", "mimeType"}
        finally:
            backend.close()
        assert sandbox.state.hits["POST /v5/pins"] == 0

    def test_the_publish_command_hands_over_to_the_worker(self, sandbox: Sandbox, database: str) -> None:
        """`pinrules publish --database ...` sends what is due, stores what is not, and says so."""
        write(sandbox.dir / "posts" / "now.json", _post(sandbox, "now", time.time() - 60))
        write(sandbox.dir / "posts" / "later.json", _post(sandbox, "later", time.time() + 3600))
        (sandbox.dir / "posts" / "soup.jpg").write_bytes((sandbox.dir / "soup.jpg").read_bytes())
        env = {**os.environ, "PINTEREST_API_BASE": sandbox.api, "PINTEREST_ACCESS_TOKEN": TOKEN}
        done = run(
            "publish", "--allow-private-network", "--database", database, sandbox.dir / "posts", env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "later.json: scheduled for " in done.stdout
        assert "(stored: `pinrules worker` sends it)" in done.stdout
        assert "1 published, 1 scheduled" in done.stdout
        assert _statuses(database) == {"later": "scheduled"}

    def test_two_publish_runs_at_once_store_each_post_once(self, sandbox: Sandbox, database: str) -> None:
        """Two `pinrules publish --database` processes over the same 10 posts that are not due:
        both succeed, each post is stored once (one row, one copy of its file), nothing is sent."""
        posts = sandbox.dir / "posts"
        for n in range(10):
            write(posts / f"p{n}.json", _post(sandbox, f"p{n}", time.time() + 3600))
        (posts / "soup.jpg").write_bytes((sandbox.dir / "soup.jpg").read_bytes())
        env = {**os.environ, "PINTEREST_API_BASE": sandbox.api, "PINTEREST_ACCESS_TOKEN": TOKEN}
        command = [sys.executable, "-m", "pinrules", "publish", "--allow-private-network",
                   "--database", database, "--format", "json", str(posts)]  # fmt: skip
        runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]  # fmt: skip
        outputs = [r.communicate(timeout=120) for r in runs]
        assert [r.returncode for r in runs] == [0, 0], outputs
        for out, err in outputs:
            assert {r["status"] for r in json.loads(out)} == {"scheduled"}, out
            assert "Traceback" not in err
        assert _statuses(database) == {f"p{n}": "scheduled" for n in range(10)}
        assert _stored_media(database) == 10  # the losing run's copies are let go
        assert sandbox.state.hits["POST /v5/pins"] == 0

    def test_scheduling_again_is_repeatable_with_local_files(self, sandbox: Sandbox, database: str) -> None:
        """`pinrules schedule` twice on the same posts with local files: the second run finds them
        scheduled (the files are the same files, though each run copies them anew) and keeps
        one copy each; a post whose file changed is refused as another post under a used id."""
        posts, post = sandbox.dir / "posts", _post(sandbox, "a", time.time() + 3600)
        _schedule_files(sandbox, database, [post])
        _schedule_files(sandbox, database, [post])
        assert (_statuses(database), _stored_media(database)) == ({"a": "scheduled"}, 1)
        (posts / "soup.jpg").write_bytes(image("PNG"))
        again = run("schedule", "--database", database, "--offline", posts, cwd=sandbox.dir)
        assert again.returncode == 1
        assert "post.id.reused" in again.stdout
        assert _stored_media(database) == 1

    def test_a_file_outside_the_posts_folder_is_never_copied(self, sandbox: Sandbox, database: str) -> None:
        """Scheduling copies a post's local files into the store: a path that leads outside the
        post's folder and the project is refused, not copied (and so never uploaded later)."""
        (sandbox.dir / "secret").mkdir()
        (sandbox.dir / "secret" / "key.jpg").write_bytes(image("JPEG"))
        post = _post(sandbox, "sneaky", time.time() + 3600) | {
            "media": [{"kind": "image", "path": str(sandbox.dir / "secret" / "key.jpg")}]
        }
        posts = sandbox.dir / "posts"
        write(posts / "sneaky.json", post)
        done = run("schedule", "--database", database, "--offline", posts, cwd=posts)
        assert done.returncode == 1
        assert "post.media.path_outside" in done.stdout
        assert _statuses(database) == {}


def _send_after(pauses: dict[str, float], sent: list[str] | None = None) -> Any:
    """A stand-in `send`: each post published after its pause (0 when not named)."""

    async def send(post: dict[str, Any], account: Any, folder: Path, owner: str, *_: Any) -> Outcome:
        if sent is not None:
            sent.append(post["id"])
        await asyncio.sleep(pauses.get(post["id"], 0))
        return Outcome(PostState.PUBLISHED, "1", "u")

    return send


def _bare_worker(backend: Backend, send: Any, clock: Any, **settings: Any) -> Worker:
    return Worker(backend.schedule, backend.media, send, clock=clock, owner="me",
                  settings=WorkerSettings(poll_interval=0.05, **settings))  # fmt: skip


def _takes_none_given_back(backend: Backend, monkeypatch: pytest.MonkeyPatch, count: int) -> list[int]:
    """`count` posts due (p0 first), and the number of posts each exchange with the store asks
    for, as the worker runs; a give-back fails the test."""
    for n in range(count):
        backend.schedule.add(_item(f"p{n}", time.time() - 20 + n))
    asked: list[int] = []
    real = backend.schedule.finish_and_take

    def counting(ended: Any, now: float, owner: str, lease: float, room: int) -> Any:
        asked.append(room)
        return real(ended, now, owner, lease, room)

    monkeypatch.setattr(backend.schedule, "finish_and_take", counting)
    monkeypatch.setattr(backend.schedule, "release", lambda *_: pytest.fail("a post went back"))
    return asked


def _status(backend: Backend, post_id: str) -> str:
    item = backend.schedule.get(post_id)
    assert item is not None
    return str(item.status)


async def _until(condition: Any, timeout: float = 10.0) -> None:
    """Wait (polling) until `condition()` holds: timings that do not depend on the machine's load."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


def _stopped_as_it_sends(backend: Backend, grace: float) -> Worker:
    """A worker that gets a SIGTERM as its send begins, the send done exactly as grace ends."""
    workers: list[Worker] = []

    async def send(post: dict[str, Any], account: Any, folder: Path, owner: str, *_: Any) -> Outcome:
        workers[0].stop()
        await asyncio.sleep(grace)
        return Outcome(PostState.PUBLISHED, "1", "u")

    workers.append(_bare_worker(backend, send, Clock(START + 1), concurrency=1, grace=grace))
    return workers[0]


class TestWorkerStopsAndFaults:
    """`run` under stops, slow posts and a failing store (found by a review of the batched run)."""

    def test_release_puts_taken_posts_back_as_they_were(self, backend: Backend) -> None:
        """A waiting post taken but not started is scheduled again, its attempt not counted; one
        taken over stays to be reconciled (sending, its lease ended), and the next take takes it
        over again."""
        backend.schedule.add(_item("fresh", START))
        backend.schedule.add(_item("crashed", START - 1))
        backend.schedule.take(START - 1, "dead", 5)  # "crashed": its worker died
        taken = backend.schedule.finish_and_take((), START + 10, "me", 30, 5).taken
        assert [(i.id, i.taken_over) for i in taken] == [("crashed", True), ("fresh", False)]
        backend.schedule.release(taken, START + 11, "me")
        fresh, crashed = backend.schedule.get("fresh"), backend.schedule.get("crashed")
        assert fresh is not None
        assert crashed is not None
        assert (fresh.status, fresh.attempts, fresh.lease_owner) == (PostState.SCHEDULED, 0, None)
        assert (crashed.status, crashed.attempts, crashed.lease_until) == (PostState.SENDING, 1, START + 11)
        again = backend.schedule.finish_and_take((), START + 12, "w2", 30, 5).taken
        assert [(i.id, i.taken_over, i.attempts) for i in again] == [
            ("crashed", True, 2),
            ("fresh", False, 1),
        ]

    def test_a_stop_gives_back_the_posts_taken_but_not_started(self, backend: Backend) -> None:
        """Posts are taken a batch at a time; on a stop, those still waiting for a slot go back
        to the store, the one being sent is published, nothing else is sent."""
        for n in range(4):
            backend.schedule.add(_item(f"p{n}", START))
        sent: list[str] = []
        worker = _bare_worker(backend, _send_after({"p0": 0.3}, sent), Clock(START + 1), concurrency=1)

        async def go() -> None:
            running = asyncio.create_task(worker.run())
            await asyncio.sleep(0.1)
            worker.stop()
            await running

        asyncio.run(go())
        assert sent == ["p0"]
        assert [_status(backend, f"p{n}") for n in range(4)] == ["published"] + ["scheduled"] * 3
        assert [backend.schedule.get(f"p{n}").attempts for n in (1, 2, 3)] == [0, 0, 0]  # type: ignore[union-attr]

    def test_a_stop_before_or_while_idle_takes_nothing(self, backend: Backend) -> None:
        """A worker stopped before it runs, or while it waits, takes no post, even one due by then."""
        backend.schedule.add(_item("p", START + 10))
        clock = Clock(START + 20)
        sent: list[str] = []
        worker = _bare_worker(backend, _send_after({}, sent), clock)
        worker.stop()
        asyncio.run(worker.run())
        clock.now = START
        idle = _bare_worker(backend, _send_after({}, sent), clock)

        async def go() -> None:
            running = asyncio.create_task(idle.run())
            await asyncio.sleep(0.2)  # idle: nothing due yet
            clock.now = START + 20  # due now, and a SIGTERM arrives
            idle.stop()
            await running

        asyncio.run(go())
        assert (sent, _status(backend, "p")) == ([], "scheduled")

    def test_a_spent_alarm_is_armed_again_while_its_post_still_waits(self, backend: Backend) -> None:
        """The loop may run a timer up to its clock's resolution early, so `run` can find the
        first post waiting for a slot not yet held `hold` after its alarm rang. The next wait
        arms the alarm again (its time has come: it rings at once) instead of lasting until some
        post ends, which with slow sends in every slot could be minutes."""
        worker = _bare_worker(backend, _send_after({}), time.time, hold=0.05)

        async def go() -> None:
            loop = asyncio.get_running_loop()
            ready: Any = collections.deque([(_item("p", START), loop.time() - 0.04)])
            await asyncio.wait_for(worker._next_event(0, ready), 5)  # the alarm rings in 10 ms
            await asyncio.wait_for(worker._next_event(0, ready), 5)  # the same post, still waiting

        asyncio.run(go())

    def test_a_post_ending_as_the_grace_period_runs_out_is_recorded(self, backend: Backend) -> None:
        """A post done in the same moment the grace period ends is recorded, not left sending."""
        for attempt in range(10):
            backend.schedule.add(_item(f"g{attempt}", START))
            asyncio.run(_stopped_as_it_sends(backend, grace=0.05).run())
            assert _status(backend, f"g{attempt}") == "published"

    def test_posts_ending_while_others_finish_are_recorded_as_they_end(self, backend: Backend) -> None:
        """With nothing more due, the posts in flight finish; each is recorded when it ends (not
        when the slowest ends), so its lease cannot lapse meanwhile and nobody takes it over."""
        for name in ("p0", "p1", "p2"):
            backend.schedule.add(_item(name, time.time() - 1))
        send = _send_after({"p0": 0.02, "p1": 0.1, "p2": 1.2})
        worker = _bare_worker(backend, send, time.time, concurrency=3, lease=0.3)

        async def go() -> tuple[str, ScheduledPost | None, dict[str, int]]:
            running = asyncio.create_task(worker.run(once=True))
            await asyncio.sleep(0.25)
            p1 = _status(backend, "p1")
            await asyncio.sleep(0.4)
            stolen = backend.schedule.take(time.time(), "other", 30)
            return p1, stolen, (await running).counts

        assert asyncio.run(go()) == ("published", None, {"published": 3})

    def test_a_failing_store_still_lets_the_posts_in_flight_finish(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The store failing to record ("database is locked") ends the run with its error, but
        the posts already being sent finish and are recorded once the store works again."""
        for n in range(2):
            backend.schedule.add(_item(f"p{n}", START))
        store = backend.schedule
        real, calls = store.finish_and_take, []

        def flaky(*args: Any) -> Any:
            calls.append(1)
            if len(calls) == 2:
                raise sqlite3.OperationalError("database is locked")
            return real(*args)

        monkeypatch.setattr(store, "finish_and_take", flaky)
        worker = _bare_worker(backend, _send_after({"p0": 0.05, "p1": 0.3}), Clock(START + 1), concurrency=2)
        with pytest.raises(sqlite3.OperationalError):
            asyncio.run(worker.run(once=True))
        assert [_status(backend, "p0"), _status(backend, "p1")] == ["published", "published"]

    def test_one_failed_renewal_does_not_end_the_renewals(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A renewal that fails once (a locked store) is tried again next round: a long upload
        taken later keeps its lease, and nobody else takes it."""
        backend.schedule.add(_item("a", time.time() - 2))
        backend.schedule.add(_item("b", time.time() - 1))
        store = backend.schedule
        real, renewed = store.renew, []

        def flaky(post_id: str, *args: Any) -> bool:
            renewed.append(post_id)
            if len(renewed) == 1:
                raise sqlite3.OperationalError("database is locked")
            return real(post_id, *args)

        monkeypatch.setattr(store, "renew", flaky)
        worker = _bare_worker(
            backend, _send_after({"a": 0.15, "b": 1.0}), time.time, concurrency=1, lease=0.3
        )

        async def go() -> ScheduledPost | None:
            running = asyncio.create_task(worker.run(once=True))
            await asyncio.sleep(0.8)
            stolen = store.take(time.time(), "other", 30)
            await running
            return stolen

        assert asyncio.run(go()) is None
        assert _status(backend, "b") == "published"

    def test_a_failed_give_back_still_lets_the_posts_in_flight_finish(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On a stop, giving back the posts not started fails (a locked store): the posts being
        sent still finish and are recorded, then the error is raised."""
        for n in range(4):
            backend.schedule.add(_item(f"p{n}", START + n))

        def locked(*args: Any) -> None:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(backend.schedule, "release", locked)
        send = _send_after({"p0": 0.02, "p1": 0.4, "p2": 0.4})
        worker = _bare_worker(backend, send, Clock(START + 10), concurrency=2)

        async def go() -> None:
            running = asyncio.create_task(worker.run())
            await asyncio.sleep(0.15)  # p1 and p2 being sent, p3 waiting for a slot
            worker.stop()
            with pytest.raises(sqlite3.OperationalError):
                await running

        asyncio.run(go())
        assert [_status(backend, f"p{n}") for n in range(3)] == ["published"] * 3

    def test_a_post_waiting_for_a_slot_goes_back_for_another_worker(self, backend: Backend) -> None:
        """Every slot busy with a slow send: a post taken in the batch waits at most `hold`
        seconds (1 s by default), then goes back, and an idle worker can take it."""
        for n, name in enumerate(("s0", "f1", "s2", "x3")):
            backend.schedule.add(_item(name, time.time() - 10 + n))
        send = _send_after({"s0": 3.0, "s2": 3.0})
        worker = _bare_worker(backend, send, time.time, concurrency=2)

        async def go() -> tuple[str | None, str | None]:
            running = asyncio.create_task(worker.run(once=True))
            await _until(lambda: _status(backend, "x3") == "sending")  # taken, waiting for a slot
            early = backend.schedule.take(time.time(), "other", 30)
            await _until(lambda: _status(backend, "x3") == "scheduled")  # given back
            late = backend.schedule.take(time.time(), "other", 30)
            await running
            return (early.id if early else None), (late.id if late else None)

        assert asyncio.run(go()) == (None, "x3")

    def test_a_waiting_post_whose_lease_was_lost_is_not_started(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A post waiting for a slot whose lease cannot be renewed (another worker has it) is
        dropped, not sent."""
        for n, name in enumerate(("s0", "f1", "w2", "x3")):
            backend.schedule.add(_item(name, time.time() - 10 + n))
        real = backend.schedule.renew
        monkeypatch.setattr(  # x3's renewals find it no longer ours
            backend.schedule, "renew", lambda post_id, *a: post_id != "x3" and real(post_id, *a)
        )
        sent: list[str] = []
        send = _send_after({"s0": 3.0, "w2": 3.0}, sent)
        worker = _bare_worker(backend, send, time.time, concurrency=2, lease=0.3)

        async def go() -> list[ScheduledPost]:
            running = asyncio.create_task(worker.run(once=True))  # x3 waits for a slot
            await _until(lambda: _status(backend, "x3") == "sending")
            other: list[ScheduledPost] = []

            def taken_by_other() -> bool:  # once its lease lapses (never renewed)
                other.extend(backend.schedule.finish_and_take((), time.time(), "other", 30, 1).taken)
                return bool(other)

            await _until(taken_by_other)
            await running
            return other

        other = asyncio.run(go())
        assert ([i.id for i in other], sent) == (["x3"], ["s0", "f1", "w2"])

    @pytest.mark.parametrize(("journal", "expected"), [("never sent", "missed"), ("none", "published")])
    def test_a_post_taken_over_too_late_is_missed_when_never_sent(
        self, backend: Backend, journal: str, expected: str
    ) -> None:
        """A post taken over from a dead worker, past the lateness allowed: missed when the
        journal shows no create was sent; without a journal to ask, sent (to be reconciled)."""
        backend.schedule.add(_item("a", START))
        backend.schedule.take(START, "dead", 30)
        sent: list[str] = []
        never: Any = lambda post: False  # noqa: E731
        worker = Worker(backend.schedule, backend.media, _send_after({}, sent), clock=Clock(START + 5 * 3600),
                        owner="me", sent_before=never if journal == "never sent" else None)  # fmt: skip
        asyncio.run(worker.run(once=True))
        assert (_status(backend, "a"), sent) == (expected, [] if expected == "missed" else ["a"])

    def test_a_post_another_worker_holds_a_live_claim_on_is_not_missed(self, backend: Backend) -> None:
        """Worker A took a post in time and is uploading it (its journal claim is live) when its
        store lease lapses; B takes the post over past the lateness allowed. B must not record it
        missed (A may create it any moment): B goes on to send, and the journal (A's claim) decides."""
        backend.schedule.add(_item("a", START))
        taken = backend.schedule.take(START + 3590, "A", 30)
        assert taken is not None
        key = post_key(taken.post)
        assert backend.journal.claim(key, "h", "A").claimed  # A is uploading
        senders = Senders(preflight=PREFLIGHT, options=PublishOptions(), journal=backend.journal,
                          accounts=None, app=None)  # fmt: skip
        sent: list[str] = []
        b = Worker(backend.schedule, backend.media, _send_after({}, sent), clock=Clock(START + 3700),
                   owner="B", sent_before=senders.sent_before)  # fmt: skip
        asyncio.run(b.run(once=True))
        assert (_status(backend, "a") != "missed", sent) == (True, ["a"])

    def test_quick_sends_in_flight_take_twice_the_slots(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first take (nothing in flight: how quick sends are is not known) takes what can
        start; once a slot frees while the other posts in flight are quick, a take takes twice
        the slots, so half as many store transactions. Nothing is given back, each post is
        taken once, and the posts go out in due order."""
        asked = _takes_none_given_back(backend, monkeypatch, 10)
        sent: list[str] = []  # the slots free one at a time: p0 ends first, the others in turn
        send = _send_after({f"p{n}": 0.02 * (n % 2 + 1) for n in range(10)}, sent)
        worker = _bare_worker(backend, send, time.time, concurrency=2)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 10}
        takes = [room for room in asked if room]
        assert takes[0] == 2, asked
        assert 4 in takes[1:], asked  # (two slots that end at once take 2 again)
        assert max(takes) == 4, asked
        assert sent == [f"p{n}" for n in range(10)]
        assert [backend.schedule.get(f"p{n}").attempts for n in range(10)] == [1] * 10  # type: ignore[union-attr]

    def test_sends_near_the_hold_take_only_the_free_slots(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Sends that take more than half the hold (found by a review: a batch of twice the
        slots then waited the whole hold, went back, and was taken again, more transactions
        than before): a take takes only the free slots, and nothing goes back."""
        asked = _takes_none_given_back(backend, monkeypatch, 8)
        send = _send_after({f"p{n}": 0.14 + 0.05 * (n % 2) for n in range(8)})
        worker = _bare_worker(backend, send, time.time, concurrency=2, hold=0.2)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 8}
        assert max(asked) <= 2, asked
        assert [backend.schedule.get(f"p{n}").attempts for n in range(8)] == [1] * 8  # type: ignore[union-attr]

    def test_slow_sends_in_every_slot_take_only_what_can_start(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """While the posts in flight are slow (uploads), a freed slot takes one post, not a batch
        that would wait and go back: nothing is given back, every post is taken once."""
        for n in range(4):
            backend.schedule.add(_item(f"p{n}", time.time() - 10 + n))
        released: list[str] = []
        real = backend.schedule.release

        def counting(taken: Any, *args: Any) -> None:
            released.extend(item.id for item in taken)
            real(taken, *args)

        monkeypatch.setattr(backend.schedule, "release", counting)
        send = _send_after({"p0": 1.0, "p1": 0.4, "p2": 1.0})  # p1's slot frees while p0 uploads
        worker = _bare_worker(backend, send, time.time, concurrency=2, hold=0.2)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 4}
        assert released == []
        assert [backend.schedule.get(f"p{n}").attempts for n in range(4)] == [1] * 4  # type: ignore[union-attr]

    def test_a_give_back_that_works_the_second_time_is_no_error(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On a stop the give-back fails once (a locked store) and works after the posts in
        flight are done: the run ends without an error, every post where it belongs."""
        for n in range(4):
            backend.schedule.add(_item(f"p{n}", START + n))
        real, calls = backend.schedule.release, []

        def once_locked(*args: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise sqlite3.OperationalError("database is locked")
            real(*args)

        monkeypatch.setattr(backend.schedule, "release", once_locked)
        worker = _bare_worker(
            backend, _send_after({"p0": 0.02, "p1": 0.4, "p2": 0.4}), Clock(START + 10), concurrency=2
        )

        async def go() -> None:
            running = asyncio.create_task(worker.run())
            await _until(lambda: _status(backend, "p3") == "sending")  # p3 waits for a slot
            worker.stop()
            await running

        asyncio.run(go())
        assert [_status(backend, f"p{n}") for n in range(4)] == ["published"] * 3 + ["scheduled"]


def _published_deliveries(backend: Backend) -> list[str]:
    """The post ids of the post.published deliveries queued, in any order."""
    taken = backend.webhooks.take(START + 100, "reader", 60, 100)
    return sorted(json.loads(d.payload)["data"]["id"] for d in taken if d.event == "post.published")


class TestWorkerBatchReads:
    """`run` reads what a batch needs once for the batch, never staler than the batch's record."""

    def test_a_subscription_another_process_makes_gets_every_post_recorded_after_it(
        self, database: str
    ) -> None:
        """A webhook subscription made through another connection while a worker runs gets the
        post.published of every post recorded after it, none of those recorded before."""
        ours, theirs = open_backend(database), open_backend(database)
        try:
            for n in range(6):
                ours.schedule.add(_item(f"p{n}", START))
            events = Events()
            bridge(events, ours.webhooks, clock=lambda: START)

            async def send(post: dict[str, Any], account: Any, folder: Path, owner: str, *_: Any) -> Outcome:
                if post["id"] == "p2":  # p0 and p1 are recorded by now (the batch that took p2)
                    theirs.webhooks.subscribe("default", "https://a.example/hook", ("post.published",), START)
                return Outcome(PostState.PUBLISHED, "1", "u")

            worker = Worker(ours.schedule, ours.media, send, clock=Clock(START + 1), owner="me",
                            events=events, settings=WorkerSettings(concurrency=2))  # fmt: skip
            assert asyncio.run(worker.run(once=True)).counts == {"published": 6}
            assert _published_deliveries(theirs) == ["p2", "p3", "p4", "p5"]
        finally:
            ours.close()
            theirs.close()

    def test_the_subscriptions_are_read_once_per_recorded_batch(self, tmp_path: Path) -> None:
        """The webhook subscriptions are read once for the posts recorded together, not once a post."""
        backend = open_backend(f"sqlite:{tmp_path / 'db'}")
        try:
            for n in range(6):
                backend.schedule.add(_item(f"p{n}", START))
            backend.webhooks.subscribe("default", "https://a.example/hook", ("post.published",), START)
            events = Events()
            bridge(events, backend.webhooks, clock=lambda: START)
            statements: list[str] = []
            backend.schedule._db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
            worker = Worker(backend.schedule, backend.media, _send_after({}), clock=Clock(START + 1),
                            owner="me", events=events, settings=WorkerSettings(concurrency=3))  # fmt: skip
            assert asyncio.run(worker.run(once=True)).counts == {"published": 6}
            backend.schedule._db.set_trace_callback(None)  # type: ignore[attr-defined]
            reads = [s for s in statements if s.startswith("SELECT events FROM webhook_subscriptions")]
            assert len(reads) <= 6 // 3, statements
            assert _published_deliveries(backend) == [f"p{n}" for n in range(6)]
        finally:
            backend.close()

    def _with_stored_media(self, backend: Backend, count: int) -> list[str]:
        """`count` due posts, each with an image of its own stored by the store: their media ids."""
        media_ids = []
        for n in range(count):
            stored = backend.media.add(io.BytesIO(b"image %d" % n), workspace="default", kind="image",
                                       filename=f"{n}.jpg", now=START)  # fmt: skip
            backend.schedule.add(_item(f"p{n}", START, media=[{"kind": "image", "mediaId": stored.id}]))
            media_ids.append(stored.id)
        return media_ids

    def _send_reading_files(self, files: dict[str, bytes]) -> Any:
        """A stand-in `send` that keeps the bytes of each post's media file as the worker gives it."""

        async def send(post: dict[str, Any], account: Any, folder: Path, owner: str, *_: Any) -> Outcome:
            files[post["id"]] = (folder / post["media"][0]["path"]).read_bytes()
            return Outcome(PostState.PUBLISHED, "1", "u")

        return send

    def test_posts_of_a_batch_are_each_sent_with_their_own_stored_media(self, backend: Backend) -> None:
        """Posts whose stored media were looked up together each get their own file; a post
        whose stored media is gone fails with that reason, and the others of its batch go out."""
        media_ids = self._with_stored_media(backend, 6)
        assert backend.media.delete(media_ids[4], "default")
        files: dict[str, bytes] = {}
        worker = _bare_worker(backend, self._send_reading_files(files), Clock(START + 1), concurrency=3)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 5, "failed": 1}
        assert files == {f"p{n}": b"image %d" % n for n in (0, 1, 2, 3, 5)}
        failed = backend.schedule.get("p4")
        assert failed is not None
        assert [d["message"] for d in failed.diagnostics] == [f"stored media {media_ids[4]} is gone"]

    def test_each_post_is_sent_with_what_was_found_of_its_stored_media(self, backend: Backend) -> None:
        """The worker hands `send` the size and type each stored medium was found to have when
        it was stored, by the path the post now names it with: the preflight judges the copy by
        them instead of looking at it again (the copy does not change)."""
        media_ids = self._with_stored_media(backend, 3)
        given: dict[str, Any] = {}

        async def send(post: dict[str, Any], account: Any, folder: Path, owner: str, checked: Any) -> Outcome:
            given[post["id"]] = (post["media"][0]["path"], folder, dict(checked))
            return Outcome(PostState.PUBLISHED, "1", "u")

        worker = _bare_worker(backend, send, Clock(START + 1), concurrency=3)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 3}
        for n, media_id in enumerate(media_ids):
            stored = backend.media.get(media_id, "default")
            assert stored is not None
            name, folder, checked = given[f"p{n}"]
            assert checked == {name: FileFacts(str(folder / name), size=stored.size, mime=stored.mime)}
            assert stored.size == len(b"image %d" % n)

    def test_a_stored_copy_changed_after_it_was_stored_fails_its_post(self, tmp_path: Path) -> None:
        """A stored copy whose size is no longer what was stored (edited, cut short) is not sent
        on the strength of the old facts: its post fails, saying so; the others go out."""
        backend = open_backend(f"sqlite:{tmp_path / 'db'}")
        try:
            media_ids = self._with_stored_media(backend, 3)
            with (backend.media.folder / media_ids[1]).open("ab") as copy:
                copy.write(b"<html>")
            files: dict[str, bytes] = {}
            worker = _bare_worker(backend, self._send_reading_files(files), Clock(START + 1), concurrency=3)
            assert asyncio.run(worker.run(once=True)).counts == {"published": 2, "failed": 1}
            assert sorted(files) == ["p0", "p2"]
            failed = backend.schedule.get("p1")
            assert failed is not None
            (message,) = [d["message"] for d in failed.diagnostics]
            assert message.startswith(f"media {media_ids[1]} was changed after it was stored"), message
            assert "it has 13 bytes where 7 were stored" in message
        finally:
            backend.close()

    def test_a_stored_item_not_as_long_as_recorded_fails_its_post_on_postgresql(
        self, backend: Backend
    ) -> None:
        """PostgreSQL keeps the bytes in chunks: an item whose chunks no longer add up to the
        size recorded (and judged by the preflight) is not sent; its post fails, saying so."""
        if backend.kind != "postgresql":
            pytest.skip("the SQLite backend's copies are files: see the test above")
        media_ids = self._with_stored_media(backend, 2)
        with backend.database.transaction() as sql:
            sql.execute("UPDATE pinrules_media SET size = size - 1 WHERE id = ?", (media_ids[0],))
        files: dict[str, bytes] = {}
        worker = _bare_worker(backend, self._send_reading_files(files), Clock(START + 1), concurrency=2)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 1, "failed": 1}
        assert sorted(files) == ["p1"]
        failed = backend.schedule.get("p0")
        assert failed is not None
        (message,) = [d["message"] for d in failed.diagnostics]
        changed = f"media {media_ids[0]} was changed after it was stored: it has 7 bytes where 6"
        assert message.startswith(changed), message

    def test_stored_media_are_looked_up_once_per_batch(self, tmp_path: Path) -> None:
        """The records of the stored media of the posts taken together are read in one query."""
        backend = open_backend(f"sqlite:{tmp_path / 'db'}")
        try:
            self._with_stored_media(backend, 6)
            statements: list[str] = []
            backend.schedule._db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
            files: dict[str, bytes] = {}
            worker = _bare_worker(backend, self._send_reading_files(files), Clock(START + 1), concurrency=3)
            assert asyncio.run(worker.run(once=True)).counts == {"published": 6}
            backend.schedule._db.set_trace_callback(None)  # type: ignore[attr-defined]
            reads = [
                s for s in statements if s.startswith("SELECT id, workspace, kind") and "FROM media" in s
            ]
            assert len(reads) <= 6 // 3, reads
            assert len(files) == 6
        finally:
            backend.close()

    def test_a_failed_batch_look_up_of_media_leaves_each_post_to_look_up_its_own(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The store failing to look up a batch's media at once ("database is locked") stops
        nothing: each post then reads its own record, and goes out with its own file."""
        self._with_stored_media(backend, 3)

        def locked(*args: Any) -> Any:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(backend.media, "get_many", locked)
        files: dict[str, bytes] = {}
        worker = _bare_worker(backend, self._send_reading_files(files), Clock(START + 1), concurrency=3)
        assert asyncio.run(worker.run(once=True)).counts == {"published": 3}
        assert files == {f"p{n}": b"image %d" % n for n in range(3)}
