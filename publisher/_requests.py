"""A post, as the bodies of the Pinterest API v5 requests that publish it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinrules import is_upload_id, pinterest, resolve_media_path

from ._errors import PublisherError


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
    options = pinterest.pinterest_options(post)
    source = next(s for s in ("url", "path", "mediaId") if s in item)
    value = item[source]
    if source == "mediaId" and is_upload_id(value):  # the service and workers turn these into files
        raise PublisherError(
            f"{value!r} names an upload to the posting service, which only the service (POST /v1/posts) "
            "and `pinrules worker` can read: give the file by url or path here"
        )
    if source == "mediaId" and item["kind"] != "video":  # Pinterest uploads only videos: never a path
        raise PublisherError(f"an image cannot be published by mediaId ({value!r}): give it by url or path")
    if source == "path":
        value = str(resolve_media_path(value, base_dir))
    given = [(pin_field, post.get(name)) for name, pin_field in pinterest.POST_FIELDS.items()]
    given += [(pin_field, options.get(name)) for name, pin_field in pinterest.OPTION_FIELDS.items()]
    fields = {pin_field: field_value for pin_field, field_value in given if field_value is not None}
    if "link" not in fields and item["kind"] == "image" and source == "url":
        fields["link"] = value  # the image's own URL, as the provider reference says
    board = options.get("boardId") or default_board
    assert board is not None, "preflight guarantees a board"
    return PinPlan(item["kind"], source, value, board, fields, options.get("coverImageUrl"))


def video_source(pin: PinPlan, media_id: str) -> dict[str, Any]:
    return {"source_type": "video_id", "media_id": media_id, "cover_image_url": pin.cover_image_url}


def pin_body(pin: PinPlan, media_source: dict[str, Any]) -> dict[str, Any]:
    return {"board_id": pin.board_id, **pin.fields, "media_source": media_source}
