"""A local Pinterest stand-in: the API v5 endpoints pinrules uses, in memory, for demos and tests.

It enforces the official field limits and id patterns (request bodies are validated against
the schemas of Pinterest's OpenAPI description), moves uploaded media through registered,
processing and succeeded (or failed, for files that are not video), and injects faults on
demand: error statuses with Retry-After, slow answers, dropped connections, slow or failed
processing. Faults are set from Python (`SandboxState.faults`), on the command line, or over HTTP:

    pinrules sandbox --fault "POST /v5/pins=status:503:2" --fault "POST /v5/pins=drop_after"
    POST /_sandbox/faults {"route": "POST /v5/pins", "kind": "status", "status": 429, "retry_after": 1}
    GET  /_sandbox/pins    every pin, for people

`pinrules sandbox` also registers a demo OAuth app and prints its credentials, so that
`pinrules accounts connect` can be tried end to end: the stand-in's consent page approves at once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import os
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp import BodyPartReader, web

from pinrules import SNIFF_BYTES, UsageError, did_you_mean, pinterest, sniff

from ._arguments import SandboxArguments

SUBSET = Path(__file__).resolve().parent / "pinterest-api-v5.subset.json"  # scripts/api_subset.py


@dataclass
class Fault:
    # "status"; "drop_before"; "drop_after" (act, then hang up); "slow"; "slow_after" (act, then wait)
    kind: str
    status: int = 500
    retry_after: float | None = None
    message: str = "Injected fault"
    seconds: float = 0.0


# --fault KIND[:ARG][:N]: the kinds, and what their argument is (None: they take none)
FAULT_KINDS: dict[str, str | None] = {
    "status": "CODE",
    "slow": "SECONDS",
    "drop_before": None,
    "drop_after": None,
}
FAULT_USAGE = (
    "--fault takes ROUTE=KIND[:N], KIND one of status:CODE (an error answer, 400-599), "
    "slow:SECONDS (a late answer), drop_before (hang up, nothing done), drop_after (done, then "
    'hang up); :N repeats it N times. Example: --fault "POST /v5/pins=status:503:2"'
)


@dataclass
class Faults:
    """Faults waiting for their route ("POST /v5/pins"), each used once, in order."""

    pending: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    processing_seconds: float = 0.2  # how long uploaded media stays "processing"
    fail_processing: bool = False  # every upload fails to process

    def add(self, route: str, fault: Fault, times: int = 1) -> None:
        self.pending[route].extend([fault] * times)

    def take(self, route: str) -> Fault | None:
        queue = self.pending.get(route)
        return queue.pop(0) if queue else None


@dataclass
class Grant:
    """A token the stand-in issued: whose it is, its scopes, and when it stops working."""

    user: str
    scopes: str
    expires_at: float


@dataclass
class SandboxState:
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> user id (never expire)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    boards: dict[str, dict[str, Any]] = field(default_factory=dict)
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # method, path, JSON body
    hits: Counter[str] = field(default_factory=Counter)  # "GET /v5/boards/{board_id}": count
    files: Path | None = None  # served at /files/ (cover images for demos)
    # OAuth: registered apps (client id -> secret), codes, and tokens issued with expiry
    apps: dict[str, str] = field(default_factory=dict)
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> user, scopes, redirect
    issued: dict[str, Grant] = field(default_factory=dict)  # access token -> grant
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    access_lifetime: int = 30 * 24 * 3600
    refresh_lifetime: int = 365 * 24 * 3600
    approve_as: str | None = None  # the user the authorize page approves for (default: the first)
    clock: Any = time.time
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def new_id(self, digits: int = 18) -> str:
        return str(10 ** (digits - 1) + next(self._ids))

    def add_user(self, token: str, username: str = "sandbox") -> str:
        user_id = self.new_id()
        self.users[user_id] = {"id": user_id, "username": username, "account_type": "BUSINESS"}
        self.tokens[token] = user_id
        return user_id

    def add_board(self, user_id: str, board_id: str, name: str, privacy: str = "PUBLIC") -> None:
        self.boards[board_id] = {"id": board_id, "name": name, "privacy": privacy, "owner": user_id}


def parse_fault(text: str, routes: tuple[str, ...]) -> tuple[str, Fault, int]:
    """A --fault value, ROUTE=KIND[:N] (see FAULT_USAGE), as the route, the fault and how many
    times it happens; UsageError naming what is wrong, the kinds, and the routes when it is the route."""
    route, equals, spec = text.rpartition("=")
    route = " ".join(route.split())
    if not equals or not route:
        raise UsageError(f"--fault {text!r}: write ROUTE=KIND. {FAULT_USAGE}")
    if route not in routes:
        close = did_you_mean(route, routes)
        hint = f"did you mean {close!r}?" if close else "routes: " + ", ".join(routes)
        raise UsageError(f"--fault {text!r}: the stand-in has no route {route!r}; {hint}")
    kind, *rest = spec.split(":")
    if kind not in FAULT_KINDS:
        raise UsageError(f"--fault {text!r}: unknown kind {kind!r}. {FAULT_USAGE}")
    argument_name = FAULT_KINDS[kind]
    if argument_name is not None and not rest:
        raise UsageError(
            f"--fault {text!r}: {kind} needs its {argument_name} ({kind}:{argument_name}). {FAULT_USAGE}"
        )
    argument, counts = (rest[0], rest[1:]) if argument_name is not None else ("", rest)
    fault = Fault(kind)
    try:
        if kind == "status":
            fault.status = int(argument)
            if not 400 <= fault.status <= 599:
                raise ValueError
        elif kind == "slow":
            fault.seconds = float(argument)
            if not 0 <= fault.seconds < 3600:
                raise ValueError
        times = int(counts[0]) if counts else 1
        if len(counts) > 1 or times < 1:
            raise ValueError
    except ValueError:
        raise UsageError(f"--fault {text!r}: cannot read {spec!r}. {FAULT_USAGE}") from None
    return route, fault, times


def routes(app: web.Application) -> tuple[str, ...]:
    """Every route of the stand-in as faults name them: 'POST /v5/pins' (HEAD aside: pinrules
    never sends one)."""
    found = (
        f"{r.method} {r.resource.canonical}" for r in app.router.routes() if r.resource and r.method != "HEAD"
    )
    return tuple(dict.fromkeys(found))


def demo_state(token: str) -> SandboxState:
    """One user with a public and a secret board; the ids of the example posts."""
    state = SandboxState()
    user = state.add_user(token)
    state.add_board(user, "549755885175", "Recipes")
    state.add_board(user, "549755885176", "Secret stash", "SECRET")
    return state


STATE = web.AppKey("state", SandboxState)
# typed request keys (aiohttp 3.14 warns about plain strings); plain strings before RequestKey existed
_RequestKey: Any = getattr(web, "RequestKey", lambda name, _kind: name)
USER = _RequestKey("user", str)
SCOPES = _RequestKey("scopes", list)
_SCHEMAS = json.loads(SUBSET.read_text(encoding="utf-8"))


def _validator(name: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator({"$ref": f"#/components/schemas/{name}", **_SCHEMAS})


PIN_CREATE = _validator("PinCreate")
MEDIA_CREATE = _validator("MediaUploadCreate")


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status,
                             headers={"x-request-id": secrets.token_hex(8)})  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@web.middleware
async def _faults_and_auth(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[STATE]
    resource = request.match_info.route.resource
    route = f"{request.method} {resource.canonical if resource else request.path}"
    state.hits[route] += 1
    fault = state.faults.take(route)
    if fault is not None and fault.kind == "slow":
        await asyncio.sleep(fault.seconds)
    elif fault is not None and fault.kind == "status":
        refusal = _error(fault.status, fault.status, fault.message)
        if fault.retry_after is not None:
            refusal.headers["Retry-After"] = f"{fault.retry_after:g}"
        return refusal
    elif fault is not None and fault.kind == "drop_before":
        _hang_up(request)
        return web.Response(status=500)
    if request.path.startswith("/v5/") and request.path != "/v5/oauth/token":
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = state.tokens.get(token)
        grant = state.issued.get(token)
        if grant is not None and grant.expires_at > state.clock():
            user = grant.user
            request[SCOPES] = grant.scopes.split()
        if user is None:
            return _error(401, 2, "Authentication failed.")
        request[USER] = user
    response: web.StreamResponse = await handler(request)
    if fault is not None and fault.kind == "slow_after":
        await asyncio.sleep(
            fault.seconds
        )  # it happened; the answer comes late (or never, if the caller dies)
    if fault is not None and fault.kind == "drop_after":
        _hang_up(request)  # it happened, but the answer never leaves
    return response


def _hang_up(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


async def _body(request: web.Request) -> Any:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text='{"code": 1, "message": "Invalid JSON"}', content_type="application/json"
        ) from None
    request.app[STATE].requests.append((request.method, request.path, body))
    return body


async def _valid_body(request: web.Request, validator: jsonschema.Draft4Validator) -> Any:
    """The request's JSON body, or an HTTPBadRequest shaped like Pinterest's errors."""
    body = await _body(request)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "body"
        message = json.dumps({"code": 1, "message": f"Invalid parameters: {where}: {error.message}"})
        raise web.HTTPBadRequest(text=message, content_type="application/json",
                                 headers={"x-request-id": secrets.token_hex(8)})  # fmt: skip
    return body


async def create_pin(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await _valid_body(request, PIN_CREATE)
    board = state.boards.get(body.get("board_id", ""))
    if board is None or board["owner"] != request[USER]:
        return _error(404, 3, "Board not found.")
    source = body["media_source"]
    problem = _media_problem(state, source, request[USER])
    if problem is not None:
        return _error(400, 1, problem)
    pin_id = state.new_id()
    pin = _pin(pin_id, board, body, state.users[request[USER]]["username"])
    state.pins[pin_id] = pin
    return web.json_response(pin, status=201)


def _pin(pin_id: str, board: dict[str, Any], body: dict[str, Any], owner: str) -> dict[str, Any]:
    """A pin as Pinterest answers it (the official `Pin`): what was sent of its fields, and the
    media as Pinterest shows it (`PinMedia`: never the source URL or the uploaded media id)."""
    source = body["media_source"]
    images = {
        "150x150": {"width": 150, "height": 150, "url": f"https://i.pinimg.example/150x150/{pin_id}.jpg"}
    }
    media: dict[str, Any] = {"media_type": "image", "images": images}
    if source["source_type"] == "video_id":
        media = {"media_type": "video", "images": images, "cover_image_url": source.get("cover_image_url")}
    sent: dict[str, Any] = {
        k: body[k] for k in ("title", "description", "link", "alt_text", "board_section_id") if k in body
    }
    return {
        "id": pin_id,
        "created_at": _now(),
        "board_id": board["id"],
        "board_owner": {"username": owner},
        "is_owner": True,
        "is_standard": True,
        "has_been_promoted": False,
        "creative_type": "VIDEO" if media["media_type"] == "video" else "REGULAR",
        "media": {k: v for k, v in media.items() if v is not None},
        **sent,
    }


def _media_problem(state: SandboxState, source: dict[str, Any], user: str) -> str | None:
    kind = source["source_type"]
    if kind == "image_url":
        return None if source["url"].startswith(("http://", "https://")) else "Invalid image url."
    if kind == "image_base64":
        try:
            data = base64.b64decode(source["data"], validate=True)
        except binascii.Error:
            return "Invalid base64 image data."
        if len(data) > pinterest.IMAGE_MAX_BYTES:
            return "Image is larger than 20 MB."
        found = sniff(data[:SNIFF_BYTES])
        return (
            None
            if found == source["content_type"]
            else f"Image data is {found}, not {source['content_type']}."
        )
    if kind == "video_id":
        media = state.media.get(source["media_id"])
        if media is None or media["owner"] != user:
            return "Media not found."
        if _status(media) != "succeeded":
            return f"Media is {_status(media)}, not ready to use."
        if not source.get("cover_image_url") and not source.get("cover_image_data"):
            return "A cover image is required for video pins."
        return None
    return f"Media source {kind} is not supported by the stand-in."


def _status(media: dict[str, Any]) -> str:
    if media["status"] == "processing" and time.monotonic() >= media["ready_at"]:
        media["status"] = (
            "succeeded" if media["sniffed"] in pinterest.VIDEO_TYPES and not media["fail"] else "failed"
        )
    return str(media["status"])


async def register_media(request: web.Request) -> web.Response:
    state = request.app[STATE]
    await _valid_body(request, MEDIA_CREATE)
    media_id = state.new_id(16)
    parameters = {
        "Content-Type": "multipart/form-data",
        "key": f"uploads/{media_id}",
        "policy": base64.b64encode(json.dumps({"media_id": media_id}).encode()).decode(),
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"SANDBOX/{datetime.now(UTC):%Y%m%d}/us-east-1/s3/aws4_request",
        "x-amz-date": f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        "x-amz-security-token": secrets.token_urlsafe(24),
        "x-amz-signature": secrets.token_hex(32),
    }
    state.media[media_id] = {"owner": request[USER], "status": "registered", "parameters": parameters,
                             "size": 0, "sniffed": None, "ready_at": 0.0, "fail": False}  # fmt: skip
    upload_url = f"{request.scheme}://{request.host}/upload/{media_id}"
    return web.json_response(
        {
            "media_id": media_id,
            "media_type": "video",
            "upload_url": upload_url,
            "upload_parameters": parameters,
        },
        status=201,
    )


async def upload(request: web.Request) -> web.Response:
    """An S3-style presigned POST: the fields first, then the file; chunked bodies refused."""
    state = request.app[STATE]
    media = state.media.get(request.match_info["media_id"])
    if media is None:
        return web.Response(status=404, text="<Error><Code>NoSuchUpload</Code></Error>")
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower() or request.content_length is None:
        return web.Response(status=411, text="<Error><Code>MissingContentLength</Code></Error>")
    reader = await request.multipart()
    fields: dict[str, str] = {}
    size, head = 0, b""
    async for part in reader:
        if not isinstance(part, BodyPartReader):  # S3 takes a flat form, not nested multiparts
            return web.Response(status=400, text="<Error><Code>MalformedPOSTRequest</Code></Error>")
        if part.name == "file":
            media["filename"] = part.filename
            while chunk := await part.read_chunk(256 * 1024):
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                size += len(chunk)
        else:
            fields[part.name or ""] = await part.text()
    if fields != media["parameters"]:
        return web.Response(status=403, text="<Error><Code>SignatureDoesNotMatch</Code></Error>")
    if size == 0:
        return web.Response(status=400, text="<Error><Code>MissingFile</Code></Error>")
    media.update(status="processing", size=size, sniffed=sniff(head), fail=state.faults.fail_processing,
                 ready_at=time.monotonic() + state.faults.processing_seconds)  # fmt: skip
    return web.Response(status=204)


async def get_media(request: web.Request) -> web.Response:
    media_id = request.match_info["media_id"]
    media = request.app[STATE].media.get(media_id)
    if media is None or media["owner"] != request[USER]:
        return _error(404, 3, "Media not found.")
    return web.json_response({"media_id": media_id, "media_type": "video", "status": _status(media)})


def _page(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
    size = max(1, min(int(request.query.get("page_size", "25")), 250))
    start = int(request.query.get("bookmark", "0") or 0)
    page = items[start : start + size]
    bookmark = str(start + size) if start + size < len(items) else None
    return web.json_response({"items": page, "bookmark": bookmark})


def _public_board(board: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in board.items() if k != "owner"}


async def list_boards(request: web.Request) -> web.Response:
    boards = [_public_board(b) for b in request.app[STATE].boards.values() if b["owner"] == request[USER]]
    return _page(request, boards)


async def get_board(request: web.Request) -> web.Response:
    board = request.app[STATE].boards.get(request.match_info["board_id"])
    if board is None or board["owner"] != request[USER]:
        return _error(404, 3, "Board not found.")
    return web.json_response(_public_board(board))


async def board_pins(request: web.Request) -> web.Response:
    state = request.app[STATE]
    board = state.boards.get(request.match_info["board_id"])
    if board is None or board["owner"] != request[USER]:
        return _error(404, 3, "Board not found.")
    pins = [p for p in reversed(state.pins.values()) if p["board_id"] == board["id"]]  # newest first
    return _page(request, pins)


async def user_account(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].users[request[USER]])


async def authorize(request: web.Request) -> web.Response:
    """Pinterest's consent page, approving at once: back to the app with a one-time code."""
    state = request.app[STATE]
    query = request.query
    if query.get("client_id") not in state.apps or query.get("response_type") != "code":
        return web.Response(status=400, text="unknown client_id or response_type")
    user = state.approve_as or next(iter(state.users))
    code = secrets.token_urlsafe(16)
    state.codes[code] = (user, query.get("scope", ""), query.get("redirect_uri", ""))
    separator = "&" if "?" in query.get("redirect_uri", "") else "?"
    raise web.HTTPFound(f"{query['redirect_uri']}{separator}code={code}&state={query.get('state', '')}")


