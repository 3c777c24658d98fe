"""The files phase: type from content (real encoders), size from the file system."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from pinrules import Preflight, inspect_file, sniff

from .helpers import run, write
from .media import image, video

# the guard refuses this cover before connecting: these tests make no network traffic at all
BOARD = {"pinterest": {"boardId": "549755885175", "coverImageUrl": "http://127.0.0.1:9/cover.jpg"}}


class TestSniff:
    @pytest.mark.parametrize(
        ("fmt", "mime"),
        [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif"),
         ("BMP", "image/bmp"), ("TIFF", "image/tiff")],
    )  # fmt: skip
    def test_images_from_pillow(self, fmt: str, mime: str) -> None:
        """Each image format Pillow writes is recognised by its first bytes."""
        assert sniff(image(fmt)[:64]) == mime

    @pytest.mark.parametrize(
        ("container", "mime"),
        [("mp4", "video/mp4"), ("mov", "video/quicktime"), ("ipod", "video/x-m4v"), ("webm", "video/webm"),
         ("matroska", "video/x-matroska"), ("avi", "video/x-msvideo")],
    )  # fmt: skip
    def test_videos_from_ffmpeg(self, container: str, mime: str) -> None:
        """Each container the bundled ffmpeg writes is recognised (ISO-BMFF brands included)."""
        assert sniff(video(container)[:64]) == mime

    def test_truncated_and_unknown_bytes(self) -> None:
        """Too few bytes, or bytes of no media format, are unknown rather than guessed."""
        assert sniff(image("PNG")[:3]) is None
        assert sniff(b"hello world") is None
        assert sniff(b"  <!DOCTYPE html><html>") == "text/html"


def _check(post: dict[str, Any], base: Path) -> list[tuple[str, str]]:
    """Diagnostics of all phases, except those about the (deliberately refused) cover."""
    found = asyncio.run(Preflight().check_online(post, base_dir=base))
    return [(d.rule, d.message) for d in found if d.pointer != "/options/pinterest/coverImageUrl"]


class TestFilesPhase:
    def test_good_local_files_pass(self, tmp_path: Path) -> None:
        """A real JPEG image and a real MP4 video with matching hints give nothing."""
        (tmp_path / "a.jpg").write_bytes(image("JPEG"))
        (tmp_path / "v.mp4").write_bytes(video("mp4"))
        size = (tmp_path / "a.jpg").stat().st_size
        item = {"kind": "image", "path": "a.jpg", "mimeType": "image/jpeg", "sizeBytes": size}
        image_post = {"media": [item], "options": BOARD}
        assert _check(image_post, tmp_path) == []
        assert _check({"media": [{"kind": "video", "path": "v.mp4"}], "options": BOARD}, tmp_path) == []

    def test_renamed_file_is_judged_by_content(self, tmp_path: Path) -> None:
        """A GIF named .jpg is a GIF; the hint that says JPEG is called out too."""
        (tmp_path / "a.jpg").write_bytes(image("GIF"))
        post = {"media": [{"kind": "image", "path": "a.jpg", "mimeType": "image/jpeg"}], "options": BOARD}
        assert _check(post, tmp_path) == [
            ("pinterest.image.mime_allowed", "the file is image/gif; Pinterest takes JPEG, PNG or WebP"),
            ("post.media.hint_mismatch", "mimeType says image/jpeg but the file is image/gif"),
        ]

    def test_video_that_is_webm_and_image_that_is_video(self, tmp_path: Path) -> None:
        """A WebM video is refused; an MP4 given as an image is refused as an image."""
        (tmp_path / "v.mp4").write_bytes(video("webm"))
        (tmp_path / "i.jpg").write_bytes(video("mp4"))
        assert [
            c for c, _ in _check({"media": [{"kind": "video", "path": "v.mp4"}], "options": BOARD}, tmp_path)
        ] == ["pinterest.video.mime_allowed"]
        assert _check({"media": [{"kind": "image", "path": "i.jpg"}], "options": BOARD}, tmp_path) == [
            ("pinterest.image.mime_allowed", "the file is video/mp4; Pinterest takes JPEG, PNG or WebP")
        ]

    def test_local_webp_cannot_go_inline(self, tmp_path: Path) -> None:
        """WebP is fine by URL but a local WebP cannot be sent as image_base64."""
        (tmp_path / "a.webp").write_bytes(image("WEBP"))
        assert [
            c for c, _ in _check({"media": [{"kind": "image", "path": "a.webp"}], "options": BOARD}, tmp_path)
        ] == ["pinterest.image.local_type"]

    def test_truncated_file_is_unknown_content(self, tmp_path: Path) -> None:
        """Two bytes of a PNG are not a PNG."""
        (tmp_path / "a.png").write_bytes(image("PNG")[:2])
        assert _check({"media": [{"kind": "image", "path": "a.png"}], "options": BOARD}, tmp_path) == [
            (
                "pinterest.image.mime_allowed",
                "the file is content of an unknown type; Pinterest takes JPEG, PNG or WebP",
            )
        ]

    def test_size_comes_from_the_file_system(self, tmp_path: Path) -> None:
        """A sparse 20,000,001-byte JPEG is too large, without reading it."""
        path = tmp_path / "big.jpg"
        with path.open("wb") as file:
            file.write(image("JPEG"))
            file.truncate(20_000_001)
        assert (
            "pinterest.image.size_max",
            "the file has 20,000,001 bytes; the limit is 20,000,000",
        ) in _check({"media": [{"kind": "image", "path": "big.jpg"}], "options": BOARD}, tmp_path)
        assert inspect_file(path).size == 20_000_001

    @pytest.mark.parametrize(
        ("make", "problem"),
        [
            (lambda p: None, "does not exist"),
            (lambda p: p.mkdir(), "is a folder, not a file"),
            (os.mkfifo, "is not a regular file"),
        ],
    )
    def test_unusable_paths_are_diagnostics(self, tmp_path: Path, make, problem: str) -> None:
        """Missing files, folders and FIFOs (which could block a read) are named, not crashed on."""
        make(tmp_path / "m.jpg")
        [(code, message)] = _check(
            {"media": [{"kind": "image", "path": "m.jpg"}], "options": BOARD}, tmp_path
        )
        assert code == "post.media.path_readable"
        assert message.endswith(problem)

    @pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
    def test_unreadable_file(self, tmp_path: Path) -> None:
        """A file without read permission is named with the system's reason."""
        path = tmp_path / "m.jpg"
        path.write_bytes(image("JPEG"))
        path.chmod(0)
        assert (
            "cannot be read"
            in _check({"media": [{"kind": "image", "path": "m.jpg"}], "options": BOARD}, tmp_path)[0][1]
        )


class TestCommandLine:
    def test_relative_paths_start_at_the_post_file(self, tmp_path: Path) -> None:
        """`pinrules lint --online` finds media next to the post, from any working folder."""
        (tmp_path / "posts" / "media").mkdir(parents=True)
        (tmp_path / "posts" / "media" / "a.jpg").write_bytes(image("GIF"))
        post = write(tmp_path / "posts" / "p.json", {"media": [{"kind": "image", "path": "media/a.jpg"}],
                                                     "options": BOARD})  # fmt: skip
        offline = run("lint", "--isolated", post, cwd=tmp_path)
        online = run("lint", "--isolated", "--online", "--format", "json", post, cwd=tmp_path)
        assert offline.returncode == 0
        found = [
            (d["rule"], d["line"])
            for d in json.loads(online.stdout)
            if d["rule"].startswith("pinterest.image")
        ]
        assert found == [("pinterest.image.mime_allowed", 5)]  # the "path" key
