"""The service's OpenAPI 3.1 description, written to match the handlers (a schemathesis test
holds them to it), served at /v1/openapi.json."""

from __future__ import annotations

import functools
from typing import Any

import pinrules
from pinrules import pinterest
from publisher import WEBHOOK_EVENTS

STATES = ["scheduled", "sending", "published", "failed", "unknown", "missed", "cancelled"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _problem(description: str, schema: str = "Problem") -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref(schema)}}}


NULLABLE_STRING = {"type": ["string", "null"]}
TIME = {"type": ["string", "null"], "format": "date-time"}
REQUEST_ID = {"X-Request-Id": {"description": "This request's id (quote it)", "schema": {"type": "string"}}}

UNAUTHORIZED = _problem("No valid API key (`Authorization: Bearer <key>`)")
NOT_FOUND = _problem("Nothing with this id in the key's workspace")
MALFORMED = _problem("The body or a parameter is malformed")
TOO_LARGE = _problem("The body is over its limit")
UNSUPPORTED = _problem("The body's type is not the one this route takes")
IDEMPOTENCY = _problem("Idempotency-Key reused with another body, or its first request is still at work")
PREFLIGHT = _problem("The post (or change) did not pass preflight", "PreflightProblem")
UPSTREAM = _problem("Pinterest could not be asked, or refused")

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Replays the first answer for 24 hours; the same key with another body is 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
}


def _id(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_.-]+$"},
    }


def _post_body() -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref("Post")}}}


