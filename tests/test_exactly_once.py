"""Exactly one pin per post, under every fault: claims in the journal, reconciliation of every
answer that may mean "created", and bounded waits, against the stand-in (and a gateway in front
of it), with the real command where two runs or a gateway are involved."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pinrules import Preflight
from publisher import (
    ClaimOutcome,
    Journal,
    JournalEntry,
    JournalState,
    PinterestClient,
    Publisher,
    PublishOptions,
    PublishResult,
    RetryPolicy,
    Status,
    decide_claim,
    post_key,
)
from publisher.sandbox import Fault

from .gateway import Answer, running_gateway
from .helpers import BOARD, LOCAL, SHARED, TOKEN, Sandbox, write

PREFLIGHT = Preflight()


def post(sandbox: Sandbox, n: int | str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"soup-{n}",
        "title": f"Pumpkin soup {n}",
        "text": "Roasted, with sage.",
        "media": [{"kind": "image", "url": sandbox.url("soup.jpg")}],
        "options": {"pinterest": {"boardId": BOARD}},
        **fields,
    }


def publish(
    api: str, journal: Path | None, item: dict[str, Any], *, sleeps: list[float] | None = None, **options: Any
) -> PublishResult:
    """One post through a Publisher (the library), against `api`."""

    async def fake_sleep(seconds: float) -> None:
        assert sleeps is not None
        sleeps.append(seconds)

    async def go() -> PublishResult:
        book = Journal(journal) if journal else None
        try:
            sleep = fake_sleep if sleeps is not None else asyncio.sleep
            async with PinterestClient(TOKEN, api, retry=RetryPolicy(base=0.01), sleep=sleep) as client:
                settings = PublishOptions(network=LOCAL, poll_interval=0.02, **options)
                return await Publisher(client, book, PREFLIGHT, settings).publish(item)
        finally:
            if book:
                book.close()

    return asyncio.run(go())


def command(api: str, journal: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pinrules", "publish", "--isolated", "--allow-private-network",
            "--format", "json", "--journal", str(journal), *map(str, args)]  # fmt: skip


def environment(api: str) -> dict[str, str]:
    return {**os.environ, "PINTEREST_ACCESS_TOKEN": TOKEN, "PINTEREST_API_BASE": api}


def run_publish(api: str, journal: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real `pinrules publish` (JSON report) against `api`."""
    return subprocess.run(command(api, journal, *args), capture_output=True, text=True, env=environment(api),
                          check=False, timeout=120)  # fmt: skip


def codes(result: PublishResult) -> list[str]:
    return [d.rule for d in result.diagnostics]


def pins_by_title(sandbox: Sandbox) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pin in sandbox.state.pins.values():
        found.setdefault(pin.get("title", ""), []).append(pin["id"])
    return found


