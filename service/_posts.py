"""`/v1/posts`: publish now, schedule for later, validate, look up, list and cancel.

One source of truth: every post the service accepts is a row of the scheduler's store. A post
published now is stored `sending` under the service's lease before anything is sent (if the
service dies mid-publish, a worker takes it over and reconciles with the journal and the board
before sending again), then finished as a worker would. A post whose scheduledAt is ahead is
stored `scheduled` for `pinrules worker`.

Uploaded media (`mediaId: "med_..."`) is checked as the local file it is; it is sent inline
(image_base64, JPEG and PNG) or, with --public-url, as `image_url` pointing at a signed URL
of the service's own `GET /v1/media/{id}/content` (WebP too), which then is also the
destination link when the post gives none. Videos go through the upload flow from disk.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from pinrules import Diagnostic, Finding, OnlinePost, online_findings
from publisher import (
    Event,
    MediaError,
    Outcome,
    PostState,
    ScheduledPost,
    ScheduleError,
    StoredMedia,
    due_at,
    is_stored_media_id,
    token_from_env,
)

from ._app import SERVICE, Service, workspace_of
from ._media import signed_url
from ._problems import Problem, diagnostics_json, preflight_problem

SCHEDULED_LINK_MARGIN = 7 * 24 * 3600  # a scheduled post's media link outlives its due time this long
PAGE_SIZE = 50


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def post_view(item: ScheduledPost) -> dict[str, Any]:
    return {
        "id": item.id,
        "status": str(item.status),
        "scheduledAt": iso(item.due_at),
        "accountId": item.account,
        "attempts": item.attempts,
        "pinId": item.pin_id,
        "pinUrl": item.pin_url,
        "diagnostics": list(item.diagnostics),
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
        "post": item.post,
    }


async def json_body(request: web.Request) -> Any:
    if request.content_type not in ("application/json", "application/problem+json") and request.body_exists:
        raise Problem(415, "unsupported_media_type", "Send JSON", "the body must be application/json")
    try:
        return json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(400, "malformed_json", "Malformed JSON", f"the body is not JSON ({error})") from None
    except RecursionError:  # arrays or objects nested thousands deep: no post looks like that
        raise Problem(
            400, "malformed_json", "Malformed JSON", "the body nests too deeply: flatten it"
        ) from None


class UnusableUpload(MediaError):
    """An upload the post names whose stored bytes are gone or changed (a MediaError), and where."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


