"""The README's curl examples of the posting service, run with the real curl against a running
service (the stand-in as Pinterest; example.com addresses pointed at loopback)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import ROOT, Sandbox, running_service

CURL = shutil.which("curl")
EXPECTED = {  # the route of each README line -> the status it answers
    "POST /v1/posts": 201,
    "POST /v1/posts/validate": 200,
    "POST /v1/media": 201,
    "GET /v1/posts": 200,
    "GET /v1/posts/soup-01": 200,
    "POST /v1/accounts/connect/pinterest": 201,
    "POST /v1/webhooks": 201,
    "GET /v1/rules/pinterest.board.required": 200,
}


def readme_curl_lines() -> list[str]:
    """The curl commands of the Service section (continuation lines joined)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("tests/test_service_readme.py: keep them working -->", 1)[1].split("```sh\n", 1)[1]
    block = block.split("```", 1)[0].replace("\\\n", " ")
    return [line.strip() for line in block.splitlines() if line.strip().startswith("curl ")]


def test_the_readme_lists_every_example() -> None:
    """Each route the test expects is a README line, and the other way round."""
    routes = {_route(line) for line in readme_curl_lines()}
    assert routes == set(EXPECTED)


def _route(line: str) -> str:
    method = "POST" if "-X POST" in line else "GET"
    path = re.search(r"http://127\.0\.0\.1:8080(/[^\s\"'?]*)", line)
    assert path is not None, line
    return f"{method} {path.group(1)}"


@pytest.mark.skipif(CURL is None, reason="the curl binary is not installed")
def test_the_readme_curl_lines_work(tmp_path: Path, sandbox: Sandbox) -> None:
    """Every curl line of the README answers the status its route promises, with JSON."""
    with running_service(tmp_path, sandbox) as service:
        service.connect_account()
        environment = os.environ | {"PINRULES_API_KEY": service.key}
        for line in readme_curl_lines():
            command = (
                line.replace("http://127.0.0.1:8080", service.base)
                .replace("https://cdn.example.com/", f"{sandbox.base}/files/")
                .replace("https://example.com/hooks", "http://127.0.0.2:9/hooks")
            )
            run = subprocess.run(
                ["bash", "-c", command + " -w '\\n%{http_code}'"],
                capture_output=True, text=True, cwd=sandbox.dir, env=environment, check=False, timeout=60,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
            body, _, status = run.stdout.rpartition("\n")
            assert int(status) == EXPECTED[_route(line)], (line, body)
            json.loads(body)


def test_pinrules_serve_and_apikeys_as_processes(tmp_path: Path) -> None:
    """`pinrules apikeys create` prints a key once; `pinrules serve` (a real process) takes it,
    refuses it once `apikeys revoke` ran, and stops cleanly on SIGTERM."""
    import signal
    import sys
    import time
    import urllib.error
    import urllib.request

    from .helpers import free_port, run

    database = f"sqlite:{tmp_path}"
    made = run("apikeys", "create", "--workspace", "shop", "--name", "web", "--database", database)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("prk_")
    assert "shown once" in made.stderr
    listed = json.loads(run("apikeys", "list", "--database", database).stdout)
    assert [(k["workspace"], k["name"], k["revoked"]) for k in listed] == [("shop", "web", False)]
    assert key not in json.dumps(listed)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pinrules", "serve", "--port", str(port), "--isolated",
         "--database", database],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def get(path: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if get("/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert get("/v1/posts") == 200
        assert run("apikeys", "revoke", listed[0]["id"], "--database", database).returncode == 0
        time.sleep(2.1)  # a checked key is remembered for 2 s
        assert get("/v1/posts") == 401
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert f"pinrules service on http://127.0.0.1:{port}" in out
    assert key not in out + err
