"""Accounts: OAuth connect, the token store, refresh, events, and account-aware checks,
against the local stand-in over loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pinrules import Preflight
from publisher import (
    Account,
    AccountStore,
    Event,
    Events,
    Journal,
    OAuthApp,
    OAuthError,
    OAuthFlow,
    PinterestClient,
    Publisher,
    PublishOptions,
    ReauthRequired,
    Secret,
    Status,
    StoreError,
    TokenManager,
    open_backend,
)
from publisher.sandbox import SandboxState, demo_state, make_app

from .helpers import LOCAL, run, waiting_connect
from .media import image
from .media_server import ServerThread

APP_ID, APP_SECRET = "1234567", "app-secret-9f8e7d"
DAY = 86400.0


@dataclass
class Stand:
    base: str
    state: SandboxState

    @property
    def api(self) -> str:
        return f"{self.base}/v5"

    def app(self, redirect_uri: str = "http://127.0.0.1:9/callback") -> OAuthApp:
        return OAuthApp(APP_ID, Secret(APP_SECRET), redirect_uri, f"{self.base}/oauth/", self.api)

    def refreshes(self) -> int:
        return sum(
            1
            for _, path, form in self.state.requests
            if path == "/v5/oauth/token" and form.get("grant_type") == "refresh_token"
        )


@pytest.fixture
def stand() -> Iterator[Stand]:
    state = demo_state("static-token")
    state.apps[APP_ID] = APP_SECRET
    server = ServerThread(make_app(state))
    base = server.start()
    try:
        yield Stand(base, state)
    finally:
        server.stop()


async def _authorise(url: str) -> tuple[str, str]:
    """What a person's browser does: open the consent page, which redirects back with a code."""
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as answer:
        query = dict(x.split("=", 1) for x in answer.headers["Location"].split("?", 1)[1].split("&"))
    return query["code"], query["state"]


def account_client(stand: Stand, manager: TokenManager, name: str = "acc") -> PinterestClient:
    """A client that takes its token from the manager and refreshes once on a 401."""
    source, unauthorized = manager.client_auth(name)
    return PinterestClient(Secret(""), stand.api, token_source=source, on_unauthorized=unauthorized)


def connect(stand: Stand, flow: OAuthFlow | None = None, scopes: tuple[str, ...] = ()) -> Account:
    flow = flow or OAuthFlow(stand.app())

    async def go() -> Account:
        code, state = await _authorise(
            flow.authorization_url(scopes or ("boards:read", "pins:read", "pins:write"))
        )
        return await flow.complete(code, state, "acc")

    return asyncio.run(go())


