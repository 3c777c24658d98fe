"""Real media for tests: images from Pillow, videos from the ffmpeg bundled with PyAV."""

from __future__ import annotations

import io
from functools import cache

import av
from PIL import Image


@cache
def image(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    """An image encoded by Pillow: JPEG, PNG, WEBP, GIF, BMP or TIFF."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@cache
def video(container: str) -> bytes:
    """A five-frame video: mp4, mov, ipod (m4v), webm, avi or matroska."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream("libvpx" if container == "webm" else "mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame(32, 32, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 40]) * plane.buffer_size)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()
