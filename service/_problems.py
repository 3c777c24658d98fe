"""Error answers: `application/problem+json` (RFC 9457) with our `requestId`, never a traceback."""

from __future__ import annotations

import itertools
import json
import secrets
from typing import Any

from aiohttp import web

from pinrules import Diagnostic

PROBLEM_TYPE = "application/problem+json"
_RequestKey: Any = getattr(web, "RequestKey", lambda name, _kind: name)
REQUEST_ID_KEY = _RequestKey("request_id", str)


_PROCESS = secrets.token_hex(4)
_NEXT = itertools.count(1)


def new_request_id() -> str:
    """Unique across processes and restarts (a random part per process, then a counter): an id
    to quote, not a secret, so no system call per request."""
    return f"req_{_PROCESS}{next(_NEXT):08x}"


def request_id(request: web.Request) -> str:
    found = request.get(REQUEST_ID_KEY)
    if not isinstance(found, str):
        found = new_request_id()
        request[REQUEST_ID_KEY] = found
    return found


class Problem(Exception):
    """An error answer, raised from a handler and rendered by the middleware."""

    def __init__(self, status: int, code: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(request: web.Request, problem: Problem) -> web.Response:
    body = {
        "type": f"urn:pinrules:problem:{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
        "code": problem.code,
        "requestId": request_id(request),
        **problem.extra,
    }
    return web.Response(
        status=problem.status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_TYPE,
        headers=problem.headers,
    )


def documentation_url(request: web.Request, public_url: str | None, code: str) -> str:
    """Where a rule is explained: the service's own GET /v1/rules/{code}."""
    base = public_url or f"{request.scheme}://{request.host}"
    return f"{base.rstrip('/')}/v1/rules/{code}"


def diagnostics_json(
    request: web.Request, public_url: str | None, found: list[Diagnostic]
) -> list[dict[str, Any]]:
    """Diagnostics as `pinrules lint --format json` shows them (`Diagnostic.to_dict`, its fields
    read directly: asdict is slow), each with its rule's documentation."""
    return [
        {"rule": d.rule, "severity": d.severity.value, "message": d.message, "fix": d.fix,
         "pointer": d.pointer, "file": d.file, "line": d.line, "column": d.column,
         "documentation": documentation_url(request, public_url, d.rule)}
        for d in found
    ]  # fmt: skip


def preflight_problem(request: web.Request, public_url: str | None, found: list[Diagnostic]) -> Problem:
    """422: the post did not pass preflight; the first error named at the top, all listed."""
    first = next(d for d in found if d.is_error)
    errors = sum(d.is_error for d in found)
    return Problem(
        422,
        "preflight_failed",
        "The post did not pass preflight",
        f"{first.rule}: {first.message}" + (f" (and {errors - 1} more errors)" if errors > 1 else ""),
        rule=first.rule,
        message=first.message,
        fix=first.fix,
        pointer=first.pointer,
        documentation=documentation_url(request, public_url, first.rule),
        diagnostics=diagnostics_json(request, public_url, found),
    )
