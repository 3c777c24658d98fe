"""Handing a post to the scheduler: the full preflight, its local media copied into the store,
and a row that a worker sends when it is due.

    result = await schedule(post, store=store, media=store.media, base_dir="posts/")
    result.status            # "scheduled" or "rejected" (diagnostics say why)
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinrules import (
    Diagnostic,
    Document,
    MediaFolders,
    NetworkSettings,
    OnlinePost,
    Preflight,
    online_findings,
    parse_rfc3339,
    resolve_media_path,
)

from ._errors import ScheduleError
from ._events import Event, Events
from ._flow import FlowError
from ._media_file import open_media
from ._media_store import MediaStore, StoredMedia
from ._schedule import DEFAULT_WORKSPACE, ScheduledPost, ScheduleStore, encode_post
from ._schedule_sql import content_hash


@dataclass(frozen=True)
class ScheduleResult:
    status: str  # "scheduled" or "rejected"
    post_id: str | None = None
    file: str | None = None
    item: ScheduledPost | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "id": self.post_id,
            "file": self.file,
            "due_at": self.item.due_at if self.item else None,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def post_id_of(post: Any) -> str:
    """The post's own id, or (without one) a name from its content: the same file scheduled
    twice is one post."""
    own = post.get("id") if isinstance(post, dict) else None
    if isinstance(own, str) and own:
        return own
    return "sha256-" + hashlib.sha256(encode_post(post).encode()).hexdigest()[:24]


def due_at(post: dict[str, Any]) -> float | None:
    """scheduledAt as UTC seconds (preflight has checked it is RFC 3339 with an offset)."""
    when = post.get("scheduledAt")
    return parse_rfc3339(when).timestamp() if isinstance(when, str) else None


@dataclass(frozen=True)
class Handover:
    """Where posts go to be sent later: the scheduler's stores, the connected account they go out
    for (None: PINTEREST_ACCESS_TOKEN), the workspace, the events told, and the folders their
    media paths may lead into (default: the post's folder and the project)."""

    schedule: ScheduleStore
    media: MediaStore
    account: str | None = None
    workspace: str = DEFAULT_WORKSPACE
    events: Events | None = None
    folders: MediaFolders | None = None


async def schedule(
    post: Any,
    *,
    store: ScheduleStore,
    media: MediaStore,
    preflight: Preflight | None = None,
    account: str | None = None,
    account_defaults: dict[str, Any] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    document: Document | None = None,
    network: NetworkSettings | None = None,
    online: bool = True,
    workspace: str = DEFAULT_WORKSPACE,
    events: Events | None = None,
    clock: Callable[[], float] = time.time,
    folders: MediaFolders | None = None,
) -> ScheduleResult:
    """Check `post` (static and files; URLs too unless `online=False`) and store it to go out at
    its scheduledAt (now when it has none). Nothing is sent here."""
    checker = preflight or Preflight()
    folder = (
        Path(base_dir) if base_dir is not None else (Path(document.name).parent if document else Path.cwd())
    )
    file = document.name if document else None
    diagnostics = (
        checker.check_document(document, account_defaults)
        if document
        else checker.check(post, account_defaults)
    )
    if online:
        (findings,) = await online_findings([OnlinePost(post, folder)], network or NetworkSettings())
    else:  # the files phase always: the files are copied now, and must be what they claim
        (findings,) = await online_findings(
            [OnlinePost(_without_urls(post), folder)], network or NetworkSettings()
        )
    diagnostics += checker.probe_diagnostics(findings, document)
    post_id = post_id_of(post)
    now = clock()
    due = due_at(post) if isinstance(post, dict) and not any(d.is_error for d in diagnostics) else None
    if due is not None and due < now:
        diagnostics += checker.probe_diagnostics(
            [("post.scheduled_at.past", ("scheduledAt",), f"scheduledAt was {now - due:,.0f} s ago")],
            document,
        )
    if any(d.is_error for d in diagnostics):
        return ScheduleResult("rejected", post_id, file, None, diagnostics)
    assert isinstance(post, dict)
    handover = Handover(store, media, account, workspace, events, folders)
    return hand_over(
        post, handover, folder, now=now, checker=checker, document=document, diagnostics=diagnostics
    )


def hand_over(
    post: dict[str, Any],
    handover: Handover,
    folder: Path,
    *,
    now: float,
    checker: Preflight,
    document: Document | None = None,
    diagnostics: list[Diagnostic] | None = None,
) -> ScheduleResult:
    """Store a post that passed its checks, to go out at its scheduledAt (now without one): its
    local media copied into the media store (each file opened as publishing opens it, and checked
    where it really is), then its row. Nothing is sent here."""
    post_id = post_id_of(post)
    file = document.name if document else None
    told = list(diagnostics or [])
    copies: list[StoredMedia] = []
    try:
        stored_post = _with_stored_media(post, folder, handover, now, copies)
    except FlowError as error:  # the file changed since it was checked: unreadable, or now outside
        _drop(copies, handover)
        found = checker.probe_diagnostics([(error.code, error.pointer, error.message)], document)
        return ScheduleResult("rejected", post_id, file, None, told + found)
    due = due_at(post)
    item = ScheduledPost(post_id, stored_post, due if due is not None else now, workspace=handover.workspace,
                         account=handover.account, created_at=now, updated_at=now)  # fmt: skip
    try:
        added = handover.schedule.add(item, digest=_identity(post, copies))
    except ScheduleError as error:
        _drop(copies, handover)
        reused = checker.probe_diagnostics([("post.id.reused", ("id",), str(error))], document)
        return ScheduleResult("rejected", post_id, file, None, told + reused)
    if added.post != stored_post:  # scheduled earlier, with copies of the same files: keep those
        _drop(copies, handover)
    item = added
    detail = {"id": post_id, "workspace": handover.workspace, "due_at": item.due_at}
    (handover.events or Events()).emit(Event("post.scheduled", handover.account or "", detail))
    return ScheduleResult("scheduled", post_id, file, item, told)


def _without_urls(post: Any) -> Any:
    """The post with URL media dropped, for a files-only online check."""
    if not isinstance(post, dict) or not isinstance(post.get("media"), list):
        return post
    kept = [m for m in post["media"] if not (isinstance(m, dict) and "url" in m)]
    return {k: v for k, v in post.items() if k != "options"} | {"media": kept}


def _identity(post: dict[str, Any], copies: list[StoredMedia]) -> str:
    """What makes a post handed over again "the same post": the post as written, with its local
    files known by their contents (the copies' ids are new each time)."""
    return content_hash(post | {"files": [copy.sha256 for copy in copies]})


def _drop(copies: list[StoredMedia], handover: Handover) -> None:
    """Let go of copies that no stored post names."""
    for copy in copies:
        handover.media.delete(copy.id, copy.workspace)


def _with_stored_media(
    post: dict[str, Any], folder: Path, handover: Handover, now: float, copies: list[StoredMedia]
) -> dict[str, Any]:
    """The post with each local `path` replaced by a copy in the media store (`mediaId`), its
    size and type by content recorded as the hints; the copies made are added to `copies`."""
    folders = handover.folders or MediaFolders.discover()
    items = []
    for index, entry in enumerate(post.get("media", [])):
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)):
            items.append(entry)
            continue
        path = resolve_media_path(entry["path"], folder)
        try:
            handle = open_media(str(path), folder, folders)
        except FlowError as error:
            error.pointer = ("media", index, "path")
            raise
        with handle:
            stored = handover.media.add(handle, workspace=handover.workspace, kind=str(entry.get("kind")),
                                        filename=path.name, now=now)  # fmt: skip
        copies.append(stored)
        hints = {"sizeBytes": stored.size} | ({"mimeType": stored.mime} if stored.mime else {})
        items.append({k: v for k, v in entry.items() if k != "path"} | {"mediaId": stored.id} | hints)
    return post | {"media": items}
