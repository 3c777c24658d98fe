"""Publishing a post, orchestrated: full preflight, the board, the claim in the journal, then
the send (`_sending`: reconciliation first when an earlier create may exist, the image or
video flow, the create).

A post with an error diagnostic is never sent; the diagnostics are the result. Each post is
published inside its own error boundary: whatever happens to it (a bad path, an unreadable
file, a malformed answer, a full disk, a bug) becomes its result, with a code and a message,
and `publish` returns normally for the other posts to go on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinrules import (
    Diagnostic,
    Document,
    FileFacts,
    Finding,
    MediaFolders,
    NetworkSettings,
    OnlinePost,
    Preflight,
    matches,
    media_outside_findings,
    online_findings,
    pinterest,
    to_pointer,
)

from ._claims import ClaimOutcome, PublishJournal, content_hash, fingerprint, post_key
from ._client import PinterestClient
from ._enqueue import Handover, due_at, hand_over
from ._errors import (
    ConnectionFailed,
    JournalError,
    NotFound,
    PinterestError,
    ReauthRequired,
    TokensUnsaved,
    Unauthorized,
)
from ._flow import FlowError, Pointer, step_failed
from ._image import image_source
from ._media_file import open_media
from ._requests import PinPlan, pin_body, plan, video_source
from ._results import PublishResult, Status, attach_result
from ._sending import Sender, SendSettings
from ._video import Progress, VideoSettings

log = logging.getLogger("pinrules.publish")
RECREATE_AFTER = 300.0
_BOARD: Pointer = ("options", "pinterest", "boardId")


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
    # where media paths may lead (default: the post's folder and the project around the working folder)
    media: MediaFolders | None = None
    # when (a `clock` time) the run must end: nothing starts after it, and waits under way end
    deadline: float | None = None
    # seconds after an unanswered create before a board without the pin counts as proof that
    # it was not made, and the create is sent again (by a later publish of the post)
    recreate_after: float = RECREATE_AFTER
    # Pinterest requests a second per account for the clients the publish commands and publish()
    # make (math.inf: none); None: the limit of the app's access tier (pinterest.ACCESS_TIERS),
    # None there too: the process's default (publisher.rate_limiters())
    rate_limit: float | None = None
    access_tier: str | None = None


def default_owner() -> str:
    """An owner id for a run's claims: the host, the process, and a random part."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


