"""The local Pinterest stand-in (`publisher.sandbox`) in its own process, with one addition for
the benchmarks: every pin records when the stand-in stored it (`bench_created_at`, UTC seconds
with microseconds; the pin's own `created_at` has whole seconds, as Pinterest's does), so that
lateness can be measured on Pinterest's side of the wire.

    python -m bench.stand_in PORT TOKEN     # prints "ready" once it listens; SIGTERM stops it
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

STAMP = "bench_created_at"


class _StampedPins(dict[str, dict[str, Any]]):
    """The stand-in's pins, each stamped with the moment it was stored."""

    def __setitem__(self, key: str, pin: dict[str, Any]) -> None:
        super().__setitem__(key, pin | {STAMP: time.time()})


def start(port: int, token: str) -> subprocess.Popen[bytes]:
    """Run the stand-in in another process (the Python running this one, with its flags) and
    wait until it listens."""
    flags = ["-P"] if sys.flags.safe_path else []  # make bench: never the checkout's pinrules/
    process = subprocess.Popen([sys.executable, *flags, "-m", "bench.stand_in", str(port), token],
                               stdout=subprocess.PIPE)  # fmt: skip
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError(f"the stand-in did not start on port {port}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(10)


def pins(base: str) -> list[dict[str, Any]]:
    """Every pin the stand-in holds."""
    with urllib.request.urlopen(f"{base}/_sandbox/pins", timeout=60) as answer:
        found: list[dict[str, Any]] = json.load(answer)
    return found


def _serve(port: int, token: str) -> None:
    from publisher.sandbox import demo_state, serve

    state = demo_state(token)
    state.pins = _StampedPins()

    def ready(_: int) -> None:
        sys.stdout.write("ready\n")
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(state, port, ready))


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM ends it like Ctrl-C
    _serve(int(sys.argv[1]), sys.argv[2])
