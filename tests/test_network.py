"""The network phase against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from pinrules import Diagnostic, NetworkSettings, Preflight, UrlFacts, probe_all

from .helpers import run, write
from .media_server import HITS, media_server

LOCAL = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}), timeout=1.0)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, web.Application]]:
    with media_server() as running:
        yield running


def _facts(url: str, settings: NetworkSettings = LOCAL) -> UrlFacts:
    return asyncio.run(probe_all([url], settings))[url]


def _image_post(url: str, cover: str | None = None) -> dict[str, Any]:
    pinterest = {"boardId": "1"} | ({"coverImageUrl": cover} if cover else {})
    return {"media": [{"kind": "image", "url": url}], "options": {"pinterest": pinterest}}


def _online(post: dict[str, Any], settings: NetworkSettings = LOCAL) -> list[tuple[str, str]]:
    return [(d.rule, d.message) for d in asyncio.run(Preflight().check_online(post, network=settings))]


class TestWhatUrlsServe:
    def test_good_image_by_head(self, server) -> None:
        """A JPEG with type and length in HEAD needs one request and passes."""
        base, app = server
        facts = _facts(f"{base}/img.jpg")
        assert (facts.problem, facts.mime, facts.status) == (None, "image/jpeg", 200)
        assert app[HITS]["/img.jpg"] == 1
        assert _online(_image_post(f"{base}/img.jpg")) == []

    def test_html_page_is_named(self, server) -> None:
        """A login page instead of an image is reported as what it is."""
        base, _ = server
        assert _online(_image_post(f"{base}/login")) == [
            ("pinterest.image.mime_allowed",
             "the URL serves text/html (a login or error page?); Pinterest takes JPEG, PNG or WebP")
        ]  # fmt: skip

    def test_wrong_type_gif(self, server) -> None:
        """A GIF URL is refused for an image pin."""
        base, _ = server
        assert [c for c, _ in _online(_image_post(f"{base}/anim.gif"))] == ["pinterest.image.mime_allowed"]

    @pytest.mark.parametrize(("code", "text"), [(404, "404 Not Found"), (500, "500 Internal Server Error")])
    def test_status_errors(self, server, code: int, text: str) -> None:
        """4xx and 5xx are unreachable images, with the status in the message."""
        base, _ = server
        url = f"{base}/status/{code}"
        assert _online(_image_post(url)) == [
            ("pinterest.image_url.reachable", f"could not fetch {url}: {text}")
        ]

    def test_slow_server_times_out(self, server) -> None:
        """A server slower than the timeout is 'timed out after 1 s'."""
        base, _ = server
        assert _facts(f"{base}/slow?s=3").problem == "timed out after 1 s"

    def test_redirects_are_followed_up_to_five(self, server) -> None:
        """One redirect is fine; an endless chain stops after five."""
        base, _ = server
        assert _facts(f"{base}/redirect?to=/img.jpg").mime == "image/jpeg"
        assert _facts(f"{base}/loop/0").problem == "more than 5 redirects"

    @pytest.mark.parametrize("target", ["http://127.0.0.2:9/x.jpg", "http://169.254.169.254/latest/meta-data/",
                                        "http://[::ffff:127.0.0.3]:9/x.jpg"])  # fmt: skip
    def test_redirect_to_a_private_address_is_refused_before_connecting(self, server, target: str) -> None:
        """The guard checks every hop: a public-looking first hop cannot lead inside."""
        base, _ = server
        problem = _facts(f"{base}/redirect?to={target}").problem
        assert problem is not None
        assert "refused to connect" in problem

    def test_head_not_allowed_falls_back_to_a_ranged_get(self, server) -> None:
        """HEAD 405: the first bytes come by a ranged GET; the size from Content-Range."""
        base, _ = server
        facts = _facts(f"{base}/no-head.jpg")
        assert (facts.mime, facts.status, facts.problem) == ("image/jpeg", 206, None)
        from .media import image

        assert facts.size == len(image("JPEG"))

    def test_content_is_sniffed_over_a_vague_type(self, server) -> None:
        """A PNG served as application/octet-stream is recognised by its bytes."""
        base, _ = server
        assert _facts(f"{base}/png-named.jpg").mime == "image/png"

    def test_no_content_length_reads_only_the_first_bytes(self, server) -> None:
        """A chunked response of unknown size is sniffed without being downloaded."""
        base, _ = server
        facts = _facts(f"{base}/no-length.jpg")
        assert (facts.mime, facts.size, facts.problem) == ("image/jpeg", None, None)

    def test_huge_content_length_is_too_large_without_downloading(self, server) -> None:
        """HEAD's 50 MB Content-Length is enough to refuse the image."""
        base, _ = server
        assert _online(_image_post(f"{base}/huge.jpg")) == [
            ("pinterest.image.size_max", "the URL has 50,000,000 bytes; the limit is 20,000,000")
        ]

    def test_video_urls(self, server) -> None:
        """An MP4 passes as a video; a WebM is refused by content."""
        base, _ = server
        cover = f"{base}/img.jpg"
        for path, codes in (("/clip.mp4", []), ("/clip.webm", ["pinterest.video.mime_allowed"])):
            post = {"media": [{"kind": "video", "url": base + path}],
                    "options": {"pinterest": {"boardId": "1", "coverImageUrl": cover}}}  # fmt: skip
            assert [c for c, _ in _online(post)] == codes

    def test_cover_must_be_an_image(self, server) -> None:
        """A cover URL serving HTML is an unreachable cover, said plainly."""
        base, _ = server
        assert _online(_image_post(f"{base}/img.jpg", cover=f"{base}/login")) == [
            (
                "pinterest.cover_image_url.reachable",
                "the cover URL serves text/html (a login or error page?), not an image",
            )
        ]

    def test_connection_refused(self) -> None:
        """A closed port is 'connection refused'."""
        assert _facts("http://127.0.0.1:9/x.jpg").problem == "connection refused"

    def test_guard_is_on_by_default(self, server) -> None:
        """Without an allowance, loopback is refused before any connection."""
        base, app = server
        before = app[HITS]["/img.jpg"]
        problem = _facts(f"{base}/img.jpg", NetworkSettings()).problem
        assert problem is not None
        assert "a loopback address" in problem
        assert app[HITS]["/img.jpg"] == before