def _schemas() -> dict[str, Any]:
    diagnostic = {
        "type": "object",
        "required": ["rule", "severity", "message", "fix", "pointer"],
        "properties": {
            "rule": {"type": "string"},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            "fix": {"type": "string"},
            "pointer": {"type": "string"},
            "file": NULLABLE_STRING,
            "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]},
            "documentation": {"type": "string", "format": "uri"},
        },
    }
    problem = {
        "type": "object",
        "required": ["type", "title", "status", "detail", "instance", "code", "requestId"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string"},
            "requestId": {"type": "string"},
        },
    }
    preflight = {
        "allOf": [_ref("Problem")],
        "type": "object",
        "required": ["rule", "message", "fix", "documentation", "diagnostics"],
        "properties": {
            "rule": {"type": "string"},
            "message": {"type": "string"},
            "fix": {"type": "string"},
            "pointer": {"type": "string"},
            "documentation": {"type": "string", "format": "uri"},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
        },
    }
    media_item = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["image", "video"]},
            "url": {"type": "string"},
            "path": {"type": "string"},
            "mediaId": {
                "type": "string",
                "description": "An upload (POST /v1/media), or Pinterest's own video id",
            },
            "mimeType": {"type": "string"},
            "sizeBytes": {"type": "integer", "minimum": 0},
        },
    }
    post = {
        "type": "object",
        "description": "A post in the pinrules post format (see schemas/post.schema.json); every check "
        "runs on it, so anything else is answered with diagnostics.",
        "properties": {
            "id": {"type": "string"},
            "accountId": {"type": "string"},
            "title": {"type": "string"},
            "text": {"type": "string"},
            "scheduledAt": {"type": "string", "description": "RFC 3339 with an offset; ahead: scheduled"},
            "media": {"type": "array", "items": media_item},
            "options": {"type": "object"},
        },
    }
    record = {
        "type": "object",
        "required": [
            "id",
            "status",
            "scheduledAt",
            "accountId",
            "attempts",
            "pinId",
            "pinUrl",
            "diagnostics",
            "createdAt",
            "updatedAt",
            "post",
        ],
        "properties": {
            "id": {"type": "string"},
            "status": {"enum": STATES},
            "scheduledAt": TIME,
            "accountId": NULLABLE_STRING,
            "attempts": {"type": "integer"},
            "pinId": NULLABLE_STRING,
            "pinUrl": NULLABLE_STRING,
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
            "createdAt": TIME,
            "updatedAt": TIME,
            "post": {"type": "object"},
        },
    }
    media = {
        "type": "object",
        "required": ["id", "mediaId", "kind", "mimeType", "sizeBytes", "sha256", "filename", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "mediaId": {"type": "string", "pattern": "^med_"},
            "kind": {"enum": ["image", "video"]},
            "mimeType": {"enum": [*pinterest.IMAGE_TYPES, *pinterest.VIDEO_TYPES]},
            "sizeBytes": {"type": "integer"},
            "sha256": {"type": "string"},
            "filename": NULLABLE_STRING,
            "createdAt": {"type": "number"},
            "contentUrl": {
                "type": "string",
                "description": "A signed URL (with --public-url), no key needed",
            },
        },
    }
    account = {
        "type": "object",
        "required": [
            "id",
            "pinterestUser",
            "pinterestUserId",
            "scopes",
            "defaultBoardId",
            "accessTokenExpiresAt",
            "refreshTokenExpiresAt",
            "connectedAt",
        ],
        "properties": {
            "id": {"type": "string"},
            "pinterestUser": {"type": "string"},
            "pinterestUserId": {"type": "string"},
            "scopes": {"type": "array", "items": {"type": "string"}},
            "defaultBoardId": NULLABLE_STRING,
            "accessTokenExpiresAt": TIME,
            "refreshTokenExpiresAt": TIME,
            "connectedAt": TIME,
        },
    }
    rule = {
        "type": "object",
        "required": ["code", "severity", "phase", "summary", "fix", "documentation"],
        "properties": {
            "code": {"type": "string"},
            "severity": {"enum": ["error", "warning", "info"]},
            "phase": {"type": "string"},
            "summary": {"type": "string"},
            "fix": {"type": "string"},
            "documentation": {"type": "string", "format": "uri"},
            "description": {"type": "string"},
            "text": {"type": "string", "description": "As `pinrules explain CODE` prints it"},
        },
    }
    webhook = {
        "type": "object",
        "required": ["id", "url", "events", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"enum": list(WEBHOOK_EVENTS)}},
            "createdAt": {"type": "number"},
            "secret": {"type": "string", "description": "whsec_...: shown once, when made"},
            "deliveries": {"type": "array", "items": {"type": "object"}},
        },
    }
    return {
        "Diagnostic": diagnostic,
        "Problem": problem,
        "PreflightProblem": preflight,
        "Post": post,
        "PostRecord": record,
        "PostPage": {
            "type": "object",
            "required": ["items", "nextCursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("PostRecord")},
                "nextCursor": NULLABLE_STRING,
            },
        },
        "Validation": {
            "type": "object",
            "required": ["valid", "errors", "online", "diagnostics"],
            "properties": {
                "valid": {"type": "boolean"},
                "errors": {"type": "integer"},
                "online": {"type": "boolean"},
                "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
            },
        },
        "Media": media,
        "Account": account,
        "AccountPage": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref("Account")}},
        },
        "Connect": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
                "secretBoards": {"type": "boolean"},
            },
        },
        "Connection": {
            "type": "object",
            "required": ["authorizationUrl", "accountId", "expiresAt"],
            "properties": {
                "authorizationUrl": {"type": "string"},
                "accountId": {"type": "string"},
                "expiresAt": TIME,
            },
        },
        "AccountChange": {
            "type": "object",
            "required": ["defaultBoardId"],
            "additionalProperties": False,
            "properties": {"defaultBoardId": {"type": ["string", "null"], "pattern": "^[0-9]+$"}},
        },
        "Rule": rule,
        "RulePage": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref("Rule")}},
        },
        "WebhookCreate": {
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
                "events": {"type": "array", "minItems": 1, "items": {"enum": list(WEBHOOK_EVENTS)}},
            },
        },
        "Webhook": webhook,
        "WebhookPage": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref("Webhook")}},
        },
        "Health": {
            "type": "object",
            "required": ["status", "version"],
            "properties": {
                "status": {"const": "ok"},
                "version": {"type": "string"},
                "uptimeSeconds": {"type": "integer"},
            },
        },
    }


def _operation(summary: str, responses: dict[str, Any], *, auth: bool = True, **extra: Any) -> dict[str, Any]:
    answers = dict(responses) | ({"401": UNAUTHORIZED} if auth else {})
    answers = {status: a | {"headers": a.get("headers", {}) | REQUEST_ID} for status, a in answers.items()}
    operation: dict[str, Any] = {"summary": summary, "responses": answers, **extra}
    if not auth:
        operation["security"] = []
    return operation


def _posting(
    summary: str, responses: dict[str, Any], body: dict[str, Any] | None, **extra: Any
) -> dict[str, Any]:
    """A POST: the Idempotency-Key header, and the answers every POST can give."""
    common = {"400": MALFORMED, "409": IDEMPOTENCY, "413": TOO_LARGE, "415": UNSUPPORTED}
    extra.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    if body is not None:
        extra["requestBody"] = body
    return _operation(summary, common | responses, **extra)


