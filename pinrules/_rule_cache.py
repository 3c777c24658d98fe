"""The cache of validated rule sets, so that a warm `pinrules lint` never imports jsonschema.

A cache file is keyed by a hash of everything that could change the outcome of validation
(the engine's sources, the rule schema, every rule file's path and bytes). What is read back is
not trusted as it is: the file must carry its own key and a digest of its entries, name exactly
the rule files being loaded, and every entry must still build a `Rule`. Anything else (an
edited, truncated or foreign file) is ignored and the rules are validated again. Cached text
never becomes code except through `repr()` (see `_compiler`), so a cache cannot run code.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._atomic import write_atomic
from ._digest import blake2b
from ._folders import cache_dir
from ._resources import schema_path

FORMAT = "3"
KEEP = 8  # rule sets kept (projects with different house rules)
MAX_BYTES = 20_000_000  # a cache file larger than this is not ours
_SOURCES = (
    "_rule.py",
    "_rule_files.py",
    "_rule_cache.py",
    "_conditions.py",
    "_pointer.py",
    "_compiler.py",
    "_messages.py",
)

Entry = dict[str, Any]  # {"file": str, "builtin": bool, "data": validated rule data}


def cache_key(contents: Sequence[tuple[Path, bool, bytes]]) -> str:
    digest = blake2b(FORMAT.encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for part in _SOURCES:
        digest.update((package / part).read_bytes())
    digest.update(schema_path("rule.schema.json").read_bytes())
    for path, is_builtin, data in contents:
        digest.update(f"\0{path}\0{is_builtin}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _digest(key: str, entries_text: str) -> str:
    return blake2b(f"{key}\0{entries_text}".encode(), digest_size=32).hexdigest()


def _head(key: str) -> str:
    """How a cache file of `key` begins; its digest and then its entries follow."""
    return '{"key": ' + json.dumps(key) + ', "digest": "'


_ENTRIES = '", "entries": '
_DIGEST_CHARS = 64


def read_cache(key: str, files: Sequence[tuple[Path, bool]]) -> list[Entry] | None:
    """The cached entries for exactly `files`, or None (no cache, or one not to be trusted)."""
    path = cache_dir() / f"rules-{key}.json"
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # the digest covers the entries' text as written: checked without serializing them again
    head = _head(key)
    start = len(head) + _DIGEST_CHARS + len(_ENTRIES)
    if len(raw) > MAX_BYTES or not text.startswith(head) or not text.endswith("}"):
        return None
    digest, entries_text = text[len(head) : len(head) + _DIGEST_CHARS], text[start:-1]
    if text[start - len(_ENTRIES) : start] != _ENTRIES or digest != _digest(key, entries_text):
        return None
    try:
        entries = json.loads(entries_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entries, list):
        return None
    if len(entries) != len(files):
        return None
    for entry, (file, is_builtin) in zip(entries, files, strict=True):
        if not (
            isinstance(entry, dict)
            and entry.get("file") == str(file)
            and entry.get("builtin") is is_builtin
            and isinstance(entry.get("data"), dict)
        ):
            return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be dropped
    return entries


def write_cache(key: str, entries: list[Entry]) -> None:
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        cached = sorted(directory.glob("rules-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in cached[KEEP - 1 :]:
            stale.unlink(missing_ok=True)
        entries_text = json.dumps(entries)
        body = _head(key) + _digest(key, entries_text) + _ENTRIES + entries_text + "}"
        write_atomic(directory / f"rules-{key}.json", body.encode())
    except OSError:
        pass  # a read-only home only costs speed
