"""Rule files: read, validate against `rule.schema.json`, and turn into `Rule` objects.

Validation is thorough (schema, operator names with suggestions, regular expressions,
message placeholders) and therefore not free: jsonschema alone takes longer to import than a
whole lint of a small folder. The validated rules are cached, keyed by a hash of everything
that could change the outcome, so that a warm `pinrules lint` never imports jsonschema.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ._conditions import COMBINATORS, OPERATORS, Condition, json_type, leaves, parse_condition
from ._diagnostic import Severity
from ._documents import Document, ParseError, read_document
from ._pointer import WILDCARD, split_pointer
from ._pointer import Path as ConditionPath
from ._resources import builtin_rules_dir, schema_path

CACHE_FORMAT = "1"
CACHE_KEEP = 8  # rule sets kept in the cache
PLACEHOLDERS = ("value", "length", "key", "type", "suggestion", "expected")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_RULE_SUFFIXES = (".yaml", ".yml")


class RuleFileError(Exception):
    """A rule file that cannot be used: names the file, the place and the problem."""

    def __init__(self, file: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Example:
    post: Any
    account: Any = None


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    phase: str
    summary: str
    message: str
    fix: str
    description: str = ""
    source: str = ""
    given: tuple[tuple[str, ...], ...] = ((),)
    when: Condition | None = None
    then: Condition | None = None
    at: ConditionPath | None = None
    passing: tuple[Example, ...] = ()
    failing: tuple[Example, ...] = ()
    file: str = ""
    builtin: bool = True
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any], file: str, builtin: bool) -> Rule:
        given = data.get("given", "")
        givens = [given] if isinstance(given, str) else given
        examples = data.get("examples", {})
        return cls(
            code=data["code"],
            severity=Severity(data["severity"]),
            phase=data["phase"],
            summary=data["summary"],
            message=data["message"],
            fix=data["fix"],
            description=data.get("description", ""),
            source=data.get("source", ""),
            given=tuple(split_pointer(g) for g in givens),
            when=parse_condition(data["when"]) if "when" in data else None,
            then=parse_condition(data["then"]) if "then" in data else None,
            at=ConditionPath.parse(data["at"]) if "at" in data else None,
            passing=tuple(Example(e["post"], e.get("account")) for e in examples.get("pass", ())),
            failing=tuple(Example(e["post"], e.get("account")) for e in examples.get("fail", ())),
            file=file,
            builtin=builtin,
            raw=data,
        )

    @cached_property
    def _message_parts(self) -> list[str]:
        """The message split around placeholders: text, name, text, name, ..., text."""
        return _PLACEHOLDER.split(self.message)

    @cached_property
    def _names(self) -> tuple[str, ...]:
        """Member names this rule knows, for 'did you mean' suggestions."""
        names: list[str] = []
        for leaf in leaves(self.then):
            if leaf.operator in ("key_in", "types_by_key"):
                names.extend(leaf.argument)
        return tuple(names)

    def render_message(self, value: Any, key: str | int | None) -> str:
        """The message with its placeholders filled from the value the rule looked at.

        Only the placeholders the message uses are worked out: findings are common in bulk runs.
        """
        parts = self._message_parts
        if len(parts) == 1:
            return parts[0]
        pieces = parts[:]
        for index in range(1, len(parts), 2):
            pieces[index] = _placeholder(self, parts[index], value, key)
        return "".join(pieces)


def _suggestion(key: str | int | None, names: tuple[str, ...]) -> str:
    if not isinstance(key, str):
        return ""
    by_case = {name.lower(): name for name in names}
    close = by_case.get(key.lower())  # boardID -> boardId, without difflib
    if close is None:
        matches = difflib.get_close_matches(key, names, n=1)
        close = matches[0] if matches else None
    return f" (did you mean '{close}'?)" if close and close != key else ""


def _placeholder(rule: Rule, name: str, value: Any, key: str | int | None) -> str:
    if name == "value":
        return _short(value)
    if name == "length":
        return str(len(value)) if isinstance(value, str | list | dict) else "?"
    if name == "key":
        return "" if key is None else str(key)
    if name == "type":
        return json_type(value)
    if name == "suggestion":
        return _suggestion(key, rule._names)
    if name == "expected":
        for leaf in leaves(rule.then):
            if leaf.operator == "types_by_key" and isinstance(key, str) and key in leaf.argument:
                return " or ".join(leaf.argument[key])
        return ""
    return "{" + name + "}"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # JSON may hold unpaired surrogates ("\udfaa"); keep them visible but printable
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# --- loading -----------------------------------------------------------------------------


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in _RULE_SUFFIXES and p.is_file())


def load_rules(extra_dirs: Sequence[str | os.PathLike[str]] = (), *, builtin: bool = True) -> list[Rule]:
    """Load the built-in rules and those in `extra_dirs`; raise RuleFileError for a broken file."""
    sources: list[tuple[Path, bool]] = []
    if builtin:
        sources.append((builtin_rules_dir(), True))
    for directory in extra_dirs:
        path = Path(directory)
        if not path.is_dir():
            raise RuleFileError(str(path), "the rules directory does not exist")
        sources.append((path, False))
    files = [(f, is_builtin) for d, is_builtin in sources for f in rule_files(d)]
    contents = [(f, is_builtin, f.read_bytes()) for f, is_builtin in files]

    key = _cache_key(contents)
    cached = _read_cache(key)
    if cached is None:
        cached = [
            {"file": str(f), "builtin": is_builtin, "data": _validated(str(f), data)}
            for f, is_builtin, data in contents
        ]
        _check_unique(cached)
        _write_cache(key, cached)
    return sorted(
        (Rule.from_data(entry["data"], entry["file"], entry["builtin"]) for entry in cached),
        key=lambda rule: rule.code,
    )


def _check_unique(entries: Iterable[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        code = entry["data"]["code"]
        if code in seen:
            raise RuleFileError(
                entry["file"],
                f"the code {code!r} is already defined by {seen[code]}; choose another code",
            )
        seen[code] = entry["file"]


def _validated(file: str, data: bytes) -> dict[str, Any]:
    try:
        document = read_document(file, data, "yaml")
    except ParseError as error:
        raise RuleFileError(file, error.message, error.line, error.column) from None
    value = document.value
    if not isinstance(value, dict):
        raise RuleFileError(file, "a rule file is a mapping with code, severity, phase, ...")
    for where in ("when", "then"):
        if where in value:
            _check_operators(document, value[where], (where,))
    _check_schema(document)
    _check_meaning(document, Path(file).stem)
    return value


def _fail(document: Document, pointer: tuple[str | int, ...], message: str) -> RuleFileError:
    line, column = document.position(pointer)
    return RuleFileError(document.name, message, line, column)


def _check_operators(document: Document, node: Any, pointer: tuple[str | int, ...]) -> None:
    """Name unknown operators with the nearest known one, before the schema's vaguer message."""
    if not isinstance(node, dict):
        return
    known = (*OPERATORS, *COMBINATORS, "path")
    for key in node:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; operators: {', '.join(OPERATORS)}"
            raise _fail(document, (*pointer, key), f"unknown operator '{key}'{hint}")
    for combinator in ("all", "any"):
        for index, item in enumerate(
            node.get(combinator, ()) if isinstance(node.get(combinator), list) else ()
        ):
            _check_operators(document, item, (*pointer, combinator, index))
    if "not" in node:
        _check_operators(document, node["not"], (*pointer, "not"))


