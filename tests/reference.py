"""A plain interpreter of rule files, written for clarity, to check the compiled engine against.

It reads the rules' raw YAML data (not the engine's parsed form) and walks posts directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from pinrules import FORMATS, Rule, is_array_index

_NOTHING = object()


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "not-a-number"
    if isinstance(value, int) or (isinstance(value, float) and value == int(value)):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "other")


def _types_ok(value: Any, wanted: str | list[str]) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    found = _type_of(value)
    return found in names or (found == "integer" and "number" in names)


def _same(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if type(a) in numbers and type(b) in numbers:
        return bool(a == b)
    return type(a) is type(b) and a == b


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer else []


def _lookup(node: Any, tokens: list[str]) -> Any:
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and is_array_index(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return _NOTHING
    return node


def _subjects(
    node: Any, tokens: list[str], pointer: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if not tokens:
        yield pointer, node
        return
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        members = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        )
        for key, child in members:
            yield from _subjects(child, rest, (*pointer, key))
        return
    child = _lookup(node, [head])
    if child is not _NOTHING:
        yield from _subjects(child, rest, (*pointer, int(head) if isinstance(node, list) else head))


def _walked(node: Any, tokens: list[str]) -> tuple[Any, ...]:
    """Tokens as a pointer, with indexes as ints where they step into an array."""
    out: list[Any] = []
    for token in tokens:
        out.append(int(token) if isinstance(node, list) and is_array_index(token) else token)
        node = _lookup(node, [token])
    return tuple(out)


def _value(path: str, subject: Any, post: Any, account: Any) -> Any:
    if path.startswith("$"):
        return _lookup(post, _tokens(path[1:]))
    if path.startswith("@"):
        return _lookup(account, _tokens(path[1:]))
    return _lookup(subject, _tokens(path))


def holds(condition: dict[str, Any], subject: Any, key: Any, post: Any, account: Any) -> bool:
    if "all" in condition:
        return all(holds(c, subject, key, post, account) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, subject, key, post, account) for c in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], subject, key, post, account)
    value = _value(condition.get("path", ""), subject, post, account)
    missing = value is _NOTHING
    (op,) = [k for k in condition if k != "path"]
    arg = condition[op]
    if op == "exists":
        return bool((not missing) == arg)
    if op == "equals":
        return not missing and _same(value, arg)
    if op == "in":
        return not missing and any(_same(value, choice) for choice in arg)
    if op == "media_type_in":  # the type/subtype before any parameter, in any case
        if missing or not isinstance(value, str) or not value.isascii():
            return False
        essence = value.split(";", 1)[0].strip(" \t").lower()
        return essence in [choice.lower() for choice in arg]
    if op == "key_in":
        return not isinstance(key, str) or key in arg
    if op == "types_by_key":
        return not isinstance(key, str) or key not in arg or _types_ok(value, arg[key])
    if missing:
        return True
    if op == "type":
        return _types_ok(value, arg)
    if op in ("min_length", "max_length"):
        if not isinstance(value, str | list):
            return True
        return bool(len(value) >= arg if op == "min_length" else len(value) <= arg)
    if op in ("minimum", "maximum"):
        if _type_of(value) not in ("integer", "number"):
            return True
        return bool(value >= arg if op == "minimum" else value <= arg)
    if op == "pattern":
        return not isinstance(value, str) or re.search(arg, value) is not None
    if op == "format":
        return not isinstance(value, str) or FORMATS[arg](value)
    raise AssertionError(op)


def findings(rules: list[Rule], post: Any, account: Any = None) -> list[tuple[str, tuple[Any, ...]]]:
    """(code, pointer) of every finding, in rule order then subject order."""
    found = []
    for rule in rules:
        data = rule.raw
        if "then" not in data:
            continue
        givens = data.get("given", "")
        for given in [givens] if isinstance(givens, str) else givens:
            for pointer, subject in _subjects(post, _tokens(given)):
                key = pointer[-1] if pointer else None
                if "when" in data and not holds(data["when"], subject, key, post, account):
                    continue
                if holds(data["then"], subject, key, post, account):
                    continue
                at = data.get("at", "")
                if at.startswith("$"):
                    where = _walked(post, _tokens(at[1:]))
                else:
                    where = (*pointer, *_walked(subject, _tokens(at)))
                found.append((rule.code, where))
    return found
