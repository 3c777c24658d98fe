"""Webhook subscriptions and their outbox: one contract for every backend (SQLite and
PostgreSQL), takers that never share a delivery, retries with backoff, the PostgreSQL schema
step, and deliveries made by another process than the one that took the subscription."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from standardwebhooks import Webhook

from publisher import (
    Account,
    AccountStore,
    Deliverer,
    DeliverySettings,
    Event,
    Events,
    Secret,
    StoreError,
    WebhookStore,
    bridge,
    check_expiring,
    migrate,
    open_backend,
)

from .helpers import BOARD, LOCAL, TOKEN, Receiver, Sandbox, run, running_service, write

START = 2_000_000_000.0  # the injected clock's "now": 2033-05-18
PAYLOAD = json.dumps({"type": "post.published", "timestamp": "2033-05-18T03:33:20.000Z", "data": {"id": "a"}})


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn: SQLite files, or a migrated PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'db'}"
    url: str = request.getfixturevalue("postgres_url")
    migrate(url)
    return url


@pytest.fixture
def store(database: str) -> Iterator[WebhookStore]:
    """The backend's webhook store (`Backend.webhooks`), whatever the backend."""
    backend = open_backend(database)
    try:
        yield backend.webhooks
    finally:
        backend.close()


class TestStoreContract:
    def test_subscriptions_belong_to_their_workspace(self, store: WebhookStore) -> None:
        """A workspace lists, reads and removes its own subscriptions, in the order made; another
        workspace neither sees nor removes them."""
        first = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        second = store.subscribe("team", "https://b.example/hook", ("post.failed", "post.missed"), START + 1)
        theirs = store.subscribe("other", "https://c.example/hook", ("post.published",), START)
        assert store.subscriptions("team") == [first, second]
        assert store.subscriptions("other") == [theirs]
        assert first.id.startswith("whk_")
        assert first.secret.reveal().startswith("whsec_")
        assert first.secret != second.secret
        assert store.get_subscription(second.id, "team") == second
        assert store.get_subscription(second.id, "other") is None
        assert not store.unsubscribe(first.id, "other")
        assert store.subscriptions("team") == [first, second]
        assert store.unsubscribe(first.id, "team")
        assert not store.unsubscribe(first.id, "team")
        assert store.subscriptions("team") == [second]
        assert store.get_subscription(first.id, "team") is None

    def test_an_event_goes_to_the_matching_subscriptions_once(self, store: WebhookStore) -> None:
        """One delivery per subscription of the event's workspace to that event, with the
        subscription's URL and secret and the payload as given; the same event id again queues
        nothing."""
        published = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        store.subscribe("team", "https://b.example/hook", ("post.failed",), START)
        both = store.subscribe("team", "https://c.example/hook", ("post.failed", "post.published"), START)
        store.subscribe("other", "https://d.example/hook", ("post.published",), START)
        assert store.enqueue("team", "post.published", "event-1", PAYLOAD, START) == 2
        assert store.enqueue("team", "post.published", "event-1", PAYLOAD, START + 1) == 0
        assert store.enqueue("nobody", "post.published", "event-2", PAYLOAD, START) == 0
        taken = store.take(START, "w1", 60, 10)
        assert sorted((d.subscription_id, d.url, d.secret, d.event) for d in taken) == sorted(
            (s.id, s.url, s.secret, "post.published") for s in (published, both)
        )
        assert {(d.workspace, d.payload, d.status, d.attempts) for d in taken} == {
            ("team", PAYLOAD, "pending", 0)
        }
        assert len({d.id for d in taken}) == 2
        assert all(d.id.startswith("msg_") for d in taken)

    def test_take_leases_due_deliveries(self, store: WebhookStore) -> None:
        """Nothing before it is due; then the earliest first, at most `limit`, each under a lease
        that no other taker gets until it runs out; only the lease holder records an attempt."""
        subscription = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        for n in range(3):
            store.enqueue("team", "post.published", f"event-{n}", PAYLOAD, START + n)
        assert store.take(START - 1, "w1", 30, 10) == []
        first = store.take(START + 5, "w1", 30, 2)
        assert len(first) == 2
        rest = store.take(START + 5, "w2", 30, 10)
        assert len(rest) == 1
        assert store.take(START + 10, "w3", 30, 10) == []
        listed = store.deliveries(subscription.id, "team")
        assert [d.id for d in reversed(listed)] == [d.id for d in first + rest]  # enqueued in that order
        late = first[0]
        assert not store.finish(late.id, "w2", status="delivered", last_status=204, last_error=None,
                                next_attempt_at=START + 6, now=START + 6)  # fmt: skip
        taken_over = store.take(START + 36, "w3", 30, 10)
        assert {d.id for d in taken_over} == {d.id for d in first + rest}  # every lease ran out
        assert not store.finish(late.id, "w1", status="delivered", last_status=204, last_error=None,
                                next_attempt_at=START + 37, now=START + 37)  # fmt: skip
        assert store.finish(late.id, "w3", status="delivered", last_status=204, last_error=None,
                            next_attempt_at=START + 37, now=START + 37)  # fmt: skip
        done = next(d for d in store.deliveries(subscription.id, "team") if d.id == late.id)
        assert (done.status, done.attempts, done.last_status) == ("delivered", 1, 204)

    def test_a_retry_waits_for_its_time(self, store: WebhookStore) -> None:
        """An attempt recorded as pending again is not taken before its next attempt time, then
        is, with its attempts and last answer; delivered and failed ones are never taken again."""
        subscription = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        store.enqueue("team", "post.published", "event-1", PAYLOAD, START)
        store.enqueue("team", "post.published", "event-2", PAYLOAD, START)
        one, two = store.take(START, "w1", 60, 10)
        refused = "the receiver answered 503"
        assert store.finish(one.id, "w1", status="pending", last_status=503, last_error=refused,
                            next_attempt_at=START + 100, now=START + 1)  # fmt: skip
        assert store.finish(two.id, "w1", status="failed", last_status=None, last_error="refused to connect",
                            next_attempt_at=START + 1, now=START + 1)  # fmt: skip
        assert store.take(START + 99, "w2", 60, 10) == []
        (again,) = store.take(START + 100, "w2", 60, 10)
        assert (again.id, again.attempts, again.last_status, again.last_error) == (
            one.id, 1, 503, refused,
        )  # fmt: skip
        assert store.finish(again.id, "w2", status="delivered", last_status=200, last_error=None,
                            next_attempt_at=START + 101, now=START + 101)  # fmt: skip
        assert store.take(START + 10_000, "w3", 60, 10) == []
        summaries = {d.id: (d.status, d.attempts) for d in store.deliveries(subscription.id, "team")}
        assert summaries == {one.id: ("delivered", 2), two.id: ("failed", 1)}

    def test_unsubscribing_drops_what_is_still_to_send(self, store: WebhookStore) -> None:
        """A removed subscription's pending deliveries are never taken."""
        subscription = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        kept = store.subscribe("team", "https://b.example/hook", ("post.published",), START)
        store.enqueue("team", "post.published", "event-1", PAYLOAD, START)
        assert store.unsubscribe(subscription.id, "team")
        assert [d.subscription_id for d in store.take(START, "w1", 60, 10)] == [kept.id]

    def test_deliveries_list_newest_first_in_their_workspace(self, store: WebhookStore) -> None:
        """A subscription's deliveries, newest first, at most `limit`; none through another workspace."""
        subscription = store.subscribe("team", "https://a.example/hook", ("post.published",), START)
        for n in range(3):
            store.enqueue("team", "post.published", f"event-{n}", json.dumps({"n": n}), START + n)
        listed = store.deliveries(subscription.id, "team")
        assert [json.loads(d.payload)["n"] for d in listed] == [2, 1, 0]
        assert [d.summary()["status"] for d in listed] == ["pending"] * 3
        assert "secret" not in json.dumps([d.summary() for d in listed])
        assert [d.id for d in store.deliveries(subscription.id, "team", limit=2)] == [
            d.id for d in listed[:2]
        ]
        assert store.deliveries(subscription.id, "other") == []

    def test_the_bridge_queues_only_events_that_someone_subscribed_to(self, store: WebhookStore) -> None:
        """`wanted` says which events the subscriptions of the workspace want, as soon as one
        is made or removed; the bridge queues the events so wanted, and only those."""
        events = Events()
        bridge(events, store, clock=lambda: START)
        detail = {"id": "a", "workspace": "team"}
        assert "post.published" not in store.wanted("team")
        events.emit(Event("post.published", "", detail))  # nobody listens yet: nothing queued
        failed = store.subscribe("team", "https://a.example/hook", ("post.failed",), START)
        assert "post.failed" in store.wanted("team")
        assert "post.published" not in store.wanted("team")
        assert "post.failed" not in store.wanted("other")
        events.emit(Event("post.published", "", detail))
        events.emit(Event("post.failed", "", detail))
        taken = store.take(START, "w", 60, 10)
        assert [(d.subscription_id, d.event) for d in taken] == [(failed.id, "post.failed")]
        store.unsubscribe(failed.id, "team")
        assert "post.failed" not in store.wanted("team")

    def test_token_expiring_is_queued_once_per_window(self, store: WebhookStore, tmp_path: Path) -> None:
        """Checking twice an account whose refresh token ends within the window queues one
        token.expiring per subscription of its workspace; a new expiry queues another."""
        accounts = AccountStore(tmp_path / "accounts.sqlite3")
        now = time.time()
        account = Account("shop", "1", "sandbox", (), Secret("a"), now + 86400, Secret("r"), now + 3 * 86400,
                          workspace="team")  # fmt: skip
        accounts.save(account)
        events = Events()
        bridge(events, store, accounts)
        store.subscribe("team", "https://example.com/hook", ("token.expiring",), now)
        store.subscribe("other", "https://example.com/hook", ("token.expiring",), now)
        assert check_expiring(accounts, events, now, 14 * 86400) == 1
        check_expiring(accounts, events, now + 60, 14 * 86400)
        assert len(store.take(now + 120, "t", 60, 10)) == 1
        accounts.save(replace(account, refresh_expires_at=now + 5 * 86400))
        check_expiring(accounts, events, now, 14 * 86400)
        assert len(store.take(now + 120, "t2", 60, 10)) == 1
        accounts.close()


