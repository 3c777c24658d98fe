"""The publishing half of `make demo`: the example posts, published to the local stand-in.

Starts `pinrules sandbox` on 127.0.0.1:27824, publishes examples/publish/ twice (the second
run answers from the publish journal); then the posting service on the embedded default
(SQLite in a temporary folder): `pinrules serve` on 127.0.0.1:27825, one post published now and
one scheduled a few seconds ahead through `POST /v1/posts`, which `pinrules worker --once` sends
when it is due; finally the pins the stand-in holds.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# below 32768: outside the ports the system hands out to outgoing connections (Linux: 32768 and
# up), so that a connection just closed (by `make test`, say) never holds the demo's port
PORT = 27824
SERVICE_PORT = 27825
TOKEN = f"sandbox-demo-{secrets.token_hex(8)}"  # this run's: only its own stand-in accepts it
BASE = f"http://127.0.0.1:{PORT}"


def _wait_for(url: str, token: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Until `process` answers `url` with `token`: a server that refuses it is someone else's
    (another demo on the same port), never talked to."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit(f"{what} could not start (is its port busy?)")
        try:
            urllib.request.urlopen(request, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not answer at {url} (is another program on its port?)")


def _call(method: str, path: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{SERVICE_PORT}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as answer:
        result: dict[str, Any] = json.load(answer)
        return result


def service_demo(work: Path, env: dict[str, str]) -> None:
    """The /v1 API on SQLite: publish one post now, schedule one, let a worker send it."""
    database = f"sqlite:{work / 'service'}"
    pinrules = [sys.executable, "-m", "pinrules"]
    print("== pinrules apikeys create; pinrules serve (SQLite, the embedded default)", flush=True)
    made = subprocess.run([*pinrules, "apikeys", "create", "--database", database, "--name", "demo"],
                          env=env, check=True, capture_output=True, text=True)  # fmt: skip
    key = made.stdout.split()[0]
    serve = [*pinrules, "serve", "--isolated", "--allow-private-network", "--database", database,
             "--port", str(SERVICE_PORT)]  # fmt: skip
    service = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{SERVICE_PORT}/v1/accounts", key, service, "pinrules serve")
        post: dict[str, Any] = {
            "title": "Pumpkin soup, the service way",
            "media": [{"kind": "image", "url": f"{BASE}/files/pumpkin-soup.jpg"}],
            "options": {"pinterest": {"boardId": "549755885175"}},
        }
        now = _call("POST", "/v1/posts", key, {**post, "id": "service-now"})
        print(f"POST /v1/posts: {now['status']} pin {now.get('pinId')}")
        due = datetime.now(UTC) + timedelta(seconds=3)
        later = {**post, "id": "service-later", "title": "Pumpkin soup, on time",
                 "scheduledAt": due.isoformat(timespec="seconds").replace("+00:00", "Z")}  # fmt: skip
        scheduled = _call("POST", "/v1/posts", key, later)
        print(f"POST /v1/posts (scheduledAt {later['scheduledAt']}): {scheduled['status']}", flush=True)
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.2)
        print("== pinrules worker --once (after the due time)", flush=True)
        subprocess.run([*pinrules, "worker", "--once", "--isolated", "--allow-private-network",
                        "--database", database], env=env, check=False)  # fmt: skip
        sent = _call("GET", "/v1/posts/service-later", key)
        print(f"GET /v1/posts/service-later: {sent['status']} pin {sent.get('pinId')}")
    finally:
        service.terminate()
        service.wait(10)


def main() -> int:
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "pinrules", "sandbox", "--port", str(PORT), "--token", TOKEN,
         "--files", str(HERE / "media")],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"{BASE}/v5/user_account", TOKEN, sandbox, f"the stand-in (port {PORT})")
        env = {**os.environ, "PINTEREST_API_BASE": f"{BASE}/v5", "PINTEREST_ACCESS_TOKEN": TOKEN}
        with tempfile.TemporaryDirectory() as work:
            command = [sys.executable, "-m", "pinrules", "publish", "--isolated", "--allow-private-network",
                       "--poll-interval", "0.2", "--journal", str(Path(work) / "journal.sqlite3"),
                       "examples/publish"]  # fmt: skip
            for attempt in ("first run", "second run: the journal knows these posts"):
                print(f"== pinrules publish examples/publish ({attempt})", flush=True)
                subprocess.run(command, env=env, check=False, cwd=HERE.parent)
            service_demo(Path(work), env)
        print("== pins on the stand-in")
        with urllib.request.urlopen(f"{BASE}/_sandbox/pins", timeout=5) as answer:
            for pin in json.load(answer):
                print(f"  pin {pin['id']} on board {pin['board_id']}: {pin['media']['media_type']} "
                      f"\"{pin['title']}\"")  # fmt: skip
        return 0
    finally:
        sandbox.terminate()
        sandbox.wait(10)


if __name__ == "__main__":
    sys.exit(main())
