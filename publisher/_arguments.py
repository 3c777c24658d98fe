"""The publisher's commands' options, typed (made from the parsed arguments when one runs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pinrules import RuleOptions, SelectionOptions, pinterest


@dataclass(frozen=True)
class PublishArguments:
    paths: tuple[str, ...]
    format: str = "text"
    dry_run: bool = False
    journal: str | None = None
    no_journal: bool = False
    ignore_schedule: bool = False
    poll_interval: float = pinterest.MEDIA_POLL_INTERVAL_SECONDS
    poll_timeout: float = pinterest.MEDIA_POLL_TIMEOUT_SECONDS
    deadline: float | None = None
    max_retry_after: float | None = None
    account: str | None = None
    store: str | None = None
    base_url: str | None = None
    database: str | None = None
    accounts: str | None = None
    allow_private_network: bool = False
    rate_limit: float | None = None
    rules: RuleOptions = field(default_factory=RuleOptions)
    selection: SelectionOptions = field(default_factory=SelectionOptions)


@dataclass(frozen=True)
class AccountsArguments:
    action: str
    name: str = "default"
    store: str | None = None
    database: str | None = None
    base_url: str | None = None
    secret_boards: bool = False
    no_browser: bool = False
    port: int = 0
    board_id: str = ""


@dataclass(frozen=True)
class BoardsArguments:
    name: str
    store: str | None = None
    database: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class SandboxArguments:
    port: int = 8765
    token: str | None = None
    files: str | None = None
    faults: tuple[str, ...] = ()  # ROUTE=KIND[:N] (sandbox.FAULT_USAGE)


@dataclass(frozen=True)
class AccountLintArguments:
    account: str
    store: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class ScheduleArguments:
    items: tuple[str, ...]
    format: str = "text"
    offline: bool = False
    status: str | None = None
    account: str | None = None
    store: str | None = None
    database: str | None = None
    accounts: str | None = None
    allow_private_network: bool = False
    rules: RuleOptions = field(default_factory=RuleOptions)
    selection: SelectionOptions = field(default_factory=SelectionOptions)


@dataclass(frozen=True)
class WorkerArguments:
    once: bool = False
    concurrency: int = 4
    max_lateness: float = 3600.0
    lease: float = 120.0
    poll_interval: float = 5.0
    store: str | None = None
    base_url: str | None = None
    database: str | None = None
    allow_private_network: bool = False
    rate_limit: float | None = None
    rules: RuleOptions = field(default_factory=RuleOptions)
