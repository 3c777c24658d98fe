"""What several test modules share: paths, the command-line runner, and the stand-in.

Test modules import from here (and from `media`, `media_server`, `strategies`, `reference`),
never from each other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from pinrules import NetworkSettings, pinterest
from publisher import Account, Backend, OAuthApp, OAuthFlow, Secret
from publisher.sandbox import SandboxState, demo_state, make_app
from service import ServiceStore

from .measure import Measured, measure
from .media import image, video
from .media_server import ServerThread

ROOT = Path(__file__).resolve().parent.parent
# Public test corpora: the workplace's shared folder beside the checkout when there is one (CI
# lays it there), else the copies in tests/data/shared, so that a clone on its own passes too.
_BESIDE = ROOT.parent / "shared"
SHARED = Path(
    os.environ.get("PINRULES_SHARED_DIR")
    or (_BESIDE if (_BESIDE / "jsontestsuite").is_dir() else ROOT / "tests" / "data" / "shared")
)

GOOD = {  # no id: copies of it in several files are not one post reused
    "media": [{"kind": "image", "url": "https://cdn.example.com/soup.jpg"}],
    "options": {"pinterest": {"boardId": "549755885175"}},
}
TOKEN = "sandbox-test-token-5f2a9c"
BOARD = "549755885175"
# the stand-in and test servers listen on 127.0.0.1: let exactly that address through the guard
LOCAL = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}), timeout=5)


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """The real `pinrules` command, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "pinrules", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, check=False, env=env, input=stdin)  # fmt: skip


def run_bounded(*args: str | Path, memory_mb: int = 512, timeout: float = 60, stdin: bytes | None = None,
                cwd: Path | None = None) -> Measured:  # fmt: skip
    """The real `pinrules` command under an address-space limit (RLIMIT_AS) and a time cap."""
    command = [sys.executable, "-m", "pinrules", *map(str, args)]
    return measure(command, stdin=stdin, cwd=cwd, memory_mb=memory_mb, timeout=timeout)


