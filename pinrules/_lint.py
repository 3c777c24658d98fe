"""A lint run: find the post files, read each one, check it, collect the diagnostics.

Memory stays flat in the number of files: each file is read, checked and let go before the
next one is read. Diagnostics carry their positions; the later phases (the online checks, the
add-ons of other packages) keep only what they need of a file (its media targets and their
places), taken while the file was at hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._diagnostic import Diagnostic, make_diagnostic
from ._documents import Document, Format, ParseError, UnreadableFile, read_document, read_post_bytes
from ._duplicates import DuplicateIds
from ._engine import TRUNCATED, Preflight
from ._errors import UsageError
from ._exclude import Exclusion, Ignored, git_ignored, walk
from ._media_paths import path_diagnostics
from ._places import Places
from ._selection import matches
from ._suppress import Suppressions, key_pointer, known_codes, suppressions

if TYPE_CHECKING:
    from ._command_run import LintAddOn
    from ._media_paths import MediaFolders
    from ._network_settings import NetworkSettings
    from ._online import Target

NOT_A_POST = "post.not_a_post"
UNKNOWN_SUPPRESSION = "post.suppression.unknown_code"
POST_SCHEMA = re.compile(r"(?:^|/)post\.schema\.json\Z")  # a $schema naming the post schema


class LintResult:
    """What a lint run found: how many files it read, and their diagnostics."""

    __slots__ = ("diagnostics", "files")

    def __init__(self, files: int = 0, diagnostics: list[Diagnostic] | None = None) -> None:
        self.files = files
        self.diagnostics: list[Diagnostic] = diagnostics if diagnostics is not None else []

    def __repr__(self) -> str:
        return f"LintResult(files={self.files!r}, diagnostics={self.diagnostics!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LintResult):
            return NotImplemented
        return (self.files, self.diagnostics) == (other.files, other.diagnostics)

    __hash__ = None  # type: ignore[assignment]  # it changes as a run goes on


def find_post_files(paths: Iterable[str], exclusion: Exclusion | None = None) -> list[str]:
    """Files named directly, plus the post files inside folders, in the order given.

    Inside folders, excluded files and folders are left out (by default well-known files that
    are not posts, and hidden ones), and with `respect_gitignore` what git ignores. Files named
    directly are always kept, unless the exclusion is forced on them too."""
    exclusion = exclusion if exclusion is not None else Exclusion()
    paths = list(paths)
    for name in paths:
        if not (os.path.exists(name) or os.path.islink(name)):
            raise UsageError(f"{name}: no such file or folder")
    ignored = Ignored()
    if exclusion.respect_gitignore:
        ignored = git_ignored(p for p in paths if exclusion.force or os.path.isdir(p))
    found: list[str] = []
    for name in paths:
        if os.path.isdir(name):
            found += walk(name, exclusion, ignored)
        elif not (exclusion.force and (exclusion.excludes_named(name, Path.cwd()) or ignored.covers(name))):
            found.append(name)
    return found if len(paths) == 1 else list(dict.fromkeys(found))  # a file named twice: linted once


class FileProblem(NamedTuple):
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
    return parse_post(name, data)


def parse_post(name: str, data: bytes, fmt: Format | None = None) -> Document | FileProblem:
    """`read_document`, with its ParseError as the file's problem."""
    try:
        return read_document(name, data, fmt)
    except ParseError as error:
        return FileProblem(name, "post.parse_error", error.message, error.line, error.column)