class TestScale:
    def test_identical_urls_are_fetched_once(self, server) -> None:
        """Ten posts with the same image URL make one request."""
        base, app = server
        url = f"{base}/photo.png?once"
        asyncio.run(probe_all([url] * 10, LOCAL))
        assert app[HITS]["/photo.png"] == 1

    def test_urls_are_checked_concurrently(self, server) -> None:
        """Forty URLs that each take 50 ms finish far faster than one after another (2 s)."""
        import time

        base, _ = server
        urls = [f"{base}/delayed/{n}" for n in range(40)]
        start = time.perf_counter()
        found = asyncio.run(probe_all(urls, LOCAL))
        assert all(f.problem is None for f in found.values())
        assert time.perf_counter() - start < 1.0

    def test_disk_cache_answers_repeat_runs(self, server, tmp_path: Path) -> None:
        """With a TTL, a second run within it makes no request."""
        base, app = server
        settings = NetworkSettings(
            allowed_addresses=frozenset({"127.0.0.1"}), cache_ttl=60, cache_dir=tmp_path
        )
        url = f"{base}/photo.webp"
        first = asyncio.run(probe_all([url], settings))[url]
        second = asyncio.run(probe_all([url], settings))[url]
        assert first == second
        assert app[HITS]["/photo.webp"] == 1


