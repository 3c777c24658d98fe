"""Errors a person can act on (issue 10): the real commands, in subprocesses, against the stand-in
over loopback. Each mistake or failure is one line saying what it is, never a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from pinrules import UsageError
from publisher import AccountStore, NoCredentials, publish
from publisher.sandbox import Fault, demo_state, make_app, parse_fault, routes

from .helpers import (
    APP_ID,
    APP_SECRET,
    BOARD,
    TOKEN,
    Sandbox,
    connect_through_oauth,
    run,
    waiting_connect,
    write,
)

ROUTES = routes(make_app(demo_state(TOKEN)))
PINRULES = [sys.executable, "-m", "pinrules"]


def app_env(sandbox: Sandbox) -> dict[str, str]:
    """The environment of a person whose Pinterest app is registered with the stand-in."""
    sandbox.state.apps[APP_ID] = APP_SECRET
    env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"}
    return env | {
        "PINTEREST_APP_ID": APP_ID,
        "PINTEREST_APP_SECRET": APP_SECRET,
        "PINTEREST_OAUTH_URL": f"{sandbox.base}/oauth/",
        "PINTEREST_API_BASE": sandbox.api,
    }


def fetch(url: str) -> tuple[int, str]:
    """GET `url` as a browser would (following redirects): its status and body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def callback_of(consent_url: str) -> tuple[str, str]:
    """The redirect URI and the pending state a consent URL carries."""
    query = parse_qs(urlsplit(consent_url).query)
    return query["redirect_uri"][0], query["state"][0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestConnect:
    def test_ctrl_c_while_waiting_for_the_callback(self, tmp_path: Path) -> None:
        """SIGINT while `accounts connect` waits ends it with exit status 130, one line, nothing stored."""
        env = {**os.environ, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        store = tmp_path / "accounts.sqlite3"
        with waiting_connect(env, "--store", str(store)) as (process, _):
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=20)
        assert (process.returncode, err) == (130, "pinrules: interrupted\n")
        assert AccountStore(store).all() == []

    def test_a_busy_port_is_one_line(self, tmp_path: Path) -> None:
        """`accounts connect --port N` on a port in use says so, exit status 2."""
        env = {**os.environ, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            store = tmp_path / "a.sqlite3"
            result = run("accounts", "connect", "--no-browser", "--port", port, "--store", store, env=env)
        assert result.returncode == 2
        assert result.stderr == (
            f"pinrules: cannot listen on 127.0.0.1:{port} for Pinterest's answer (Address already in use): "
            "choose another --port, or leave it out for a free one\n"
        )

    def test_a_port_out_of_range_is_a_usage_error(self) -> None:
        """--port 70000 is refused by name before anything starts."""
        result = run("accounts", "connect", "--port", "70000")
        assert (result.returncode, result.stderr) == (
            2,
            "pinrules: --port: a port is a number from 0 (a free one) to 65535 (got '70000')\n",
        )

    def test_a_forged_callback_is_refused_and_the_real_one_connects(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """Callbacks without the pending state get an error page and do not end the connect; the
        consent page's own answer then connects the account."""
        store = tmp_path / "accounts.sqlite3"
        with waiting_connect(app_env(sandbox), "--name", "shop", "--store", str(store)) as (process, url):
            callback, state = callback_of(url)
            for forged in ({"code": "stolen", "state": "guessed"}, {"code": "stolen"},
                           {"error": "access_denied", "state": state + "x"}):  # fmt: skip
                status, page = fetch(f"{callback}?{urlencode(forged)}")
                assert status == 400
                assert "does not belong to the connection being made" in page
                assert process.poll() is None
            assert fetch(url)[0] == 200  # the browser: consent, then back with the code
            out, err = process.communicate(timeout=30)
        assert (process.returncode, err) == (0, "")
        assert "connected shop: Pinterest user sandbox" in out
        assert AccountStore(store).require("shop").username == "sandbox"

    def test_an_error_description_is_escaped_in_the_terminal_and_the_page(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """Control characters, terminal escapes and bidi overrides are shown as escapes; the page
        holds the text HTML-escaped."""
        description = "\x1b[31mdenied <b>now</b>\u202e\x07"
        with waiting_connect(app_env(sandbox), "--store", str(tmp_path / "a.sqlite3")) as (process, url):
            callback, state = callback_of(url)
            query = {"error": "access_denied", "error_description": description, "state": state}
            status, page = fetch(f"{callback}?{urlencode(query)}")
            _, err = process.communicate(timeout=30)
        assert (status, process.returncode) == (200, 2)
        assert "denied &lt;b&gt;now&lt;/b&gt;" in page
        assert "<b>" not in page
        assert (
            err == "pinrules: Pinterest did not authorise the app: \\x1b[31mdenied <b>now</b>\\u202e\\x07\n"
        )

    def test_accounts_key_without_cryptography(self) -> None:
        """`accounts key` without the encryption extra says how to install it, exit status 2."""
        code = "import sys; sys.modules['cryptography'] = None; from pinrules import main; sys.exit(main())"
        command = [sys.executable, "-c", code, "accounts", "key"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert (result.returncode, result.stdout) == (2, "")
        assert (
            result.stderr == "pinrules: making a key needs cryptography: pip install 'pinrules[encryption]'\n"
        )


def image_posts(sandbox: Sandbox, folder: Path, count: int = 2) -> list[Path]:
    post = {
        "media": [{"kind": "image", "url": sandbox.url("soup.jpg")}],
        "options": {"pinterest": {"boardId": BOARD}},
    }
    return [write(folder / f"post-{n}.json", {**post, "id": f"soup-{n}"}) for n in range(count)]


def publish_with(sandbox: Sandbox, token: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PINTEREST_ACCESS_TOKEN": token, "PINTEREST_API_BASE": sandbox.api}
    return run("publish", "--isolated", "--allow-private-network", "--no-journal", *args, env=env)


class TestTokens:
    def test_a_token_that_cannot_be_sent_is_refused_before_anything_is_sent(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """A CR/LF in PINTEREST_ACCESS_TOKEN is one line naming the variable; the token is not
        shown and no request reaches Pinterest."""
        result = publish_with(sandbox, "tok\r\nX-Evil: 1", *image_posts(sandbox, tmp_path, 1))
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            "pinrules: PINTEREST_ACCESS_TOKEN is not an access token: it holds a line break, a space or "
            "another character tokens never have; copy the token again\n"
        )
        assert [route for route in sandbox.state.hits if "/v5/" in route] == []

    @pytest.mark.parametrize("token", ["abc-value\r\n", "abc-value\n", "abc value", "abc\x1b[0m"])
    def test_the_python_api_refuses_it_too(self, token: str) -> None:
        """publish(token=...) with a line break, a space or an escape raises NoCredentials (a
        ValueError) that does not show the token."""
        post = {"media": [{"kind": "image", "url": "https://cdn.example.com/a.jpg"}]}
        with pytest.raises(NoCredentials, match="the token is not an access token") as caught:
            asyncio.run(publish(post, token=token))
        assert "abc" not in str(caught.value)
        assert isinstance(caught.value, ValueError)

    def test_sandbox_token_with_a_line_break(self) -> None:
        """`pinrules sandbox --token` refuses a token it could never be sent."""
        result = run("sandbox", "--port", "0", "--token", "a\nb")
        assert result.returncode == 2
        assert result.stderr.startswith("pinrules: --token is not an access token")


class TestUnusableApi:
    def test_a_refused_token_is_one_line_not_a_finding_per_post(
        self, sandbox: Sandbox, tmp_path: Path
    ) -> None:
        """A wrong token fails the run once, as a refused token (exit 2), not as
        pinterest.board.exists on every post; nothing is created."""
        result = publish_with(sandbox, "wrong-token", *image_posts(sandbox, tmp_path))
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            "pinrules: 401: the access token was refused (Authentication failed.); check "
            "PINTEREST_ACCESS_TOKEN, or connect the account again (`pinrules accounts connect`)\n"
        )
        assert sandbox.state.pins == {}

    def test_an_unreachable_api_is_one_line(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """An API base nobody listens on is `cannot reach the API at ...`, once, exit 2."""
        base = f"http://127.0.0.1:{free_port()}/v5"
        result = publish_with(sandbox, TOKEN, "--base-url", base, *image_posts(sandbox, tmp_path))
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.startswith(f"pinrules: cannot reach the API at {base} (")
        assert result.stderr.endswith("); check --base-url, PINTEREST_API_BASE and the network\n")
        assert result.stderr.count("\n") == 1

    def test_lint_online_account_with_a_refused_token(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """`lint --online --account`: a token still refused after its refresh is one line, exit 2."""
        env = app_env(sandbox)
        store = tmp_path / "accounts.sqlite3"
        connect_account(sandbox, store)
        sandbox.state.faults.add(
            "GET /v5/boards/{board_id}", Fault("status", 401), times=2
        )  # before, after refresh
        result = run("lint", "--isolated", "--online", "--allow-private-network", "--account", "acc",
                     "--store", store, *image_posts(sandbox, tmp_path), env=env)  # fmt: skip
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            "pinrules: 401: the access token was refused (Injected fault); "
            "connect it again with `pinrules accounts connect --name acc`\n"
        )


def connect_account(sandbox: Sandbox, store: Path) -> None:
    """An account 'acc' connected to the stand-in through the OAuth flow, saved in `store`."""
    saved = AccountStore(store)
    saved.save(connect_through_oauth(sandbox))
    saved.close()


@contextmanager
def sandbox_command(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`pinrules sandbox --port 0 ...` running, with the lines it printed on starting."""
    command = [*PINRULES, "sandbox", "--port", "0", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        assert lines[0], process.communicate()
        while lines[-1] not in ("Ctrl-C stops it.\n", ""):
            lines.append(process.stdout.readline())
        try:
            yield process, lines
        finally:
            process.terminate()
            process.wait(10)


def exported(lines: list[str]) -> dict[str, str]:
    """The variables the stand-in told us to export."""
    found = {}
    for line in lines:
        if line.strip().startswith("export "):
            for pair in line.split("#")[0].split()[1:]:
                name, _, value = pair.partition("=")
                found[name] = value
    return found


class TestSandboxCommand:
    def test_port_0_prints_the_port_it_listens_on(self) -> None:
        """`sandbox --port 0` names the free port it took, and answers there."""
        with sandbox_command("--token", TOKEN) as (_, lines):
            base = exported(lines)["PINTEREST_API_BASE"]
            assert lines[0].startswith(f"Pinterest stand-in on {base} ")
            assert not base.endswith(":0/v5")
            request = urllib.request.Request(
                f"{base}/boards/{BOARD}", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert fetch(request.full_url)[0] == 401  # no token: it is the stand-in answering
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert b'"Recipes"' in answer.read()

    def test_connect_end_to_end_with_the_demo_app(self, tmp_path: Path) -> None:
        """The printed exports are enough for `accounts connect` (the consent page approves at once)
        and then `boards`, all against the stand-in."""
        store = tmp_path / "accounts.sqlite3"
        with sandbox_command() as (_, lines):
            env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"} | {
                k: v for k, v in exported(lines).items() if k != "PINTEREST_ACCESS_TOKEN"
            }
            assert {
                "PINTEREST_APP_ID",
                "PINTEREST_APP_SECRET",
                "PINTEREST_OAUTH_URL",
                "PINTEREST_API_BASE",
            } <= set(env)
            with waiting_connect(env, "--name", "sandbox", "--store", str(store)) as (process, url):
                assert url.startswith(env["PINTEREST_OAUTH_URL"])
                assert fetch(url)[0] == 200
                out, err = process.communicate(timeout=30)
            assert (process.returncode, err) == (0, "")
            assert out.startswith(
                "connected sandbox: Pinterest user sandbox (scopes boards:read boards:write "
            )
            boards = run("boards", "sandbox", "--store", store, env=env)
        assert (boards.returncode, boards.stderr) == (0, "")
        assert boards.stdout.splitlines()[0].split()[:2] == [BOARD, "PUBLIC"]

    def test_faults_from_the_command_line(self) -> None:
        """--fault ROUTE=status:CODE:N answers CODE N times, then normally; drop_after hangs up."""
        faults = ("--fault", "GET /v5/user_account=status:503:2", "--fault", "GET /v5/boards=drop_after")
        with sandbox_command("--token", TOKEN, *faults) as (_, lines):
            assert lines[-3:-1] == [
                "Fault waiting: GET /v5/user_account=status:503:2\n",
                "Fault waiting: GET /v5/boards=drop_after\n",
            ]
            base = exported(lines)["PINTEREST_API_BASE"]
            auth = {"Authorization": f"Bearer {TOKEN}"}
            statuses = []
            for _ in range(3):
                try:
                    with urllib.request.urlopen(urllib.request.Request(f"{base}/user_account", headers=auth),
                                                timeout=10) as answer:  # fmt: skip
                        statuses.append(answer.status)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
            assert statuses == [503, 503, 200]
            with pytest.raises((urllib.error.URLError, ConnectionError)):
                urllib.request.urlopen(urllib.request.Request(f"{base}/boards", headers=auth), timeout=10)

    @pytest.mark.parametrize(
        ("fault_text", "says"),
        [
            ("POST /v5/pins=stat:503", "unknown kind 'stat'"),
            ("POST /v5/pin=status:503", "no route 'POST /v5/pin'; did you mean 'POST /v5/pins'?"),
        ],
    )
    def test_a_bad_fault_is_a_usage_error(self, fault_text: str, says: str) -> None:
        """A mistyped --fault is exit status 2 with one line saying what is wrong."""
        result = run("sandbox", "--port", "0", "--fault", fault_text)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1
        assert says in result.stderr


class TestFaultSyntax:
    @pytest.mark.parametrize(
        ("text", "route", "kind", "argument", "times"),
        [
            ("POST /v5/pins=status:503", "POST /v5/pins", "status", 503, 1),
            ("POST  /v5/pins=status:429:3", "POST /v5/pins", "status", 429, 3),
            ("GET /v5/media/{media_id}=slow:1.5", "GET /v5/media/{media_id}", "slow", 1.5, 1),
            ("POST /v5/pins=drop_after", "POST /v5/pins", "drop_after", None, 1),
            ("POST /v5/media=drop_before:2", "POST /v5/media", "drop_before", None, 2),
        ],
    )
    def test_what_a_fault_says(
        self, text: str, route: str, kind: str, argument: float | None, times: int
    ) -> None:
        """ROUTE=KIND[:ARG][:N]: the route, the kind, its status or seconds, and how many times."""
        found_route, fault, found_times = parse_fault(text, ROUTES)
        assert (found_route, fault.kind, found_times) == (route, kind, times)
        if kind == "status":
            assert fault.status == argument
        if kind == "slow":
            assert fault.seconds == argument

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("POST /v5/pins=status:200", "cannot read 'status:200'"),
            ("POST /v5/pins=status:503:0", "cannot read 'status:503:0'"),
            ("POST /v5/pins=drop_after:1:2", "cannot read 'drop_after:1:2'"),
            ("POST /v5/pins=slow:x", "cannot read 'slow:x'"),
            ("POST /v5/pins", "write ROUTE=KIND"),
            ("=status:503", "write ROUTE=KIND"),
            ("DELETE /zz=status:503", "no route 'DELETE /zz'; routes: POST /v5/pins, "),
        ],
    )
    def test_mistakes_name_the_kinds_or_the_routes(self, text: str, says: str) -> None:
        """Every mistake says what is wrong, and lists the kinds (or the routes)."""
        with pytest.raises(UsageError) as caught:
            parse_fault(text, ROUTES)
        message = str(caught.value)
        assert says in message
        if "routes" not in says:
            assert "status:CODE" in message
            assert "slow:SECONDS" in message
            assert "drop_before" in message
            assert "drop_after" in message
