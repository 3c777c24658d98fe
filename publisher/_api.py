"""`publish()`: preflight one post and publish it, from Python."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from pinrules import Preflight

from ._claims import PublishJournal
from ._client import PinterestClient, account_key
from ._enqueue import Handover
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
    database: str | None = None,
) -> PublishResult:
    """Preflight `post` (all phases) and, when it passes, publish it as an image or video pin.

    The token comes from `token` or PINTEREST_ACCESS_TOKEN; `account` gives defaults such as
    {"defaultBoardId": "..."}; the journal (a `PublishJournal`, or the path of a SQLite one;
    default: in the user's data folder) claims the post, so that publishing the same post again,
    from any process, returns the same pin; `owner` names the claim.

    With a scheduler's database (`database`, else PINRULES_DATABASE_URL: postgresql://... or
    sqlite:FOLDER), a post whose scheduledAt is ahead is stored there (status `scheduled`, with
    `due_at`) for `pinrules worker`, which sends it with its own credentials: the post's
    connected `accountId`, else PINTEREST_ACCESS_TOKEN; and the database's journal is the default.
    Without one, such a post is left alone (status `scheduled`, nothing stored).
    """
    if isinstance(token, Secret):
        token = token.reveal()
    secret = checked_token(token, "the token") if token else token_from_env()
    dry_run = bool(options and options.dry_run)
    if secret is None and not dry_run:
        raise NoCredentials("no access token: pass token=... or set PINTEREST_ACCESS_TOKEN")
    with contextlib.ExitStack() as stack:
        handover, backend_journal = _scheduler(database, post, stack) if not dry_run else (None, None)
        book: PublishJournal
        if journal is not None and not isinstance(journal, str | os.PathLike):
            book = journal
        elif journal is None and backend_journal is not None:
            book = backend_journal
        else:
            book = Journal(journal)
            stack.callback(book.close)
        opts = options or PublishOptions()
        limiter = limiter_for(account_key(secret or Secret("")), opts.rate_limit, opts.access_tier)
        async with PinterestClient(secret or Secret(""), base_url, limiter=limiter) as client:
            publisher = Publisher(client, book, preflight, options, owner=owner, handover=handover)
            return await publisher.publish(
                post, account=account, base_dir=Path(base_dir) if base_dir else None
            )


def _scheduler(
    database: str | None, post: Any, stack: contextlib.ExitStack
) -> tuple[Handover | None, PublishJournal | None]:
    """The configured scheduler's hand-over and journal (closed with `stack`); none without one."""
    from ._backend import database_url, open_backend  # noqa: PLC0415 - only with a database

    url = database_url(database)
    if url is None:
        return None, None
    backend = open_backend(url)
    stack.callback(backend.close)
    named = post.get("accountId") if isinstance(post, dict) else None
    connected = isinstance(named, str) and backend.accounts is not None and backend.accounts.get(named)
    handover = Handover(backend.schedule, backend.media, account=named if connected else None)
    return handover, backend.journal
