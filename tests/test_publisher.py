"""The publisher against the local Pinterest stand-in, over loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest

from pinrules import FileFacts, Preflight
from pinrules.pinterest import IMAGE_MAX_BYTES
from publisher import (
    Journal,
    PinterestClient,
    Publisher,
    PublishOptions,
    PublishResult,
    RetryPolicy,
    Secret,
    Status,
)
from publisher.sandbox import Fault

from .helpers import BOARD, LOCAL, ROOT, SHARED, TOKEN, Sandbox, run, write
from .media import video

PREFLIGHT = Preflight()


def image_post(sandbox: Sandbox, **pinterest: str) -> dict[str, Any]:
    return {
        "id": "soup-1",
        "title": "Pumpkin soup",
        "text": "Roasted, with sage.",
        "media": [{"kind": "image", "url": sandbox.url("soup.jpg")}],
        "options": {"pinterest": {"boardId": BOARD, **pinterest}},
    }


def video_post(sandbox: Sandbox, source: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": "clip-1",
        "title": "Knife skills",
        "media": [{"kind": "video", **(source or {"path": "clip.mp4"})}],
        "options": {"pinterest": {"boardId": BOARD, "coverImageUrl": sandbox.url("cover.jpg")}},
    }


def publish(
    sandbox: Sandbox,
    post: dict[str, Any],
    *,
    sleeps: list[float] | None = None,
    checked_files: dict[str, FileFacts] | None = None,
    **options: Any,
) -> PublishResult:
    async def fake_sleep(seconds: float) -> None:
        assert sleeps is not None
        sleeps.append(seconds)

    async def go() -> PublishResult:
        journal = Journal(sandbox.dir / "journal.sqlite3")
        try:
            async with PinterestClient(
                TOKEN,
                sandbox.api,
                retry=RetryPolicy(base=0.01),
                sleep=fake_sleep if sleeps is not None else asyncio.sleep,
            ) as client:
                settings = PublishOptions(network=LOCAL, poll_interval=0.02, **options)
                return await Publisher(client, journal, PREFLIGHT, settings).publish(
                    post, base_dir=sandbox.dir, checked_files=checked_files
                )
        finally:
            journal.close()

    return asyncio.run(go())


def publish_command(sandbox: Sandbox, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `pinrules publish` against the stand-in, with a token and a private journal."""
    env = {**os.environ, "PINTEREST_ACCESS_TOKEN": TOKEN, "PINTEREST_API_BASE": sandbox.api}
    command = [sys.executable, "-m", "pinrules", "publish", "--isolated", "--allow-private-network",
               "--journal", str(tmp_path / "j.sqlite3"), *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def codes(result: PublishResult) -> list[str]:
    return [d.rule for d in result.diagnostics]


class TestImagePins:
    def test_image_by_url(self, sandbox: Sandbox) -> None:
        """An image URL becomes image_url; text is the description; the link defaults to the image."""
        result = publish(sandbox, image_post(sandbox, altText="A bowl of soup"))
        assert (result.status, codes(result)) == (Status.PUBLISHED, [])
        pin = sandbox.state.pins[result.pin_id or ""]
        assert (pin["title"], pin["description"], pin["link"], pin["alt_text"]) == (
            "Pumpkin soup",
            "Roasted, with sage.",
            sandbox.url("soup.jpg"),
            "A bowl of soup",
        )
        assert result.pin_url == f"https://www.pinterest.com/pin/{result.pin_id}/"

    def test_local_image_is_sent_inline(self, sandbox: Sandbox) -> None:
        """A local JPEG goes as image_base64 with its content type; destinationUrl is the link."""
        post = image_post(sandbox, destinationUrl="https://example.com/soup", boardSectionId="4975588517549")
        post["media"] = [{"kind": "image", "path": "soup.jpg"}]
        result = publish(sandbox, post)
        assert result.status == Status.PUBLISHED
        _, _, body = sandbox.state.requests[-1]
        assert body["media_source"]["source_type"] == "image_base64"
        assert body["media_source"]["content_type"] == "image/jpeg"
        assert (body["link"], body["board_section_id"]) == ("https://example.com/soup", "4975588517549")

    def test_checked_files_are_judged_by_their_facts_not_looked_at_again(self, sandbox: Sandbox) -> None:
        """A file named in `checked_files` (a scheduler's stored copy, size and type found when it
        was stored) is judged by those facts: facts over the size limit reject the post, though
        the file on disk is a small JPEG; nothing is sent."""
        post = image_post(sandbox)
        post["media"] = [{"kind": "image", "path": "soup.jpg"}]
        facts = FileFacts(str(sandbox.dir / "soup.jpg"), size=IMAGE_MAX_BYTES + 1, mime="image/jpeg")
        result = publish(sandbox, post, checked_files={"soup.jpg": facts})
        assert (result.status, codes(result)) == (Status.REJECTED, ["pinterest.image.size_max"])
        assert sandbox.state.requests == []

    def test_a_checked_file_that_leads_outside_is_still_refused_when_sent(
        self, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """The facts spare the preflight's look at a file, not the check of the file opened to be
        sent: a link to a file outside the post's folder, named in `checked_files`, is refused
        (`post.media.path_outside`) and no pin is created."""
        secret = tmp_path_factory.mktemp("elsewhere") / "secret.jpg"  # not in the sandbox's folder
        secret.write_bytes((sandbox.dir / "soup.jpg").read_bytes())
        (sandbox.dir / "leak.jpg").symlink_to(secret)
        post = image_post(sandbox)
        post["media"] = [{"kind": "image", "path": "leak.jpg"}]
        facts = FileFacts(str(sandbox.dir / "leak.jpg"), size=secret.stat().st_size, mime="image/jpeg")
        unchecked = publish(sandbox, post)  # without facts, the preflight finds it first
        assert (unchecked.status, codes(unchecked)) == (Status.REJECTED, ["post.media.path_outside"])
        result = publish(sandbox, post, checked_files={"leak.jpg": facts})
        assert (result.status, codes(result)) == (Status.REJECTED, ["post.media.path_outside"])
        assert sandbox.state.pins == {}

    def test_a_post_with_errors_is_never_sent(self, sandbox: Sandbox) -> None:
        """A video without a cover is rejected by preflight; Pinterest sees no request."""
        post = video_post(sandbox)
        del post["options"]["pinterest"]["coverImageUrl"]
        result = publish(sandbox, post)
        assert (result.status, codes(result)) == (Status.REJECTED, ["pinterest.video.cover_required"])
        assert sandbox.state.requests == []

    def test_online_checks_run_before_publishing(self, sandbox: Sandbox) -> None:
        """An image URL serving HTML is rejected before anything reaches Pinterest."""
        post = image_post(sandbox)
        post["media"][0]["url"] = sandbox.url("page.html")
        result = publish(sandbox, post)
        assert (result.status, codes(result)) == (Status.REJECTED, ["pinterest.image.mime_allowed"])
        assert sandbox.state.requests == []


class TestVideoPins:
    def test_video_from_a_file(self, sandbox: Sandbox) -> None:
        """Register, streamed upload (no chunked encoding: the stand-in refuses it), poll, create."""
        result = publish(sandbox, video_post(sandbox))
        assert (result.status, codes(result)) == (Status.PUBLISHED, [])
        (media,) = sandbox.state.media.values()
        assert (media["status"], media["size"]) == ("succeeded", len(video("mp4")))
        _, _, body = sandbox.state.requests[-1]
        assert body["media_source"]["source_type"] == "video_id"
        assert body["media_source"]["cover_image_url"] == sandbox.url("cover.jpg")

    def test_a_file_name_with_quotes_and_line_breaks_cannot_break_the_upload(self, sandbox: Sandbox) -> None:
        """The multipart header quotes the file name: a quote or CR/LF in it neither breaks the
        upload nor adds a header or a field (the stand-in compares every field it receives)."""
        name = 'clip"; name="key"\r\nX-Evil: 1.mp4'
        (sandbox.dir / name).write_bytes(video("mp4"))
        result = publish(sandbox, video_post(sandbox, {"path": name}))
        assert (result.status, codes(result)) == (Status.PUBLISHED, [])
        (media,) = sandbox.state.media.values()
        assert media["filename"] == quote(name, safe="")  # RFC 7578's percent-encoding

    def test_video_from_a_url_is_downloaded_then_uploaded(self, sandbox: Sandbox) -> None:
        """A video URL is fetched (behind the guard) and uploaded like a file."""
        result = publish(sandbox, video_post(sandbox, {"url": sandbox.url("clip.mp4")}))
        assert result.status == Status.PUBLISHED
        assert next(iter(sandbox.state.media.values()))["size"] == len(video("mp4"))

    def test_register_failed(self, sandbox: Sandbox) -> None:
        """A refused POST /media is pinterest.media.register_failed, with Pinterest's message."""
        sandbox.state.faults.add("POST /v5/media", Fault("status", 403, message="Missing scope pins:write"))
        result = publish(sandbox, video_post(sandbox))
        assert (result.status, codes(result)) == (Status.FAILED, ["pinterest.media.register_failed"])
        assert "Missing scope pins:write" in result.diagnostics[0].message
        assert "request id" in result.diagnostics[0].message

    def test_upload_failed(self, sandbox: Sandbox) -> None:
        """A refused upload is pinterest.video.upload_failed."""
        sandbox.state.faults.add("POST /upload/{media_id}", Fault("status", 403, message="Expired"))
        result = publish(sandbox, video_post(sandbox))
        assert (result.status, codes(result)) == (Status.FAILED, ["pinterest.video.upload_failed"])

    def test_stalled_upload_is_abandoned(self, sandbox: Sandbox) -> None:
        """An upload endpoint that stops answering trips the stall watchdog."""
        sandbox.state.faults.add("POST /upload/{media_id}", Fault("slow", seconds=3))
        result = publish(sandbox, video_post(sandbox), stall_timeout=0.5)
        assert codes(result) == ["pinterest.video.upload_failed"]
        assert "stalled" in result.diagnostics[0].message

    def test_transcode_failed(self, sandbox: Sandbox) -> None:
        """Media that fails processing is pinterest.video.transcode_failed."""
        sandbox.state.faults.fail_processing = True
        assert codes(publish(sandbox, video_post(sandbox))) == ["pinterest.video.transcode_failed"]

    def test_transcode_timeout(self, sandbox: Sandbox) -> None:
        """Media still processing at the deadline is pinterest.video.transcode_timeout."""
        sandbox.state.faults.processing_seconds = 30
        result = publish(sandbox, video_post(sandbox), poll_timeout=0.3)
        assert codes(result) == ["pinterest.video.transcode_timeout"]
        assert not sandbox.state.pins


class TestReliability:
    def test_429_is_retried_honouring_retry_after(self, sandbox: Sandbox) -> None:
        """Two 429s with Retry-After: 2, then success; the waits are at least what was asked."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 429, retry_after=2), times=2)
        sleeps: list[float] = []
        result = publish(sandbox, image_post(sandbox), sleeps=sleeps)
        assert result.status == Status.PUBLISHED
        assert len(sleeps) == 2
        assert all(s >= 2 for s in sleeps)
        assert len(sandbox.state.pins) == 1

    def test_5xx_on_create_is_reconciled_never_retried(self, sandbox: Sandbox) -> None:
        """A 503 on create may mean it was made: the board is checked, nothing is sent again, and
        with no pin there the post is unknown."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 503))
        result = publish(sandbox, image_post(sandbox), sleeps=[])
        assert (result.status, codes(result)) == (Status.UNKNOWN, ["pinterest.pin.create_unconfirmed"])
        assert sandbox.state.hits["POST /v5/pins"] == 1
        assert sandbox.state.hits["GET /v5/boards/{board_id}/pins"] == 1

    def test_spam_429_is_not_retried(self, sandbox: Sandbox) -> None:
        """A 429 that says spam fails at once: retrying would make it worse."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 429, message="Request blocked as spam"))
        sleeps: list[float] = []
        result = publish(sandbox, image_post(sandbox), sleeps=sleeps)
        assert (result.status, codes(result), sleeps) == (Status.FAILED, ["pinterest.pin.create_failed"], [])

    def test_attempts_are_capped(self, sandbox: Sandbox) -> None:
        """Endless 429s stop after the policy's five attempts: retry later, nothing was created."""
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 429), times=10)
        sleeps: list[float] = []
        result = publish(sandbox, image_post(sandbox), sleeps=sleeps)
        assert (result.status, codes(result), len(sleeps)) == (
            Status.RETRY,
            ["pinterest.api.rate_limited"],
            4,
        )
        assert sandbox.state.pins == {}

    def test_dropped_answer_after_create_makes_exactly_one_pin(self, sandbox: Sandbox) -> None:
        """The pin was created but the answer lost: found on the board, not created twice."""
        sandbox.state.faults.add("POST /v5/pins", Fault("drop_after"))
        result = publish(sandbox, image_post(sandbox))
        assert result.status == Status.PUBLISHED
        assert len(sandbox.state.pins) == 1
        assert result.pin_id in sandbox.state.pins

    def test_dropped_before_create_is_unknown_then_reconciled(self, sandbox: Sandbox) -> None:
        """Nothing created and no answer: unknown. Publishing again soon checks the board and
        sends nothing; once `recreate_after` has passed without a pin, it creates one."""
        sandbox.state.faults.add("POST /v5/pins", Fault("drop_before"))
        first = publish(sandbox, image_post(sandbox))
        assert (first.status, codes(first)) == (Status.UNKNOWN, ["pinterest.pin.create_unconfirmed"])
        soon = publish(sandbox, image_post(sandbox))
        assert (soon.status, sandbox.state.pins) == (Status.UNKNOWN, {})
        assert sandbox.state.hits["POST /v5/pins"] == 1
        later = publish(sandbox, image_post(sandbox), recreate_after=0)
        assert later.status == Status.PUBLISHED
        assert list(sandbox.state.pins) == [later.pin_id]

    def test_journal_returns_the_recorded_pin(self, sandbox: Sandbox) -> None:
        """Publishing the same post twice gives the same pin and one create request."""
        first = publish(sandbox, image_post(sandbox))
        second = publish(sandbox, image_post(sandbox))
        assert (second.pin_id, second.from_journal) == (first.pin_id, True)
        assert sum(1 for method, path, _ in sandbox.state.requests if path == "/v5/pins") == 1