def _client_ok(state: SandboxState, request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return state.apps.get(client_id) == secret


def _issue(state: SandboxState, user: str, scopes: str, response_type: str) -> dict[str, Any]:
    now = state.clock()
    access, refresh = f"pina_{secrets.token_urlsafe(24)}", f"pinr_{secrets.token_urlsafe(24)}"
    state.issued[access] = Grant(user, scopes, now + state.access_lifetime)
    state.refresh_tokens[refresh] = Grant(user, scopes, now + state.refresh_lifetime)
    return {
        "access_token": access,
        "refresh_token": refresh,
        "response_type": response_type,
        "token_type": "bearer",
        "expires_in": state.access_lifetime,
        "refresh_token_expires_in": state.refresh_lifetime,
        "refresh_token_expires_at": int(now + state.refresh_lifetime),
        "scope": scopes,
    }


async def oauth_token(request: web.Request) -> web.Response:
    """POST /v5/oauth/token: code exchange and refresh, with HTTP basic client authentication."""
    state = request.app[STATE]
    if not _client_ok(state, request):
        return _error(401, 2, "Invalid client credentials.")
    form = await request.post()
    grant_type = form.get("grant_type")
    state.requests.append((request.method, request.path, {k: "***" if "token" in k or k == "code" else v
                                                          for k, v in form.items()}))  # fmt: skip
    if grant_type == "authorization_code":
        found = state.codes.pop(str(form.get("code", "")), None)  # one-time
        if found is None or found[2] != form.get("redirect_uri"):
            return _error(400, 1, "Invalid authorization code.")
        return web.json_response(_issue(state, found[0], found[1], "authorization_code"))
    if grant_type == "refresh_token":
        grant = state.refresh_tokens.get(str(form.get("refresh_token", "")))
        if grant is None or grant.expires_at <= state.clock():
            return _error(400, 1, "Invalid refresh token.")
        state.refresh_tokens.pop(str(form["refresh_token"]), None)  # rotated: a new one comes back
        return web.json_response(_issue(state, grant.user, grant.scopes, "refresh_token"))
    return _error(400, 1, f"Unsupported grant_type {grant_type!r}.")


async def set_fault(request: web.Request) -> web.Response:
    body = await request.json()
    fault = Fault(
        **{k: v for k, v in body.items() if k in ("kind", "status", "retry_after", "message", "seconds")}
    )
    request.app[STATE].faults.add(body["route"], fault, int(body.get("times", 1)))
    return web.json_response({"ok": True})


async def list_pins(request: web.Request) -> web.Response:
    return web.json_response(list(request.app[STATE].pins.values()))


def make_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[_faults_and_auth], client_max_size=3 * 1024**3)
    app[STATE] = state
    app.router.add_post("/v5/pins", create_pin)
    app.router.add_post("/v5/media", register_media)
    app.router.add_get("/v5/media/{media_id}", get_media)
    app.router.add_get("/v5/boards", list_boards)
    app.router.add_get("/v5/boards/{board_id}", get_board)
    app.router.add_get("/v5/boards/{board_id}/pins", board_pins)
    app.router.add_get("/v5/user_account", user_account)
    app.router.add_post("/v5/oauth/token", oauth_token)
    app.router.add_get("/oauth/", authorize)
    app.router.add_post("/upload/{media_id}", upload)
    app.router.add_post("/_sandbox/faults", set_fault)
    app.router.add_get("/_sandbox/pins", list_pins)
    if state.files is not None:
        app.router.add_static("/files/", state.files)
    return app