class Prepared:
    """A post made ready for the checks and the send: uploads resolved in one workspace."""

    def __init__(self, service: Service, request: web.Request, post: Any, workspace: str) -> None:
        self.service = service
        self.request = request
        self.post = post
        self.workspace = workspace
        self.findings: list[Finding] = []
        self.stack = contextlib.ExitStack()
        self.uploads: dict[int, StoredMedia] = {}
        self.client_paths: list[int] = []  # media items that name a local path (refused)
        self.account: str | None = None
        self.defaults: dict[str, Any] | None = None

    def __enter__(self) -> Prepared:
        media = self.post.get("media") if isinstance(self.post, dict) else None
        for index, entry in enumerate(media if isinstance(media, list) else []):
            if isinstance(entry, dict) and "path" in entry:  # a file of the server: never opened
                self.client_paths.append(index)
                refusal = "the posting service takes uploads (mediaId) or URLs, not paths"
                self.findings.append(("post.media.path_local_only", ("media", index, "path"), refusal))
            if not (isinstance(entry, dict) and is_stored_media_id(entry.get("mediaId"))):
                continue
            found = self.service.backend.media.get(entry["mediaId"], self.workspace)
            where: tuple[str | int, ...] = ("media", index, "mediaId")
            if found is None:
                self.findings.append(
                    ("post.media.media_id_known", where, f"no upload {entry['mediaId']} in this workspace")
                )
            elif entry.get("kind") in ("image", "video") and entry["kind"] != found.kind:
                self.findings.append(
                    (
                        "post.media.media_id_known",
                        where,
                        f"upload {found.id} is a {found.kind}, not an {entry['kind']}",
                    )
                )
            else:
                self.uploads[index] = found
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def _entries(self, replace: Any) -> Any:
        if not self.uploads:
            return self.post
        media = list(self.post["media"])
        for index, stored in self.uploads.items():
            entry = {k: v for k, v in media[index].items() if k != "mediaId"}
            try:
                media[index] = entry | replace(stored)
            except MediaError as error:  # its bytes gone or changed on the server: not usable
                raise UnusableUpload(index, str(error)) from None
        return self.post | {"media": media}

    def _path(self, stored: StoredMedia) -> dict[str, Any]:
        media = self.service.backend.media
        path = self.stack.enter_context(media.open(stored))
        return {"path": str(path.relative_to(media.folder))}  # read from `folder`, like a worker does

    @property
    def folder(self) -> Path:
        """Where the paths of the post as sent lead: the media store's files (a caller's own paths
        are refused and never opened)."""
        return self.service.backend.media.folder

    def _link(self, stored: StoredMedia, expires: int) -> dict[str, Any] | None:
        public = self.service.settings.public_url
        if stored.kind != "image" or not public:
            return None
        return {"url": signed_url(self.service, public, self.workspace, stored.id, expires)}

    def to_send(self) -> Any:
        """The post as it is sent now (and checked): images by signed URL with --public-url (so
        that Pinterest fetches them from this service), else the local files."""
        expires = int(self.service.clock() + self.service.settings.media_url_lifetime)
        return self._entries(lambda stored: self._link(stored, expires) or self._path(stored))

    def to_store(self, due: float, *, links: bool = True) -> Any:
        """The post as a worker will send it: uploads by id (read back from the media store),
        images by a signed URL valid past the due time with --public-url and `links` (the same
        due time, the same URL: scheduling again is recognised as the same post)."""
        expires = int(due + SCHEDULED_LINK_MARGIN)
        return self._entries(lambda stored: (links and self._link(stored, expires)) or {"mediaId": stored.id})

    async def diagnostics(self, online: bool) -> list[Diagnostic]:
        service = self.service
        try:
            checked = self.to_send()
        except UnusableUpload as error:  # nothing to check: the post cannot go out as it is
            where = ("media", error.index, "mediaId")
            return [service.preflight.diagnose("post.media.media_id_known", str(error), where)]
        found = service.preflight.check(checked, self.defaults)
        if online:
            probe = checked
            if self.client_paths:  # the files phase must not open a path a caller named
                kept = [m for i, m in enumerate(checked["media"]) if i not in self.client_paths]
                probe = checked | {"media": kept}
            (probed,) = await online_findings([OnlinePost(probe, self.folder)], service.settings.network)
            found += service.preflight.probe_diagnostics(probed)
        return found + [
            service.preflight.diagnose(code, message, pointer) for code, pointer, message in self.findings
        ]

    def resolve_account(self) -> None:
        """The connected account that publishes the post: its accountId (of this workspace), or the
        workspace's only account; in the default workspace, PINTEREST_ACCESS_TOKEN when it has none."""
        named = self.post.get("accountId") if isinstance(self.post, dict) else None
        accounts = self.service.workspace_accounts(self.workspace)
        where: tuple[str | int, ...] = ("accountId",)
        if isinstance(named, str):
            chosen = next((a for a in accounts if a.name == named), None)
            if chosen is None:
                self.findings.append(
                    ("post.account_id.known", where, f"no connected account {named!r} in this workspace")
                )
                return
        elif len(accounts) == 1:
            chosen = accounts[0]
        elif not accounts and self.workspace == "default" and token_from_env() is not None:
            return  # the environment's token publishes
        else:
            known = ", ".join(a.name for a in accounts) or "none connected yet"
            self.findings.append(
                ("post.account_id.known", (), f"the post names no accountId and the workspace has {known}")
            )
            return
        self.account = chosen.name
        self.defaults = {"defaultBoardId": chosen.default_board_id} if chosen.default_board_id else None


def _post_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Problem(
            400,
            "post_not_object",
            "The post must be a JSON object",
            "send one post as a JSON object (see the post format)",
        )
    return body


