"""`/v1/accounts`: connect a Pinterest account (OAuth), list, show, set its default board,
disconnect. Accounts belong to the workspace of the API key that connected them."""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import replace
from typing import Any

from aiohttp import web

from pinrules import pinterest
from publisher import (
    Account,
    NotFound,
    OAuthError,
    OAuthFlow,
    PinterestClient,
    PinterestError,
    Secret,
    TokenManager,
)

from ._app import CALLBACK_PATH, SERVICE, Service, workspace_of
from ._posts import iso, json_body
from ._problems import Problem, preflight_problem

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def account_view(account: Account) -> dict[str, Any]:
    """Everything about the account but its tokens."""
    return {
        "id": account.name,
        "pinterestUser": account.username,
        "pinterestUserId": account.user_id,
        "scopes": list(account.scopes),
        "defaultBoardId": account.default_board_id,
        "accessTokenExpiresAt": iso(account.access_expires_at),
        "refreshTokenExpiresAt": iso(account.refresh_expires_at),
        "connectedAt": iso(account.connected_at),
    }


def _redirect_uri(service: Service, request: web.Request) -> str:
    base = service.settings.public_url or f"{request.scheme}://{request.host}"
    return base.rstrip("/") + CALLBACK_PATH


async def connect(request: web.Request) -> web.Response:
    """POST /v1/accounts/connect/pinterest {"name"?, "secretBoards"?}: the URL to send the person to."""
    service = request.app[SERVICE]
    workspace = workspace_of(request)
    body = await json_body(request) if request.body_exists else {}
    if not isinstance(body, dict):
        raise Problem(400, "body_not_object", "The body must be a JSON object", 'send {"name": "shop"} or {}')
    name = body.get("name") or f"acc_{secrets.token_hex(6)}"
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise Problem(
            400,
            "account_name_invalid",
            "Account name not valid",
            "a name is 1-64 letters, digits, '_', '.' or '-'",
        )
    existing = service.accounts.get(name)
    if existing is not None and existing.workspace != workspace:
        raise Problem(
            409, "account_name_taken", "Account name taken", f"the name {name!r} is in use; pick another"
        )
    redirect_uri = _redirect_uri(service, request)
    flow = OAuthFlow(service.require_oauth(redirect_uri), clock=service.clock)
    scopes = pinterest.PUBLISH_SCOPES + (
        pinterest.SECRET_BOARD_SCOPES if body.get("secretBoards") is True else ()
    )
    # kept in the service store: the callback may reach another process, or this one restarted
    state, pending = service.store.start_connection(workspace, name, redirect_uri, now=service.clock())
    url = flow.authorization_url(scopes, state=state.reveal())
    return web.json_response(
        {"authorizationUrl": url, "accountId": name, "expiresAt": iso(pending.expires_at)}, status=201
    )


def _page(title: str, text: str, status: int) -> web.Response:
    body = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def callback(request: web.Request) -> web.Response:
    """Pinterest sends the person back here with a code: exchange it, store the account."""
    service = request.app[SERVICE]
    pending = service.store.take_connection(request.query.get("state", ""), now=service.clock())
    if pending is None:
        return _page(
            "Connection not completed", "This link is unknown or expired. Start connecting again.", 400
        )
    if "error" in request.query or "code" not in request.query:
        return _page(
            "Connection not completed", "Pinterest did not grant access. Start connecting again.", 400
        )
    flow = OAuthFlow(service.require_oauth(pending.redirect_uri), clock=service.clock)
    try:
        account = await flow.exchange(request.query["code"], pending.account)
    except PinterestError as error:
        return _page("Connection not completed", str(error), 502)
    existing = service.accounts.get(pending.account)
    if existing is not None and existing.workspace != pending.workspace:
        return _page("Connection not completed", "That account name was taken meanwhile. Start again.", 409)
    account = replace(
        account, workspace=pending.workspace, default_board_id=existing.default_board_id if existing else None
    )
    service.accounts.save(account)
    service.accounts_changed()
    return _page(
        "Pinterest account connected",
        f"{account.username} is connected as {account.name}. You can close this page.",
        200,
    )


def _find(service: Service, request: web.Request) -> Account:
    name = request.match_info["account_id"]
    account = service.accounts.get(name)
    if account is None or account.workspace != workspace_of(request):
        raise Problem(
            404, "account_not_found", "No such account", f"no connected account {name!r} in this workspace"
        )
    return account


async def list_accounts(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    workspace = workspace_of(request)
    mine = [account_view(a) for a in service.accounts.all() if a.workspace == workspace]  # fresh, for people
    return web.json_response({"items": mine})


async def get_account(request: web.Request) -> web.Response:
    return web.json_response(account_view(_find(request.app[SERVICE], request)))


async def update(request: web.Request) -> web.Response:
    """PATCH {"defaultBoardId": "..." | null}: the board is looked up first (it must be the account's)."""
    service = request.app[SERVICE]
    account = _find(service, request)
    body = await json_body(request)
    if not isinstance(body, dict) or set(body) - {"defaultBoardId"} or "defaultBoardId" not in body:
        raise Problem(
            400, "body_invalid", "Body not valid", 'send {"defaultBoardId": "<board id>"} (or null)'
        )
    board = body["defaultBoardId"]
    if board is not None and (not isinstance(board, str) or not board.isdigit()):
        raise Problem(
            400, "board_id_invalid", "Board id not valid", "a board id is digits, as Pinterest gives it"
        )
    if board is not None:
        problem = await _board_problem(service, account, board)
        if problem is not None:
            diagnostic = service.preflight.diagnose("pinterest.board.exists", problem, ("defaultBoardId",))
            raise preflight_problem(request, service.settings.public_url, [diagnostic])
    changed = service.accounts.set_default_board(account.name, board)
    service.accounts_changed()
    return web.json_response(account_view(changed))


async def _board_problem(service: Service, account: Account, board_id: str) -> str | None:
    if service.oauth_app is not None:
        manager = TokenManager(
            service.accounts, OAuthFlow(service.oauth_app), service.events, clock=service.clock
        )
        source, unauthorized = manager.client_auth(account.name)
        client = PinterestClient(
            Secret(""), service.settings.base_url, token_source=source, on_unauthorized=unauthorized
        )
    else:
        client = PinterestClient(account.access_token, service.settings.base_url)
    try:
        async with client:
            await client.get_board(board_id)
    except NotFound:
        return f"board {board_id} does not exist or is not this account's"
    except (PinterestError, OAuthError) as error:
        raise Problem(
            502,
            "pinterest_unavailable",
            "Pinterest could not be asked",
            f"board {board_id} could not be looked up: {error}",
        ) from None
    return None


async def disconnect(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    account = _find(service, request)
    service.accounts.delete(account.name)
    service.accounts_changed()
    return web.Response(status=204)
