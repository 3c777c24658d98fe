"""The posting service over loopback, with the stand-in as Pinterest: posts, media, accounts,
keys and workspaces, idempotency, bodies, problems."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import re
import select
import socket
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from pinrules import pinterest
from service import LogFormatter

from .helpers import BOARD, RunningService, Sandbox, running_service
from .media import image, video


@pytest.fixture
def service(tmp_path: Path, sandbox: Sandbox) -> Iterator[RunningService]:
    with running_service(tmp_path, sandbox) as running:
        running.connect_account()
        yield running


@pytest.fixture
def public_service(tmp_path: Path, sandbox: Sandbox) -> Iterator[RunningService]:
    with running_service(tmp_path, sandbox, public=True) as running:
        running.connect_account()
        yield running


def call(service: RunningService, method: str, path: str, **kwargs):
    return service.call(method, path, **kwargs)


def upload(service: RunningService, data: bytes, name: str = "file.bin", key: str | None = None):
    return service.upload(data, name, key)


def later(seconds: float = 3600) -> str:
    return datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TestPublishing:
    def test_an_image_by_url_is_published_now(self, service: RunningService) -> None:
        """POST /v1/posts with an image URL: 201, a pin on the stand-in, its id and URL answered."""
        post = {
            "id": "p1",
            "title": "Soup",
            "media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}],
        }
        status, headers, body = call(service, "POST", "/v1/posts", json=post)
        assert status == 201, body
        assert body["status"] == "published"
        assert body["pinId"] in service.sandbox.state.pins
        assert body["pinUrl"] == f"https://www.pinterest.com/pin/{body['pinId']}/"
        assert headers["Location"] == "/v1/posts/p1"
        assert call(service, "GET", "/v1/posts/p1")[2] == body

    def test_an_uploaded_image_is_sent_inline(self, service: RunningService) -> None:
        """An upload posted by mediaId goes as image_base64 (no --public-url)."""
        status, _, media = upload(service, image("PNG"), "photo.png")
        assert status == 201, media
        assert media["mediaId"].startswith("med_")
        assert media["mimeType"] == "image/png"
        post = {
            "media": [{"kind": "image", "mediaId": media["mediaId"]}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        status, _, body = call(service, "POST", "/v1/posts", json=post)
        assert status == 201, body
        sent = [b for m, p, b in service.sandbox.state.requests if p == "/v5/pins"][-1]
        assert sent["media_source"]["source_type"] == "image_base64"
        assert sent["media_source"]["content_type"] == "image/png"
        assert body["post"]["media"][0]["mediaId"] == media["mediaId"]

    def test_an_uploaded_webp_goes_by_signed_public_url(self, public_service: RunningService) -> None:
        """With --public-url an uploaded image (WebP too) goes as image_url at the service's signed
        content URL, which is also the link; the URL serves the bytes without a key. The same
        post again answers its record."""
        data = image("WEBP")
        media = upload(public_service, data, "photo.webp")[2]
        post = {
            "id": "webp-1",
            "media": [{"kind": "image", "mediaId": media["mediaId"]}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        status, _, body = call(public_service, "POST", "/v1/posts", json=post)
        assert status == 201, body
        assert call(public_service, "POST", "/v1/posts", json=post)[:1] == (200,)
        sent = [b for m, p, b in public_service.sandbox.state.requests if p == "/v5/pins"][-1]
        url = sent["media_source"]["url"]
        assert sent["media_source"]["source_type"] == "image_url"
        assert url.startswith(f"{public_service.base}/v1/media/{media['mediaId']}/content?")
        assert sent["link"] == url

        async def fetch(target: str) -> tuple[int, bytes, str]:
            async with aiohttp.ClientSession() as session, session.get(target) as response:
                return response.status, await response.read(), response.headers.get("Content-Type", "")

        assert asyncio.run(fetch(url)) == (200, data, "image/webp")
        forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
        assert asyncio.run(fetch(forged))[0] == 403
        assert asyncio.run(fetch(url[:-3] + "%C3%A9"))[0] == 403  # not ASCII: refused, not a 500
        assert asyncio.run(fetch(url.split("?")[0]))[0] == 401  # no signature: the API key is needed

    def test_the_content_route_sends_the_file_once_from_either_store(
        self, tmp_path: Path, sandbox: Sandbox, database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """GET /v1/media/{id}/content with the key: the bytes, their type and a request id, from
        SQLite's folder or PostgreSQL's temporary copy (let go once sent: none stays behind),
        and no error in the server's log (a response written twice would log one)."""
        data = image("PNG")
        with running_service(tmp_path, sandbox, database=database) as running:
            media = upload(running, data, "a.png")[2]

            async def fetch() -> tuple[int, bytes, str, str]:
                url = f"{running.base}/v1/media/{media['mediaId']}/content"
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(url, headers=running.headers()) as answer,
                ):
                    return (
                        answer.status,
                        await answer.read(),
                        answer.content_type,
                        answer.headers["X-Request-Id"],
                    )

            for _ in range(2):
                status, body, kind, request_id = asyncio.run(fetch())
                assert (status, body, kind) == (200, data, "image/png")
                assert request_id

            async def at_once() -> list[tuple[int, bytes, str, str]]:
                return await asyncio.gather(*(fetch() for _ in range(8)))

            # eight downloads at once share one temporary copy: each gets every byte
            assert [answer[:3] for answer in asyncio.run(at_once())] == [(200, data, "image/png")] * 8
            # PostgreSQL's copies are made in a private temporary folder, named by media id; the
            # server lets go of one just after the last byte left, so allow it a moment
            deadline = time.monotonic() + 10
            while list(Path(tempfile.gettempdir()).glob(f"pinrules-media-*/{media['mediaId']}")):
                assert time.monotonic() < deadline, "the temporary copy was never removed"
                time.sleep(0.02)
        assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []

    def test_an_uploaded_video_goes_through_the_video_flow(self, service: RunningService) -> None:
        """A video upload is registered, uploaded from disk, processed, then pinned with its cover."""
        media = upload(service, video("mp4"), "clip.mp4")[2]
        assert media["kind"] == "video"
        post = {
            "media": [{"kind": "video", "mediaId": media["mediaId"]}],
            "options": {"pinterest": {"boardId": BOARD, "coverImageUrl": service.sandbox.url("cover.jpg")}},
        }
        status, _, body = call(service, "POST", "/v1/posts", json=post)
        assert status == 201, body
        pin = service.sandbox.state.pins[body["pinId"]]
        assert pin["media"]["media_type"] == "video"
        assert service.sandbox.state.hits["POST /upload/{media_id}"] == 1

    def test_pinterest_s_own_media_id_keeps_working(self, service: RunningService) -> None:
        """An all-digit mediaId is Pinterest's own video id: passed through, not an upload."""
        media = upload(service, video("mp4"), "clip.mp4")[2]
        cover = {"boardId": BOARD, "coverImageUrl": service.sandbox.url("cover.jpg")}
        first = {"media": [{"kind": "video", "mediaId": media["mediaId"]}], "options": {"pinterest": cover}}
        assert call(service, "POST", "/v1/posts", json=first)[0] == 201
        (pinterest_id,) = service.sandbox.state.media
        again = {"media": [{"kind": "video", "mediaId": pinterest_id}], "options": {"pinterest": cover}}
        status, _, body = call(service, "POST", "/v1/posts", json=again)
        assert status == 201, body
        assert service.sandbox.state.hits["POST /upload/{media_id}"] == 1  # nothing uploaded again

    def test_preflight_errors_are_422_problems_with_the_rule(self, service: RunningService) -> None:
        """A post without media: 422 problem+json naming the rule, message, fix, docs and request id."""
        status, headers, body = call(
            service, "POST", "/v1/posts", json={"options": {"pinterest": {"boardId": BOARD}}}
        )
        assert status == 422
        assert headers["Content-Type"].startswith("application/problem+json")
        assert body["rule"] == "pinterest.media.required"
        assert body["fix"]
        assert body["message"]
        assert body["documentation"] == f"{service.base}/v1/rules/pinterest.media.required"
        assert body["requestId"] == headers["X-Request-Id"]
        assert {"type", "title", "status", "detail", "instance"} <= set(body)
        assert body["diagnostics"][0]["rule"] == "pinterest.media.required"
        assert service.sandbox.state.pins == {}

    def test_a_local_path_is_refused_and_never_opened(self, service: RunningService) -> None:
        """A post naming a file of the server by path: 422 post.media.path_local_only, before the
        files phase could read it (a NUL in the name is no crash either)."""
        for path in (str(service.sandbox.dir / "soup.jpg"), "/etc/passwd", "a\u0000b.jpg"):
            post = {"media": [{"kind": "image", "path": path}], "options": {"pinterest": {"boardId": BOARD}}}
            status, _, body = call(service, "POST", "/v1/posts", json=post)
            assert (status, body["rule"]) == (422, "post.media.path_local_only")
            assert [d["rule"] for d in body["diagnostics"]] == ["post.media.path_local_only"]
        assert service.sandbox.state.pins == {}

    def test_an_upload_whose_file_is_gone_is_a_diagnostic_not_a_500(self, service: RunningService) -> None:
        """An upload whose stored file was removed on the server (or changed size): POST /v1/posts
        and POST /v1/posts/validate answer 422 post.media.media_id_known at the item, not 500,
        and nothing is sent."""
        status, _, media = upload(service, image("PNG"), "photo.png")
        assert status == 201, media
        post = {
            "media": [{"kind": "image", "mediaId": media["mediaId"]}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        (service.backend.media.folder / media["mediaId"]).unlink()
        status, _, body = call(service, "POST", "/v1/posts", json=post)
        assert (status, body["rule"]) == (422, "post.media.media_id_known"), body
        assert body["diagnostics"][0]["pointer"] == "/media/0/mediaId"
        assert media["mediaId"] in body["diagnostics"][0]["message"]
        assert str(service.backend.media.folder) not in json.dumps(body)
        status, _, checked = call(service, "POST", "/v1/posts/validate", json=post)
        assert (status, checked["valid"]) == (200, False), checked
        assert [d["rule"] for d in checked["diagnostics"]] == ["post.media.media_id_known"]
        assert service.sandbox.state.pins == {}

    def test_an_unknown_media_id_is_a_diagnostic(self, service: RunningService) -> None:
        """A mediaId that is no upload of the workspace fails preflight with its own rule."""
        post = {
            "media": [{"kind": "image", "mediaId": "med_nope"}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        status, _, body = call(service, "POST", "/v1/posts", json=post)
        assert (status, body["rule"]) == (422, "post.media.media_id_known")

    def test_the_same_post_id_again_answers_the_first_pin(self, service: RunningService) -> None:
        """The post id is a key: the same post again is its record (200), other content 422."""
        post = {"id": "again", "media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}]}
        first = call(service, "POST", "/v1/posts", json=post)
        second = call(service, "POST", "/v1/posts", json=post)
        assert (first[0], second[0]) == (201, 200)
        assert second[2]["pinId"] == first[2]["pinId"]
        assert len(service.sandbox.state.pins) == 1
        other = call(service, "POST", "/v1/posts", json=post | {"title": "Other"})
        assert (other[0], other[2]["rule"]) == (422, "post.id.reused")


class TestScheduling:
    def test_schedule_list_and_cancel(self, service: RunningService) -> None:
        """A post with scheduledAt ahead is stored scheduled; listed in pages; cancelled by DELETE."""
        for n in range(3):
            post = {
                "id": f"s{n}",
                "scheduledAt": later(3600 + n),
                "media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}],
            }
            status, _, body = call(service, "POST", "/v1/posts", json=post)
            assert (status, body["status"]) == (201, "scheduled"), body
        first = call(service, "GET", "/v1/posts?status=scheduled&limit=2")[2]
        assert [p["id"] for p in first["items"]] == ["s0", "s1"]
        rest = call(service, "GET", f"/v1/posts?status=scheduled&limit=2&cursor={first['nextCursor']}")[2]
        assert ([p["id"] for p in rest["items"]], rest["nextCursor"]) == (["s2"], None)
        status, _, cancelled = call(service, "DELETE", "/v1/posts/s1")
        assert (status, cancelled["status"]) == (200, "cancelled")
        assert call(service, "DELETE", "/v1/posts/s1")[0] == 409
        assert service.sandbox.state.pins == {}

    @pytest.mark.parametrize(
        "cursor", ['[NaN, "x"]', '[1e999, "x"]', '[true, "x"]', "[1, 2]", "[1]", "{}", "not json"]
    )
    def test_a_cursor_not_made_by_the_service_is_refused(self, service: RunningService, cursor: str) -> None:
        """A cursor whose time is not a finite number, or whose id is not a string: 400, not a page."""
        text = base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=")
        status, _, body = call(service, "GET", f"/v1/posts?cursor={text}")
        assert (status, body["code"]) == (400, "cursor_invalid")

    def test_a_scheduled_upload_is_sent_by_the_worker(self, service: RunningService) -> None:
        """A scheduled post with an uploaded image keeps its mediaId; the worker sends it when due."""
        from publisher import Senders, Worker

        media = upload(service, image("JPEG"), "a.jpg")[2]
        post = {
            "id": "w1",
            "scheduledAt": later(2),
            "media": [{"kind": "image", "mediaId": media["mediaId"]}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        assert call(service, "POST", "/v1/posts", json=post)[0] == 201
        backend = service.backend
        from pinrules import Preflight
        from publisher import OAuthApp, PublishOptions, Secret

        from .helpers import APP_ID, APP_SECRET, LOCAL

        app = OAuthApp(APP_ID, Secret(APP_SECRET), "", base_url=service.sandbox.api)
        senders = Senders(
            preflight=Preflight(),
            options=PublishOptions(network=LOCAL),
            journal=backend.journal,
            accounts=backend.accounts,
            app=app,
            base_url=service.sandbox.api,
        )
        worker = Worker(backend.schedule, backend.media, senders.send, clock=lambda: time.time() + 5)

        async def once() -> None:
            await worker.run(once=True)
            await senders.close()

        asyncio.run(once())
        record = call(service, "GET", "/v1/posts/w1")[2]
        assert record["status"] == "published", record
        assert record["pinId"] in service.sandbox.state.pins

    def test_a_past_scheduled_at_is_refused(self, service: RunningService) -> None:
        """scheduledAt in the past: 422 post.scheduled_at.past, nothing stored."""
        post = {
            "id": "late",
            "scheduledAt": "2020-01-01T00:00:00Z",
            "media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}],
        }
        status, _, body = call(service, "POST", "/v1/posts", json=post)
        assert (status, body["rule"]) == (422, "post.scheduled_at.past")
        assert call(service, "GET", "/v1/posts/late")[0] == 404


class TestValidate:
    def test_static_by_default_online_on_request(self, service: RunningService) -> None:
        """validate checks statically (an unreachable URL passes); ?online=true probes it."""
        post = {
            "media": [{"kind": "image", "url": f"{service.sandbox.base}/files/missing.jpg"}],
            "options": {"pinterest": {"boardId": BOARD}},
        }
        static = call(service, "POST", "/v1/posts/validate", json=post)[2]
        online = call(service, "POST", "/v1/posts/validate?online=true", json=post)[2]
        assert (static["valid"], static["online"]) == (True, False)
        assert online["valid"] is False
        assert online["diagnostics"][0]["rule"] == "pinterest.image_url.reachable"
        assert service.sandbox.state.pins == {}


class TestSecurity:
    def test_every_v1_route_needs_a_key(self, service: RunningService) -> None:
        """No key, a wrong key, a revoked key: 401 problem with WWW-Authenticate."""
        for key in ("", "prk_000000000000_nope-nope-nope-nope-nope", service.key[:-2] + "xx"):
            status, headers, body = call(service, "GET", "/v1/posts", key=key or "-")
            assert status == 401
            assert headers["WWW-Authenticate"].startswith("Bearer")
            assert body["code"] == "unauthorized"
        record = service.store.api_keys()[0]
        assert service.store.revoke(record.id)
        assert call(service, "GET", "/v1/posts")[0] == 401

    def test_a_workspace_sees_only_its_own(self, service: RunningService) -> None:
        """Another workspace's key does not see the posts, media or accounts of this one."""
        post = {"id": "mine", "media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}]}
        assert call(service, "POST", "/v1/posts", json=post)[0] == 201
        media = upload(service, image("JPEG"))[2]
        other = service.new_key("other")
        assert call(service, "GET", "/v1/posts/mine", key=other)[0] == 404
        assert call(service, "GET", "/v1/posts", key=other)[2]["items"] == []
        assert call(service, "DELETE", "/v1/posts/mine", key=other)[0] == 404
        assert call(service, "GET", f"/v1/media/{media['mediaId']}", key=other)[0] == 404
        assert call(service, "GET", f"/v1/media/{media['mediaId']}/content", key=other)[0] == 404
        assert call(service, "GET", "/v1/accounts", key=other)[2]["items"] == []
        assert call(service, "GET", "/v1/accounts/shop", key=other)[0] == 404
        using = {"media": [{"kind": "image", "mediaId": media["mediaId"]}], "accountId": "shop"}
        _status, _, body = call(service, "POST", "/v1/posts/validate", json=using, key=other)
        assert {d["rule"] for d in body["diagnostics"]} >= {
            "post.media.media_id_known",
            "post.account_id.known",
        }


class TestBodies:
    def test_malformed_json_is_400(self, service: RunningService) -> None:
        """Broken JSON: 400 malformed_json problem, never a traceback."""
        status, _headers, body = call(
            service, "POST", "/v1/posts", data=b'{"media": [', headers={"Content-Type": "application/json"}
        )
        assert (status, body["code"]) == (400, "malformed_json")
        assert "Traceback" not in json.dumps(body)

    def test_json_nested_too_deep_is_400(self, service: RunningService) -> None:
        """A body nested 100,000 deep (under the size limit): 400 malformed_json, not a 500."""
        deep = b'{"title": "t", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        for path in ("/v1/posts", "/v1/posts/validate"):
            status, _, body = call(
                service, "POST", path, data=deep, headers={"Content-Type": "application/json"}
            )
            assert (status, body["code"]) == (400, "malformed_json"), body

    def test_a_json_body_over_one_megabyte_is_413(self, service: RunningService) -> None:
        """More than 1 MB of JSON: 413 problem."""
        big = json.dumps({"title": "x" * (1024 * 1024)})
        status, _, body = call(
            service,
            "POST",
            "/v1/posts/validate",
            data=io.BytesIO(big.encode()),
            headers={"Content-Type": "application/json"},
        )
        assert (status, body["code"]) == (413, "body_too_large")

    def test_an_image_over_its_limit_is_413_without_reading_the_rest(self, service: RunningService) -> None:
        """An upload past the image limit: 413 as soon as the limit is crossed; nothing is kept."""
        head = image("JPEG")
        size = pinterest.IMAGE_MAX_BYTES + 64 * 1024 * 1024  # more than socket buffers hold
        status, body, sent = _raw_upload(service, head + b"\0" * (size - len(head)), "big.jpg")
        assert status == 413, body
        assert json.loads(body)["code"] == "media_too_large"
        assert sent < size  # the service hung up before the end
        assert list((service.folder / "db" / "schedule-media").glob("*")) == []

    def test_a_truncated_upload_keeps_nothing(self, service: RunningService) -> None:
        """A multipart body cut off mid-file: no stored media, no temporary file left."""
        _raw_upload(service, image("JPEG") * 50, "cut.jpg", cut=True)
        time.sleep(0.2)
        assert list((service.folder / "db" / "schedule-media").glob("*")) == []

    def test_not_an_image_or_video_is_415(self, service: RunningService) -> None:
        """An upload whose content is not an image or video Pinterest takes: 415."""
        status, _, body = upload(service, b"<html>hello</html>" * 10, "page.jpg")
        assert (status, body["code"]) == (415, "unsupported_media_type")


def _raw_upload(service: RunningService, data: bytes, name: str, cut: bool = False) -> tuple[int, str, int]:
    """A multipart upload over a plain socket that looks for an answer while still sending (as a
    client that handles an early 413 does): the status, the body and how many bytes went out."""
    boundary = "pinrulesboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + len(data) + len(tail)
    port = int(service.base.rsplit(":", 1)[1])
    request = (
        f"POST /v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {service.key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n"
    )
    body = data if not cut else data[: len(data) // 2]
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode() + head)
        try:
            for start in range(0, len(body), 256 * 1024):
                if select.select([connection], [], [], 0)[0]:
                    break  # an early answer
                connection.sendall(body[start : start + 256 * 1024])
                sent += min(256 * 1024, len(body) - start)
            else:
                if not cut:
                    connection.sendall(tail)
        except OSError:
            pass  # the service hung up: its answer is waiting to be read
        if cut:
            return 0, "", sent
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except OSError:
            pass
    status_line, _, rest = answer.decode(errors="replace").partition("\r\n")
    return int(status_line.split()[1]), rest.split("\r\n\r\n", 1)[-1], sent


class TestLogLines:
    def test_the_formatter_writes_what_logging_s_own_would(self) -> None:
        """`pinrules serve`'s log lines (time text made once a second) are, to the millisecond,
        those of logging's stock formatter with the same format, within a second and across one."""
        ours = LogFormatter()
        stock = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
        for created in (
            1_700_000_000.0,
            1_700_000_000.001,
            1_700_000_000.999,
            1_700_000_001.5,
            1_699_999_999.25,
        ):
            record = logging.LogRecord(
                "pinrules.service", logging.INFO, "f.py", 1, "POST %s", ("/v1/posts",), None
            )
            record.created, record.msecs = created, (created - int(created)) * 1000
            assert ours.format(record) == stock.format(record)

    def test_request_ids_are_unique_and_quotable(self, service: RunningService) -> None:
        """Every answer has its own request id, `req_` and 16 hex digits (a random part per
        process, then a counter: two processes at once are checked in test_service_scaling)."""
        ids = [call(service, "GET", "/v1/posts")[1]["X-Request-Id"] for _ in range(30)]
        ids.append(call(service, "GET", "/v1/nothing-here")[2]["requestId"])
        assert len(set(ids)) == 31
        assert all(re.fullmatch(r"req_[0-9a-f]{16}", rid) for rid in ids), ids
