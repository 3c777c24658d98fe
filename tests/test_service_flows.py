"""The posting service end to end: idempotency, connecting an account through the stand-in's
consent page, webhooks signed and retried (the webhook store itself: tests/test_webhooks.py), and
no secret in any answer or log line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from standardwebhooks import Webhook

from publisher import AccountStore
from publisher.sandbox import Fault

from .helpers import BOARD, Receiver, RunningService, Sandbox, running_service


@pytest.fixture
def service(tmp_path: Path, sandbox: Sandbox) -> Iterator[RunningService]:
    with running_service(tmp_path, sandbox) as running:
        running.connect_account()
        yield running


def url_post(service: RunningService, **extra) -> dict[str, Any]:
    return {"media": [{"kind": "image", "url": service.sandbox.url("soup.jpg")}]} | extra


class TestIdempotency:
    def test_the_first_answer_is_replayed(self, service: RunningService) -> None:
        """The same key and body again: the same answer, marked replayed; one pin."""
        headers = {"Idempotency-Key": "order-1"}
        first = service.call("POST", "/v1/posts", json=url_post(service), headers=headers)
        again = service.call("POST", "/v1/posts", json=url_post(service), headers=headers)
        assert first[0] == again[0] == 201
        assert again[2] == first[2]
        assert again[1]["Idempotent-Replayed"] == "true"
        assert len(service.sandbox.state.pins) == 1

    def test_the_same_key_with_another_body_is_a_conflict(self, service: RunningService) -> None:
        """Another body under a used key: 409 idempotency_conflict, nothing sent."""
        headers = {"Idempotency-Key": "order-2"}
        service.call("POST", "/v1/posts", json=url_post(service), headers=headers)
        status, _, body = service.call(
            "POST", "/v1/posts", json=url_post(service, title="x"), headers=headers
        )
        assert (status, body["code"]) == (409, "idempotency_conflict")
        assert len(service.sandbox.state.pins) == 1

    def test_two_requests_at_once_make_one_pin(self, service: RunningService) -> None:
        """Two concurrent requests with one key: one creates the pin, the other is told 409
        idempotency_in_progress (with Retry-After) while the first works."""
        service.sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=0.5))

        async def both() -> tuple[tuple[int, dict[str, str], str], tuple[int, dict[str, str], str]]:
            async with aiohttp.ClientSession() as session:

                async def one(delay: float) -> tuple[int, dict[str, str], str]:
                    await asyncio.sleep(delay)
                    async with session.post(
                        service.base + "/v1/posts",
                        json=url_post(service),
                        headers=service.headers(**{"Idempotency-Key": "same"}),
                    ) as response:
                        return response.status, dict(response.headers), await response.text()

                return await asyncio.gather(one(0), one(0.2))

        (first, second) = asyncio.run(both())
        assert first[0] == 201
        assert second[0] == 409
        assert json.loads(second[2])["code"] == "idempotency_in_progress"
        assert second[1]["Retry-After"] == "1"
        assert len(service.sandbox.state.pins) == 1
        replay = service.call(
            "POST", "/v1/posts", json=url_post(service), headers={"Idempotency-Key": "same"}
        )
        assert replay[2]["pinId"] == json.loads(first[2])["pinId"]

    def test_a_claim_abandoned_by_a_crash_is_taken_over_without_a_second_pin(
        self, service: RunningService
    ) -> None:
        """A key whose first request died mid-publish (its claim left in progress, its post
        sending) is taken over once stale; the post, named from the key, is found, not sent again."""
        headers = {"Idempotency-Key": "crashed"}
        first = service.call("POST", "/v1/posts", json=url_post(service), headers=headers)
        assert first[0] == 201
        with contextlib.closing(sqlite3.connect(service.folder / "db" / "service.sqlite3")) as connection:
            connection.execute("UPDATE idempotency SET state = 'in_progress', created_at = created_at - 3600")
            connection.commit()
        again = service.call("POST", "/v1/posts", json=url_post(service), headers=headers)
        assert again[0] == 200  # the post's record: published once
        assert again[2]["pinId"] == first[2]["pinId"]
        assert len(service.sandbox.state.pins) == 1

    def test_a_failed_request_can_be_retried_under_its_key(self, service: RunningService) -> None:
        """A 4xx answer is kept as the key's answer; a body error is replayed, not redone."""
        headers = {"Idempotency-Key": "bad-1"}
        first = service.call("POST", "/v1/posts", json={"media": []}, headers=headers)
        again = service.call("POST", "/v1/posts", json={"media": []}, headers=headers)
        assert first[0] == again[0] == 422
        assert again[1]["Idempotent-Replayed"] == "true"