class Publisher:
    """Publishes posts with one client, one journal and one preflight."""

    def __init__(
        self,
        client: PinterestClient,
        journal: PublishJournal | None = None,
        preflight: Preflight | None = None,
        options: PublishOptions | None = None,
        *,
        account_scopes: tuple[str, ...] | None = None,
        check_boards: bool = True,
        owner: str | None = None,
        handover: Handover | None = None,
    ) -> None:
        """`account_scopes` (of a connected account) enables the secret-board scope check;
        `check_boards` looks the board up on Pinterest before anything is uploaded; `owner`
        names this publisher's claims in the journal (default: host, process and a random part);
        `handover`: the scheduler's stores, where a post whose scheduledAt is ahead is stored for
        `pinrules worker` (without it, such a post is left for a later run)."""
        self.client = client
        self.journal = journal
        self.preflight = preflight or Preflight()
        self.options = options or PublishOptions()
        self.account_scopes = account_scopes
        self.check_boards = check_boards
        self.owner = owner or default_owner()
        self.handover = handover
        # a board does not change during a run: one lookup per board, not one per post
        self._boards: dict[str, list[Finding]] = {}
        self._folders = self.options.media

    async def publish(
        self,
        post: Any,
        *,
        account: dict[str, Any] | None = None,
        base_dir: Path | None = None,
        document: Document | None = None,
        owner: str | None = None,
        checked_files: Mapping[str, FileFacts] | None = None,
    ) -> PublishResult:
        """Preflight `post` and, when it passes, publish it once: its result, never an exception
        for anything that happens to this post. `owner` names the claim (a scheduler worker's id;
        default: this publisher's). `checked_files`: what is known of some of its local files,
        by path as written (see `OnlinePost.checked`): judged from these facts, not looked at
        again by the preflight; the file opened to be sent is still refused when it is not a
        regular file inside the allowed folders."""
        result = PublishResult(Status.REJECTED, file=document.name if document else None)
        if isinstance(post, dict) and isinstance(post.get("id"), str):
            result.post_id = post["id"]
        try:
            await self._publish(result, post, account=account, base_dir=base_dir, document=document,
                                owner=owner or self.owner, checked=checked_files or {})  # fmt: skip
        except (Unauthorized, ConnectionFailed):
            raise  # the token or the API, not this post (the board lookup lets them through): said once
        except asyncio.CancelledError as cancelled:  # the journal's row is already true (see Sender.run)
            sent = result.status is Status.UNKNOWN
            result.status = Status.UNKNOWN if sent else Status.RETRY
            result.diagnostics += self._explain([interrupted(sent)], document)
            attach_result(cancelled, result)  # for a caller that reports on the run
            raise
        except Exception as error:  # the error boundary: one post's surprise is its own result
            log.debug("publishing %s failed unexpectedly", result.file or result.post_id, exc_info=True)
            sent = result.status is Status.UNKNOWN
            result.status = Status.UNKNOWN if sent else Status.FAILED
            message = f"{error.__class__.__name__}: {error}"[:500]
            result.diagnostics += self._explain([("pinrules.publish.internal_error", (), message)], document)
        return result

    async def _publish(
        self,
        result: PublishResult,
        post: Any,
        *,
        account: dict[str, Any] | None,
        base_dir: Path | None,
        document: Document | None,
        owner: str,
        checked: Mapping[str, FileFacts],
    ) -> None:
        base = base_dir or (Path(document.name).parent if document else Path.cwd())
        result.diagnostics = await self._preflight(post, account, base, document, checked)
        if any(d.is_error for d in result.diagnostics):
            return
        due = None if self.options.ignore_schedule else due_at(post)
        if due is not None and due > self.options.clock():
            result.status = Status.SCHEDULED  # a later run publishes it, once: the journal knows
            if self.handover is not None and not self.options.dry_run:
                self._hand_over(result, post, base, document)
            return
        pin = plan(post, base, (account or {}).get("defaultBoardId"))
        try:
            board_findings = await self._board(pin.board_id) if self.check_boards else []
            result.diagnostics += self.preflight.probe_diagnostics(board_findings, document)
            if any(d.is_error for d in result.diagnostics):
                return
            if self.options.dry_run:
                result.status, result.requests = Status.PLANNED, self._planned(pin, base)
                return
        except FlowError as error:
            self._failed(result, error, document)
            return
        except ReauthRequired as error:  # the post is fine; the account must reconnect
            result.status = Status.FAILED
            result.diagnostics += self._explain(
                [("pinterest.account.reauth_required", (), str(error))], document
            )
            return
        except TokensUnsaved as error:
            result.status = Status.RETRY
            result.diagnostics += self._explain(
                [("pinterest.account.tokens_unsaved", (), str(error))], document
            )
            return
        if self.options.deadline is not None and self.options.deadline <= self.options.clock():
            result.status = Status.RETRY
            message = "the run's deadline passed before this post was started"
            result.diagnostics += self._explain([("pinrules.run.deadline", (), message)], document)
            return
        await self._send(result, post, pin, base, document=document, owner=owner)

    async def _send(
        self, result: PublishResult, post: dict[str, Any], pin: PinPlan, base: Path, *,
        document: Document | None, owner: str,
    ) -> None:  # fmt: skip
        key, digest = post_key(post), content_hash(pin, post)
        claim = None
        if self.journal is not None:
            try:
                claim = self.journal.claim(key, digest, owner)
            except JournalError as error:
                result.status = Status.RETRY
                result.diagnostics += self._explain(
                    [("pinrules.journal.unwritable", (), str(error))], document
                )
                return
            entry = claim.entry
            if claim.outcome == ClaimOutcome.PUBLISHED and entry is not None and entry.pin_id:
                result.status, result.pin_id, result.from_journal = Status.PUBLISHED, entry.pin_id, True
                result.pin_url = _pin_url(entry.pin_id)
                return
            if not claim.claimed and entry is not None:
                result.status, finding = _not_claimed(claim.outcome, entry.owner, entry.lease_until, key)
                result.diagnostics += self._explain([finding], document)
                if result.status is Status.CLAIMED_ELSEWHERE and entry.lease_until is not None:
                    # worth trying again once the holder's lease is over, not after a long backoff
                    result.retry_after = max(0.0, entry.lease_until - self.journal.now()) + 0.5
                return
        if claim is not None and claim.outcome == ClaimOutcome.RECONCILE:
            result.status = Status.UNKNOWN  # until proven otherwise: a pin may exist
        sender = Sender(self.client, self._settings(), pin, base, journal=self.journal, key=key, owner=owner,
                        fingerprint=fingerprint(pin))  # fmt: skip
        try:
            sent = await sender.run(claim)
        except BaseException:  # a surprise or a cancel: said by publish(), from this status
            if sender.sent:
                result.status = Status.UNKNOWN  # the boundary reports it as unknown
            raise
        result.status, result.retry_after, result.candidates = sent.status, sent.retry_after, sent.candidates
        if sent.pin is not None:
            result.pin_id, result.pin_url = sent.pin.id, _pin_url(sent.pin.id)
        result.diagnostics += self._explain(sent.findings, document)

    def _settings(self) -> SendSettings:
        options = self.options
        video = VideoSettings(
            options.network,
            options.poll_interval,
            options.poll_timeout,
            options.stall_timeout,
            options.progress,
        )
        left = None if options.deadline is None else max(0.0, options.deadline - options.clock())
        return SendSettings(video, self._media_folders(), options.recreate_after, left)

    def _media_folders(self) -> MediaFolders:
        if self._folders is None:
            self._folders = MediaFolders.discover()
        return self._folders

    async def _preflight(
        self, post: Any, account: Any, base: Path, document: Document | None, checked: Mapping[str, FileFacts]
    ) -> list[Diagnostic]:
        diagnostics = (
            self.preflight.check_document(document, account)
            if document
            else self.preflight.check(post, account)
        )
        folders = self._media_folders()
        outside = media_outside_findings(post, base, folders, resolve=True, checked=checked)
        if outside:  # never look at (or into) a file outside the allowed folders
            diagnostics += self._explain(outside, document)
        else:
            (findings,) = await online_findings([OnlinePost(post, base, checked)], self.options.network)
            diagnostics += self.preflight.probe_diagnostics(findings, document)
        if document is None or self.options.ignored_in is None:
            return diagnostics
        ignored = self.options.ignored_in(document.name)
        return [d for d in diagnostics if not any(matches(d.rule, code) for code in ignored)]

    def _explain(
        self, findings: list[tuple[str, Pointer, str]], document: Document | None
    ) -> list[Diagnostic]:
        """Diagnostics for what publishing found. The publish flow's own outcomes are always
        told, even when their rule is not selected: a result must say why."""
        told: list[Diagnostic] = []
        for code, pointer, message in findings:
            found = self.preflight.probe_diagnostics([(code, pointer, message)], document)
            if not found and self.preflight.rule(code) is not None:
                line, column = document.position(pointer) if document else (1, 1)
                made = self.preflight.file_diagnostic(
                    code, message, document.name if document else "", line, column, always=True
                )
                if made is not None:
                    made = made.replace(pointer=to_pointer(pointer))
                    found = [made if document else made.replace(file=None, line=None, column=None)]
            told += found
        return told

    def _hand_over(
        self, result: PublishResult, post: dict[str, Any], base: Path, document: Document | None
    ) -> None:
        """Store the post for the scheduler's workers (it passed every check just now)."""
        assert self.handover is not None
        handed = hand_over(post, self.handover, base, now=self.options.clock(), checker=self.preflight,
                           document=document)  # fmt: skip
        result.diagnostics += handed.diagnostics
        if handed.item is not None:
            result.due_at = handed.item.due_at
        elif any(d.rule == "post.id.reused" for d in handed.diagnostics):
            result.status = Status.REUSED_ID
        else:
            result.status = Status.REJECTED

    def _failed(self, result: PublishResult, error: FlowError, document: Document | None) -> None:
        result.status = Status.RETRY if error.retry else Status.FAILED
        if error.code.startswith("post."):
            result.status = Status.REJECTED
        result.retry_after = error.retry_after
        result.diagnostics += self._explain([(error.code, error.pointer, error.message)], document)

    async def board_findings(self, board_id: str) -> list[Finding]:
        """The board exists, is the account's, and a secret board comes with its scope.

        Looked up once per board and publisher: boards do not change during a run. Raises
        ReauthRequired when the account must be connected again."""
        try:
            return await self._board(board_id)
        except FlowError as error:  # a passing trouble: a finding now, looked up again next time
            return [("pinterest.board.exists", _BOARD, error.message)]

    async def _board(self, board_id: str) -> list[Finding]:
        """Like `board_findings`, but a lookup that fails for a passing reason (rate limit,
        network, a refresh that failed) raises its FlowError, and is not kept."""
        if board_id not in self._boards:
            self._boards[board_id] = await self._look_up_board(board_id)
        return self._boards[board_id]

    async def _look_up_board(self, board_id: str) -> list[Finding]:
        where = _BOARD
        try:
            board = await self.client.get_board(board_id)
        except (ReauthRequired, Unauthorized, ConnectionFailed):
            raise  # the token or the API, not this board: the command says so once per run
        except NotFound:
            return [
                ("pinterest.board.exists", where, f"board {board_id} does not exist or is not this account's")
            ]
        except PinterestError as error:
            failure = step_failed(error, "pinterest.board.exists", f"board {board_id} could not be looked up")
            if failure.code != "pinterest.board.exists":
                raise failure from None  # the account's or a passing trouble: not the board's
            return [(failure.code, where, failure.message)]
        if (
            board.privacy == "SECRET"
            and self.account_scopes is not None
            and not pinterest.may_pin_to_secret_boards(self.account_scopes)
        ):
            message = f"board {board_id} is secret and the account was connected without pins:read_secret"
            return [("pinterest.board.secret_scope", where, message)]
        return []

    def _planned(self, pin: PinPlan, base: Path) -> list[dict[str, Any]]:
        """The requests a publish would send, for --dry-run (inline image data abbreviated)."""
        base_url = self.client.base_url
        if pin.kind == "image":
            if pin.source == "path":
                with open_media(pin.value, base, self._media_folders()) as file:
                    source = image_source(pin, file)
                source["data"] = f"<{len(source['data']):,} base64 characters of {pin.value}>"
            else:
                source = image_source(pin)
            return [{"method": "POST", "url": f"{base_url}/pins", "body": pin_body(pin, source)}]
        return _planned_video(pin, base_url)