class TestStandInPins:
    def test_pins_are_shaped_like_pinterests(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """An image and a video pin, as created and as listed on the board, are valid `Pin`s of the
        official description, and show no source URL or media id (as Pinterest does not)."""
        official = json.loads((SHARED / "pinterest-api" / "openapi.json").read_text(encoding="utf-8"))
        validator = jsonschema.Draft4Validator({"$ref": "#/components/schemas/Pin", **official})
        cover = {"boardId": BOARD, "coverImageUrl": sandbox.url("cover.jpg")}
        clip = {**post(sandbox, 2), "media": [{"kind": "video", "url": sandbox.url("clip.mp4")}],
                "options": {"pinterest": cover}}  # fmt: skip
        for item in (post(sandbox, 1), clip):
            assert publish(sandbox.api, tmp_path / "j.sqlite3", item).status == Status.PUBLISHED
        for pin in sandbox.state.pins.values():
            validator.validate(pin)
            assert sandbox.url("soup.jpg") not in json.dumps(pin["media"])
        kinds = sorted(pin["media"]["media_type"] for pin in sandbox.state.pins.values())
        assert kinds == ["image", "video"]


class TestClaimRule:
    """`decide_claim`: the rule every journal backend shares."""

    HASH = "h1"

    def entry(self, state: JournalState, **fields: Any) -> JournalEntry:
        return JournalEntry("id:a", state, content_hash=self.HASH, **fields)

    @pytest.mark.parametrize(
        ("state", "owner", "lease_until", "digest", "expected"),
        [
            (JournalState.PUBLISHED, None, None, "h1", ClaimOutcome.PUBLISHED),
            (JournalState.PUBLISHED, None, None, "h2", ClaimOutcome.REUSED),
            (JournalState.CLAIMED, "run-1", 150.0, "h1", ClaimOutcome.HELD),
            (JournalState.SENDING, "run-1", 150.0, "h1", ClaimOutcome.HELD),
            (JournalState.CLAIMED, "run-1", 50.0, "h1", ClaimOutcome.NEW),
            (JournalState.FAILED, None, None, "h2", ClaimOutcome.NEW),
            (JournalState.SENDING, "run-1", 50.0, "h1", ClaimOutcome.RECONCILE),
            (JournalState.UNKNOWN, None, None, "h1", ClaimOutcome.RECONCILE),
            (JournalState.UNKNOWN, None, None, "h2", ClaimOutcome.REUSED),
        ],
    )
    def test_outcomes(
        self,
        state: JournalState,
        owner: str | None,
        lease_until: float | None,
        digest: str,
        expected: ClaimOutcome,
    ) -> None:
        """At time 100: live leases hold, expired ones are taken over (reconciled when a create
        may exist), other content under a used id is a reuse unless nothing was ever created."""
        entry = self.entry(state, owner=owner, lease_until=lease_until)
        assert decide_claim(entry, digest, 100.0) == expected
        assert decide_claim(None, digest, 100.0) == ClaimOutcome.NEW


class TestJournalClaims:
    def test_a_live_claim_holds_and_an_expired_one_is_taken_over(self, tmp_path: Path) -> None:
        """With an injected clock: a second owner is held off for the lease, then takes over; a
        create that may have left makes the takeover reconcile first."""
        now = [1000.0]
        journal = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0], lease=60)
        try:
            assert journal.claim("id:a", "h", "run-1").outcome == ClaimOutcome.NEW
            assert journal.claim("id:a", "h", "run-2").outcome == ClaimOutcome.HELD
            assert journal.begin_create("id:a", "run-1", board_id=BOARD, fingerprint="f")
            now[0] += 59
            assert journal.claim("id:a", "h", "run-2").outcome == ClaimOutcome.HELD
            now[0] += 2  # run-1 died: its lease ran out
            taken = journal.claim("id:a", "h", "run-2")
            assert (taken.outcome, taken.entry and taken.entry.state) == (ClaimOutcome.RECONCILE, "sending")
            assert not journal.finish("id:a", "run-1", JournalState.FAILED)  # run-1 lost it
            assert journal.finish("id:a", "run-2", JournalState.PUBLISHED, pin_id="7")
            assert journal.claim("id:a", "h", "run-3").outcome == ClaimOutcome.PUBLISHED
            assert journal.key_of_pin("7") == "id:a"
        finally:
            journal.close()

    def test_a_held_post_says_when_its_claim_ends(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Another run holds the post: claimed elsewhere, to be tried again when that claim's lease
        ends (a worker then comes back in seconds, not after its long backoff for failures)."""
        journal = Journal(tmp_path / "j.sqlite3", lease=60)
        try:
            journal.claim("id:soup-1", "other-content", "another-run")
        finally:
            journal.close()
        result = publish(sandbox.api, tmp_path / "j.sqlite3", post(sandbox, 1))
        assert (result.status, codes(result)) == (Status.CLAIMED_ELSEWHERE, ["pinrules.claim.held"])
        assert result.retry_after is not None
        assert 59 < result.retry_after < 62
        assert sandbox.state.pins == {}

    def test_renewal_keeps_a_long_upload_claimed(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """During a video's slow processing the lease is renewed, so another run stays held off."""
        sandbox.state.faults.processing_seconds = 1.0
        cover = {"boardId": BOARD, "coverImageUrl": sandbox.url("cover.jpg")}
        item = {
            **post(sandbox, 1),
            "media": [{"kind": "video", "path": "clip.mp4"}],
            "options": {"pinterest": cover},
        }
        path = tmp_path / "j.sqlite3"
        seen: list[ClaimOutcome] = []

        async def go() -> PublishResult:
            journal = Journal(path, lease=0.3)
            other = Journal(path, lease=0.3)
            try:
                async with PinterestClient(TOKEN, sandbox.api) as client:
                    options = PublishOptions(network=LOCAL, poll_interval=0.05)
                    task = asyncio.create_task(
                        Publisher(client, journal, PREFLIGHT, options).publish(item, base_dir=sandbox.dir)
                    )
                    await asyncio.sleep(0.8)  # more than two leases into the processing wait
                    seen.append(other.claim(post_key(item), "whatever", "run-2").outcome)
                    return await task
            finally:
                journal.close()
                other.close()

        result = asyncio.run(go())
        assert seen == [ClaimOutcome.HELD]
        assert result.status == Status.PUBLISHED

    def test_a_journal_of_today_migrates_and_keeps_its_records(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """A journal at schema version 1 (before claims): its published pin is returned, never
        made again, and its "creating" row is reconciled on the board instead of created blindly."""
        path = tmp_path / "j.sqlite3"
        with sqlite3.connect(path) as db:
            db.execute("""CREATE TABLE posts (key TEXT PRIMARY KEY, state TEXT NOT NULL, pin_id TEXT,
                board_id TEXT, attempted_at REAL NOT NULL, updated_at REAL NOT NULL)""")
            db.execute("INSERT INTO posts VALUES ('id:soup-1', 'published', '42', ?, 1.0, 1.0)", (BOARD,))
            db.execute("INSERT INTO posts VALUES ('id:soup-2', 'creating', NULL, ?, ?, ?)",
                       (BOARD, time.time(), time.time()))  # fmt: skip
            db.execute("PRAGMA user_version = 1")
        first = publish(sandbox.api, path, post(sandbox, 1))
        second = publish(sandbox.api, path, post(sandbox, 2))
        assert (first.status, first.pin_id, first.from_journal) == (Status.PUBLISHED, "42", True)
        assert (second.status, codes(second)) == (Status.UNKNOWN, ["pinterest.pin.create_unconfirmed"])
        assert sandbox.state.hits["POST /v5/pins"] == 0
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 2


class TestGateway:
    def test_502_503_504_after_the_create_make_one_pin_each(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A gateway forwards each create to Pinterest, then answers 502, 503 or 504: every post
        is confirmed on the board and published once (the run), never created twice."""
        files = [write(tmp_path / f"p{n}.json", post(sandbox, n)) for n in range(3)]
        with running_gateway(sandbox.base) as (base, gateway):
            gateway.answer("POST /v5/pins", Answer(502), Answer(503), Answer(504))
            result = run_publish(f"{base}/v5", tmp_path / "j.sqlite3", *files)
        outcomes = json.loads(result.stdout)
        assert [r["status"] for r in outcomes] == ["published"] * 3, result.stdout
        assert sandbox.state.hits["POST /v5/pins"] == 3
        assert sorted(pins_by_title(sandbox)) == [f"Pumpkin soup {n}" for n in range(3)]
        assert sorted(r["pin_id"] for r in outcomes) == sorted(sandbox.state.pins)
        assert result.returncode == 0

    def test_malformed_answers_to_a_create_are_reconciled(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """HTML with 200, a body that is not UTF-8, and JSON without an id, each after Pinterest
        made the pin: one pin each, all published, no traceback (the run)."""
        files = [write(tmp_path / f"p{n}.json", post(sandbox, n)) for n in range(3)]
        with running_gateway(sandbox.base) as (base, gateway):
            gateway.answer(
                "POST /v5/pins",
                Answer(200, b"<html>Welcome to the hotel Wi-Fi</html>"),
                Answer(201, b'{"id": "\xff\xfe"}', "application/json"),
                Answer(201, b'{"title": "no id here"}', "application/json"),
            )
            result = run_publish(f"{base}/v5", tmp_path / "j.sqlite3", *files)
        assert [r["status"] for r in json.loads(result.stdout)] == ["published"] * 3, result.stdout
        assert len(sandbox.state.pins) == 3
        assert "Traceback" not in result.stderr

    def test_a_malformed_answer_without_a_pin_is_unknown(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """An HTML 200 that never reached Pinterest: no pin on the board, so unknown, not retried."""
        with running_gateway(sandbox.base) as (base, gateway):
            gateway.answer("POST /v5/pins", Answer(200, forward=False))
            result = publish(f"{base}/v5", tmp_path / "j.sqlite3", post(sandbox, 1))
        assert (result.status, codes(result)) == (Status.UNKNOWN, ["pinterest.pin.create_unconfirmed"])
        assert sandbox.state.pins == {}

    def test_a_malformed_lookup_is_a_passing_trouble(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A board lookup answered with HTML every time: retry later, nothing sent, nothing created."""
        with running_gateway(sandbox.base) as (base, gateway):
            gateway.answer("GET /v5/boards/549755885175", *[Answer(200, forward=False)] * 5)
            result = publish(f"{base}/v5", tmp_path / "j.sqlite3", post(sandbox, 1), sleeps=[])
            assert "POST /v5/pins" not in gateway.seen
        assert (result.status, codes(result)) == (Status.RETRY, ["pinterest.api.unavailable"])


class TestTwoRuns:
    def test_two_runs_over_the_same_posts_make_one_pin_each(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Two `pinrules publish` processes on 20 posts and one journal, started together, with a
        slow create: 20 pins; each post published by one run, held or recorded for the other."""
        for n in range(20):
            write(tmp_path / "posts" / f"p{n:02}.json", post(sandbox, n))
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=0.3), times=40)
        journal = tmp_path / "j.sqlite3"
        runs = [
            subprocess.Popen(command(sandbox.api, journal, tmp_path / "posts"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=environment(sandbox.api))
            for _ in range(2)
        ]  # fmt: skip
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        assert len(sandbox.state.pins) == 20
        assert all(len(ids) == 1 for ids in pins_by_title(sandbox).values())
        reports = [{r["id"]: r for r in json.loads(out)} for out, _ in outputs]
        for n in range(20):
            statuses = sorted(report[f"soup-{n}"]["status"] for report in reports)
            assert statuses in (["claimed_elsewhere", "published"], ["published", "published"])
            made_here = [r for r in reports if r[f"soup-{n}"]["status"] == "published"]
            assert len({r[f"soup-{n}"]["pin_id"] for r in made_here}) == 1


class TestLookAlikes:
    def alike(self, sandbox: Sandbox, n: int, image: str) -> dict[str, Any]:
        """Same title, text, link and alt text; another image."""
        return {**post(sandbox, n, title="Soup"), "media": [{"kind": "image", "url": sandbox.url(image)}],
                "options": {"pinterest": {"boardId": BOARD, "destinationUrl": "https://example.com/soup",
                                          "altText": "A bowl"}}}  # fmt: skip

    def test_another_posts_pin_is_never_adopted(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A published look-alike's pin is on the board; the second post's create never arrives:
        unknown, not published as the first post's pin. When its create does arrive, a new pin."""
        journal = tmp_path / "j.sqlite3"
        first = publish(sandbox.api, journal, self.alike(sandbox, 1, "soup.jpg"))
        sandbox.state.faults.add("POST /v5/pins", Fault("drop_before"))
        second = publish(sandbox.api, journal, self.alike(sandbox, 2, "cover.jpg"))
        assert (second.status, second.pin_id, list(sandbox.state.pins)) == (
            Status.UNKNOWN,
            None,
            [first.pin_id],
        )
        sandbox.state.faults.add("POST /v5/pins", Fault("drop_after"))
        again = publish(sandbox.api, journal, self.alike(sandbox, 2, "cover.jpg"), recreate_after=0)
        assert again.status == Status.PUBLISHED
        assert again.pin_id not in (None, first.pin_id)
        assert sorted(sandbox.state.pins) == sorted([first.pin_id or "", again.pin_id or ""])

    def test_two_candidates_are_unknown_with_both_named(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Two matching pins made just now by someone else, and an unanswered create: unknown,
        naming both; nothing is adopted and nothing is created."""
        shown = {"board_id": BOARD, "title": "Soup", "description": "Roasted, with sage.",
                 "link": "https://example.com/soup", "alt_text": "A bowl", "media": {"media_type": "image"},
                 "created_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())}  # fmt: skip
        for pin_id in ("991", "992"):
            sandbox.state.pins[pin_id] = {"id": pin_id, **shown}
        sandbox.state.faults.add("POST /v5/pins", Fault("drop_before"))
        result = publish(sandbox.api, tmp_path / "j.sqlite3", self.alike(sandbox, 3, "soup.jpg"))
        assert (result.status, sorted(result.candidates)) == (Status.UNKNOWN, ["991", "992"])
        assert "991" in result.diagnostics[0].message
        assert len(sandbox.state.pins) == 2


class TestReusedIds:
    def test_an_id_published_with_other_content_is_refused(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """The journal knows soup-1 with another title: reused_id, post.id.reused, nothing sent."""
        journal = tmp_path / "j.sqlite3"
        assert publish(sandbox.api, journal, post(sandbox, 1)).status == Status.PUBLISHED
        changed = publish(sandbox.api, journal, {**post(sandbox, 1), "title": "Carrot soup"})
        assert (changed.status, codes(changed)) == (Status.REUSED_ID, ["post.id.reused"])
        assert changed.diagnostics[0].pointer == "/id"
        assert sandbox.state.hits["POST /v5/pins"] == 1

    def test_a_failed_post_may_be_fixed_and_sent_again(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Refused by Pinterest (nothing made), edited, published again under its id: not a reuse."""
        journal = tmp_path / "j.sqlite3"
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 400, message="Invalid link"))
        assert publish(sandbox.api, journal, post(sandbox, 1)).status == Status.FAILED
        assert (
            publish(sandbox.api, journal, {**post(sandbox, 1), "title": "Fixed"}).status == Status.PUBLISHED
        )

    def test_one_run_with_an_id_twice(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Two files with one id: lint reports it at the second file's id; publish sends the first only."""
        first = write(tmp_path / "a.json", post(sandbox, 1))
        second = write(tmp_path / "b.json", {**post(sandbox, 1), "title": "Another soup"})
        lint = subprocess.run([sys.executable, "-m", "pinrules", "lint", "--isolated", first, second],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert (
            f"{second}:2:3: error post.id.reused id 'soup-1' is also the id of the post in {first}"
            in lint.stdout
        )
        result = run_publish(sandbox.api, tmp_path / "j.sqlite3", first, second)
        assert [r["status"] for r in json.loads(result.stdout)] == ["published", "reused_id"]
        assert len(sandbox.state.pins) == 1


class TestInterrupted:
    @pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
    def test_a_stopped_run_reports_every_post_and_the_next_one_adds_nothing_twice(
        self, sandbox: Sandbox, tmp_path: Path, stop: signal.Signals
    ) -> None:
        """Ctrl-C (or SIGTERM) while creates are unanswered: every post is in the report (those
        sent `unknown`, the rest `retry`), exit 130, no traceback; the next run finds the pins
        that were made and creates only the others."""
        for n in range(12):
            write(tmp_path / "posts" / f"p{n:02}.json", post(sandbox, n))
        sandbox.state.faults.add("POST /v5/pins", Fault("slow_after", seconds=6), times=8)
        journal = tmp_path / "j.sqlite3"
        run = subprocess.Popen(command(sandbox.api, journal, tmp_path / "posts"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment(sandbox.api))  # fmt: skip
        deadline = time.monotonic() + 60
        while not (sandbox.state.hits["POST /v5/pins"] == len(sandbox.state.pins) == 8):
            assert time.monotonic() < deadline, "the creates never got under way"
            assert run.poll() is None
            time.sleep(0.05)
        run.send_signal(stop)
        out, err = run.communicate(timeout=60)
        assert run.returncode == 130, err
        assert "Traceback" not in err
        assert "interrupted" in err
        report = {r["id"]: r for r in json.loads(out)}
        assert len(report) == 12
        made = {pin["title"] for pin in sandbox.state.pins.values()}
        for n in range(12):
            entry = report[f"soup-{n}"]
            assert [d["rule"] for d in entry["diagnostics"]] == ["pinrules.run.interrupted"]
            assert entry["status"] == ("unknown" if f"Pumpkin soup {n}" in made else "retry")
        again = run_publish(sandbox.api, journal, tmp_path / "posts")
        assert [r["status"] for r in json.loads(again.stdout)] == ["published"] * 12, again.stdout
        assert sorted(len(ids) for ids in pins_by_title(sandbox).values()) == [1] * 12

    def test_a_callers_timeout_ends_in_its_timeout_error(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """asyncio.timeout() around Publisher.publish raises TimeoutError (not a stray cancellation)
        when it fires during an unanswered create, and the journal says the create may have left."""
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=5))

        async def go() -> str:
            book = Journal(tmp_path / "j.sqlite3")
            try:
                async with PinterestClient(TOKEN, sandbox.api) as client:
                    publisher = Publisher(client, book, PREFLIGHT, PublishOptions(network=LOCAL))
                    while sandbox.state.hits["POST /v5/pins"] == 0:
                        try:
                            async with asyncio.timeout(0.2):
                                await publisher.publish(post(sandbox, 1))
                        except TimeoutError:
                            pass
                    entry = book.get(post_key(post(sandbox, 1)))
                    return entry.state if entry is not None else "none"
            finally:
                book.close()

        assert asyncio.run(go()) == JournalState.UNKNOWN


class TestBoundedWaits:
    def test_a_huge_retry_after_is_not_waited_for(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """Retry-After: 100000 ends the attempt at once: retry later, with the wait Pinterest asked."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 429, retry_after=100000))
        sleeps: list[float] = []
        start = time.monotonic()
        result = publish(sandbox.api, tmp_path / "j.sqlite3", post(sandbox, 1), sleeps=sleeps)
        assert (result.status, codes(result), result.retry_after) == (
            Status.RETRY, ["pinterest.api.rate_limited"], 100000
        )  # fmt: skip
        assert (sleeps, sandbox.state.pins) == ([], {})
        assert time.monotonic() - start < 5
        again = publish(sandbox.api, tmp_path / "j.sqlite3", post(sandbox, 1))
        assert again.status == Status.PUBLISHED  # a 429 proves nothing was made: no reconciliation needed

    def test_the_run_deadline_ends_waits_and_leaves_the_rest(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A create slower than the deadline is unknown (it may have been made); a post started
        after the deadline is left for later, unsent."""
        sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=2))
        start = time.monotonic()
        slow = publish(sandbox.api, tmp_path / "j.sqlite3", post(sandbox, 1), deadline=time.time() + 0.5)
        late = publish(sandbox.api, tmp_path / "j.sqlite3", post(sandbox, 2), deadline=time.time() - 1)
        assert time.monotonic() - start < 2
        assert (slow.status, codes(slow)) == (Status.UNKNOWN, ["pinrules.run.deadline"])
        assert (late.status, codes(late)) == (Status.RETRY, ["pinrules.run.deadline"])
        assert sandbox.state.hits["POST /v5/pins"] == 1

    def test_the_command_takes_both_settings(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """--max-retry-after and --deadline are flags; a nonsense value is a usage error."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 429, retry_after=5))
        item = write(tmp_path / "p.json", post(sandbox, 1))
        result = run_publish(
            sandbox.api, tmp_path / "j.sqlite3", "--max-retry-after", "2", "--deadline", "60", item
        )
        [outcome] = json.loads(result.stdout)
        assert (result.returncode, outcome["status"], outcome["retry_after"]) == (1, "retry", 5)
        wrong = run_publish(sandbox.api, tmp_path / "j.sqlite3", "--deadline", "-3", item)
        assert (wrong.returncode, wrong.stderr.strip()) == (
            2, "pinrules: --deadline is a number of seconds, more than 0 (got -3)"
        )  # fmt: skip


class TestJournalFiles:
    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            (b"", "is empty"),
            (b"not a database, just some text\n" * 20, "not an SQLite file"),
            (None, "cannot be used"),
        ],
        ids=["empty", "garbage", "truncated"],
    )
    def test_a_journal_that_cannot_be_used_stops_the_command(
        self, sandbox: Sandbox, tmp_path: Path, content: bytes | None, problem: str
    ) -> None:
        """Empty, foreign or cut short: exit 2 with one line naming the file; nothing is sent and
        the file is left as it was (never a fresh journal that would publish everything again)."""
        journal = tmp_path / "j.sqlite3"
        if content is None:  # a real journal, cut in half
            book = Journal(journal)
            for n in range(300):
                book.claim(f"id:soup-{n}", "h", "run-1")
                book.finish(f"id:soup-{n}", "run-1", JournalState.PUBLISHED, pin_id=str(n))
            book.close()  # the last connection folds the write-ahead log into the file
            content = journal.read_bytes()[: journal.stat().st_size // 2]
        journal.write_bytes(content)
        result = run_publish(sandbox.api, journal, write(tmp_path / "p.json", post(sandbox, "new")))
        assert result.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith(f"pinrules: {journal}: ")
        assert problem in line
        assert (result.stdout, sandbox.state.requests) == ("", [])
        assert journal.read_bytes() == content

    def test_a_new_journal_is_private(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """The journal the command creates is readable by its owner only."""
        journal = tmp_path / "new" / "j.sqlite3"
        assert run_publish(sandbox.api, journal, write(tmp_path / "p.json", post(sandbox, 1))).returncode == 0
        assert journal.stat().st_mode & 0o777 == 0o600

    def test_the_url_cache_is_private_too(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """The online checks' URL cache, written by `lint --online-cache-ttl`, is the owner's only."""
        item = write(tmp_path / "p.json", post(sandbox, 1))
        env = {**os.environ, "PINRULES_CACHE_DIR": str(tmp_path / "cache")}
        lint = [sys.executable, "-m", "pinrules", "lint", "--isolated", "--online", "--allow-private-network",
                "--online-cache-ttl", "60", str(item)]  # fmt: skip
        assert subprocess.run(lint, capture_output=True, env=env, check=False).returncode == 0
        [cache] = (tmp_path / "cache").glob("*urls*")
        assert cache.stat().st_mode & 0o777 == 0o600
