"""read_post_bytes: regular files only, at most one byte past the size limit, never a wait."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pinrules import MAX_FILE_BYTES, ParseError, UnreadableFile, read_document, read_post_bytes

from .helpers import ROOT

TIMEOUT = 60  # generous: a run that hangs is what these tests catch


def test_a_regular_file_reads_whole(tmp_path: Path) -> None:
    """The bytes read are the bytes written, through a link too."""
    data = b"title: Soup\n" * 1000
    (tmp_path / "a.yaml").write_bytes(data)
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    assert read_post_bytes(str(tmp_path / "a.yaml")) == data
    assert read_post_bytes(str(tmp_path / "link.yaml")) == data


def test_an_empty_file_reads_empty(tmp_path: Path) -> None:
    """An empty file is no bytes (the reader then says it is empty)."""
    (tmp_path / "a.yaml").write_bytes(b"")
    assert read_post_bytes(str(tmp_path / "a.yaml")) == b""


def test_a_large_file_is_read_one_byte_past_the_limit(tmp_path: Path) -> None:
    """Of a file twice the limit, one byte more than the limit is read, which the reader refuses."""
    path = tmp_path / "a.json"
    with path.open("wb") as file:
        file.truncate(2 * MAX_FILE_BYTES)
    data = read_post_bytes(str(path))
    assert len(data) == MAX_FILE_BYTES + 1
    with pytest.raises(ParseError, match="larger than 10,000,000 bytes"):
        read_document(str(path), data)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    """A missing file and a broken link are the operating system's message."""
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")
    for name in ("missing.yaml", "broken.yaml"):
        with pytest.raises(UnreadableFile) as caught:
            read_post_bytes(str(tmp_path / name))
        assert caught.value.message == "cannot open the file: No such file or directory"


def test_a_fifo_swapped_in_after_the_stat_is_refused_without_waiting(tmp_path: Path) -> None:
    """Should the path become a FIFO between the check and the open, the open does not wait for a
    writer and the opened handle is refused (the check is fooled here by a stand-in stat)."""
    regular, fifo = tmp_path / "a.yaml", tmp_path / "fifo.yaml"
    regular.write_text("a: 1\n")
    os.mkfifo(fifo)
    script = (
        "import os, sys\n"
        "from pinrules import UnreadableFile, read_post_bytes\n"
        "real_stat = os.stat\n"
        "os.stat = lambda path, *args, **kwargs: real_stat(sys.argv[2])\n"
        "try: read_post_bytes(sys.argv[1])\n"
        "except UnreadableFile as error: print(error.message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(fifo), str(regular)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        check=True,
    )
    assert (
        result.stdout
        == "cannot read the file: it is a FIFO (named pipe), not a regular file; name a post file\n"
    )
