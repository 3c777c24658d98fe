"""One bad post never sinks a run, and a post file cannot make pinrules upload any file it can
read: hostile paths, full disks (RLIMIT_FSIZE in a subprocess), and an account store that
cannot be written after a refresh. The real command wherever a run is involved."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pinrules import MediaFolders, Preflight
from publisher import (
    Account,
    AccountStore,
    Event,
    Events,
    Journal,
    OAuthApp,
    OAuthFlow,
    PinterestClient,
    Publisher,
    PublishOptions,
    RefreshFailed,
    Secret,
    Status,
    TokenManager,
)
from publisher.sandbox import Fault

from .gateway import Answer, running_gateway
from .helpers import (
    APP_ID,
    APP_SECRET,
    BOARD,
    LOCAL,
    TOKEN,
    Sandbox,
    connect_through_oauth,
    refresh_requests,
    write,
)
from .media import image, video

SECRET_IMAGE = image("JPEG", (40, 30))  # a file outside the posts' folder: must never be sent


def command(api: str, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pinrules", "publish", "--allow-private-network", "--format", "json",
            *map(str, args)]  # fmt: skip


def run(
    api: str,
    *args: str | Path,
    cwd: Path | None = None,
    limit: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real `pinrules publish`, with files limited to `limit` bytes when given (a full disk)."""

    def small_disk() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    environment = {**os.environ, "PINTEREST_ACCESS_TOKEN": TOKEN, "PINTEREST_API_BASE": api, **(env or {})}
    return subprocess.run(command(api, *args), capture_output=True, text=True, cwd=cwd, env=environment,
                          preexec_fn=small_disk, check=False, timeout=120)  # fmt: skip


def url_post(sandbox: Sandbox, n: int) -> dict[str, Any]:
    return {
        "id": f"soup-{n}",
        "title": f"Soup {n}",
        "media": [{"kind": "image", "url": sandbox.url("soup.jpg")}],
        "options": {"pinterest": {"boardId": BOARD}},
    }


def path_post(name: str, path: str) -> dict[str, Any]:
    return {"id": name, "title": name, "media": [{"kind": "image", "path": path}],
            "options": {"pinterest": {"boardId": BOARD}}}  # fmt: skip


def sent_images(sandbox: Sandbox) -> list[bytes]:
    """The bytes of every inline image the stand-in received."""
    return [
        base64.b64decode(body["media_source"]["data"])
        for method, path, body in sandbox.state.requests
        if path == "/v5/pins" and body["media_source"]["source_type"] == "image_base64"
    ]