class TestConformance:
    def test_every_request_body_is_valid_for_the_official_description(self, sandbox: Sandbox) -> None:
        """Image URL, inline image and video publishes send bodies valid against openapi.json."""
        official = json.loads((SHARED / "pinterest-api" / "openapi.json").read_text(encoding="utf-8"))
        local = image_post(sandbox)
        local["media"] = [{"kind": "image", "path": "soup.jpg"}]
        local["id"] = "soup-2"
        for post in (
            image_post(sandbox, altText="Soup", destinationUrl="https://example.com/x"),
            local,
            video_post(sandbox),
        ):
            assert publish(sandbox, post).status == Status.PUBLISHED
        operations = {("POST", "/v5/pins"): "/pins", ("POST", "/v5/media"): "/media"}
        checked = 0
        for method, path, body in sandbox.state.requests:
            operation = official["paths"][operations[(method, path)]][method.lower()]
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            jsonschema.Draft4Validator({**schema, "components": official["components"]}).validate(body)
            checked += 1
        assert checked == 4  # three pins and one media registration

    def test_subset_shipped_with_the_package_matches_the_official_file(self) -> None:
        """The schemas the stand-in validates with are exactly the official ones."""
        official = SHARED / "pinterest-api" / "openapi.json"
        script = ROOT / "scripts" / "api_subset.py"
        check = subprocess.run([sys.executable, str(script), str(official), "--check"],
                               capture_output=True, text=True, check=False)  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr

    def test_stand_in_enforces_official_limits(self, sandbox: Sandbox) -> None:
        """A 101-character title sent straight to the stand-in is a 400 with Pinterest's error shape."""

        async def go() -> Any:
            async with PinterestClient(TOKEN, sandbox.api) as client:
                return await client.request(
                    "POST",
                    "/pins",
                    {
                        "board_id": BOARD,
                        "title": "x" * 101,
                        "media_source": {"source_type": "image_url", "url": "https://a.example/x.jpg"},
                    },
                    idempotent=False,
                )

        from publisher import BadRequest

        with pytest.raises(BadRequest, match="title"):
            asyncio.run(go())