class TestAccounts:
    def test_connect_through_the_consent_page(self, tmp_path: Path, sandbox: Sandbox) -> None:
        """POST connect gives the authorization URL; a browser following the redirects through the
        stand-in's consent page lands on the callback's page; the account is then listed."""
        with running_service(tmp_path, sandbox) as service:
            status, _, started = service.call("POST", "/v1/accounts/connect/pinterest", json={"name": "shop"})
            assert status == 201, started
            assert started["authorizationUrl"].startswith(f"{sandbox.base}/oauth/?")

            async def browse() -> tuple[int, str, str]:
                async with (
                    aiohttp.ClientSession() as browser,
                    browser.get(started["authorizationUrl"]) as page,
                ):
                    return page.status, page.headers["Content-Type"], await page.text()

            page_status, kind, page = asyncio.run(browse())
            assert page_status == 200, page
            assert kind.startswith("text/html")
            assert "Pinterest account connected" in page
            accounts = service.call("GET", "/v1/accounts")[2]["items"]
            assert [a["id"] for a in accounts] == ["shop"]
            assert accounts[0]["pinterestUser"] == "sandbox"
            assert "access_token" not in json.dumps(accounts)
            stored = AccountStore(service.folder / "db" / "accounts.sqlite3").require("shop")
            assert stored.workspace == "default"
            assert stored.access_token.reveal() in sandbox.state.issued

    @pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
    def test_connect_with_a_real_headless_browser(self, tmp_path: Path, sandbox: Sandbox) -> None:
        """Headless Chromium opens the authorization URL, follows the consent page's redirect to
        the callback, and shows its page; the account is then the workspace's."""
        with running_service(tmp_path, sandbox) as service:
            started = service.call("POST", "/v1/accounts/connect/pinterest", json={"name": "browser"})[2]
            browser = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", started["authorizationUrl"]],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert browser.returncode == 0, browser.stderr[-2000:]
            assert "<h1>Pinterest account connected</h1>" in browser.stdout
            assert [a["id"] for a in service.call("GET", "/v1/accounts")[2]["items"]] == ["browser"]

    def test_the_app_comes_from_the_environment(
        self, tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """As `pinrules serve` runs it (no app given): PINTEREST_APP_ID and PINTEREST_APP_SECRET
        connect accounts and keep their tokens fresh for publishing; without them, connecting is
        a 503 problem that says what to set."""
        from .helpers import APP_ID, APP_SECRET

        with running_service(tmp_path / "none", sandbox, oauth=False) as service:
            status, _, body = service.call("POST", "/v1/accounts/connect/pinterest", json={})
            assert (status, body["code"]) == (503, "oauth_not_configured")
            assert "PINTEREST_APP_SECRET" in body["detail"]
        monkeypatch.setenv("PINTEREST_APP_ID", APP_ID)
        monkeypatch.setenv("PINTEREST_APP_SECRET", APP_SECRET)
        monkeypatch.setenv("PINTEREST_OAUTH_URL", f"{sandbox.base}/oauth/")
        with running_service(tmp_path / "env", sandbox, oauth=False) as service:
            service.connect_account()
            status, _, body = service.call("POST", "/v1/posts", json=url_post(service))
            assert (status, body["status"]) == (201, "published"), body
            started = service.call("POST", "/v1/accounts/connect/pinterest", json={})[2]
            assert started["authorizationUrl"].startswith(f"{sandbox.base}/oauth/?client_id={APP_ID}")

    def test_a_used_or_unknown_state_is_refused(self, service: RunningService) -> None:
        """The callback with a state the service did not issue: a 400 page, no account."""
        status, _, page = service.call("GET", "/v1/accounts/connect/pinterest/callback?code=x&state=forged")
        assert status == 400
        assert "Start connecting again" in page

    def test_default_board_is_checked_on_pinterest(self, service: RunningService) -> None:
        """PATCH defaultBoardId: the account's board is taken; an unknown board is a 422 diagnostic."""
        status, _, body = service.call("PATCH", "/v1/accounts/shop", json={"defaultBoardId": "549755885176"})
        assert (status, body["defaultBoardId"]) == (200, "549755885176")
        status, _, body = service.call("PATCH", "/v1/accounts/shop", json={"defaultBoardId": "999999999999"})
        assert (status, body["rule"]) == (422, "pinterest.board.exists")
        assert service.call("GET", "/v1/accounts/shop")[2]["defaultBoardId"] == "549755885176"

    def test_disconnect(self, service: RunningService) -> None:
        """DELETE forgets the account: 204, then 404."""
        assert service.call("DELETE", "/v1/accounts/shop")[0] == 204
        assert service.call("GET", "/v1/accounts/shop")[0] == 404


class TestWebhooks:
    def test_a_published_post_is_delivered_signed(self, service: RunningService) -> None:
        """post.published reaches the subscriber with Standard Webhooks headers that the
        package's own verifier accepts."""
        with Receiver() as receiver:
            status, _, made = service.call(
                "POST", "/v1/webhooks", json={"url": receiver.url, "events": ["post.published"]}
            )
            assert status == 201, made
            assert made["secret"].startswith("whsec_")
            post = service.call("POST", "/v1/posts", json=url_post(service))[2]
            assert receiver.arrived.wait(10)
            headers, body, _ = receiver.received[-1]
            payload = Webhook(made["secret"]).verify(body, headers)
            assert payload["type"] == "post.published"
            assert payload["data"]["pin_id"] == post["pinId"]
            assert "secret" not in service.call("GET", f"/v1/webhooks/{made['id']}")[2]

    def test_a_failing_receiver_gets_retries_with_one_id(self, service: RunningService) -> None:
        """Two failures, then success: three attempts, one webhook-id, the delivery recorded."""
        with Receiver(failures=2) as receiver:
            made = service.call(
                "POST", "/v1/webhooks", json={"url": receiver.url, "events": ["post.published"]}
            )[2]
            service.call("POST", "/v1/posts", json=url_post(service))
            assert receiver.arrived.wait(15)
            assert [status for _, _, status in receiver.received] == [500, 500, 204]
            assert len({headers["webhook-id"] for headers, _, _ in receiver.received}) == 1
            for headers, body, _ in receiver.received:
                Webhook(made["secret"]).verify(body, headers)
            deadline = time.time() + 5
            while time.time() < deadline:
                deliveries = service.call("GET", f"/v1/webhooks/{made['id']}")[2]["deliveries"]
                if deliveries and deliveries[0]["status"] == "delivered":
                    break
                time.sleep(0.05)
            assert (deliveries[0]["status"], deliveries[0]["attempts"]) == ("delivered", 3)

    def test_an_address_the_guard_refuses_gets_nothing(self, service: RunningService) -> None:
        """A subscriber on a loopback address the guard does not allow: the delivery fails at
        once, naming the refusal; nothing is sent."""
        made = service.call("POST", "/v1/webhooks", json={"url": "http://127.0.0.2:9/hook"})[2]
        service.call("POST", "/v1/posts", json=url_post(service))
        deadline = time.time() + 5
        deliveries: list[dict[str, Any]] = []
        while time.time() < deadline and not (deliveries and deliveries[0]["status"] == "failed"):
            time.sleep(0.05)
            deliveries = service.call("GET", f"/v1/webhooks/{made['id']}")[2]["deliveries"]
        assert deliveries[0]["status"] == "failed"
        assert "refused to connect to 127.0.0.2" in deliveries[0]["lastError"]


class TestNoSecrets:
    def test_no_token_secret_or_key_in_answers_or_logs(
        self, tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Through connect, publish, webhooks, errors and listings: no access token, refresh
        token, app secret or API key appears in any answer or log line."""
        caplog.set_level(logging.DEBUG)
        answers: list[str] = []
        with running_service(tmp_path, sandbox) as service:
            started = service.call("POST", "/v1/accounts/connect/pinterest", json={"name": "shop"})[2]

            async def browse() -> str:
                async with (
                    aiohttp.ClientSession() as browser,
                    browser.get(started["authorizationUrl"]) as page,
                ):
                    return await page.text()

            answers.append(asyncio.run(browse()))
            service.call("PATCH", "/v1/accounts/shop", json={"defaultBoardId": BOARD})
            for method, path, body in [
                ("POST", "/v1/posts", url_post(service, accountId="shop")),
                ("POST", "/v1/posts", {"media": []}),
                ("POST", "/v1/posts/validate?online=true", url_post(service)),
                ("GET", "/v1/accounts", None),
                ("GET", "/v1/accounts/shop", None),
                ("GET", "/v1/posts", None),
                ("POST", "/v1/webhooks", {"url": "http://127.0.0.2:9/x"}),
                ("GET", "/v1/webhooks", None),
                ("GET", "/v1/nope", None),
            ]:
                _status, headers, answer = service.call(method, path, json=body)
                answers.append(json.dumps(answer) + json.dumps(dict(headers)))
            answers.append(
                json.dumps(service.call("GET", "/v1/posts", key="prk_000000000000_" + "x" * 40)[2])
            )
            secrets = [
                service.key,
                "sandbox-app-secret-3c9d",
                *sandbox.state.issued,
                *sandbox.state.refresh_tokens,
            ]
            assert len(secrets) >= 4
        logged = "\n".join(record.getMessage() + str(record.exc_text or "") for record in caplog.records)
        assert "POST /v1/posts" in logged  # the access log did log
        for secret in secrets:
            assert secret not in logged
            for answer in answers:
                assert secret not in answer