class TestTimeouts:
    def test_a_long_queue_for_connections_is_no_timeout(self, server) -> None:
        """600 reachable URLs through 20 connections take 1.5 s in all, three times the per-URL
        timeout of 0.5 s: every one is reachable all the same (the wait is no part of it)."""
        base, _ = server
        settings = replace(LOCAL, limit=20, limit_per_host=20, timeout=0.5)
        urls = [f"{base}/delayed/queue-{n}" for n in range(600)]
        start = time.perf_counter()
        found = asyncio.run(probe_all(urls, settings))
        assert time.perf_counter() - start > 1.5  # the queue was longer than the timeout
        assert [f.problem for f in found.values() if f.problem] == []

    def test_gathered_library_calls_wait_their_turn(self, server) -> None:
        """300 posts checked by 300 `check_online` calls at once share the connection limit of
        10: they take 1.5 s in all, and none is reported unreachable with a 0.4 s timeout."""
        base, _ = server
        settings = replace(LOCAL, limit=10, limit_per_host=10, timeout=0.4)
        preflight = Preflight()

        async def check_all() -> list[list[Diagnostic]]:
            posts = [_image_post(f"{base}/delayed/gathered-{n}") for n in range(300)]
            return await asyncio.gather(*(preflight.check_online(p, network=settings) for p in posts))

        start = time.perf_counter()
        found = asyncio.run(check_all())
        assert time.perf_counter() - start > 1.5
        assert [d.message for diagnostics in found for d in diagnostics] == []

    def test_a_silent_server_is_a_read_timeout(self, server) -> None:
        """A server that sends nothing for longer than read_timeout is named as such."""
        base, _ = server
        settings = replace(LOCAL, read_timeout=0.3, timeout=None)
        assert _facts(f"{base}/slow?s=2", settings).problem == "the server sent nothing for 0.3 s"

    def test_a_trickling_server_meets_the_overall_bound(self, server) -> None:
        """A server that never falls silent but never finishes meets the bound on the whole check."""
        base, _ = server
        settings = replace(LOCAL, read_timeout=1.0, timeout=0.5)
        assert _facts(f"{base}/trickle.jpg", settings).problem == "timed out after 0.5 s"

    def test_a_server_that_does_not_accept_is_a_connect_timeout(self) -> None:
        """A listening socket whose backlog is full never completes a connection: connect_timeout."""
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            port = listener.getsockname()[1]
            waiting = [socket.socket() for _ in range(4)]
            try:
                for client in waiting:  # fill the backlog; nobody ever accepts
                    client.setblocking(False)
                    with contextlib.suppress(BlockingIOError):
                        client.connect(("127.0.0.1", port))
                settings = replace(LOCAL, connect_timeout=0.3, timeout=5.0)
                facts = _facts(f"http://127.0.0.1:{port}/a.jpg", settings)
            finally:
                for client in waiting:
                    client.close()
        assert facts.problem == "could not connect within 0.3 s"

    def test_the_default_bound_covers_a_fallback_get(self) -> None:
        """Without a set total, one URL may take its connection and two silent waits (HEAD,
        then the ranged GET)."""
        settings = NetworkSettings(connect_timeout=2, read_timeout=7)
        assert settings.total_timeout == 16

    def test_timeouts_from_the_command_line_and_the_settings_file(self, server, tmp_path: Path) -> None:
        """--read-timeout on lint --online, and read-timeout in [tool.pinrules], set the wait;
        the flag wins over the file; without --online the flag is a usage error."""
        base, _ = server
        post = write(tmp_path / "p.json", _image_post(f"{base}/slow?s=3"))
        flags = ["lint", "--online", "--allow-private-network", "--format", "json"]
        result = run(*flags, "--isolated", "--read-timeout", "0.5", post)
        [diagnostic] = json.loads(result.stdout)
        assert diagnostic["message"].endswith("the server sent nothing for 0.5 s")
        write(tmp_path / "pyproject.toml", "[tool.pinrules]\nread-timeout = 0.4\nconnect-timeout = 2\n")
        [diagnostic] = json.loads(run(*flags, post, cwd=tmp_path).stdout)
        assert diagnostic["message"].endswith("the server sent nothing for 0.4 s")
        [diagnostic] = json.loads(run(*flags, "--read-timeout", "0.6", post, cwd=tmp_path).stdout)
        assert diagnostic["message"].endswith("the server sent nothing for 0.6 s")
        refused = run("lint", "--isolated", "--read-timeout", "1", post)
        assert refused.returncode == 2
        assert "add --online" in refused.stderr
        write(tmp_path / "pyproject.toml", "[tool.pinrules]\nconnect-timeout = 0\n")
        broken = run("lint", post, cwd=tmp_path)
        assert broken.returncode == 2
        assert "connect-timeout: must be a number of seconds, more than 0" in broken.stderr


class TestCommandLine:
    def test_lint_online_against_the_server(self, server, tmp_path: Path) -> None:
        """The real command with --online and --allow-private-network reports with positions."""
        base, _ = server
        post = write(tmp_path / "p.json", _image_post(f"{base}/status/404"))
        result = run("lint", "--isolated", "--online", "--allow-private-network", "--format", "json", post)
        [diagnostic] = json.loads(result.stdout)
        assert (diagnostic["rule"], diagnostic["line"], diagnostic["pointer"]) == (
            "pinterest.image_url.reachable", 5, "/media/0/url"  # {, "media": [, {, "kind", "url"
        )  # fmt: skip
        assert result.returncode == 1

    def test_lint_online_refuses_loopback_by_default(self, server, tmp_path: Path) -> None:
        """Without the flag, the same post is refused and the message says how to allow it."""
        base, _ = server
        post = write(tmp_path / "p.json", _image_post(f"{base}/img.jpg"))
        result = run("lint", "--isolated", "--online", post)
        assert "--allow-private-network" in result.stdout
        assert result.returncode == 1

    def test_offline_lint_never_imports_aiohttp(self, tmp_path: Path) -> None:
        """The default lint path starts fast: aiohttp is not imported."""
        import subprocess
        import sys

        post = write(tmp_path / "p.json", _image_post("https://cdn.example.com/a.jpg"))
        script = (
            f"import sys; from pinrules import main; main(['lint', {str(post)!r}])\n"
            "print('aiohttp' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip().splitlines()[-1] == "False"