class TestConnect:
    def test_code_flow_end_to_end(self, stand: Stand) -> None:
        """Consent, code exchange with basic auth and continuous refresh, then the user account."""
        account = connect(stand)
        assert (account.name, account.username) == ("acc", "sandbox")
        assert account.scopes == (
            "boards:read,pins:read,pins:write".replace(",", " ").split()[0],
            "pins:read",
            "pins:write",
        )
        assert account.access_expires_at - time.time() == pytest.approx(30 * DAY, abs=60)
        _, _, form = next(r for r in stand.state.requests if r[1] == "/v5/oauth/token")
        assert (form["grant_type"], form["continuous_refresh"]) == ("authorization_code", "true")

    def test_authorization_url_names_client_scopes_and_state(self, stand: Stand) -> None:
        """The consent URL carries client id, redirect URI, response type, scopes and a state."""
        url = OAuthFlow(stand.app()).authorization_url(("boards:read", "pins:read_secret"))
        assert url.startswith(f"{stand.base}/oauth/?client_id={APP_ID}&redirect_uri=")
        assert "response_type=code" in url
        assert "scope=boards%3Aread%2Cpins%3Aread_secret" in url
        assert "&state=" in url

    def test_state_is_one_time_and_expires(self, stand: Stand) -> None:
        """A wrong, reused or ten-minute-old state is refused before any code is exchanged."""
        now = [1000.0]
        flow = OAuthFlow(stand.app(), clock=lambda: now[0])

        async def attempt(mangle: str = "", wait: float = 0, twice: bool = False) -> None:
            code, state = await _authorise(flow.authorization_url())
            now[0] += wait
            if twice:
                await flow.complete(code, state, "acc")
            await flow.complete(code, state + mangle, "acc")

        for kwargs in ({"mangle": "x"}, {"wait": 601}, {"twice": True}):
            with pytest.raises(OAuthError, match="state"):
                asyncio.run(attempt(**kwargs))

    def test_wrong_app_secret_is_refused_without_echoing_it(self, stand: Stand) -> None:
        """Bad client credentials fail the exchange; the error shows no secret."""
        app = replace(stand.app(), client_secret=Secret("not-the-secret"))
        with pytest.raises(OAuthError) as caught:
            connect(stand, OAuthFlow(app))
        assert "not-the-secret" not in str(caught.value)

    def test_command_line_connect(self, stand: Stand, tmp_path: Path) -> None:
        """`pinrules accounts connect` serves the callback on 127.0.0.1 and stores the account (0600)."""
        store = tmp_path / "accounts.sqlite3"
        env = {
            **os.environ,
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_OAUTH_URL": f"{stand.base}/oauth/",
            "PINTEREST_API_BASE": stand.api,
        }
        with waiting_connect(env, "--name", "shop", "--secret-boards", "--store", str(store)) as (
            process,
            url,
        ):
            urllib.request.urlopen(url, timeout=10).read()  # the browser: consent, then the callback
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "connected shop: Pinterest user sandbox" in out
        assert "pins:read_secret" in out
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        listing = subprocess.run(
            [sys.executable, "-m", "pinrules", "accounts", "show", "shop", "--store", str(store)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        account = AccountStore(store).require("shop")
        for token in (account.access_token.reveal(), account.refresh_token.reveal()):
            assert token not in out + err + listing


def _stored(tmp_path: Path, account: Account, **changes: Any) -> AccountStore:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    store.save(replace(account, **changes))
    return store


class TestRefresh:
    def test_no_refresh_outside_the_window_one_inside(self, stand: Stand, tmp_path: Path) -> None:
        """Two days before expiry nothing happens; 23 hours before, one refresh rotates both tokens."""
        account = connect(stand)
        store = _stored(tmp_path, account)
        now = [account.access_expires_at - 2 * DAY]
        manager = TokenManager(store, OAuthFlow(stand.app(), clock=lambda: now[0]), clock=lambda: now[0])
        assert asyncio.run(manager.token("acc")) == account.access_token
        assert stand.refreshes() == 0
        now[0] = account.access_expires_at - 23 * 3600
        fresh = asyncio.run(manager.token("acc"))
        assert fresh != account.access_token
        assert stand.refreshes() == 1
        stored = store.require("acc")
        assert (stored.access_token, stored.refresh_token != account.refresh_token) == (fresh, True)

    def test_concurrent_callers_share_one_refresh(self, stand: Stand, tmp_path: Path) -> None:
        """Twenty publishes asking at once inside the window cause exactly one refresh."""
        account = connect(stand)
        store = _stored(tmp_path, account, access_expires_at=time.time() + 3600)
        manager = TokenManager(store, OAuthFlow(stand.app()))

        async def many() -> set[Secret]:
            return set(await asyncio.gather(*(manager.token("acc") for _ in range(20))))

        tokens = asyncio.run(many())
        assert len(tokens) == 1
        assert stand.refreshes() == 1

    def test_events(self, stand: Stand, tmp_path: Path) -> None:
        """token.expiring inside the refresh token's window, token.refreshed, account.reauth_required."""
        account = connect(stand)
        store = _stored(
            tmp_path, account, access_expires_at=time.time() + 3600, refresh_expires_at=time.time() + 3 * DAY
        )
        events, seen = Events(), list[Event]()
        for name in ("token.expiring", "token.refreshed", "account.reauth_required"):
            events.subscribe(name, seen.append)
        manager = TokenManager(store, OAuthFlow(stand.app()), events)
        asyncio.run(manager.token("acc"))
        assert [e.name for e in seen] == ["token.expiring", "token.refreshed"]
        stand.state.refresh_tokens.clear()  # the person revoked the app
        with pytest.raises(ReauthRequired, match="pinrules accounts connect --name acc"):
            asyncio.run(manager.refresh("acc"))
        assert seen[-1] == Event("account.reauth_required", "acc", seen[-1].detail)
        with pytest.raises(ValueError, match="unknown event"):
            events.subscribe("token.expired", seen.append)

    def test_a_401_refreshes_once_and_retries(self, stand: Stand, tmp_path: Path) -> None:
        """A token Pinterest stopped accepting is refreshed once; the request then succeeds."""
        account = connect(stand)
        store = _stored(tmp_path, account)
        stand.state.issued.pop(account.access_token.reveal())  # revoked on Pinterest's side
        manager = TokenManager(store, OAuthFlow(stand.app()))

        async def go() -> str | None:
            async with account_client(stand, manager) as client:
                return (await client.user_account()).username

        assert asyncio.run(go()) == "sandbox"
        assert stand.refreshes() == 1


def publish_as(
    stand: Stand,
    tmp_path: Path,
    manager: TokenManager,
    account: Account,
    board: str | None,
    *,
    defaults: dict[str, Any] | None = None,
) -> Any:
    """Publish one image post with a connected account (URL checks off: covered elsewhere)."""
    post = {
        "id": f"p-{board}",
        "media": [{"kind": "image", "url": "https://cdn.example.com/a.jpg"}],
        "options": {"pinterest": {"boardId": board} if board else {}},
    }

    async def go() -> Any:
        async with account_client(stand, manager, account.name) as client:
            journal = Journal(tmp_path / "journal.sqlite3")
            try:
                publisher = Publisher(
                    client,
                    journal,
                    OFFLINE_URLS,
                    PublishOptions(network=LOCAL),
                    account_scopes=account.scopes,
                )
                return await publisher.publish(post, account=defaults)
            finally:
                journal.close()

    return asyncio.run(go())


OFFLINE_URLS = Preflight(ignore=["pinterest.image_url", "pinterest.image"])


class TestPublishingWithAnAccount:
    def test_default_board_secret_board_and_missing_board(self, stand: Stand, tmp_path: Path) -> None:
        """The default board is used; a secret board needs the scope; an unknown board is named."""
        account = connect(stand)
        manager = TokenManager(_stored(tmp_path, account), OAuthFlow(stand.app()))
        published = publish_as(
            stand, tmp_path, manager, account, None, defaults={"defaultBoardId": "549755885175"}
        )
        assert published.status == Status.PUBLISHED
        assert stand.state.pins[published.pin_id]["board_id"] == "549755885175"
        secret = publish_as(stand, tmp_path, manager, account, "549755885176")
        assert [d.rule for d in secret.diagnostics] == ["pinterest.board.secret_scope"]
        assert "--secret-boards" in secret.diagnostics[0].fix
        missing = publish_as(stand, tmp_path, manager, account, "999")
        assert [d.rule for d in missing.diagnostics] == ["pinterest.board.exists"]
        assert len(stand.state.pins) == 1

    def test_secret_board_with_the_scope(self, stand: Stand, tmp_path: Path) -> None:
        """Connected with pins:read_secret, the secret board is fine."""
        account = connect(stand, scopes=("boards:read", "pins:read", "pins:write", "pins:read_secret"))
        manager = TokenManager(_stored(tmp_path, account), OAuthFlow(stand.app()))
        assert publish_as(stand, tmp_path, manager, account, "549755885176").status == Status.PUBLISHED

    def test_failed_refresh_loses_no_post(self, stand: Stand, tmp_path: Path) -> None:
        """When the refresh is refused, nothing is sent and the result says to reconnect."""
        account = connect(stand)
        manager = TokenManager(
            _stored(tmp_path, account, access_expires_at=time.time() + 60), OAuthFlow(stand.app())
        )
        stand.state.refresh_tokens.clear()
        result = publish_as(stand, tmp_path, manager, account, "549755885175")
        assert (result.status, [d.rule for d in result.diagnostics]) == (
            Status.FAILED,
            ["pinterest.account.reauth_required"],
        )
        assert "pinrules accounts connect --name acc" in result.diagnostics[0].message
        assert stand.state.pins == {}


class TestStore:
    def test_file_is_private_and_tokens_never_shown(
        self, stand: Stand, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """0600 on creation; reprs, summaries and logs hold no token."""
        caplog.set_level(logging.DEBUG)
        account = connect(stand)
        store = _stored(tmp_path, account)
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        shown = repr(account) + repr(store) + str(account.summary()) + caplog.text
        assert account.access_token.reveal() not in shown
        assert account.refresh_token.reveal() not in shown

    def test_encryption_at_rest(self, stand: Stand, tmp_path: Path) -> None:
        """With a key the file holds no token in clear; without it, the store names the variable."""
        from cryptography.fernet import Fernet

        account = connect(stand)
        key = Fernet.generate_key().decode()
        store = AccountStore(tmp_path / "enc.sqlite3", key=key)
        store.save(account)
        store.close()
        assert account.access_token.reveal().encode() not in (tmp_path / "enc.sqlite3").read_bytes()
        assert (
            AccountStore(tmp_path / "enc.sqlite3", key=key).require("acc").access_token
            == account.access_token
        )
        with pytest.raises(StoreError, match="PINRULES_TOKEN_KEY"):
            AccountStore(tmp_path / "enc.sqlite3", key="").require("acc")

    def test_set_default_board_and_disconnect(self, stand: Stand, tmp_path: Path) -> None:
        """The CLI sets a default board, lists it, and disconnect deletes the tokens."""
        store = _stored(tmp_path, connect(stand))
        store.close()
        base = [sys.executable, "-m", "pinrules", "accounts"]
        path = ["--store", str(tmp_path / "accounts.sqlite3")]
        subprocess.run(
            [*base, "set-default-board", "acc", "549755885175", *path], check=True, capture_output=True
        )
        listing = subprocess.run([*base, "list", *path], check=True, capture_output=True, text=True).stdout
        assert listing.startswith("acc  sandbox  549755885175")
        gone = subprocess.run([*base, "disconnect", "acc", *path], capture_output=True, text=True, check=True)
        assert "disconnected" in gone.stdout
        missing = subprocess.run([*base, "show", "acc", *path], capture_output=True, text=True, check=False)
        assert (missing.returncode, "accounts connect --name acc" in missing.stderr) == (2, True)

    def test_boards_lists_every_page(self, stand: Stand, tmp_path: Path) -> None:
        """`pinrules boards ACCOUNT` follows bookmarks through all pages."""
        account = connect(stand)
        for n in range(120):
            stand.state.add_board(stand.state.tokens["static-token"], f"7{n:05d}", f"Board {n}")
        _stored(tmp_path, account).close()
        env = {
            **os.environ,
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_API_BASE": stand.api,
        }
        command = [
            sys.executable,
            "-m",
            "pinrules",
            "boards",
            "acc",
            "--store",
            str(tmp_path / "accounts.sqlite3"),
        ]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        assert len(out.stdout.splitlines()) == 122
        assert "549755885176  SECRET   Secret stash" in out.stdout


class TestPublishCommandRouting:
    def test_post_account_id_picks_the_connected_account(self, stand: Stand, tmp_path: Path) -> None:
        """No token in the environment: accountId routes to the stored account and its default board;
        a post naming no connected account stops the run before anything is sent."""
        _stored(tmp_path, connect(stand), default_board_id="549755885175", name="shop").close()
        env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"}
        env |= {
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_API_BASE": stand.api,
        }
        post = tmp_path / "p.json"
        post.write_text(
            '{"accountId": "shop", "title": "Soup", "media": [{"kind": "image", "path": "a.jpg"}]}'
        )
        from .media import image

        (tmp_path / "a.jpg").write_bytes(image("JPEG"))
        base = [
            sys.executable,
            "-m",
            "pinrules",
            "publish",
            "--isolated",
            "--store",
            str(tmp_path / "accounts.sqlite3"),
            "--journal",
            str(tmp_path / "j.sqlite3"),
        ]
        result = subprocess.run([*base, str(post)], env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        (pin,) = stand.state.pins.values()
        assert (pin["board_id"], pin["title"]) == ("549755885175", "Soup")
        stranger = tmp_path / "q.json"
        stranger.write_text('{"accountId": "nobody", "media": [{"kind": "image", "path": "a.jpg"}]}')
        refused = subprocess.run([*base, str(stranger)], env=env, capture_output=True, text=True, check=False)
        assert refused.returncode == 2
        assert "no access token" in refused.stderr
        assert len(stand.state.pins) == 1


class TestLintWithAnAccount:
    def test_lint_online_account_checks_boards(self, stand: Stand, tmp_path: Path) -> None:
        """`lint --online --account`: the default board satisfies board.required; unknown and
        secret boards are reported at their boardId; --account without --online is a usage error."""
        _stored(tmp_path, connect(stand), default_board_id="549755885175").close()
        env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"}
        env |= {
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_API_BASE": stand.api,
        }
        (tmp_path / "posts").mkdir()
        (tmp_path / "posts" / "soup.png").write_bytes(image("PNG"))  # a local file: no URL to fetch
        for name, board in (("default", None), ("missing", "999"), ("secret", "549755885176")):
            pinterest = f'"boardId": "{board}"' if board else ""
            (tmp_path / "posts" / f"{name}.json").write_text(
                '{"media": [{"kind": "image", "path": "soup.png"}],\n'
                f' "options": {{"pinterest": {{{pinterest}}}}}}}\n'
            )
        base = [
            sys.executable,
            "-m",
            "pinrules",
            "lint",
            "--isolated",
            "--store",
            str(tmp_path / "accounts.sqlite3"),
        ]
        result = subprocess.run(
            [*base, "--online", "--account", "acc", "--format", "json", str(tmp_path / "posts")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        import json

        found = {(Path(d["file"]).stem, d["rule"], d["line"]) for d in json.loads(result.stdout)}
        assert found == {
            ("missing", "pinterest.board.exists", 2),
            ("secret", "pinterest.board.secret_scope", 2),
        }
        offline = subprocess.run(
            [*base, "--account", "acc", str(tmp_path / "posts")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (offline.returncode, "add --online" in offline.stderr) == (2, True)


class TestInPostgres:
    def test_the_account_commands_use_the_database(self, postgres_url: str, tmp_path: Path) -> None:
        """With --database (or PINRULES_DATABASE_URL) the account commands work on the accounts in
        PostgreSQL, where the workers read them; --store beside it is a usage error."""
        assert run("accounts", "list", "--database", postgres_url).returncode == 2  # not migrated yet
        assert "pinrules db migrate" in run("accounts", "list", "--database", postgres_url).stderr
        assert run("db", "migrate", "--database", postgres_url).returncode == 0
        backend = open_backend(postgres_url)
        assert backend.accounts is not None
        now = time.time()
        backend.accounts.save(Account("shop", "u1", "ana", ("pins:read",), Secret("a-token"), now + DAY,
                                      Secret("r-token"), now + 60 * DAY, connected_at=now))  # fmt: skip
        env = {**os.environ, "PINRULES_DATABASE_URL": postgres_url}
        listed = run("accounts", "list", env=env)
        assert listed.stdout.startswith("shop  ana  no default board")
        chosen = run("accounts", "set-default-board", "shop", "549755885175", "--database", postgres_url)
        assert chosen.returncode == 0, chosen.stderr
        assert backend.accounts.require("shop").default_board_id == "549755885175"
        shown = run("accounts", "show", "shop", env=env)
        assert json.loads(shown.stdout)["default_board_id"] == "549755885175"
        assert "a-token" not in shown.stdout + listed.stdout
        both = run("accounts", "list", "--store", str(tmp_path / "a.sqlite3"), env=env)
        assert (both.returncode, "drop one" in both.stderr) == (2, True)
        assert run("accounts", "disconnect", "shop", env=env).returncode == 0
        assert backend.accounts.get("shop") is None
        backend.close()