class TestOneBadPost:
    def test_bad_paths_among_good_posts(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A NUL, a lone surrogate and a name that is not UTF-8 among 20 good posts (the run):
        23 results printed, the 20 good pins made, the three rejected with their reason."""
        for n in range(20):
            write(tmp_path / "posts" / f"good-{n:02}.json", url_post(sandbox, n))
        for name, path in (("nul", "soup\x00.jpg"), ("surrogate", "\ud800.jpg"), ("bytes", "\udcff.jpg")):
            write(tmp_path / "posts" / f"bad-{name}.json", json.dumps(path_post(name, path)))
        result = run(sandbox.api, "--journal", tmp_path / "j.sqlite3", tmp_path / "posts")
        outcomes = {r["id"]: r for r in json.loads(result.stdout)}
        assert len(outcomes) == 23
        assert sorted(r["status"] for r in outcomes.values()) == ["published"] * 20 + ["rejected"] * 3
        for bad in ("nul", "surrogate", "bytes"):
            assert [d["rule"] for d in outcomes[bad]["diagnostics"]] == ["post.media.path_readable"]
        assert len(sandbox.state.pins) == 20
        assert (result.returncode, "Traceback" in result.stderr) == (1, False)

    def test_a_full_disk_under_the_journal(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """The journal cannot grow past 64 KB mid-run: every post still has its result, none is
        sent without its record, and a second run makes no second pin for any post."""
        for n in range(20):
            write(tmp_path / "posts" / f"p{n:02}.json", url_post(sandbox, n))
        journal = tmp_path / "j.sqlite3"
        first = run(sandbox.api, "--journal", journal, tmp_path / "posts", limit=64 * 1024)
        outcomes = json.loads(first.stdout)
        assert (len(outcomes), "Traceback" in first.stderr, first.returncode) == (20, False, 1)
        statuses = {r["status"] for r in outcomes}
        assert "retry" in statuses
        assert statuses <= {"published", "retry", "unknown"}
        stopped = [r for r in outcomes if r["status"] == "retry"]
        assert {d["rule"] for r in stopped for d in r["diagnostics"]} == {"pinrules.journal.unwritable"}
        made = {r["pin_id"] for r in outcomes if r["pin_id"]}
        assert made <= set(sandbox.state.pins)
        second = run(sandbox.api, "--journal", journal, tmp_path / "posts")
        assert {r["status"] for r in json.loads(second.stdout)} <= {"published", "claimed_elsewhere"}
        assert sorted(pin["title"] for pin in sandbox.state.pins.values()) == sorted(
            {pin["title"] for pin in sandbox.state.pins.values()}
        )  # no post has two pins

    def test_a_full_disk_while_a_video_downloads(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """A 3 MB video URL and files limited to 1 MB: the post fails with the reason, the other
        post is published, and no temporary file is left behind."""
        (sandbox.dir / "files" / "big.mp4").write_bytes(video("mp4") + b"\0" * 3_000_000)
        cover = {"boardId": BOARD, "coverImageUrl": sandbox.url("cover.jpg")}
        clip = {
            "id": "clip",
            "media": [{"kind": "video", "url": sandbox.url("big.mp4")}],
            "options": {"pinterest": cover},
        }
        temporary = tmp_path / "tmp"
        temporary.mkdir()
        posts = [write(tmp_path / "clip.json", clip), write(tmp_path / "soup.json", url_post(sandbox, 1))]
        result = run(sandbox.api, "--journal", tmp_path / "j.sqlite3", *posts, limit=1_000_000,
                     env={"TMPDIR": str(temporary)})  # fmt: skip
        video_result, image_result = json.loads(result.stdout)
        assert [d["rule"] for d in video_result["diagnostics"]] == ["pinterest.video.upload_failed"]
        assert "cannot store the download" in video_result["diagnostics"][0]["message"]
        assert image_result["status"] == "published"
        assert list(temporary.iterdir()) == []
        assert "Traceback" not in result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a settings file (allowing ../allowed), posts, and files in and out of it."""
    root = tmp_path / "project"
    write(root / "pyproject.toml", '[tool.pinrules]\nmedia-folders = ["../allowed"]\n')
    for where, data in ((root / "posts" / "soup.jpg", image("JPEG")),
                        (root / "images" / "ok.jpg", image("PNG")),
                        (tmp_path / "allowed" / "a.jpg", image("JPEG", (8, 8))),
                        (tmp_path / "outside" / "secret.jpg", SECRET_IMAGE),
                        (tmp_path / "home" / "secret.jpg", SECRET_IMAGE)):  # fmt: skip
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_bytes(data)
    (root / "posts" / "link.jpg").symlink_to(Path("..") / ".." / "outside" / "secret.jpg")
    posts = {
        "absolute": str(tmp_path / "outside" / "secret.jpg"),
        "home": "~/secret.jpg",
        "dotdot": "../../outside/secret.jpg",
        "link": "link.jpg",
        "up": "../images/ok.jpg",
        "allowed": str(tmp_path / "allowed" / "a.jpg"),
        "plain": "soup.jpg",
    }
    for name, path in posts.items():
        write(root / "posts" / f"{name}.json", path_post(name, path))
    return root


class TestPathsStayInside:
    OUTSIDE_AS_WRITTEN = ("absolute", "dotdot", "home")

    def lint(self, project: Path, *args: str) -> dict[str, list[str]]:
        env = {**os.environ, "HOME": str(project.parent / "home")}
        lint = [sys.executable, "-m", "pinrules", "lint", "--format", "json", *args, "posts"]
        result = subprocess.run(lint, capture_output=True, text=True, cwd=project, env=env, check=False)
        found: dict[str, list[str]] = {}
        for d in json.loads(result.stdout):
            found.setdefault(Path(d["file"]).stem, []).append(d["rule"])
        return found

    def test_lint_offline_sees_absolute_home_and_dotdot_paths(self, project: Path) -> None:
        """Without touching the files: the three paths that leave the project as written."""
        found = self.lint(project)
        outside = tuple(sorted(n for n, rules in found.items() if "post.media.path_outside" in rules))
        assert outside == self.OUTSIDE_AS_WRITTEN

    def test_lint_online_also_follows_symlinks(self, project: Path) -> None:
        """With the files looked at, a symlink that leads out is reported too."""
        found = self.lint(project, "--online")
        outside = sorted(n for n, rules in found.items() if "post.media.path_outside" in rules)
        assert outside == sorted([*self.OUTSIDE_AS_WRITTEN, "link"])

    def test_publish_sends_nothing_from_outside(self, sandbox: Sandbox, project: Path) -> None:
        """By each route (absolute, ~, .., symlink) the post is rejected and the outside file is
        never sent; paths into the project and into an allowed folder are published (the run)."""
        result = run(sandbox.api, "--journal", project.parent / "j.sqlite3", "posts", cwd=project,
                     env={"HOME": str(project.parent / "home")})  # fmt: skip
        outcomes = {r["id"]: r for r in json.loads(result.stdout)}
        for name in [*self.OUTSIDE_AS_WRITTEN, "link"]:
            assert outcomes[name]["status"] == "rejected"
            assert [d["rule"] for d in outcomes[name]["diagnostics"]] == ["post.media.path_outside"]
        assert [outcomes[name]["status"] for name in ("up", "allowed", "plain")] == ["published"] * 3
        assert SECRET_IMAGE not in sent_images(sandbox)
        assert len(sent_images(sandbox)) == 3

    def test_a_symlink_swapped_after_the_checks_is_caught_at_open(
        self, sandbox: Sandbox, project: Path
    ) -> None:
        """The link points inside while preflight looks, and outside once the board lookup has
        begun: the file opened for sending is checked itself, so nothing outside is sent."""
        link = project / "posts" / "link.jpg"
        link.unlink()
        link.symlink_to(Path("..") / "images" / "ok.jpg")
        sandbox.state.faults.add("GET /v5/boards/{board_id}", Fault("slow", seconds=1.0))

        def swap() -> None:
            deadline = time.monotonic() + 10
            while sandbox.state.hits["GET /v5/boards/{board_id}"] == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            link.unlink()
            link.symlink_to(Path("..") / ".." / "outside" / "secret.jpg")

        swapper = threading.Thread(target=swap)
        swapper.start()

        async def go() -> Any:
            async with PinterestClient(TOKEN, sandbox.api) as client:
                options = PublishOptions(network=LOCAL, media=MediaFolders(project))
                publisher = Publisher(client, Journal(project.parent / "j.sqlite3"), Preflight(), options)
                return await publisher.publish(path_post("link", "link.jpg"), base_dir=project / "posts")

        result = asyncio.run(go())
        swapper.join()
        assert (result.status, [d.rule for d in result.diagnostics]) == (
            Status.REJECTED,
            ["post.media.path_outside"],
        )
        assert (sandbox.state.hits["POST /v5/pins"], sent_images(sandbox)) == (0, [])


class Stand:
    """The stand-in with an OAuth app, and an account connected through it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        sandbox.state.apps[APP_ID] = APP_SECRET

    def app(self, secret: str = APP_SECRET, base: str | None = None) -> OAuthApp:
        return OAuthApp(APP_ID, Secret(secret), "http://127.0.0.1:9/cb", f"{self.sandbox.base}/oauth/",
                        base or self.sandbox.api)  # fmt: skip

    def connect(self, store: Path) -> Account:
        account = connect_through_oauth(self.sandbox, scopes=("boards:read", "pins:read", "pins:write"))
        expiring = replace(account, access_expires_at=time.time() + 3600)  # a refresh is due
        accounts = AccountStore(store)
        accounts.save(expiring)
        accounts.close()
        return expiring

    def refreshes(self) -> int:
        return refresh_requests(self.sandbox.state)


@pytest.fixture
def stand(sandbox: Sandbox) -> Stand:
    return Stand(sandbox)


def _token_script(store: Path, stand: Stand) -> str:
    """A process that refreshes with the store unwritable (files limited to 1 KB), then writable."""
    return f"""
import asyncio, resource
from publisher import AccountStore, OAuthApp, OAuthFlow, Secret, TokenManager, TokensUnsaved
app = OAuthApp({APP_ID!r}, Secret({APP_SECRET!r}), "http://127.0.0.1:9/cb", "", {stand.sandbox.api!r})
manager = TokenManager(AccountStore({str(store)!r}), OAuthFlow(app))
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
for attempt in range(2):
    try:
        asyncio.run(manager.token("acc"))
    except TokensUnsaved as error:
        print("unsaved:", error)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
print("token:", asyncio.run(manager.token("acc")) == manager.store.require("acc").access_token)
"""


class TestTokens:
    def test_a_refreshed_pair_survives_a_store_that_cannot_be_written(
        self, stand: Stand, tmp_path: Path
    ) -> None:
        """The store cannot be written after a refresh: the new pair is kept and the write is
        tried again (never the refresh); once the disk allows it, the pair is stored and works."""
        store = tmp_path / "accounts.sqlite3"
        old = stand.connect(store)
        result = subprocess.run([sys.executable, "-c", _token_script(store, stand)], capture_output=True,
                                text=True, check=False, timeout=60)  # fmt: skip
        lines = result.stdout.splitlines()
        assert [line.split(":")[0] for line in lines] == ["unsaved", "unsaved", "token"], result.stderr
        assert str(store) in lines[0]
        assert lines[2] == "token: True"
        assert stand.refreshes() == 1
        stored = AccountStore(store).require("acc")
        assert stored.refresh_token != old.refresh_token
        assert stored.refresh_token.reveal() in stand.sandbox.state.refresh_tokens  # the live one

    def test_the_command_stops_and_says_so(self, stand: Stand, tmp_path: Path) -> None:
        """`pinrules publish --account` with an unwritable store: the report, then exit 2 naming
        the store; one refresh, nothing sent (the run)."""
        store = tmp_path / "accounts.sqlite3"
        stand.connect(store)
        posts = [write(tmp_path / f"p{n}.json", url_post(stand.sandbox, n)) for n in range(3)]
        env = {"PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        result = run(stand.sandbox.api, "--account", "acc", "--store", store, "--no-journal", *posts,
                     limit=1024, env=env)  # fmt: skip
        outcomes = json.loads(result.stdout)
        assert [r["status"] for r in outcomes] == ["retry"] * 3
        assert {d["rule"] for r in outcomes for d in r["diagnostics"]} == {"pinterest.account.tokens_unsaved"}
        assert result.returncode == 2
        assert result.stderr.startswith(
            "pinrules: account 'acc' was refreshed, but its new tokens could not be stored"
        )
        assert (stand.refreshes(), stand.sandbox.state.pins) == (1, {})

    @pytest.mark.parametrize(
        ("trouble", "cause"),
        [("wrong app secret", "401"), ("network down", "failed"), ("Pinterest unavailable", "503")],
    )
    def test_a_refresh_that_fails_for_another_reason_is_not_a_reconnect(
        self, stand: Stand, tmp_path: Path, trouble: str, cause: str
    ) -> None:
        """A wrong app secret, no network or a 503 is reported as what it is: RefreshFailed, no
        account.reauth_required; a publish says retry later (pinterest.account.refresh_failed)."""
        store = tmp_path / "accounts.sqlite3"
        stand.connect(store)
        events, seen = Events(), list[Event]()
        events.subscribe("account.reauth_required", seen.append)
        with contextlib.ExitStack() as stack:
            app = (
                stand.app(secret="wrong")
                if trouble == "wrong app secret"
                else stand.app(base="http://127.0.0.1:9/v5")
            )
            if trouble == "Pinterest unavailable":
                base, gateway = stack.enter_context(running_gateway(stand.sandbox.base))
                gateway.answer("POST /v5/oauth/token", *[Answer(503, forward=False)] * 2)
                app = stand.app(base=f"{base}/v5")
            manager = TokenManager(AccountStore(store), OAuthFlow(app), events)
            with pytest.raises(RefreshFailed, match=cause):
                asyncio.run(manager.token("acc"))
            result = asyncio.run(self.publish_with(manager, stand))
        assert (result.status, [d.rule for d in result.diagnostics]) == (
            Status.RETRY, ["pinterest.account.refresh_failed"]
        )  # fmt: skip
        assert (seen, stand.refreshes()) == ([], 0)

    @staticmethod
    async def publish_with(manager: TokenManager, stand: Stand) -> Any:
        source, unauthorized = manager.client_auth("acc")
        async with PinterestClient(Secret(""), stand.sandbox.api, token_source=source,
                                   on_unauthorized=unauthorized) as client:  # fmt: skip
            return await Publisher(client, None, Preflight(), PublishOptions(network=LOCAL)).publish(
                url_post(stand.sandbox, 1)
            )