def editor_order(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    """By file, then place in the file, then code: the order an editor walks them."""
    return (diagnostic.file or "", diagnostic.line or 0, diagnostic.column or 0, diagnostic.rule)


def account_for(post: Any, accounts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The defaults of the account a post names in `accountId`, from an accounts file."""
    account_id = post.get("accountId") if isinstance(post, dict) else None
    return accounts.get(account_id) if isinstance(account_id, str) else None


class _Silenced:
    """What is left out of one file's diagnostics: per-file ignores and inline suppressions."""

    __slots__ = ("ignored", "inline")

    def __init__(self, ignored: list[str], inline: Suppressions) -> None:
        self.ignored, self.inline = ignored, inline

    def __bool__(self) -> bool:
        return bool(self.ignored or self.inline)

    def drops(self, code: str, line: int | None, key_line: int | None = None) -> bool:
        if any(matches(code, pattern) for pattern in self.ignored):
            return True
        return line is not None and self.inline.covers(code, line, key_line)

    def keep(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        return [d for d in diagnostics if not self.drops(d.rule, d.line)]


class _Online:
    """A file's media targets for the online phase, where they are, and what it silences."""

    __slots__ = ("base_dir", "places", "silenced", "targets")

    def __init__(self, places: Places, base_dir: Path, targets: list[Target], silenced: _Silenced) -> None:
        self.places, self.base_dir, self.targets, self.silenced = places, base_dir, targets, silenced


def lint(
    files: Iterable[str],
    preflight: Preflight,
    accounts: dict[str, dict[str, Any]] | None = None,
    *,
    ignored_in: Callable[[str], list[str]] | None = None,
    online: NetworkSettings | None = None,
    fallback: dict[str, Any] | None = None,
    addons: Sequence[LintAddOn] = (),
    max_findings: int | None = None,
    read: Callable[[str], Document | FileProblem] = read_post_file,
    media: MediaFolders | None = None,
) -> LintResult:
    """Check each file; `ignored_in(file)` names codes or prefixes to drop for that file.

    With `online` settings, the files and network phases run too, over all files at once;
    `addons` see each file that parsed and add their diagnostics at the end. `fallback` is the
    account defaults for posts that name no account of `accounts`. `max_findings` caps the
    static findings of one file (then one post.findings.truncated diagnostic counts the rest).
    `media` are the folders media paths may lead into (default: the project around the working
    folder); an id that two files of the run share is reported at the later ones.
    """
    result = LintResult()
    known = known_codes(rule.code for rule in preflight.all_rules)
    fields = post_fields(preflight)
    pending: list[_Online] = []
    later: dict[str, _Silenced] = {}  # for the add-ons' diagnostics, files that silence some
    duplicates = DuplicateIds(preflight)
    for name in files:
        result.files += 1
        silenced = _Silenced(ignored_in(name) if ignored_in is not None else [], Suppressions())
        document = read(name)
        if isinstance(document, FileProblem):
            reader = document.diagnostic(preflight)
            result.diagnostics += silenced.keep([reader] if reader else [])
            continue
        silenced.inline = suppressions(document, known, report=max_findings or 100)
        result.diagnostics += _check(
            preflight,
            document,
            silenced,
            fields,
            accounts=accounts,
            fallback=fallback,
            max_findings=max_findings,
        )
        resolve = online is not None  # symlinks are followed when the files are looked at
        own = duplicates.see(document) + path_diagnostics(preflight, [document], media, resolve=resolve)
        result.diagnostics += silenced.keep(own)
        if online is not None:
            from ._online import targets  # noqa: PLC0415 - the offline path never needs it

            found = targets(document.value)
            if found:
                places = Places.of(document, [target.pointer for target in found])
                pending.append(_Online(places, Path(name).parent, found, silenced))
        for addon in addons:
            addon.collect(document)
        if addons and silenced:
            later[name] = silenced
    if online is not None and pending:
        result.diagnostics += _online(preflight, pending, online)
    for addon in addons:
        for diagnostic in addon.check():
            dropping = later.get(diagnostic.file or "")
            if dropping is None or not dropping.drops(diagnostic.rule, diagnostic.line):
                result.diagnostics.append(diagnostic)
    result.diagnostics.sort(key=editor_order)
    return result


def _check(
    preflight: Preflight,
    document: Document,
    silenced: _Silenced,
    fields: tuple[str, ...],
    *,
    accounts: dict[str, dict[str, Any]] | None,
    fallback: dict[str, Any] | None,
    max_findings: int | None,
) -> list[Diagnostic]:
    """The static diagnostics of one parsed file, while it is at hand."""
    found: list[Diagnostic] = []
    for unknown in silenced.inline.unknown:
        message = f"ignore[{unknown.code}] silences nothing: {unknown.hint}"
        diagnostic = preflight.file_diagnostic(
            UNKNOWN_SUPPRESSION, message, document.name, unknown.line, unknown.column
        )
        found += silenced.keep([diagnostic] if diagnostic else [])
    notice = preflight.companion(TRUNCATED) if silenced.inline.unreported and found else None
    if notice is not None:
        message = f"and {silenced.inline.unreported:,} more unknown codes in suppression comments not shown"
        found.append(make_diagnostic(notice, message, file=document.name, line=found[-1].line, column=1))
    if not _looks_like_a_post(document.value, fields):
        message = f"none of the post fields ({', '.join(fields)}): this file does not look like a post"
        diagnostic = preflight.file_diagnostic(NOT_A_POST, message, document.name)
        if diagnostic is not None and not silenced.drops(NOT_A_POST, 1):
            return [*found, diagnostic]
    drop = None
    if silenced:

        def drop(code: str, pointer: tuple[str | int, ...]) -> bool:
            if not silenced.inline:  # per-file ignores go by code alone: no positions needed
                return silenced.drops(code, None)
            key = key_pointer(pointer)
            key_line = document.position(key)[0] if key != pointer else None
            return silenced.drops(code, document.position(pointer)[0], key_line)

    account = account_for(document.value, accounts or {}) or fallback
    return found + preflight.check_document(document, account, drop=drop, limit=max_findings or None)


def post_fields(preflight: Preflight) -> tuple[str, ...]:
    """The fields of a post, as post.unknown_field knows them (none without that rule)."""
    rule = preflight.rule("post.unknown_field")
    return tuple(name for name in rule.names if name != "$schema") if rule is not None else ()


def _looks_like_a_post(value: Any, fields: tuple[str, ...]) -> bool:
    """Anything but a mapping that has none of a post's fields (a package.json, a CI file)."""
    if not isinstance(value, dict) or not value or not fields or any(field in value for field in fields):
        return True  # not a mapping, or an empty one: the post rules say what is missing
    schema = value.get("$schema")
    return isinstance(schema, str) and POST_SCHEMA.search(schema) is not None


def _online(preflight: Preflight, pending: list[_Online], network: NetworkSettings) -> list[Diagnostic]:
    import asyncio  # noqa: PLC0415 - the offline path never needs an event loop

    from ._online import target_findings  # noqa: PLC0415

    per_post = asyncio.run(target_findings([(item.targets, item.base_dir) for item in pending], network))
    return [
        diagnostic
        for item, findings in zip(pending, per_post, strict=True)
        for diagnostic in item.silenced.keep(preflight.probe_diagnostics(findings, item.places))
    ]