def _paths() -> dict[str, Any]:
    post_answer = _json(
        _ref("PostRecord"),
        "The post: published (201), or scheduled (201)",
        {"Location": {"schema": {"type": "string"}}},
    )
    return {
        "/healthz": {
            "get": _operation("Liveness", {"200": _json(_ref("Health"), "The service is up")}, auth=False)
        },
        "/v1/openapi.json": {
            "get": _operation(
                "This description", {"200": _json({"type": "object"}, "OpenAPI 3.1")}, auth=False
            )
        },
        "/v1/posts": {
            "post": _posting(
                "Publish a post now, or schedule it when scheduledAt is ahead",
                {
                    "200": _json(
                        _ref("PostRecord"), "This post id was already sent with this content: its record"
                    ),
                    "201": post_answer,
                    "202": _json(
                        _ref("PostRecord"), "Sent, unconfirmed (status unknown): reconciled on retry"
                    ),
                    "422": PREFLIGHT,
                    "502": _problem("Pinterest refused or failed; the post is recorded as failed"),
                },
                _post_body(),
            ),
            "get": _operation(
                "Posts of the workspace, by scheduled time, paged",
                {
                    "200": _json(_ref("PostPage"), "A page of posts"),
                    "400": MALFORMED,
                },
                parameters=[
                    {"name": "status", "in": "query", "required": False, "schema": {"enum": STATES}},
                    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                ],
            ),
        },
        "/v1/posts/validate": {
            "post": _posting(
                "Preflight only: nothing is sent",
                {
                    "200": _json(
                        _ref("Validation"), "The diagnostics (valid is false when there are errors)"
                    ),
                },
                _post_body(),
                parameters=[
                    {
                        "name": "online",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean"},
                        "description": "also the files and network phases",
                    }
                ],
            ),
        },
        "/v1/posts/{post_id}": {
            "parameters": [_id("post_id", "The post's id")],
            "get": _operation("One post", {"200": _json(_ref("PostRecord"), "The post"), "404": NOT_FOUND}),
            "delete": _operation(
                "Cancel a post waiting to go out",
                {
                    "200": _json(_ref("PostRecord"), "The cancelled post"),
                    "404": NOT_FOUND,
                    "409": _problem("The post is being sent, or is already final"),
                },
            ),
        },
        "/v1/media": {
            "post": _posting(
                "Upload an image or a video (streamed; limits by kind)",
                {
                    "201": _json(
                        _ref("Media"),
                        "The stored upload: post it with media[].mediaId",
                        {"Location": {"schema": {"type": "string"}}},
                    ),
                },
                {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
            ),
        },
        "/v1/media/{media_id}": {
            "parameters": [_id("media_id", "The upload's mediaId")],
            "get": _operation(
                "One upload's record", {"200": _json(_ref("Media"), "The upload"), "404": NOT_FOUND}
            ),
        },
        "/v1/media/{media_id}/content": {
            "parameters": [_id("media_id", "The upload's mediaId")],
            "get": _operation(
                "The upload's bytes (with an API key, or a signed URL's query)",
                {
                    "200": {"description": "The bytes", "content": {"image/*": {}, "video/*": {}}},
                    "403": _problem("The signed URL is not valid or has expired"),
                    "404": NOT_FOUND,
                },
            ),
        },
        "/v1/accounts/connect/pinterest": {
            "post": _posting(
                "Start connecting a Pinterest account (OAuth)",
                {
                    "201": _json(_ref("Connection"), "Send the person to authorizationUrl"),
                    "503": _problem(
                        "No Pinterest app is configured (PINTEREST_APP_ID, PINTEREST_APP_SECRET)"
                    ),
                },
                {"required": False, "content": {"application/json": {"schema": _ref("Connect")}}},
            ),
        },
        "/v1/accounts/connect/pinterest/callback": {
            "get": _operation(
                "Where Pinterest sends the person back (a short HTML page)",
                {
                    "200": {"description": "Connected", "content": {"text/html": {}}},
                    "400": {
                        "description": "Unknown or expired state, or access refused",
                        "content": {"text/html": {}},
                    },
                    "409": {
                        "description": "The account name was taken meanwhile",
                        "content": {"text/html": {}},
                    },
                    "502": {"description": "The code could not be exchanged", "content": {"text/html": {}}},
                },
                auth=False,
                parameters=[
                    {"name": "code", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "state", "in": "query", "required": False, "schema": {"type": "string"}},
                ],
            ),
        },
        "/v1/accounts": {
            "get": _operation(
                "Connected accounts of the workspace", {"200": _json(_ref("AccountPage"), "The accounts")}
            )
        },
        "/v1/accounts/{account_id}": {
            "parameters": [_id("account_id", "The account's id")],
            "get": _operation(
                "One account (never its tokens)",
                {"200": _json(_ref("Account"), "The account"), "404": NOT_FOUND},
            ),
            "patch": _operation(
                "Set the default board (looked up: it must be the account's)",
                {
                    "200": _json(_ref("Account"), "The account"),
                    "400": MALFORMED,
                    "404": NOT_FOUND,
                    "413": TOO_LARGE,
                    "415": UNSUPPORTED,
                    "422": PREFLIGHT,
                    "502": UPSTREAM,
                },
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("AccountChange")}},
                },
            ),
            "delete": _operation(
                "Disconnect: forget the account and its tokens",
                {"204": {"description": "Disconnected"}, "404": NOT_FOUND},
            ),
        },
        "/v1/rules": {"get": _operation("Every rule", {"200": _json(_ref("RulePage"), "The rules")})},
        "/v1/rules/{code}": {
            "parameters": [_id("code", "A rule code, e.g. pinterest.board.required")],
            "get": _operation(
                "One rule's documentation (as `pinrules explain`)",
                {"200": _json(_ref("Rule"), "The rule"), "404": NOT_FOUND},
            ),
        },
        "/v1/webhooks": {
            "post": _posting(
                "Subscribe a URL to events (Standard Webhooks signatures)",
                {
                    "201": _json(
                        _ref("Webhook"),
                        "The subscription, with its secret (shown once)",
                        {"Location": {"schema": {"type": "string"}}},
                    ),
                },
                {"required": True, "content": {"application/json": {"schema": _ref("WebhookCreate")}}},
            ),
            "get": _operation(
                "The workspace's subscriptions",
                {"200": _json(_ref("WebhookPage"), "The subscriptions")},
            ),
        },
        "/v1/webhooks/{webhook_id}": {
            "parameters": [_id("webhook_id", "The subscription's id")],
            "get": _operation(
                "One subscription and its latest deliveries",
                {"200": _json(_ref("Webhook"), "The subscription"), "404": NOT_FOUND},
            ),
            "delete": _operation(
                "Unsubscribe",
                {"204": {"description": "Gone"}, "404": NOT_FOUND},
            ),
        },
    }


