"""The publishing half of `make demo`: the example posts, published to the local stand-in.

Starts `pinrules sandbox` on 127.0.0.1:47824, publishes examples/publish/ twice (the second
run answers from the publish journal), and lists the pins the stand-in now holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORT = 47824
TOKEN = "sandbox-demo-token"
BASE = f"http://127.0.0.1:{PORT}"


def main() -> int:
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "pinrules", "sandbox", "--port", str(PORT), "--token", TOKEN,
         "--files", str(HERE / "media")],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{BASE}/_sandbox/pins", timeout=1).close()
                break
            except OSError:
                if sandbox.poll() is not None:
                    print(f"the stand-in could not start (is port {PORT} busy?)")
                    return 1
                time.sleep(0.1)
        env = {**os.environ, "PINTEREST_API_BASE": f"{BASE}/v5", "PINTEREST_ACCESS_TOKEN": TOKEN}
        with tempfile.TemporaryDirectory() as work:
            command = [sys.executable, "-m", "pinrules", "publish", "--isolated", "--allow-private-network",
                       "--poll-interval", "0.2", "--journal", str(Path(work) / "journal.sqlite3"),
                       "examples/publish"]  # fmt: skip
            for attempt in ("first run", "second run: the journal knows these posts"):
                print(f"== pinrules publish examples/publish ({attempt})", flush=True)
                subprocess.run(command, env=env, check=False, cwd=HERE.parent)
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