def _not_claimed(
    outcome: ClaimOutcome, holder: str | None, until: float | None, key: str
) -> tuple[Status, Any]:
    if outcome == ClaimOutcome.REUSED:
        message = (
            f"the publish journal holds id {key.removeprefix('id:')!r} for a post with other content "
            "(a different title, text, link, board or media); nothing was sent"
        )
        return Status.REUSED_ID, ("post.id.reused", ("id",), message)
    left = f"{max(0.0, until - time.time()):.0f} s" if until is not None else "its lease"
    message = (
        f"another run ({holder}) holds this post's claim and is publishing it; if that run has "
        f"stopped, publishing again after {left} takes the post over (its pin is looked for first)"
    )
    return Status.CLAIMED_ELSEWHERE, ("pinrules.claim.held", (), message)


def interrupted(sent: bool) -> Finding:
    """The finding of a post whose run was interrupted (`sent`: after its create may have left)."""
    if sent:
        return ("pinrules.run.interrupted", (), "the run was interrupted after this post's create was sent; "
                "the next publish looks for its pin on the board before creating anything")  # fmt: skip
    return ("pinrules.run.interrupted", (), "the run was interrupted before this post was created")


def _pin_url(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


def _planned_video(pin: PinPlan, base_url: str) -> list[dict[str, Any]]:
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
