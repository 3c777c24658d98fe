"""Rule files: read, validate against `rule.schema.json`, and turn into `Rule` objects.

Validation is thorough (schema, operator names with suggestions, regular expressions,
message placeholders, and the rule's own examples run through the compiled rule) and therefore
not free: jsonschema alone takes longer to import than a
whole lint of a small folder. Validated rule sets are cached (see `_rule_cache`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ._compiler import PATTERN_TIMEOUT_SECONDS, TIMED_OUT, compile_rules
from ._conditions import COMBINATORS, OPERATORS
from ._documents import Document, ParseError, UnreadableFile, read_document, read_post_bytes
from ._errors import RuleFileError
from ._messages import PLACEHOLDER, PLACEHOLDERS
from ._pointer import WILDCARD
from ._resources import builtin_rules_dir, schema_path
from ._rule import CODE, Rule
from ._rule_cache import Entry, cache_key, read_cache, write_cache
from ._suggest import did_you_mean

_RULE_SUFFIXES = (".yaml", ".yml")


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
    contents = [(f, is_builtin, _read(f)) for f, is_builtin in files]
    key = cache_key(contents)
    cached = read_cache(key, files)
    if cached is not None:
        rules = _rules_from(cached)
        if rules is not None:
            return rules
    entries: list[Entry] = [
        {"file": str(f), "builtin": is_builtin, "data": _validated(str(f), data, is_builtin)}
        for f, is_builtin, data in contents
    ]
    _check_unique(entries)
    rules = _rules_from(entries)
    assert rules is not None, "validated entries always build rules"
    write_cache(key, entries)
    return rules


def _read(path: Path) -> bytes:
    """A rule file's bytes: a regular file of a bounded size (a FIFO would never end)."""
    try:
        return read_post_bytes(str(path))
    except UnreadableFile as error:
        raise RuleFileError(str(path), error.message) from None


def _rules_from(entries: list[Entry]) -> list[Rule] | None:
    """Rules in code order, or None when an entry (from a cache) does not make a sound rule."""
    try:
        rules = [Rule.from_data(e["data"], e["file"], e["builtin"]) for e in entries]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    codes = [rule.code for rule in rules]
    if len(set(codes)) != len(codes) or not all(
        isinstance(code, str) and CODE.fullmatch(code) and code == Path(rule.file).stem
        for code, rule in zip(codes, rules, strict=True)
    ):
        return None
    return sorted(rules, key=lambda rule: rule.code)


def _check_unique(entries: Iterable[Entry]) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        code = entry["data"]["code"]
        if code in seen:
            raise RuleFileError(
                entry["file"],
                f"the code {code!r} is already defined by {seen[code]}; choose another code",
            )
        seen[code] = entry["file"]


def _validated(file: str, data: bytes, builtin: bool = False) -> dict[str, Any]:
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
    _check_examples(document, builtin)
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
            close = did_you_mean(key, known)
            hint = f"; did you mean '{close}'?" if close else f"; operators: {', '.join(OPERATORS)}"
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
    if not CODE.fullmatch(data["code"]):  # the schema's '$' lets a trailing newline through
        raise _fail(document, ("code",), f"the code {data['code']!r} is not dotted lower-case words")
    if data["code"] != stem:
        raise _fail(document, ("code",), f"the code {data['code']!r} must equal the file name {stem!r}")
    for name in PLACEHOLDER.findall(data["message"]):
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
        import regex  # noqa: PLC0415 - the engine patterns run on; only when rules are validated

        try:
            regex.compile(node["pattern"])
        except regex.error as error:
            raise _fail(document, (*pointer, "pattern"), f"invalid regular expression: {error}") from None


def _check_examples(document: Document, builtin: bool) -> None:
    """The rule's own examples, through the compiled rule: each `fail` post raises it and each
    `pass` post does not. A rule that contradicts its examples is broken (or they are)."""
    data = document.value
    if data["phase"] != "static" or "then" not in data:
        return
    rule = Rule.from_data(data, document.name, builtin)
    run, _ = compile_rules([rule])
    for outcome, examples in (("fail", rule.failing), ("pass", rule.passing)):
        for index, example in enumerate(examples):
            findings = run(example.post, example.account)
            problem = None
            if any(finding[3] is TIMED_OUT for finding in findings):
                problem = (
                    f"the pattern took longer than {PATTERN_TIMEOUT_SECONDS:g} s on this example; "
                    "simplify it (nested repeats like (a+)+ backtrack for ever)"
                )
            elif outcome == "fail" and not findings:
                problem = f"this post passes the rule, but a failing example must raise {rule.code}"
            elif outcome == "pass" and findings:
                message = rule.render_message(findings[0][3], findings[0][4])
                problem = f"this post raises {rule.code} ({message}), but a passing example must not"
            if problem is not None:
                where = ("examples", outcome, index)
                raise _fail(
                    document,
                    where,
                    f"examples/{outcome}/{index}: {problem}; fix the condition or the example",
                )
