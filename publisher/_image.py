"""The image flow: an image pin's media source, by URL or inline as base64."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pinrules import SNIFF_BYTES, sniff

from ._requests import PinPlan


def image_source(pin: PinPlan) -> dict[str, Any]:
    """media_source of an image pin: by URL, or the local file inline as base64."""
    if pin.source == "url":
        return {"source_type": "image_url", "url": pin.value}
    data = Path(pin.value).read_bytes()
    return {
        "source_type": "image_base64",
        "content_type": sniff(data[:SNIFF_BYTES]),
        "data": base64.b64encode(data).decode("ascii"),
    }
