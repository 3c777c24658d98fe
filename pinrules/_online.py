"""The online phases of a post: its local files and its URLs, turned into diagnostics.

Probes gather facts (`FileFacts`, `UrlFacts`); this module decides what the facts mean for
Pinterest, under the same codes the static rules use for the hints (`mimeType`, `sizeBytes`).
aiohttp is imported only when URLs are actually checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import FileFacts, inspect_file, resolve_media_path
from ._formats import is_http_url, media_type
from ._network_settings import NetworkSettings
from ._sniff import describe
from .pinterest import (
    BASE64_IMAGE_TYPES,
    IMAGE_MAX_BYTES,
    IMAGE_TYPES,
    VIDEO_MAX_BYTES,
    VIDEO_TYPES,
    pinterest_options,
    type_names,
)

if TYPE_CHECKING:
    from ._network import UrlFacts

Pointer = tuple[str | int, ...]
Finding = tuple[str, Pointer, str]  # code, where, message


@dataclass(frozen=True)
class Target:
    """One thing to check online: a media file or URL, or the cover URL."""

    pointer: Pointer
    role: str  # "image", "video" or "cover"
    source: str  # "path" or "url"
    value: str
    mime_hint: str | None = None
    size_hint: int | None = None


def targets(post: Any) -> list[Target]:
    """The media files and URLs of a post (malformed ones are left to the static rules)."""
    if not isinstance(post, dict):
        return []
    found = []
    media = post.get("media")
    for index, item in enumerate(media if isinstance(media, list) else []):
        if not isinstance(item, dict) or item.get("kind") not in ("image", "video"):
            continue
        mime = item.get("mimeType") if isinstance(item.get("mimeType"), str) else None
        size = item.get("sizeBytes")
        size = size if isinstance(size, int) and not isinstance(size, bool) else None
        for source in ("path", "url"):
            value = item.get(source)
            if isinstance(value, str) and (source == "path" or is_http_url(value)):
                found.append(Target(("media", index, source), item["kind"], source, value, mime, size))
    cover = pinterest_options(post).get("coverImageUrl")
    if isinstance(cover, str) and is_http_url(cover):
        found.append(Target(("options", "pinterest", "coverImageUrl"), "cover", "url", cover))
    return found


def _content_findings(target: Target, mime: str | None, size: int | None, where: str) -> list[Finding]:
    """Type and size of what a file holds or a URL serves ("the file", "the URL")."""
    found: list[Finding] = []
    p = target.pointer
    if target.role == "cover":
        if mime is not None and not mime.startswith("image/"):
            found.append(
                (
                    "pinterest.cover_image_url.reachable",
                    p,
                    f"the cover URL serves {describe(mime)}, not an image",
                )
            )
        return found
    allowed, limit = (
        (IMAGE_TYPES, IMAGE_MAX_BYTES) if target.role == "image" else (VIDEO_TYPES, VIDEO_MAX_BYTES)
    )
    kind = target.role
    if mime not in allowed:
        verb = "is" if where == "the file" else "serves"
        message = f"{where} {verb} {describe(mime)}; Pinterest takes {type_names(allowed)}"
        found.append((f"pinterest.{kind}.mime_allowed", p, message))
    elif kind == "image" and target.source == "path" and mime not in BASE64_IMAGE_TYPES:
        found.append(
            ("pinterest.image.local_type", p, f"{where} is {mime}, which Pinterest takes only by URL")
        )
    if size is not None and size > limit:
        found.append((f"pinterest.{kind}.size_max", p, f"{where} has {size:,} bytes; the limit is {limit:,}"))
    # a hint names a media type as a header would: any case, parameters aside
    if target.mime_hint is not None and mime is not None and media_type(target.mime_hint) != mime:
        found.append(
            ("post.media.hint_mismatch", p, f"mimeType says {target.mime_hint} but {where} is {mime}")
        )
    if target.size_hint is not None and size is not None and target.size_hint != size:
        found.append(
            (
                "post.media.hint_mismatch",
                p,
                f"sizeBytes says {target.size_hint:,} but {where} has {size:,} bytes",
            )
        )
    return found


def file_findings(target: Target, facts: FileFacts) -> list[Finding]:
    if facts.problem is not None:
        return [("post.media.path_readable", target.pointer, facts.problem)]
    return _content_findings(target, facts.mime, facts.size, "the file")


_UNREACHABLE = {
    "image": "pinterest.image_url.reachable",
    "video": "pinterest.video_url.reachable",
    "cover": "pinterest.cover_image_url.reachable",
}


def url_findings(target: Target, facts: UrlFacts) -> list[Finding]:
    if facts.problem is not None:
        return [
            (_UNREACHABLE[target.role], target.pointer, f"could not fetch {target.value}: {facts.problem}")
        ]
    return _content_findings(target, facts.mime, facts.size, "the URL")


@dataclass
class OnlinePost:
    """A post to check online, and the folder its relative media paths start from. `checked`:
    what is already known of some of its local files, by their path as the post writes it:
    those are judged from these facts, not looked at again. For files whose caller keeps them
    unchanged and checks them itself when it opens them (a scheduler's stored copies, whose
    size and type were found when they were stored)."""

    post: Any
    base_dir: Path
    checked: Mapping[str, FileFacts] = field(default_factory=dict)


async def online_findings(posts: Sequence[OnlinePost], network: NetworkSettings) -> list[list[Finding]]:
    """Findings of the files and network phases for each post; URLs checked all at once."""
    per_post = [(targets(item.post), item.base_dir) for item in posts]
    return await target_findings(per_post, network, checked=[item.checked for item in posts])


async def target_findings(
    per_post: Sequence[tuple[list[Target], Path]],
    network: NetworkSettings,
    *,
    checked: Sequence[Mapping[str, FileFacts]] = (),
) -> list[list[Finding]]:
    """Like `online_findings`, from each post's targets (taken while its file was at hand) and
    the folder its relative media paths start from; `checked`, when given, has each post's
    (see `OnlinePost`)."""
    urls = [t.value for ts, _ in per_post for t in ts if t.source == "url"]
    facts: dict[str, UrlFacts] = {}
    if urls:
        from ._network import probe_all  # noqa: PLC0415 - aiohttp only when URLs are checked

        facts = await probe_all(urls, network)
    results = []
    for (found, base_dir), known in zip(per_post, checked or [{}] * len(per_post), strict=True):
        findings: list[Finding] = []
        for target in found:
            if target.source == "path":
                file = known.get(target.value) or inspect_file(resolve_media_path(target.value, base_dir))
                findings += file_findings(target, file)
            else:
                findings += url_findings(target, facts[target.value])
        results.append(findings)
    return results