_VALIDATOR: Any = None


def _check_schema(document: Document) -> None:
    global _VALIDATOR  # noqa: PLW0603 - built once per process, only when a cache is cold
    if _VALIDATOR is None:
        import jsonschema  # noqa: PLC0415 - heavy; only needed when rules are (re)validated

        schema = json.loads(schema_path("rule.schema.json").read_text("utf-8"))
        _VALIDATOR = jsonschema.Draft202012Validator(schema)
    errors = list(_VALIDATOR.iter_errors(document.value))
    if errors:
        import jsonschema  # noqa: PLC0415

        error = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise _fail(document, tuple(error.absolute_path), f"{where}: {error.message}")


def _check_meaning(document: Document, stem: str) -> None:
    """What the schema cannot say: code matches file name, regexes compile, placeholders exist."""
    data = document.value
    if data["code"] != stem:
        raise _fail(document, ("code",), f"the code {data['code']!r} must equal the file name {stem!r}")
    for name in _PLACEHOLDER.findall(data["message"]):
        if name not in PLACEHOLDERS:
            raise _fail(
                document,
                ("message",),
                f"unknown placeholder {{{name}}}; use one of " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
            )
    givens = data.get("given", "")
    for index, given in enumerate([givens] if isinstance(givens, str) else givens):
        if any(token.startswith(("$", "@")) for token in given[:1]):
            raise _fail(
                document,
                ("given", index) if isinstance(givens, list) else ("given",),
                "'given' paths start at the post: write /media/*, not $/media/*",
            )
    for where in ("when", "then"):
        if where in data:
            _check_leaves(document, data[where], (where,))


def _check_leaves(document: Document, node: dict[str, Any], pointer: tuple[str | int, ...]) -> None:
    for combinator in ("all", "any"):
        for index, item in enumerate(node.get(combinator, ())):
            _check_leaves(document, item, (*pointer, combinator, index))
    if "not" in node:
        _check_leaves(document, node["not"], (*pointer, "not"))
    path = node.get("path", "")
    if WILDCARD in path.split("/"):
        raise _fail(document, (*pointer, "path"), "'*' belongs in 'given'; a condition path names one value")
    if ("key_in" in node or "types_by_key" in node) and path:
        raise _fail(
            document,
            (*pointer, "path"),
            "key_in and types_by_key look at the subject's own name: drop 'path'",
        )
    if "pattern" in node:
        try:
            re.compile(node["pattern"])
        except re.error as error:
            raise _fail(document, (*pointer, "pattern"), f"invalid regular expression: {error}") from None


# --- cache -------------------------------------------------------------------------------


def _cache_key(contents: Sequence[tuple[Path, bool, bytes]]) -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    package = Path(__file__).resolve().parent
    for part in ("_rules.py", "_conditions.py", "_pointer.py"):
        digest.update((package / part).read_bytes())
    digest.update(schema_path("rule.schema.json").read_bytes())
    for path, is_builtin, data in contents:
        digest.update(f"\0{path}\0{is_builtin}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:32]


def cache_dir() -> Path:
    configured = os.environ.get("PINRULES_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pinrules"


def _read_cache(key: str) -> list[dict[str, Any]] | None:
    path = cache_dir() / f"rules-{key}.json"
    try:
        entries: list[dict[str, Any]] = json.loads(path.read_bytes())
        os.utime(path)  # recently used: the last to be dropped
    except (OSError, ValueError):
        return None  # no cache, or one we cannot read: validate again
    return entries


def _write_cache(key: str, entries: list[dict[str, Any]]) -> None:
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # keep a few rule sets (projects with different house rules), drop the oldest
        cached = sorted(directory.glob("rules-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in cached[CACHE_KEEP - 1 :]:
            stale.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as out:
            json.dump(entries, out)
        os.replace(out.name, directory / f"rules-{key}.json")
    except OSError:
        pass  # a read-only home only costs speed