class TestTakers:
    def test_takers_at_once_never_share_a_delivery(self, database: str) -> None:
        """Four takers, each with its own connection (as on four machines), start together and
        take small batches until the outbox is empty: every delivery is taken by exactly one."""
        setup = open_backend(database)
        try:
            hooks = [f"https://{n}.example/hook" for n in range(3)]
            subscriptions = [
                setup.webhooks.subscribe("team", url, ("post.published",), START) for url in hooks
            ]
            for n in range(60):
                setup.webhooks.enqueue("team", "post.published", f"event-{n}", PAYLOAD, START)
            expected = {
                d.id for s in subscriptions for d in setup.webhooks.deliveries(s.id, "team", limit=100)
            }
        finally:
            setup.close()
        assert len(expected) == 180
        start = threading.Barrier(4)
        taken: dict[str, list[str]] = {}

        def taker(owner: str) -> None:
            backend = open_backend(database)  # in this thread: SQLite connections stay in theirs
            mine: list[str] = []
            try:
                start.wait(10)
                while batch := backend.webhooks.take(START, owner, 60, 3):
                    mine += [d.id for d in batch]
                    time.sleep(0.002)  # sending them: the others take meanwhile
            finally:
                backend.close()
                taken[owner] = mine

        threads = [threading.Thread(target=taker, args=(f"w{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        every = [delivery for mine in taken.values() for delivery in mine]
        assert len(taken) == 4
        assert sorted(every) == sorted(expected)  # each once: none lost, none twice
        assert sum(1 for mine in taken.values() if mine) >= 2  # they did take side by side

    def test_a_failing_receiver_is_retried_with_backoff(self, store: WebhookStore) -> None:
        """The deliverer signs each attempt with the same webhook-id, waits between half and all
        of base * 2**(attempts - 1) before the next, and gives up after the last attempt."""
        now = [time.time()]  # the injected clock starts now: the verifier checks the timestamp
        settings = DeliverySettings(retry_base=10, retry_cap=3600, max_attempts=3, timeout=5)
        deliverer = Deliverer(store, LOCAL, settings, clock=lambda: now[0], rng=random.Random(7))
        with Receiver(failures=99) as receiver:
            subscription = store.subscribe("team", receiver.url, ("post.published",), now[0])
            store.enqueue("team", "post.published", "event-1", PAYLOAD, now[0])
            waits = []
            for attempt in (1, 2):
                assert asyncio.run(deliverer.deliver_due()) == 1
                (delivery,) = store.deliveries(subscription.id, "team")
                assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", attempt, 500)
                waits.append(delivery.next_attempt_at - now[0])
                now[0] = delivery.next_attempt_at - 0.5
                assert asyncio.run(deliverer.deliver_due()) == 0  # not yet
                now[0] = delivery.next_attempt_at
            assert asyncio.run(deliverer.deliver_due()) == 1
        (delivery,) = store.deliveries(subscription.id, "team")
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "failed",
            3,
            "the receiver answered 500",
        )
        assert 5 <= waits[0] <= 10
        assert 10 <= waits[1] <= 20
        assert len(receiver.received) == 3
        assert len({headers["webhook-id"] for headers, _, _ in receiver.received}) == 1
        for headers, body, _ in receiver.received:
            assert Webhook(subscription.secret.reveal()).verify(body, headers)["data"] == {"id": "a"}


class TestPostgres:
    def test_a_database_from_before_webhooks_is_migrated(self, postgres_url: str) -> None:
        """A database migrated before the webhook tables existed is refused, naming `pinrules db
        migrate`, which then adds exactly those tables; the store works afterwards."""
        migrate(postgres_url)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute("DROP TABLE pinrules_webhook_deliveries, pinrules_webhook_subscriptions")
            connection.execute("DELETE FROM pinrules_schema_migrations WHERE name = 'pinrules/0004_webhooks'")
        with pytest.raises(StoreError, match=r"run `pinrules db migrate --database URL` first"):
            open_backend(postgres_url)
        assert migrate(postgres_url) == "applied pinrules/0004_webhooks"
        assert migrate(postgres_url) == "the PostgreSQL database is up to date"
        backend = open_backend(postgres_url)
        try:
            made = backend.webhooks.subscribe("team", "https://a.example/hook", ("post.published",), START)
            assert backend.webhooks.subscriptions("team") == [made]
        finally:
            backend.close()

    def test_the_service_subscribes_and_a_worker_delivers(
        self, sandbox: Sandbox, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With PostgreSQL, a subscription made through the service (its own deliverer off) is
        delivered by a `pinrules worker --once` process that publishes a post: the receiver gets
        post.published signed as Standard Webhooks, and the service lists the delivery as done."""
        migrate(postgres_url)
        monkeypatch.setenv("PINTEREST_API_BASE", sandbox.api)  # for the worker process
        monkeypatch.setenv("PINTEREST_ACCESS_TOKEN", TOKEN)
        due = time.time() + 2
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))
        write(sandbox.dir / "posts" / "soup.json", {
            "id": "soup", "title": "Soup", "scheduledAt": when,
            "media": [{"kind": "image", "path": "soup.jpg"}], "options": {"pinterest": {"boardId": BOARD}},
        })  # fmt: skip
        (sandbox.dir / "posts" / "soup.jpg").write_bytes((sandbox.dir / "soup.jpg").read_bytes())
        with (
            Receiver() as receiver,
            running_service(tmp_path, sandbox, database=postgres_url, deliver_webhooks=False) as service,
        ):
            status, _, made = service.call(
                "POST", "/v1/webhooks", json={"url": receiver.url, "events": ["post.published"]}
            )
            assert status == 201, made
            scheduled = run("schedule", "--database", postgres_url, "--offline", sandbox.dir / "posts")
            assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
            time.sleep(max(0.0, due - time.time()) + 0.5)
            worker = run("worker", "--once", "--allow-private-network", "--database", postgres_url)
            assert (worker.returncode, worker.stdout) == (0, "worker: 1 published\n"), worker.stderr
            assert receiver.arrived.wait(10)
            listed = service.call("GET", f"/v1/webhooks/{made['id']}")[2]["deliveries"]
        assert len(receiver.received) == 1
        headers, body, _ = receiver.received[0]
        payload = Webhook(made["secret"]).verify(body, headers)
        (pin_id,) = sandbox.state.pins
        told = (payload["type"], payload["data"]["id"], payload["data"]["pin_id"])
        assert told == ("post.published", "soup", pin_id)
        assert [(d["id"], d["status"], d["attempts"]) for d in listed] == [
            (headers["webhook-id"], "delivered", 1)
        ]


class TestWorkerEvents:
    def test_a_worker_run_tells_subscribers_of_an_expiring_token(self, tmp_path: Path) -> None:
        """`pinrules worker --once` (a real process) looks at the accounts and delivers
        `token.expiring`, signed, to a subscriber of the account's workspace."""
        database = tmp_path / "db"
        backend = open_backend(f"sqlite:{database}")
        accounts = AccountStore(database / "accounts.sqlite3")
        now = time.time()
        accounts.save(Account("shop", "1", "sandbox", (), Secret("pina_x"), now + 86400, Secret("pinr_x"),
                              now + 3 * 86400, workspace="team"))  # fmt: skip
        with Receiver() as receiver:
            subscription = backend.webhooks.subscribe("team", receiver.url, ("token.expiring",), now)
            result = run("worker", "--once", "--isolated", "--allow-private-network", "--database",
                         f"sqlite:{database}")  # fmt: skip
            assert result.returncode == 0, result.stderr
            assert receiver.arrived.wait(5)
        headers, body, _ = receiver.received[0]
        payload = Webhook(subscription.secret.reveal()).verify(body, headers)
        assert payload["type"] == "token.expiring"
        assert payload["data"]["account"] == "shop"
        assert payload["data"]["refresh_expires_in_days"] == 3.0
        assert "pinr_x" not in body.decode()
        assert "pina_x" not in body.decode()
        backend.close()
        accounts.close()