async def serve(state: SandboxState, port: int, ready: Any = None) -> None:
    """Run the stand-in on 127.0.0.1:`port` (0: a free one) until cancelled; `ready(port)` is
    called with the port it listens on."""
    runner = web.AppRunner(make_app(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
        if ready is not None:
            ready(runner.addresses[0][1])
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


DEMO_APP_ID = "1500000001"  # the demo OAuth app's id; its secret is new on every start


def run_sandbox(args: SandboxArguments) -> int:
    """`pinrules sandbox`: serve until Ctrl-C, after printing how to point pinrules at it."""
    token = args.token or f"sandbox-{secrets.token_hex(8)}"
    state = demo_state(token)
    app_secret = f"sandbox-app-secret-{secrets.token_hex(8)}"
    state.apps[DEMO_APP_ID] = app_secret
    if args.files:
        state.files = Path(args.files).resolve()
    known = routes(make_app(state))
    for text in args.faults:
        route, fault, times = parse_fault(text, known)
        state.faults.add(route, fault, times)

    def announce(port: int) -> None:
        base = f"http://127.0.0.1:{port}"
        faults = "".join(f"Fault waiting: {text}\n" for text in args.faults)
        sys.stdout.write(
            f"Pinterest stand-in on {base}/v5 (boards 549755885175 public, 549755885176 secret)\n"
            f"Publish with its token:\n"
            f"  export PINTEREST_API_BASE={base}/v5\n"
            f"  export PINTEREST_ACCESS_TOKEN={token}   # a sandbox token, valid only here\n"
            f"Connect an account (the stand-in's consent page approves at once):\n"
            f"  export PINTEREST_API_BASE={base}/v5 PINTEREST_OAUTH_URL={base}/oauth/\n"
            f"  export PINTEREST_APP_ID={DEMO_APP_ID} PINTEREST_APP_SECRET={app_secret}\n"
            f"  pinrules accounts connect --name sandbox --no-browser\n"
            f"{faults}Ctrl-C stops it.\n"
        )
        sys.stdout.flush()

    try:
        asyncio.run(serve(state, args.port, announce))
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {reason}; choose another --port") from None
    return 0
