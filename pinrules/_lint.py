"""A lint run: find the post files, read each one, check it, collect the diagnostics."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._diagnostic import Diagnostic
from ._documents import Document, ParseError, UnreadableFile, read_document, read_post_bytes
from ._duplicates import duplicate_ids
from ._engine import Preflight
from ._errors import UsageError
from ._media_paths import path_diagnostics
from ._selection import matches

if TYPE_CHECKING:
    from ._media_paths import MediaFolders
    from ._network_settings import NetworkSettings

POST_SUFFIXES = (".json", ".yaml", ".yml")
_SKIPPED_DIRS = {"node_modules", "__pycache__"}


@dataclass
class LintResult:
    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)  # the files that parsed


def find_post_files(paths: Iterable[str]) -> list[str]:
    """Files named directly, plus the post files inside folders (hidden folders skipped)."""
    found: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(_walk(path))
        elif path.exists() or path.is_symlink():
            found.append(name)
        else:
            raise UsageError(f"{name}: no such file or folder")
    return list(dict.fromkeys(found))  # a file named twice is linted once


def _walk(root: Path) -> Iterator[str]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for file in sorted(files):
            if file.endswith(POST_SUFFIXES):
                yield os.path.join(directory, file)


@dataclass(frozen=True)
class FileProblem:
    """Why a post file cannot be used: its code, message and place."""

    file: str
    code: str  # post.unreadable or post.parse_error
    message: str
    line: int = 1
    column: int = 1

    def diagnostic(self, preflight: Preflight, *, always: bool = False) -> Diagnostic | None:
        """As a diagnostic of its (selected) rule; `always` even when the rule is not selected."""
        return preflight.file_diagnostic(
            self.code, self.message, self.file, self.line, self.column, always=always
        )


def read_post_file(name: str) -> Document | FileProblem:
    """The parsed file, or the problem that says why it cannot be used."""
    try:
        data = read_post_bytes(name)  # regular files only, at most the size limit and one byte
    except UnreadableFile as error:
        return FileProblem(name, "post.unreadable", error.message)
    try:
        return read_document(name, data)
    except ParseError as error:
        return FileProblem(name, "post.parse_error", error.message, error.line, error.column)


def editor_order(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    """By file, then place in the file, then code: the order an editor walks them."""
    return (diagnostic.file or "", diagnostic.line or 0, diagnostic.column or 0, diagnostic.rule)


def _online(preflight: Preflight, documents: list[Document], network: NetworkSettings) -> list[Diagnostic]:
    import asyncio  # noqa: PLC0415 - the offline path never needs an event loop

    from ._online import OnlinePost, online_findings  # noqa: PLC0415

    posts = [OnlinePost(d.value, Path(d.name).parent) for d in documents]
    per_post = asyncio.run(online_findings(posts, network))
    return [
        diagnostic
        for document, findings in zip(documents, per_post, strict=True)
        for diagnostic in preflight.probe_diagnostics(findings, document)
    ]


def account_for(post: Any, accounts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The defaults of the account a post names in `accountId`, from an accounts file."""
    account_id = post.get("accountId") if isinstance(post, dict) else None
    return accounts.get(account_id) if isinstance(account_id, str) else None


def lint(
    files: Iterable[str],
    preflight: Preflight,
    accounts: dict[str, dict[str, Any]] | None = None,
    *,
    ignored_in: Callable[[str], list[str]] | None = None,
    online: NetworkSettings | None = None,
    fallback: dict[str, Any] | None = None,
    media: MediaFolders | None = None,
) -> LintResult:
    """Check each file; `ignored_in(file)` names codes or prefixes to drop for that file.

    With `online` settings, the files and network phases run too, over all files at once.
    `fallback` is the account defaults for posts that name no account of `accounts`; `media`
    the folders media paths may lead into (default: the project around the working folder).
    """
    result = LintResult()
    found: list[Diagnostic] = []
    documents: list[Document] = []
    for name in files:
        result.files += 1
        document = read_post_file(name)
        if isinstance(document, FileProblem):
            reader = document.diagnostic(preflight)
            found += [reader] if reader else []
        else:
            documents.append(document)
            account = account_for(document.value, accounts or {}) or fallback
            found += preflight.check_document(document, account)
    if online is not None and documents:
        found += _online(preflight, documents, online)
    found += duplicate_ids(preflight, documents) + path_diagnostics(
        preflight, documents, media, resolve=online is not None
    )
    result.documents = documents
    ignored: dict[str, list[str]] = {}  # per file, worked out once
    for diagnostic in found:
        file = diagnostic.file or ""
        if ignored_in is not None and file not in ignored:
            ignored[file] = ignored_in(file)
        if not any(matches(diagnostic.rule, p) for p in ignored.get(file, ())):
            result.diagnostics.append(diagnostic)
    result.diagnostics.sort(key=editor_order)
    return result