class TestSecrets:
    def test_token_never_in_reprs_or_errors(self, sandbox: Sandbox) -> None:
        """The client, the secret and an authentication error never show the token."""
        secret = Secret(TOKEN)
        assert TOKEN not in repr(secret) + str(secret)

        async def go() -> str:
            async with PinterestClient(
                "wrong-token-abc123", sandbox.api, retry=RetryPolicy(attempts=1)
            ) as client:
                shown = repr(client)
                try:
                    await client.user_account()
                except Exception as error:  # any error's text must be clean
                    return shown + str(error) + repr(error)
            return shown

        assert "wrong-token-abc123" not in asyncio.run(go())

    def test_token_never_in_command_output_or_logs(
        self, sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """pinrules publish with a failing create prints and logs no token."""
        caplog.set_level(logging.DEBUG)
        sandbox.state.faults.add("POST /v5/pins", Fault("status", 400, message="Invalid board"))
        post = write(tmp_path / "p.json", image_post(sandbox))
        result = publish_command(sandbox, tmp_path, str(post))
        assert result.returncode == 1
        assert "pinterest.pin.create_failed" in result.stdout
        assert TOKEN not in result.stdout + result.stderr + caplog.text


class TestCommandLine:
    def test_publish_text_json_and_exit_codes(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """All published: exit 0; a rejected post makes it 1; JSON lists status, pin and diagnostics."""
        good = write(tmp_path / "good.json", image_post(sandbox))
        bad = write(tmp_path / "bad.json", {**image_post(sandbox), "id": "bad", "title": 5})
        ok = publish_command(sandbox, tmp_path, str(good))
        assert ok.returncode == 0
        assert ok.stdout.startswith(f"{good}: published pin ")
        both = publish_command(sandbox, tmp_path, "--format", "json", str(good), str(bad))
        results = {Path(r["file"]).name: r for r in json.loads(both.stdout)}
        assert both.returncode == 1
        assert (results["good.json"]["status"], results["good.json"]["from_journal"]) == ("published", True)
        assert results["bad.json"]["status"] == "rejected"
        assert results["bad.json"]["diagnostics"][0]["rule"] == "post.field.type"

    def test_publish_without_a_token_is_a_usage_error(self, tmp_path: Path) -> None:
        """No token and no --dry-run: exit 2 with what to set."""
        post = write(tmp_path / "p.json", {"media": [{"kind": "image", "url": "https://a.example/x.jpg"}]})
        env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"}
        result = subprocess.run(
            [sys.executable, "-m", "pinrules", "publish", str(post)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 2
        assert "PINTEREST_ACCESS_TOKEN" in result.stderr

    def test_dry_run_shows_the_requests(self, tmp_path: Path) -> None:
        """--dry-run prints the exact create body and sends nothing (no token needed)."""
        cover = "http://127.0.0.1:9/c.jpg"
        pinterest = {"boardId": BOARD, "coverImageUrl": cover}
        post = write(
            tmp_path / "p.json",
            {
                "title": "Soup",
                "media": [{"kind": "video", "mediaId": "12"}],
                "options": {"pinterest": pinterest},
            },
        )
        result = run(
            "publish",
            "--dry-run",
            "--isolated",
            "--base-url",
            "https://api.test/v5",
            "--format",
            "json",
            "--allow-private-network",
            "--ignore",
            "pinterest.cover_image_url",
            post,
        )
        [planned] = json.loads(result.stdout)
        assert planned["status"] == "planned"
        assert planned["requests"][-1] == {
            "method": "POST",
            "url": "https://api.test/v5/pins",
            "body": {
                "board_id": BOARD,
                "title": "Soup",
                "media_source": {"source_type": "video_id", "media_id": "12", "cover_image_url": cover},
            },
        }
        assert result.returncode == 0


class TestProgress:
    def test_progress_bar_draws_upload_and_processing(self, capsys: pytest.CaptureFixture[str]) -> None:
        """On a terminal, the upload is a bar with a percentage and processing shows its status."""
        from publisher import ProgressBar

        bar = ProgressBar("video")
        bar("upload", 512, 1024)
        bar("processing (processing)", 0, None)
        drawn = capsys.readouterr().err.split("\r")
        assert drawn[1].rstrip() == "video: upload [###############...............]  50%"
        assert drawn[2].rstrip() == "video: processing (processing)"

    def test_video_publish_reports_progress(self, sandbox: Sandbox) -> None:
        """The flow calls progress for the upload (to 100%) and while polling."""
        seen: list[tuple[str, int, int | None]] = []
        result = publish(sandbox, video_post(sandbox), progress=lambda *step: seen.append(step))
        assert result.status == Status.PUBLISHED
        uploads = [step for step in seen if step[0] == "upload"]
        assert uploads[-1][1] == uploads[-1][2] == len(video("mp4"))
        assert any(step[0].startswith("processing") for step in seen)


def test_each_board_is_looked_up_once_per_run(sandbox: Sandbox) -> None:
    """Three posts to one board make one board lookup (boards do not change during a run)."""
    posts = [{**image_post(sandbox), "id": f"soup-{n}"} for n in range(3)]

    async def go() -> list[PublishResult]:
        async with PinterestClient(TOKEN, sandbox.api) as client:
            publisher = Publisher(client, None, PREFLIGHT, PublishOptions(network=LOCAL))
            return [await publisher.publish(post) for post in posts]

    assert [r.status for r in asyncio.run(go())] == [Status.PUBLISHED] * 3
    assert sandbox.state.hits["GET /v5/boards/{board_id}"] == 1
    assert sandbox.state.hits["POST /v5/pins"] == 3


class TestSchedule:
    def test_a_post_not_yet_due_is_left_alone_then_published_once(self, sandbox: Sandbox) -> None:
        """Before scheduledAt nothing is sent; at or after it the post is published, and only once."""
        post = {**image_post(sandbox), "scheduledAt": "2026-12-01T09:00:00+01:00"}
        due = datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp()
        early = publish(sandbox, post, clock=lambda: due - 60)
        assert (early.status, sandbox.state.requests) == (Status.SCHEDULED, [])
        on_time = publish(sandbox, post, clock=lambda: due)
        again = publish(sandbox, post, clock=lambda: due + 3600)
        assert (on_time.status, again.status, again.from_journal) == (
            Status.PUBLISHED,
            Status.PUBLISHED,
            True,
        )
        assert len(sandbox.state.pins) == 1

    def test_ignore_schedule_publishes_now(self, sandbox: Sandbox) -> None:
        """--ignore-schedule: a post scheduled far ahead is published at once."""
        post = {**image_post(sandbox), "scheduledAt": "2099-01-01T00:00:00Z"}
        assert publish(sandbox, post, ignore_schedule=True).status == Status.PUBLISHED

    def test_scheduled_posts_do_not_fail_the_command(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A run where the only other post is not due yet exits 0 and says so."""
        post = write(tmp_path / "later.json", {**image_post(sandbox), "scheduledAt": "2099-01-01T00:00:00Z"})
        result = publish_command(sandbox, tmp_path, str(post))
        assert (result.returncode, result.stdout.splitlines()[0]) == (0, f"{post}: scheduled")


def test_publish_rejects_a_broken_file_with_its_place(sandbox: Sandbox, tmp_path: Path) -> None:
    """A post file that does not parse is rejected with post.parse_error and its line; nothing is sent."""
    broken = write(tmp_path / "broken.json", '{\n  "title": "Soup",\n}\n')
    result = publish_command(sandbox, tmp_path, "--format", "json", str(broken))
    [outcome] = json.loads(result.stdout)
    assert (result.returncode, outcome["status"]) == (1, "rejected")
    [diagnostic] = outcome["diagnostics"]
    assert (diagnostic["rule"], diagnostic["line"], diagnostic["column"]) == ("post.parse_error", 3, 1)
    assert diagnostic["fix"].startswith("Fix the file at the line and column given")
    assert sandbox.state.requests == []
