"""Hypothesis strategies for posts: arbitrary JSON, valid posts, and targeted mutations."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

# names the rules look at, so that arbitrary documents reach deep into the rules
VOCABULARY = [
    "id", "accountId", "title", "text", "media", "scheduledAt", "options", "pinterest",
    "boardId", "boardSectionId", "destinationUrl", "altText", "coverImageUrl", "kind", "url",
    "path", "mediaId", "mimeType", "sizeBytes", "firstComment", "productTags", "image", "video",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [*VOCABULARY, "image/png", "video/mp4", "https://a.example/x.jpg", "Video/MP4; codecs=x"]
    )
)
keys = st.sampled_from(VOCABULARY) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)
json_objects = st.dictionaries(keys, json_values, max_size=8)

digits = st.text("0123456789", min_size=1, max_size=18)
safe_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
http_urls = st.builds(
    "{}://{}.example.com/{}".format,
    st.sampled_from(["http", "https"]),
    st.text("abcdefghij", min_size=1, max_size=8),
    st.text("abcdefghij0123456789-_/", max_size=20),
)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
rfc3339 = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone).isoformat(),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    offsets,
)


@st.composite
def media_items(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": kind}
    # Pinterest uploads only videos: an image's mediaId is an error for now
    source = draw(st.sampled_from(["url", "path", "mediaId"] if kind == "video" else ["url", "path"]))
    item[source] = {"url": draw(http_urls), "path": "clip.bin", "mediaId": draw(digits)}[source]
    if draw(st.booleans()):
        allowed = ["image/jpeg", "image/png", "image/webp"] if kind == "image" else [
            "video/mp4", "video/quicktime", "video/x-m4v"]  # fmt: skip
        item["mimeType"] = draw(st.sampled_from(allowed).flatmap(_as_written))
    if draw(st.booleans()):
        item["sizeBytes"] = draw(st.integers(0, 20_000_000 if kind == "image" else 2_000_000_000))
    return item


def _as_written(media_type: str) -> st.SearchStrategy[str]:
    """A media type as people write it: in any case, perhaps with parameters."""
    return st.builds(
        "{}{}".format,
        st.sampled_from([media_type, media_type.upper(), media_type.title()]),
        st.sampled_from(["", "; charset=binary", ' ; codecs="avc1"', ";"]),
    )


@st.composite
def valid_posts(draw: st.DrawFn) -> dict[str, Any]:
    """Posts that every built-in static rule accepts."""
    kind = draw(st.sampled_from(["image", "video"]))
    pinterest: dict[str, Any] = {"boardId": draw(digits)}
    post: dict[str, Any] = {"media": [draw(media_items(kind))], "options": {"pinterest": pinterest}}
    if kind == "video":
        pinterest["coverImageUrl"] = draw(http_urls)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "id": safe_text,
        "accountId": safe_text,
        "title": st.text(max_size=100),
        "text": st.text(max_size=800),
        "scheduledAt": rfc3339,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            post[name] = draw(strategy)
    pinterest_optional: dict[str, st.SearchStrategy[Any]] = {
        "boardSectionId": digits,
        "destinationUrl": http_urls,
        "altText": st.text(max_size=500),
    }
    for name, strategy in pinterest_optional.items():
        if draw(st.booleans()):
            pinterest[name] = draw(strategy)
    return post


Mutation = Callable[[dict[str, Any]], dict[str, Any] | list[Any] | None]


def _pin(post: dict[str, Any]) -> dict[str, Any]:
    pinterest: dict[str, Any] = post["options"]["pinterest"]
    return pinterest


def _set(path: tuple[str, ...], value: Any) -> Mutation:
    def mutate(post: dict[str, Any]) -> dict[str, Any]:
        node: Any = post
        for token in path[:-1]:
            node = node[int(token)] if isinstance(node, list) else node[token]
        last = path[-1]
        node[int(last) if isinstance(node, list) else last] = value
        return post

    return mutate


def _drop_board(post: dict[str, Any]) -> dict[str, Any]:
    del _pin(post)["boardId"]
    return post


def _as_video_without_cover(post: dict[str, Any]) -> dict[str, Any]:
    post["media"] = [{"kind": "video", "path": "clip.mp4"}]
    _pin(post).pop("coverImageUrl", None)
    return post


def _as_image(post: dict[str, Any], **fields: Any) -> dict[str, Any]:
    post["media"] = [{"kind": "image", "url": "https://cdn.example.com/a.jpg", **fields}]
    return post


def _as_video(post: dict[str, Any], **fields: Any) -> dict[str, Any]:
    post["media"] = [{"kind": "video", "path": "clip.mp4", **fields}]
    _pin(post)["coverImageUrl"] = "https://cdn.example.com/cover.jpg"
    return post


def _drop_link(post: dict[str, Any]) -> dict[str, Any]:
    _pin(post).pop("destinationUrl", None)
    return post


def _add_second_media(post: dict[str, Any]) -> dict[str, Any]:
    post["media"].append(copy.deepcopy(post["media"][0]))
    return post


def _add_second_source(post: dict[str, Any]) -> dict[str, Any]:
    item = post["media"][0]
    for source in ("url", "path", "mediaId"):
        if source not in item:
            item[source] = {"url": "https://cdn.example.com/b.jpg", "path": "b.jpg",
                            "mediaId": "12"}[source]  # fmt: skip
            return post
    return post


# one targeted change each, and the only code it may produce
MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "no board": (_drop_board, "pinterest.board.required"),
    "no media": (_set(("media",), []), "pinterest.media.required"),
    "two media": (_add_second_media, "pinterest.media.single_only"),
    "video without cover": (_as_video_without_cover, "pinterest.video.cover_required"),
    "gif image": (lambda p: _as_image(p, mimeType="image/gif"), "pinterest.image.mime_allowed"),
    "image by mediaId": (
        _set(("media",), [{"kind": "image", "mediaId": "4567890123"}]),
        "pinterest.image.media_id_unsupported",
    ),
    "video mediaId that is a file name": (
        lambda p: _as_video(p) and _set(("media", "0"), {"kind": "video", "mediaId": "clip.mp4"})(p),
        "pinterest.video.media_id_digits",
    ),
    "image URL too long for a link": (
        lambda p: _drop_link(_as_image(p)) and _set(("media", "0", "url"), "https://e.com/" + "x" * 2040)(p),
        "pinterest.link.max_length",
    ),
    "huge image": (lambda p: _as_image(p, sizeBytes=20_000_001), "pinterest.image.size_max"),
    "webm video": (lambda p: _as_video(p, mimeType="video/webm"), "pinterest.video.mime_allowed"),
    "huge video": (lambda p: _as_video(p, sizeBytes=2_000_000_001), "pinterest.video.size_max"),
    "long title": (_set(("title",), "t" * 101), "pinterest.title.max_length"),
    "long text": (_set(("text",), "t" * 801), "pinterest.text.max_length"),
    "long link": (
        _set(("options", "pinterest", "destinationUrl"), "https://e.com/" + "x" * 2040),
        "pinterest.destination_url.max_length",
    ),
    "relative link": (
        _set(("options", "pinterest", "destinationUrl"), "/recipes"),
        "pinterest.destination_url.http",
    ),
    "long alt": (
        _set(("options", "pinterest", "altText"), "a" * 501),
        "pinterest.alt_text.max_length",
    ),
    "board name": (
        _set(("options", "pinterest", "boardId"), "recipes"),
        "pinterest.board.id_digits",
    ),
    "section name": (
        _set(("options", "pinterest", "boardSectionId"), "soups"),
        "pinterest.board_section.id_digits",
    ),
    "relative cover": (
        lambda p: _set(("options", "pinterest", "coverImageUrl"), "cover.jpg")(_as_video(p)),
        "pinterest.cover_image_url.http",
    ),
    "first comment": (_set(("firstComment",), "hi"), "pinterest.feature.unsupported"),
    "relative media url": (
        lambda p: _as_image(p) and _set(("media", "0", "url"), "a.jpg")(p),
        "post.media.url_http",
    ),
    "naive time": (_set(("scheduledAt",), "2026-12-01T09:00:00"), "post.scheduled_at.rfc3339"),
    "two sources": (_add_second_source, "post.media.single_source"),
    "gif kind": (_set(("media", "0", "kind"), "gif"), "post.media.kind"),
    "numeric title": (_set(("title",), 42), "post.field.type"),
    "negative size": (_set(("media", "0", "sizeBytes"), -1), "post.media.size_bytes"),
    "capital Title": (_set(("Title",), "Soup"), "post.unknown_field"),
    "typo options group": (_set(("options", "pintrest"), {}), "post.options.unknown_field"),
    "typo boardID": (
        _set(("options", "pinterest", "boardID"), "1"),
        "pinterest.options.unknown_field",
    ),
    "typo mimetype": (_set(("media", "0", "mimetype"), "image/png"), "post.media.unknown_field"),
    "list post": (lambda p: [p], "post.not_object"),
    "bare url item": (
        _set(("media", "0"), "https://cdn.example.com/a.jpg"),
        "post.media.not_object",
    ),
}