# what an answer's body gives the next request (OpenAPI links: for clients, and for the
# stateful schemathesis test that follows them)
LINKS = {
    ("post", "/v1/posts", "201"): [("get", "/v1/posts/{post_id}", "post_id", "/id"),
                                   ("delete", "/v1/posts/{post_id}", "post_id", "/id")],
    ("post", "/v1/media", "201"): [("get", "/v1/media/{media_id}", "media_id", "/mediaId"),
                                   ("get", "/v1/media/{media_id}/content", "media_id", "/mediaId")],
    ("post", "/v1/webhooks", "201"): [("get", "/v1/webhooks/{webhook_id}", "webhook_id", "/id"),
                                      ("delete", "/v1/webhooks/{webhook_id}", "webhook_id", "/id")],
}  # fmt: skip


def operation_id(method: str, path: str) -> str:
    """`get /v1/posts/{post_id}` -> `get_posts_post_id`."""
    words = [w.strip("{}") for w in path.split("/") if w and w != "v1"]
    return "_".join([method, *words]).replace(".", "_")


def _with_ids_and_links(paths: dict[str, Any]) -> dict[str, Any]:
    for path, item in paths.items():
        for method, operation in item.items():
            if method != "parameters":
                operation["operationId"] = operation_id(method, path)
    for (method, path, status), targets in LINKS.items():
        answer = paths[path][method]["responses"][status]
        answer["links"] = {
            operation_id(to_method, to_path): {"operationId": operation_id(to_method, to_path),
                                               "parameters": {name: f"$response.body#{pointer}"}}
            for to_method, to_path, name, pointer in targets
        }  # fmt: skip
    return paths


@functools.cache
def openapi() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pinrules posting service",
            "version": pinrules.__version__,
            "description": "Publish and schedule Pinterest posts that pass preflight; upload media; connect "
            "accounts; subscribe to events. Errors are application/problem+json (RFC 9457).",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": _with_ids_and_links(_paths()),
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `pinrules apikeys create`",
                }
            },
            "schemas": _schemas(),
        },
    }
