"""`make demo`'s publishing half runs from a checkout: the journal answers the second run, and the
posting service on SQLite publishes one post now and sends a scheduled one through the worker."""

from __future__ import annotations

import subprocess
import sys
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
