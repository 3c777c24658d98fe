"""A post, as the bodies of the Pinterest API v5 requests that publish it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinrules._files import resolve_media_path
from pinrules._sniff import sniff


@dataclass(frozen=True)
class PinPlan:
    """What publishing a post takes: the media, where it comes from, and the pin's fields."""

    kind: str  # "image" or "video"
    source: str  # "url", "path" or "mediaId"
    value: str  # the URL, the resolved file path, or the media id
    board_id: str
    fields: dict[str, str]  # title, description, link, alt_text, board_section_id
    cover_image_url: str | None = None


def plan(post: dict[str, Any], base_dir: Path, default_board: str | None = None) -> PinPlan:
    """The plan of a post that passed preflight (so its shape is known to be right)."""
    (item,) = post["media"]
    pinterest = post.get("options", {}).get("pinterest", {})
    source = next(s for s in ("url", "path", "mediaId") if s in item)
    value = item[source]
    if source == "path":
        value = str(resolve_media_path(value, base_dir))
    fields = {
        name: post_value
        for name, post_value in (
            ("title", post.get("title")),
            ("description", post.get("text")),
            ("link", pinterest.get("destinationUrl")),
            ("alt_text", pinterest.get("altText")),
            ("board_section_id", pinterest.get("boardSectionId")),
        )
        if post_value is not None
    }
    if "link" not in fields and item["kind"] == "image" and source == "url":
        fields["link"] = value  # the image's own URL, as the provider reference says
    board = pinterest.get("boardId") or default_board
    assert board is not None, "preflight guarantees a board"
    return PinPlan(item["kind"], source, value, board, fields, pinterest.get("coverImageUrl"))


def image_source(pin: PinPlan) -> dict[str, Any]:
    """media_source of an image pin: by URL, or the local file inline as base64."""
    if pin.source == "url":
        return {"source_type": "image_url", "url": pin.value}
    data = Path(pin.value).read_bytes()
    content_type = sniff(data[:64])
    return {
        "source_type": "image_base64",
        "content_type": content_type,
        "data": base64.b64encode(data).decode("ascii"),
    }


def video_source(pin: PinPlan, media_id: str) -> dict[str, Any]:
    return {"source_type": "video_id", "media_id": media_id, "cover_image_url": pin.cover_image_url}


def pin_body(pin: PinPlan, media_source: dict[str, Any]) -> dict[str, Any]:
    return {"board_id": pin.board_id, **pin.fields, "media_source": media_source}
