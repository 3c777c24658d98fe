"""`publish()`: preflight one post and publish it, from Python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pinrules import Preflight

from ._claims import PublishJournal
from ._client import PinterestClient, account_key
from ._errors import NoCredentials
from ._journal import Journal
from ._limiter import limiter_for
from ._publish import Publisher, PublishOptions
from ._results import PublishResult
from ._secret import Secret, checked_token


def token_from_env() -> Secret | None:
    value = os.environ.get("PINTEREST_ACCESS_TOKEN")
    return checked_token(value, "PINTEREST_ACCESS_TOKEN") if value else None


async def publish(
    post: Any,
    *,
    token: Secret | str | None = None,
    account: dict[str, Any] | None = None,
    base_url: str | None = None,
    journal: PublishJournal | str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    options: PublishOptions | None = None,
    preflight: Preflight | None = None,
    owner: str | None = None,
) -> PublishResult:
    """Preflight `post` (all phases) and, when it passes, publish it as an image or video pin.

    The token comes from `token` or PINTEREST_ACCESS_TOKEN; `account` gives defaults such as
    {"defaultBoardId": "..."}; the journal (a `PublishJournal`, or the path of a SQLite one;
    default: in the user's data folder) claims the post, so that publishing the same post again,
    from any process, returns the same pin; `owner` names the claim.
    """
    if isinstance(token, Secret):
        token = token.reveal()
    secret = checked_token(token, "the token") if token else token_from_env()
    if secret is None and not (options and options.dry_run):
        raise NoCredentials("no access token: pass token=... or set PINTEREST_ACCESS_TOKEN")
    own_journal = journal is None or isinstance(journal, str | os.PathLike)
    book: PublishJournal = (
        Journal(journal) if journal is None or isinstance(journal, str | os.PathLike) else journal
    )
    try:
        opts = options or PublishOptions()
        limiter = limiter_for(account_key(secret or Secret("")), opts.rate_limit, opts.access_tier)
        async with PinterestClient(secret or Secret(""), base_url, limiter=limiter) as client:
            publisher = Publisher(client, book, preflight, options, owner=owner)
            return await publisher.publish(
                post, account=account, base_dir=Path(base_dir) if base_dir else None
            )
    finally:
        if own_journal:
            book.close()