def write(path: Path, value: object | str) -> Path:
    """A file holding `value` (JSON unless it is already text), its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2), encoding="utf-8")
    return path


@dataclass
class Sandbox:
    """A running stand-in: its base URL, its state, and a folder with media files."""

    base: str
    state: SandboxState
    dir: Path

    @property
    def api(self) -> str:
        return f"{self.base}/v5"

    def url(self, name: str) -> str:
        return f"{self.base}/files/{name}"


@contextmanager
def running_sandbox(folder: Path, token: str = TOKEN) -> Iterator[Sandbox]:
    """The stand-in on a free loopback port, serving soup.jpg, cover.jpg, clip.mp4 and page.html
    from `folder`/files (copies of them lie in `folder` too)."""
    files = folder / "files"
    files.mkdir(exist_ok=True)
    for name, data in (
        ("soup.jpg", image("JPEG")),
        ("cover.jpg", image("JPEG")),
        ("clip.mp4", video("mp4")),
        ("page.html", b"<!doctype html><html></html>"),
    ):
        (files / name).write_bytes(data)
        (folder / name).write_bytes(data)
    state = demo_state(token)
    state.files = files
    state.faults.processing_seconds = 0.05
    server = ServerThread(make_app(state))
    base = server.start()
    try:
        yield Sandbox(base, state, folder)
    finally:
        server.stop()


APP_ID, APP_SECRET = "1500123", "sandbox-app-secret-3c9d"


def stand_in_app(sandbox: Sandbox) -> OAuthApp:
    """The test OAuth app, registered with the stand-in (its callback is never called)."""
    sandbox.state.apps[APP_ID] = APP_SECRET
    return OAuthApp(
        APP_ID, Secret(APP_SECRET), "http://127.0.0.1:9/cb", f"{sandbox.base}/oauth/", sandbox.api
    )


def connect_through_oauth(
    sandbox: Sandbox, name: str = "acc", scopes: tuple[str, ...] | None = None
) -> Account:
    """An account connected to the stand-in as a person does it: the consent page redirects back
    with a code, which the flow exchanges for tokens (`scopes` None: the flow's default ones)."""
    from urllib.parse import parse_qs, urlsplit

    import aiohttp

    flow = OAuthFlow(stand_in_app(sandbox))

    async def go() -> Account:
        url = flow.authorization_url() if scopes is None else flow.authorization_url(scopes)
        async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as answer:
            query = parse_qs(urlsplit(answer.headers["Location"]).query)
        return await flow.complete(query["code"][0], query["state"][0], name)

    return asyncio.run(go())


@contextmanager
def waiting_connect(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`pinrules accounts connect --no-browser` started and waiting, with its consent URL."""
    command = [sys.executable, "-m", "pinrules", "accounts", "connect", "--no-browser", *args]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        line = ""
        while not line.startswith("  http"):
            line = process.stdout.readline()
            assert line or process.poll() is None, process.communicate()
        try:
            yield process, line.strip()
        finally:
            if process.poll() is None:
                process.kill()


def refresh_requests(state: SandboxState) -> int:
    """How many token refreshes the stand-in was asked for."""
    return sum(1 for _, path, form in state.requests
               if path == "/v5/oauth/token" and form.get("grant_type") == "refresh_token")  # fmt: skip


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago (for a service that must know its URL first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningService:
    """The posting service over loopback, with the stand-in as Pinterest and one API key."""

    base: str
    key: str
    store: ServiceStore
    backend: Backend
    sandbox: Sandbox
    folder: Path

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}", **extra}

    def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any, Any]:
        """One request with the API key: status, headers, and the body (JSON when it is, else text)."""
        import aiohttp

        async def go() -> tuple[int, Any, Any]:
            async with aiohttp.ClientSession() as session:
                sent = self.headers(key) | (headers or {})
                async with session.request(method, self.base + path, headers=sent, **kwargs) as response:
                    text = await response.text()
                    try:
                        body: Any = json.loads(text)
                    except ValueError:
                        body = text
                    return response.status, response.headers.copy(), body

        return asyncio.run(go())

    def upload(self, data: bytes, name: str = "file.bin", key: str | None = None) -> tuple[int, Any, Any]:
        import aiohttp

        form = aiohttp.FormData()
        form.add_field("file", data, filename=name, content_type="application/octet-stream")
        return self.call("POST", "/v1/media", data=form, key=key)

    def new_key(self, workspace: str) -> str:
        return self.store.create_key(workspace, "test")[1].reveal()

    def connect_account(
        self, name: str = "shop", workspace: str = "default", board: str | None = BOARD
    ) -> None:
        """An account as the OAuth flow stores it, with the stand-in's long-lived test token."""
        now = time.time()
        assert self.backend.accounts is not None
        self.backend.accounts.save(
            Account(
                name=name,
                user_id="sandbox-user",
                username="sandbox",
                scopes=pinterest.PUBLISH_SCOPES,
                access_token=Secret(TOKEN),
                access_expires_at=now + 30 * 86400,
                refresh_token=Secret("pinr_unused"),
                refresh_expires_at=now + 365 * 86400,
                default_board_id=board,
                connected_at=now,
                workspace=workspace,
            )
        )


@contextmanager
def running_service(
    folder: Path, sandbox: Sandbox, *, public: bool = False, oauth: bool = True, **settings: Any
) -> Iterator[RunningService]:
    """`make_app` on a free port (its own URL as --public-url with `public`), its stores in
    `folder`/db (or the `database` setting given), the stand-in's OAuth app registered (and
    given to the app, unless `oauth` is False: then it comes from the environment, as with
    `pinrules serve`)."""
    from publisher import DeliverySettings, OAuthApp, open_backend
    from service import AccessLogger, ServiceSettings, make_app, open_service_store

    database = settings.get("database") or f"sqlite:{folder / 'db'}"
    # the test's own connections; the service opens its own in the thread that serves it
    backend = open_backend(database, create_accounts=True)
    store = open_service_store(database, backend=backend)
    sandbox.state.apps[APP_ID] = APP_SECRET
    oauth_app = OAuthApp(APP_ID, Secret(APP_SECRET), "", f"{sandbox.base}/oauth/", sandbox.api)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options: dict[str, Any] = {
        "base_url": sandbox.api,
        "network": LOCAL,
        "poll_interval": 0.02,
        "delivery": DeliverySettings(poll_interval=0.05, retry_base=0.2, retry_cap=0.5),
        "public_url": base if public else None,
        "database": database,
    } | settings
    app = make_app(ServiceSettings(**options), oauth_app=oauth_app if oauth else None)
    server = ServerThread(
        app, port, access_log=logging.getLogger("aiohttp.access"), access_log_class=AccessLogger
    )
    server.start()
    try:
        yield RunningService(
            base, store.create_key("default", "test")[1].reveal(), store, backend, sandbox, folder
        )
    finally:
        server.stop()
        backend.close()
        store.close()


class Receiver:
    """A webhook receiver on loopback that fails its first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        self.arrived = threading.Event()
        app = web.Application()
        app.router.add_post("/hook", self.hook)
        self.server = ServerThread(app)

    async def hook(self, request: web.Request) -> web.Response:
        status = 500 if len(self.received) < self.failures else 204
        self.received.append((dict(request.headers), await request.read(), status))
        if status == 204:
            self.arrived.set()
        return web.Response(status=status)

    def __enter__(self) -> Receiver:
        self.url = self.server.start() + "/hook"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
