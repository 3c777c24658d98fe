"""`make demo`'s publishing half runs from a checkout: the journal answers the second run, and the
posting service on SQLite publishes one post now and sends a scheduled one through the worker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_publishes_schedules_and_sends() -> None:
    demo = subprocess.run([sys.executable, str(ROOT / "examples" / "demo_publish.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert out.count("(recorded earlier)") == 2  # the second run: from the journal, nothing sent
    assert "POST /v1/posts: published pin" in out
    assert "worker: 1 published" in out
    assert "GET /v1/posts/service-later: published pin" in out
    pins = [line for line in out.splitlines() if line.startswith("  pin ")]
    assert len(pins) == 4, out  # two from examples/publish, two through the service
    assert "Traceback" not in demo.stderr


def test_a_second_demo_never_talks_to_the_first_ones_servers() -> None:
    """Another program (another demo's stand-in, with its own token) holds the stand-in's port:
    the demo stops with a clear message and publishes nothing there."""
    command = [sys.executable, "-m", "pinrules", "sandbox", "--port", "27824", "--token", "theirs"]
    other = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:27824/_sandbox/pins", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        demo = subprocess.run([sys.executable, str(ROOT / "examples" / "demo_publish.py")], cwd=ROOT,
                              capture_output=True, text=True, timeout=240, check=False)  # fmt: skip
        with urllib.request.urlopen("http://127.0.0.1:27824/_sandbox/pins", timeout=5) as answer:
            pins = json.load(answer)
    finally:
        other.terminate()
        other.wait(10)
    assert demo.returncode == 1, demo.stdout + demo.stderr
    assert "the stand-in (port 27824) could not start (is its port busy?)" in demo.stdout + demo.stderr
    assert "Traceback" not in demo.stderr
    assert pins == []