async def validate(request: web.Request) -> web.Response:
    """POST /v1/posts/validate: preflight only (static; ?online=true for files and URLs)."""
    service = request.app[SERVICE]
    online = request.query.get("online", "false").lower() in ("true", "1", "yes")
    body = await json_body(request)
    with Prepared(service, request, body, workspace_of(request)) as prepared:
        if isinstance(body, dict):
            prepared.resolve_account()
        found = await prepared.diagnostics(online)
    errors = sum(d.is_error for d in found)
    return web.json_response(
        {
            "valid": errors == 0,
            "errors": errors,
            "online": online,
            "diagnostics": diagnostics_json(request, service.settings.public_url, found),
        }
    )


async def create(request: web.Request) -> web.Response:
    """POST /v1/posts: full preflight, then publish now or schedule."""
    service = request.app[SERVICE]
    workspace = workspace_of(request)
    post = _post_object(await json_body(request))
    if not isinstance(post.get("id"), str) or not post["id"]:
        post = {"id": _new_post_id(request, workspace)} | post
    with Prepared(service, request, post, workspace) as prepared:
        prepared.resolve_account()
        found = await prepared.diagnostics(online=True)
        now = service.clock()
        due = due_at(post) if not any(d.is_error for d in found) else None
        if due is not None and due < now - 1:
            found.append(
                service.preflight.diagnose(
                    "post.scheduled_at.past", f"scheduledAt was {now - due:,.0f} s ago", ("scheduledAt",)
                )
            )
        if any(d.is_error for d in found):
            raise preflight_problem(request, service.settings.public_url, found)
        if due is not None and due > now:
            return _schedule(service, request, prepared, due, now)
        return await _publish_now(service, request, prepared, now)


