"""Publishing a post, orchestrated: full preflight, the board, the journal, then the image or
video flow (`_image`, `_video`) and the create.

A post with an error diagnostic is never sent; the diagnostics are the result. Every failure
of the flow maps to its code (register, upload, transcode, create).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinrules import (
    Diagnostic,
    Document,
    Finding,
    NetworkSettings,
    OnlinePost,
    Preflight,
    matches,
    online_findings,
    pinterest,
)

from ._client import PinterestClient
from ._errors import AmbiguousResponse, NotFound, PinterestError, ReauthRequired
from ._flow import FlowError, reraise_reauth
from ._image import image_source
from ._journal import Journal, post_key
from ._requests import PinPlan, pin_body, plan, video_source
from ._video import Progress, VideoSettings, video_media_id

if TYPE_CHECKING:
    from ._models import Pin


class Status(StrEnum):
    PUBLISHED = "published"
    REJECTED = "rejected"  # preflight found errors: nothing was sent
    FAILED = "failed"  # Pinterest or the network refused; nothing was created
    UNKNOWN = "unknown"  # the create may have happened; not confirmed
    PLANNED = "planned"  # a dry run: these requests would be sent
    SCHEDULED = "scheduled"  # scheduledAt is still ahead: nothing was sent


@dataclass
class PublishResult:
    status: Status
    post_id: str | None = None
    file: str | None = None
    pin_id: str | None = None
    pin_url: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    from_journal: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "id": self.post_id,
            "file": self.file,
            "pin_id": self.pin_id,
            "pin_url": self.pin_url,
            "from_journal": self.from_journal,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        } | ({"requests": self.requests} if self.requests else {})


@dataclass(frozen=True)
class PublishOptions:
    network: NetworkSettings = field(default_factory=NetworkSettings)
    poll_interval: float = pinterest.MEDIA_POLL_INTERVAL_SECONDS
    poll_timeout: float = pinterest.MEDIA_POLL_TIMEOUT_SECONDS
    stall_timeout: float = 60.0
    dry_run: bool = False
    progress: Progress | None = None
    ignore_schedule: bool = False  # publish posts whose scheduledAt is still ahead, now
    clock: Callable[[], float] = time.time
    # codes or prefixes ignored per file (the settings' per-file-ignores), as lint ignores them
    ignored_in: Callable[[str], list[str]] | None = None
    # Pinterest requests a second per account for the clients the publish commands and publish()
    # make (math.inf: none); None: the limit of the app's access tier (pinterest.ACCESS_TIERS),
    # None there too: the process's default (publisher.rate_limiters())
    rate_limit: float | None = None
    access_tier: str | None = None


class Publisher:
    """Publishes posts with one client, one journal and one preflight."""

    def __init__(
        self,
        client: PinterestClient,
        journal: Journal | None = None,
        preflight: Preflight | None = None,
        options: PublishOptions | None = None,
        *,
        account_scopes: tuple[str, ...] | None = None,
        check_boards: bool = True,
    ) -> None:
        """`account_scopes` (of a connected account) enables the secret-board scope check;
        `check_boards` looks the board up on Pinterest before anything is uploaded."""
        self.client = client
        self.journal = journal
        self.preflight = preflight or Preflight()
        self.options = options or PublishOptions()
        self.account_scopes = account_scopes
        self.check_boards = check_boards
        # a board does not change during a run: one lookup per board, not one per post
        self._boards: dict[str, list[Finding]] = {}

    async def publish(
        self,
        post: Any,
        *,
        account: dict[str, Any] | None = None,
        base_dir: Path | None = None,
        document: Document | None = None,
    ) -> PublishResult:
        base = base_dir or (Path(document.name).parent if document else Path.cwd())
        result = PublishResult(Status.REJECTED, file=document.name if document else None)
        result.post_id = (
            post.get("id") if isinstance(post, dict) and isinstance(post.get("id"), str) else None
        )
        result.diagnostics = await self._preflight(post, account, base, document)
        if any(d.is_error for d in result.diagnostics):
            return result
        due = _due_at(post)
        if due is not None and due > self.options.clock() and not self.options.ignore_schedule:
            result.status = Status.SCHEDULED  # a later run publishes it, once: the journal knows
            return result
        pin = plan(post, base, (account or {}).get("defaultBoardId"))
        try:
            board_findings = await self.board_findings(pin.board_id) if self.check_boards else []
        except ReauthRequired as error:  # the post is fine; the account must reconnect
            result.status = Status.FAILED
            board_findings = [("pinterest.account.reauth_required", (), str(error))]
        result.diagnostics += self.preflight.probe_diagnostics(board_findings, document)
        if any(d.is_error for d in result.diagnostics):
            return result
        if self.options.dry_run:
            result.status, result.requests = Status.PLANNED, _planned_requests(pin, self.client.base_url)
            return result
        key = post_key(post)
        try:
            published = await self._already_published(key, pin)
            if published is None:
                published = await self._flow(key, pin)
        except ReauthRequired as error:  # nothing was created: the post is not lost
            result.status = Status.FAILED
            result.diagnostics += self.preflight.probe_diagnostics(
                [("pinterest.account.reauth_required", (), str(error))], document
            )
            return result
        except FlowError as error:
            result.status = (
                Status.UNKNOWN if error.code == "pinterest.pin.create_unconfirmed" else Status.FAILED
            )
            result.diagnostics += self.preflight.probe_diagnostics(
                [(error.code, error.pointer, error.message)], document
            )
            return result
        pin_answer, result.from_journal = published
        result.status, result.pin_id, result.pin_url = Status.PUBLISHED, pin_answer.id, pin_answer.url
        return result

    async def _preflight(
        self, post: Any, account: Any, base: Path, document: Document | None
    ) -> list[Diagnostic]:
        diagnostics = (
            self.preflight.check_document(document, account)
            if document
            else self.preflight.check(post, account)
        )
        (findings,) = await online_findings([OnlinePost(post, base)], self.options.network)
        diagnostics += self.preflight.probe_diagnostics(findings, document)
        if document is None or self.options.ignored_in is None:
            return diagnostics
        ignored = self.options.ignored_in(document.name)
        return [d for d in diagnostics if not any(matches(d.rule, code) for code in ignored)]

    async def board_findings(self, board_id: str) -> list[Finding]:
        """The board exists, is the account's, and a secret board comes with its scope.

        Looked up once per board and publisher: boards do not change during a run."""
        if board_id not in self._boards:
            self._boards[board_id] = await self._look_up_board(board_id)
        return self._boards[board_id]

    async def _look_up_board(self, board_id: str) -> list[Finding]:
        where: tuple[str | int, ...] = ("options", "pinterest", "boardId")
        try:
            board = await self.client.get_board(board_id)
        except ReauthRequired:
            raise
        except NotFound:
            return [
                (
                    "pinterest.board.exists",
                    where,
                    f"board {board_id} does not exist or is not this account's",
                )
            ]
        except PinterestError as error:
            return [("pinterest.board.exists", where, f"board {board_id} could not be looked up: {error}")]
        if (
            board.privacy == "SECRET"
            and self.account_scopes is not None
            and "pins:read_secret" not in self.account_scopes
        ):
            message = f"board {board_id} is secret and the account was connected without pins:read_secret"
            return [("pinterest.board.secret_scope", where, message)]
        return []

    async def _already_published(self, key: str, pin: PinPlan) -> tuple[Pin, bool] | None:
        """The recorded pin of an earlier publish, confirming an unanswered create on the board."""
        entry = self.journal.get(key) if self.journal else None
        if entry is None or entry.state == "failed":
            return None
        if entry.state == "published" and entry.pin_id:
            from ._models import Pin  # noqa: PLC0415 - pydantic only once answers are at hand

            return Pin(id=entry.pin_id, board_id=entry.board_id), True
        found = await self._find_on_board(pin)  # "creating" or "unknown": did it arrive?
        if found is not None and self.journal:
            self.journal.record(key, "published", pin.board_id, found.id)
            return found, True
        return None

    async def _find_on_board(self, pin: PinPlan) -> Pin | None:
        wanted = {name: pin.fields.get(name) for name in ("title", "description", "link", "alt_text")}
        try:
            async for candidate in self.client.board_pins(pin.board_id):
                if all(getattr(candidate, name) == value for name, value in wanted.items()):
                    return candidate
        except PinterestError:
            return None
        return None

    async def _flow(self, key: str, pin: PinPlan) -> tuple[Pin, bool]:
        if pin.kind == "image":
            return await self._create(key, pin, pin_body(pin, image_source(pin))), False
        settings = VideoSettings(
            self.options.network,
            self.options.poll_interval,
            self.options.poll_timeout,
            self.options.stall_timeout,
            self.options.progress,
        )
        media_id = await video_media_id(self.client, pin, settings)
        return await self._create(key, pin, pin_body(pin, video_source(pin, media_id))), False

    async def _create(self, key: str, pin: PinPlan, body: dict[str, Any]) -> Pin:
        if self.journal:
            self.journal.record(key, "creating", pin.board_id)
        try:
            created = await self.client.create_pin(body)
        except AmbiguousResponse as error:
            found = await self._find_on_board(pin)
            if found is None:
                if self.journal:
                    self.journal.record(key, "unknown", pin.board_id)
                raise FlowError(
                    "pinterest.pin.create_unconfirmed",
                    f"{error}; no such pin is on board {pin.board_id} yet. Publish again later: "
                    "the journal checks the board before creating anything",
                ) from None
            created = found
        except PinterestError as error:
            if self.journal:
                self.journal.record(key, "failed", pin.board_id)
            reraise_reauth(error)
            raise FlowError("pinterest.pin.create_failed", str(error)) from None
        if self.journal:
            self.journal.record(key, "published", pin.board_id, created.id)
        return created


def _due_at(post: dict[str, Any]) -> float | None:
    """scheduledAt as a timestamp (preflight has checked it is RFC 3339 with an offset)."""
    when = post.get("scheduledAt")
    if not isinstance(when, str):
        return None
    return datetime.fromisoformat(when.upper().replace("Z", "+00:00")).timestamp()


def _planned_requests(pin: PinPlan, base_url: str) -> list[dict[str, Any]]:
    """The requests a publish would send, for --dry-run (inline image data abbreviated)."""
    if pin.kind == "image":
        source = image_source(pin)
        if "data" in source:
            source["data"] = f"<{len(source['data']):,} base64 characters of {pin.value}>"
        return [{"method": "POST", "url": f"{base_url}/pins", "body": pin_body(pin, source)}]
    steps: list[dict[str, Any]] = []
    media_id = pin.value if pin.source == "mediaId" else "<media_id from POST /media>"
    if pin.source != "mediaId":
        steps.append({"method": "POST", "url": f"{base_url}/media", "body": {"media_type": "video"}})
        origin = f"downloaded from {pin.value}" if pin.source == "url" else pin.value
        body = f"multipart/form-data: every upload_parameters field, then the file ({origin})"
        steps.append({"method": "POST", "url": "<upload_url from POST /media>", "body": body})
    steps.append(
        {
            "method": "GET",
            "url": f"{base_url}/media/{media_id}",
            "body": None,
            "repeat": f"every {pinterest.MEDIA_POLL_INTERVAL_SECONDS:g} s until succeeded",
        }
    )
    steps.append(
        {"method": "POST", "url": f"{base_url}/pins", "body": pin_body(pin, video_source(pin, media_id))}
    )
    return steps
