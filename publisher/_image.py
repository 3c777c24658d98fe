"""The image flow: an image pin's media source, by URL or inline as base64."""

from __future__ import annotations

import base64
from typing import IO, Any

from pinrules import SNIFF_BYTES, pinterest, sniff

from ._flow import FlowError
from ._requests import PinPlan


def image_source(pin: PinPlan, file: IO[bytes] | None = None) -> dict[str, Any]:
    """media_source of an image pin: by URL, or the open local `file` (opened and checked by
    `open_media`: the bytes sent are the bytes checked) inline as base64."""
    if file is None:
        return {"source_type": "image_url", "url": pin.value}
    try:
        data = file.read(pinterest.IMAGE_MAX_BYTES + 1)
    except OSError as error:
        raise FlowError("post.media.path_readable", f"cannot read {pin.value!r}: {error.strerror}") from None
    if len(data) > pinterest.IMAGE_MAX_BYTES:  # it grew since the files phase looked at it
        raise FlowError(
            "pinterest.image.size_max", f"{pin.value!r} is larger than {pinterest.IMAGE_MAX_BYTES:,} bytes"
        )
    return {
        "source_type": "image_base64",
        "content_type": sniff(data[:SNIFF_BYTES]),
        "data": base64.b64encode(data).decode("ascii"),
    }
