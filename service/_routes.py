"""Every route of the service, in one table (the OpenAPI description lists the same)."""

from __future__ import annotations

from aiohttp import web

from . import _accounts, _catalog, _media, _posts
from ._app import CALLBACK_PATH


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", _catalog.healthz)
    app.router.add_get("/v1/openapi.json", _catalog.openapi_json)
    app.router.add_post("/v1/posts", _posts.create)
    app.router.add_get("/v1/posts", _posts.list_posts)
    app.router.add_post("/v1/posts/validate", _posts.validate)
    app.router.add_get("/v1/posts/{post_id}", _posts.get_post)
    app.router.add_delete("/v1/posts/{post_id}", _posts.cancel)
    app.router.add_post("/v1/media", _media.upload)
    app.router.add_get("/v1/media/{media_id}", _media.get_media)
    app.router.add_get("/v1/media/{media_id}/content", _media.content)
    app.router.add_post("/v1/accounts/connect/pinterest", _accounts.connect)
    app.router.add_get(CALLBACK_PATH, _accounts.callback)
    app.router.add_get("/v1/accounts", _accounts.list_accounts)
    app.router.add_get("/v1/accounts/{account_id}", _accounts.get_account)
    app.router.add_patch("/v1/accounts/{account_id}", _accounts.update)
    app.router.add_delete("/v1/accounts/{account_id}", _accounts.disconnect)
    app.router.add_get("/v1/rules", _catalog.list_rules)
    app.router.add_get("/v1/rules/{code}", _catalog.get_rule)
    app.router.add_post("/v1/webhooks", _catalog.create_webhook)
    app.router.add_get("/v1/webhooks", _catalog.list_webhooks)
    app.router.add_get("/v1/webhooks/{webhook_id}", _catalog.get_webhook)
    app.router.add_delete("/v1/webhooks/{webhook_id}", _catalog.delete_webhook)
