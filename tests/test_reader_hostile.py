"""Hostile files, each read by the real reader in a child process limited to 300 MB of memory:
a located error (or a value), never a traceback, a hang or a crash.

`CASES` and `run_reader` are shared with `bench/reader.py`, which reports each case's time and
peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pinrules import MAX_DEPTH, MAX_NODES

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 300 * 2**20
TIMEOUT = 60  # seconds: far above the 2 s a case takes, so that a slow machine cannot fail it

# The child: read one file as lint does, print what came of it as one JSON line.
READER = """
import json, resource, sys, time
from pinrules import ParseError, UnreadableFile, read_document, read_post_bytes

start = time.perf_counter()
try:
    document = read_document(sys.argv[1], read_post_bytes(sys.argv[1]))
    outcome = {"outcome": "value", "value": repr(document.value)[:200]}
except ParseError as error:
    outcome = {"outcome": "ParseError", "line": error.line, "column": error.column, "message": error.message}
except UnreadableFile as error:
    outcome = {"outcome": "UnreadableFile", "message": error.message}
outcome["seconds"] = time.perf_counter() - start
outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_reader(path: Path) -> dict[str, Any]:
    """Read `path` in a child process under the memory limit; its outcome, time and peak memory."""
    result = subprocess.run(
        [sys.executable, "-c", READER, str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        cwd=ROOT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


@dataclass(frozen=True)
class Case:
    """A hostile file written into a folder, and what reading it must give."""

    make: Callable[[Path], Path]
    outcome: str  # "ParseError", "UnreadableFile" or "value"
    place: tuple[int, int] | None = None  # line and column of a ParseError
    says: str = ""  # in the message, or in the value's start


def _write(name: str, text: str | Callable[[], str]) -> Callable[[Path], Path]:
    """A file of this text; large texts are made only when written (a function)."""

    def make(folder: Path) -> Path:
        path = folder / name
        path.write_text(text if isinstance(text, str) else text(), encoding="utf-8", newline="")
        return path

    return make


def _link(target: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "post.yaml"
        path.symlink_to(target)
        return path

    return make


def _fifo(folder: Path) -> Path:
    path = folder / "post.yaml"
    os.mkfifo(path)  # nobody ever writes to it
    return path


def _socket(folder: Path) -> Path:
    path = folder / "post.yaml"
    assert len(bytes(path)) < 100, f"{path} is too long a path for a socket"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))  # the file stays when the socket closes
    return path


def _folder(folder: Path) -> Path:
    path = folder / "post.yaml"
    path.mkdir()
    return path


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


def _many_keys() -> str:
    """9.3 MB: the object, then a key and a value per member; value 100,001 is member 50,000's."""
    return "{" + ", ".join(f'"field{n:06d}": 1' for n in range(515_790)) + "}"


def _many_media() -> str:
    """9.1 MB: 3 values before the items, 5 in each; value 100,001 is item 20,000's "image"."""
    item = '{"kind": "image", "url": "https://a.example/x.jpg"}'
    return '{"media": [' + ", ".join([item] * 172_000) + "]}"


def _long_url_aliased() -> str:
    """A 5 MB URL used again 19,000 times: the first alias already doubles it past the limit."""
    return "url: &u https://cdn.example.com/" + "x" * 5_000_000 + "\nlist:\n" + "- *u\n" * 19_000


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


CASES = {
    "symlink to /dev/zero": Case(_link("/dev/zero"), "UnreadableFile", says="a character device"),
    "symlink to /dev/urandom": Case(_link("/dev/urandom"), "UnreadableFile", says="a character device"),
    "FIFO nobody writes to": Case(_fifo, "UnreadableFile", says="a FIFO"),
    "unix socket": Case(_socket, "UnreadableFile", says="a socket"),
    "folder": Case(_folder, "UnreadableFile", says="a folder"),
    "5 MB URL aliased 19,000 times": Case(
        _write("a.yaml", _long_url_aliased),
        "ParseError",
        (3, 3),
        "alias bomb",
    ),
    "billion laughs": Case(_write("a.yaml", _bomb()), "ParseError", (5, 45), "alias bomb"),
    "1.2 MB base-60 number": Case(
        _write("a.yaml", "a: 1" + ":59" * 400_000 + "\n"), "value", says="{'a': '1:59:59:59"
    ),
    "5,000-digit integer, YAML": Case(_write("a.yaml", "a: " + "7" * 5000), "ParseError", (1, 4), "digits"),
    "5,000-digit hex integer, YAML": Case(
        _write("a.yaml", "a: 0x" + "f" * 5000), "ParseError", (1, 4), "digits"
    ),
    "5,000-digit integer, JSON": Case(
        _write("a.json", '{"a": ' + "7" * 5000 + "}"), "ParseError", (1, 7), "digits"
    ),
    "5,000-digit hex integer, JSON": Case(
        _write("a.json", '{"a": 0x' + "f" * 5000 + "}"), "ParseError", (1, 8), "invalid JSON"
    ),
    "515,790 unknown keys, JSON": Case(
        _write("a.json", _many_keys), "ParseError", (1, 1 + 18 * 49_999 + 16), "values"
    ),
    "172,000 media items, JSON": Case(
        _write("a.json", _many_media), "ParseError", (1, 11 + 53 * 19_999 + 10), "values"
    ),
    "nested 64 levels, JSON": Case(_write("a.json", _nested(MAX_DEPTH)), "value", says="[[[["),
    "nested 65 levels, JSON": Case(_write("a.json", _nested(MAX_DEPTH + 1)), "ParseError", (1, 65), "deeper"),
    "nested 1,000 levels, JSON": Case(_write("a.json", _nested(1000)), "ParseError", (1, 65), "deeper"),
    "nested 100,000 levels, YAML": Case(
        _write("a.yaml", "- " * 100_000 + "x"), "ParseError", (1, 2 * MAX_DEPTH + 1), "deeper"
    ),
    "200,000 values, YAML": Case(_write("a.yaml", "- 1\n" * 200_000), "ParseError", (MAX_NODES, 3), "values"),
    "CR-only line ends": Case(
        _write("a.yaml", "media: []\rtitle: a\rtitle: b\r"), "ParseError", (3, 1), "twice"
    ),
    "U+2028 in a string": Case(
        _write("a.yaml", 'text: "a\u2028b"\ntitle: a\ntitle: b\n'), "ParseError", (3, 1), "twice"
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_hostile_file(name: str, tmp_path: Path) -> None:
    """The case gives its error at its line and column, or its value, within the memory limit."""
    case = CASES[name]
    outcome = run_reader(case.make(tmp_path))
    assert outcome["outcome"] == case.outcome, outcome
    if case.outcome == "ParseError":
        assert (outcome["line"], outcome["column"]) == case.place
        assert case.says in outcome["message"]
    elif case.outcome == "UnreadableFile":
        assert case.says in outcome["message"]
    else:
        assert outcome["value"].startswith(case.says)


def test_the_memory_limit_holds() -> None:
    """The children's limit is real: allocating past it fails, so every case above kept under it."""
    result = subprocess.run(
        [sys.executable, "-c", f"bytearray({MEMORY_LIMIT})"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert (result.returncode, result.stderr.splitlines()[-1]) == (1, "MemoryError")