def _new_post_id(request: web.Request, workspace: str) -> str:
    """An id for a post that has none: from its Idempotency-Key when it has one (a retry after
    a crash finds the same post, not a second one), else random."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return "post_" + secrets.token_urlsafe(12)
    return "post_" + hashlib.sha256(f"{workspace}\n{key}".encode()).hexdigest()[:24]


def _reused(service: Service, request: web.Request, message: str) -> Problem:
    diagnostic = service.preflight.diagnose("post.id.reused", message, ("id",))
    return preflight_problem(request, service.settings.public_url, [diagnostic])


def _schedule(
    service: Service, request: web.Request, prepared: Prepared, due: float, now: float
) -> web.Response:
    item = ScheduledPost(
        prepared.post["id"],
        prepared.to_store(due),
        due,
        workspace=prepared.workspace,
        account=prepared.account,
        created_at=now,
        updated_at=now,
    )
    try:
        stored = service.backend.schedule.add(item)
    except ScheduleError as error:
        raise _reused(service, request, str(error)) from None
    service.events.emit(
        Event(
            "post.scheduled",
            prepared.account or "",
            {"id": stored.id, "workspace": stored.workspace, "due_at": stored.due_at},
        )
    )
    return web.json_response(post_view(stored), status=201, headers={"Location": f"/v1/posts/{stored.id}"})


async def _publish_now(
    service: Service, request: web.Request, prepared: Prepared, now: float
) -> web.Response:
    schedule = service.backend.schedule
    stored_post = prepared.to_store(now, links=False)  # its record names the upload, as it was sent
    existing = schedule.get(prepared.post["id"], prepared.workspace)
    if existing is not None:
        if existing.post != stored_post:
            raise _reused(service, request, f"post {existing.id!r} was sent before with other content")
        return web.json_response(post_view(existing), status=200)  # the same post again: its record
    lease = service.settings.publish_lease
    item = ScheduledPost(
        prepared.post["id"],
        stored_post,
        now,
        workspace=prepared.workspace,
        account=prepared.account,
        created_at=now,
        updated_at=now,
    )
    try:
        schedule.add_sending(item, service.owner, now + lease)
    except ScheduleError as error:
        raise Problem(409, "post_in_progress", "The post is being sent", str(error)) from None
    renewing = asyncio.create_task(_renew(service, item))
    try:
        outcome = await _send(service, prepared)
    finally:
        renewing.cancel()
    if outcome.status is PostState.SCHEDULED:  # a transient failure: a worker retries it
        outcome = Outcome(
            PostState.SCHEDULED, diagnostics=outcome.diagnostics, next_attempt_at=service.clock() + 30
        )
    schedule.finish(item.id, item.workspace, service.owner, outcome, service.clock())
    finished = schedule.get(item.id, item.workspace)
    assert finished is not None
    if outcome.status is not PostState.SCHEDULED:
        detail: dict[str, Any] = {"id": item.id, "workspace": item.workspace, "due_at": item.due_at}
        if outcome.pin_id:
            detail |= {"pin_id": outcome.pin_id, "pin_url": outcome.pin_url}
        if outcome.diagnostics:
            detail["diagnostics"] = list(outcome.diagnostics)
        service.events.emit(Event(f"post.{outcome.status}", item.account or "", detail))
    if outcome.status is PostState.FAILED:
        first = outcome.diagnostics[0] if outcome.diagnostics else {}
        raise Problem(
            502,
            "publish_failed",
            "Pinterest did not publish the post",
            f"{first.get('rule', 'post.publish.error')}: {first.get('message', 'the publish failed')}",
            rule=first.get("rule"),
            message=first.get("message"),
            fix=first.get("fix"),
            post=post_view(finished),
        )
    status = 201 if outcome.status is PostState.PUBLISHED else 202
    return web.json_response(post_view(finished), status=status, headers={"Location": f"/v1/posts/{item.id}"})


async def _send(service: Service, prepared: Prepared) -> Outcome:
    try:
        post = prepared.to_send()
        return await service.senders.send(post, prepared.account, prepared.folder, service.owner)
    except Exception as error:  # one post's trouble is its own result, as in the worker
        diagnostic = service.preflight.diagnose("post.publish.error", str(error)).to_dict()
        return Outcome(PostState.FAILED, diagnostics=(diagnostic,))


async def _renew(service: Service, item: ScheduledPost) -> None:
    """Keep the lease while the post is being sent (a video upload can take long)."""
    lease = service.settings.publish_lease
    while True:
        await asyncio.sleep(lease / 3)
        if not service.backend.schedule.renew(
            item.id, item.workspace, service.owner, service.clock() + lease
        ):
            return


def _find(service: Service, request: web.Request) -> ScheduledPost:
    post_id = request.match_info["post_id"]
    found = service.backend.schedule.get(post_id, workspace_of(request))
    if found is None:
        raise Problem(404, "post_not_found", "No such post", f"no post {post_id!r} in this workspace")
    return found


async def get_post(request: web.Request) -> web.Response:
    return web.json_response(post_view(_find(request.app[SERVICE], request)))


async def cancel(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    found = _find(service, request)
    try:
        cancelled = service.backend.schedule.cancel(found.id, found.workspace)
    except ScheduleError as error:
        raise Problem(409, "post_not_cancellable", "The post cannot be cancelled", str(error)) from None
    return web.json_response(post_view(cancelled))


def _cursor(text: str) -> tuple[float, str]:
    """The (time, id) a `nextCursor` of an earlier page holds; anything else is 400."""
    invalid = Problem(400, "cursor_invalid", "Cursor not valid", "pass the nextCursor of an earlier page")
    try:
        due, post_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError):
        raise invalid from None
    if isinstance(due, bool) or not isinstance(due, int | float) or not math.isfinite(due):
        raise invalid  # NaN or infinity would match no row: an empty page instead of an error
    if not isinstance(post_id, str):
        raise invalid
    return float(due), post_id


async def list_posts(request: web.Request) -> web.Response:
    """GET /v1/posts?status=&cursor=&limit=: by scheduled time, then id."""
    service = request.app[SERVICE]
    status_text = request.query.get("status")
    try:
        status = PostState(status_text) if status_text else None
    except ValueError:
        states = ", ".join(s.value for s in PostState)
        raise Problem(400, "status_invalid", "Unknown status", f"status is one of {states}") from None
    try:
        limit = int(request.query.get("limit", str(PAGE_SIZE)))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 500:
        raise Problem(400, "limit_invalid", "Limit not valid", "limit is a number from 1 to 500")
    after = _cursor(request.query["cursor"]) if request.query.get("cursor") else None
    items = service.backend.schedule.list(workspace_of(request), status, after, limit + 1)
    page = items[:limit]
    cursor = None
    if len(items) > limit:
        last = page[-1]
        cursor = base64.urlsafe_b64encode(json.dumps([last.due_at, last.id]).encode()).decode().rstrip("=")
    return web.json_response({"items": [post_view(i) for i in page], "nextCursor": cursor})
