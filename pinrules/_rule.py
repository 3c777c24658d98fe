"""The rule model: one `Rule` per rule file, and its message rendered for a finding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ._conditions import Condition, json_type, leaves, parse_condition
from ._diagnostic import Severity
from ._pointer import Path as ConditionPath
from ._pointer import split_pointer
from ._suggest import did_you_mean

PLACEHOLDERS = ("value", "length", "key", "type", "suggestion", "expected")
PLACEHOLDER = re.compile(r"\{(\w*)\}")
# dotted lower-case words; fullmatch, so a trailing newline is refused too
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")


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
        """A rule from its validated rule-file data."""
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
        return PLACEHOLDER.split(self.message)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Member names this rule knows, for 'did you mean' suggestions."""
        found: list[str] = []
        for leaf in leaves(self.then):
            if leaf.operator in ("key_in", "types_by_key"):
                found.extend(leaf.argument)
        return tuple(found)

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
        close = did_you_mean(key, rule.names) if isinstance(key, str) else None
        return f" (did you mean '{close}'?)" if close else ""
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
