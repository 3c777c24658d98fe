"""Sending one post for the worker: the right account's publisher, and the result as an outcome.

Which account publishes: the scheduled post's account (a connected one, its tokens kept fresh
by a `TokenManager`), else PINTEREST_ACCESS_TOKEN. One client and publisher per account, made
on first use and shared by every post of that account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pinrules import FileFacts, Preflight

from ._accounts import Accounts
from ._api import token_from_env
from ._claims import MAY_EXIST, JournalState, PublishJournal, post_key
from ._client import PinterestClient, account_key
from ._errors import ConnectionFailed, NoCredentials, Unauthorized
from ._events import Events
from ._limiter import limiter_for
from ._oauth import OAuthApp, OAuthFlow
from ._publish import Publisher, PublishOptions
from ._results import PublishResult, Status
from ._schedule import Outcome, PostState
from ._secret import Secret
from ._tokens import TokenManager


class Senders:
    def __init__(
        self,
        *,
        preflight: Preflight,
        options: PublishOptions,
        journal: PublishJournal,
        accounts: Accounts | None,
        app: OAuthApp | None,
        base_url: str | None = None,
        events: Events | None = None,
    ) -> None:
        self.preflight = preflight
        self.options = replace(options, ignore_schedule=True)  # the worker decides when
        self.journal = journal
        self.accounts = accounts
        self.app = app
        self.base_url = base_url
        self.events = events
        self._publishers: dict[str | None, tuple[Publisher, dict[str, Any] | None]] = {}
        self._manager: TokenManager | None = None

    def _publisher(self, account: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        if account not in self._publishers:
            self._publishers[account] = self._make(account)
        return self._publishers[account]

    def _make(self, account: str | None) -> tuple[Publisher, dict[str, Any] | None]:
        rate, tier = self.options.rate_limit, self.options.access_tier
        if account is None:
            token = token_from_env()
            if token is None:
                raise NoCredentials("the post names no account and PINTEREST_ACCESS_TOKEN is not set")
            client = PinterestClient(
                token, self.base_url, limiter=limiter_for(account_key(token), rate, tier)
            )
            return Publisher(client, self.journal, self.preflight, self.options), None
        if self.accounts is None or self.app is None:
            raise NoCredentials(f"the post is for account {account!r}, but no account store or app is set")
        if self._manager is None:
            self._manager = TokenManager(self.accounts, OAuthFlow(self.app), self.events)
        stored = self.accounts.require(account)
        source, unauthorized = self._manager.client_auth(account)
        client = PinterestClient(Secret(""), self.base_url, token_source=source, on_unauthorized=unauthorized,
                                 limiter=limiter_for(f"account:{account}", rate, tier))  # fmt: skip
        publisher = Publisher(
            client, self.journal, self.preflight, self.options, account_scopes=stored.scopes
        )
        defaults = {"defaultBoardId": stored.default_board_id} if stored.default_board_id else None
        return publisher, defaults

    async def send(
        self,
        post: dict[str, Any],
        account: str | None,
        folder: Path,
        owner: str,
        checked: Mapping[str, FileFacts] | None = None,
    ) -> Outcome:
        publisher, defaults = self._publisher(account)
        try:
            result = await publisher.publish(
                post, account=defaults, base_dir=folder, owner=owner, checked_files=checked
            )
        except ConnectionFailed as error:  # the API is out of reach: nothing was sent, try later
            problem = self.preflight.diagnose("pinterest.api.unavailable", str(error)).to_dict()
            return Outcome(PostState.SCHEDULED, diagnostics=(problem,))
        except Unauthorized as error:  # the token is refused: the account must be connected again
            problem = self.preflight.diagnose("pinterest.account.reauth_required", str(error)).to_dict()
            return Outcome(PostState.FAILED, diagnostics=(problem,))
        return outcome_of(result, self.journal.now())

    def sent_before(self, post: dict[str, Any]) -> bool:
        """Whether the publish journal knows that a create of `post` may have been sent (or that
        its pin exists), or that another run holds a live claim on it (it may send the create
        any moment): publishing it again reconciles, waits for that run, or answers from the
        journal."""
        entry = self.journal.get(post_key(post))
        if entry is None:
            return False
        may_exist = entry.state in MAY_EXIST or entry.state is JournalState.PUBLISHED
        return may_exist or entry.held(self.journal.now())

    async def close(self) -> None:
        for publisher, _ in self._publishers.values():
            await publisher.client.close()


def outcome_of(result: PublishResult, now: float) -> Outcome:
    """A publish result as the worker records it: a passing trouble (a rate limit, the network,
    another run holding the post's claim) is a retry later; the rest are final."""
    diagnostics = tuple(d.to_dict() for d in result.diagnostics)
    if result.status is Status.PUBLISHED:
        return Outcome(PostState.PUBLISHED, result.pin_id, result.pin_url, diagnostics)
    if result.status is Status.UNKNOWN:
        return Outcome(PostState.UNKNOWN, diagnostics=diagnostics)
    if result.status in (Status.RETRY, Status.CLAIMED_ELSEWHERE):
        later = now + result.retry_after if result.retry_after is not None else None
        return Outcome(PostState.SCHEDULED, diagnostics=diagnostics, next_attempt_at=later)
    return Outcome(PostState.FAILED, diagnostics=diagnostics)  # rejected, failed, reused id
