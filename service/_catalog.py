"""`/v1/rules` (the rule documentation, as `pinrules explain` prints it), `/v1/webhooks`,
`/healthz` and `/v1/openapi.json`."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

import pinrules
from pinrules import Rule, explain_text
from publisher import WEBHOOK_EVENTS, Subscription

from ._app import SERVICE, Service, workspace_of
from ._openapi import openapi
from ._posts import json_body
from ._problems import Problem, documentation_url

STARTED = time.time()


def _rule_view(request: web.Request, service: Service, rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "severity": str(rule.severity),
        "phase": rule.phase,
        "summary": rule.summary,
        "fix": rule.fix,
        "documentation": documentation_url(request, service.settings.public_url, rule.code),
    }


async def list_rules(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.json_response(
        {"items": [_rule_view(request, service, r) for r in service.preflight.all_rules]}
    )


async def get_rule(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    code = request.match_info["code"]
    rule = service.preflight.rule(code)
    if rule is None:
        from pinrules import did_you_mean  # noqa: PLC0415

        hint = did_you_mean(code, tuple(r.code for r in service.preflight.all_rules))
        raise Problem(
            404,
            "rule_not_found",
            "No such rule",
            f"no rule {code!r}" + (f"; did you mean {hint}?" if hint else ""),
        )
    view = _rule_view(request, service, rule) | {
        "description": " ".join((rule.description or "").split()),
        "text": explain_text(rule, service.preflight),
    }
    return web.json_response(view)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response(
        {"status": "ok", "version": pinrules.__version__, "uptimeSeconds": round(time.time() - STARTED)}
    )


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(openapi())


def _webhook_view(subscription: Subscription) -> dict[str, Any]:
    return subscription.summary()


async def create_webhook(request: web.Request) -> web.Response:
    """POST /v1/webhooks {"url", "events"?}: the secret that signs deliveries is shown here, once."""
    service = request.app[SERVICE]
    webhooks = service.backend.webhooks
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise Problem(400, "body_invalid", "Body not valid", 'send {"url": "https://...", "events": [...]}')
    url = body["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        raise Problem(400, "webhook_url_invalid", "Webhook URL not valid", "the URL is http(s)://host/...")
    events = body.get("events", list(WEBHOOK_EVENTS))
    if not isinstance(events, list) or not events or not all(e in WEBHOOK_EVENTS for e in events):
        raise Problem(
            400,
            "webhook_events_invalid",
            "Events not valid",
            f"events is a non-empty list of: {', '.join(WEBHOOK_EVENTS)}",
        )
    made = webhooks.subscribe(workspace_of(request), url, tuple(dict.fromkeys(events)), service.clock())
    return web.json_response(
        _webhook_view(made) | {"secret": made.secret.reveal()},
        status=201,
        headers={"Location": f"/v1/webhooks/{made.id}"},
    )


async def list_webhooks(request: web.Request) -> web.Response:
    webhooks = request.app[SERVICE].backend.webhooks
    return web.json_response(
        {"items": [_webhook_view(s) for s in webhooks.subscriptions(workspace_of(request))]}
    )


async def get_webhook(request: web.Request) -> web.Response:
    webhooks = request.app[SERVICE].backend.webhooks
    workspace = workspace_of(request)
    found = webhooks.get_subscription(request.match_info["webhook_id"], workspace)
    if found is None:
        raise Problem(
            404, "webhook_not_found", "No such webhook", "no webhook with this id in this workspace"
        )
    deliveries = [d.summary() for d in webhooks.deliveries(found.id, workspace)]
    return web.json_response(_webhook_view(found) | {"deliveries": deliveries})


async def delete_webhook(request: web.Request) -> web.Response:
    webhooks = request.app[SERVICE].backend.webhooks
    if not webhooks.unsubscribe(request.match_info["webhook_id"], workspace_of(request)):
        raise Problem(
            404, "webhook_not_found", "No such webhook", "no webhook with this id in this workspace"
        )
    return web.Response(status=204)
