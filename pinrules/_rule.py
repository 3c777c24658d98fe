"""The rule model: one `Rule` per rule file, and its message rendered for a finding."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any, NamedTuple

from ._conditions import Condition, leaves, parse_condition
from ._diagnostic import Severity
from ._messages import message_renderer
from ._pointer import Path as ConditionPath
from ._pointer import split_pointer

# dotted lower-case words; fullmatch, so a trailing newline is refused too
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")


class Example(NamedTuple):
    post: Any
    account: Any = None


class Rule:
    """One rule file, parsed. Rules are not changed once made; `with_severity` makes a changed
    copy. (A plain class: the lint path imports no dataclasses.)"""

    def __init__(  # noqa: PLR0917 - the fields in order, as before
        self,
        code: str,
        severity: Severity,
        phase: str,
        summary: str,
        message: str,
        fix: str,
        description: str = "",
        source: str = "",
        given: tuple[tuple[str, ...], ...] = ((),),
        when: Condition | None = None,
        then: Condition | None = None,
        at: ConditionPath | None = None,
        passing: tuple[Example, ...] = (),
        failing: tuple[Example, ...] = (),
        file: str = "",
        builtin: bool = True,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.code, self.severity, self.phase, self.summary = code, severity, phase, summary
        self.message, self.fix, self.description, self.source = message, fix, description, source
        self.given, self.when, self.then, self.at = given, when, then, at
        self.passing, self.failing, self.file, self.builtin = passing, failing, file, builtin
        self.raw: dict[str, Any] = raw if raw is not None else {}

    def __repr__(self) -> str:
        return f"Rule({self.code!r}, {self.severity.value!r}, file={self.file!r})"

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Rule) else NotImplemented

    def __hash__(self) -> int:
        return hash((self.code, self.file))

    def _key(self) -> tuple[Any, ...]:
        """Every field but `raw` (the data they were made from)."""
        return (self.code, self.severity, self.phase, self.summary, self.message, self.fix, self.description,
                self.source, self.given, self.when, self.then, self.at, self.passing, self.failing, self.file,
                self.builtin)  # fmt: skip

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

    def with_severity(self, severity: Severity) -> Rule:
        """The same rule at another severity (`--severity`, the `severity` setting)."""
        changed = object.__new__(Rule)
        changed.__dict__.update(vars(self), severity=severity)  # its cached parts do not read the severity
        return changed

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Member names this rule knows, for 'did you mean' suggestions."""
        found: list[str] = []
        for leaf in leaves(self.then):
            if leaf.operator in ("key_in", "types_by_key"):
                found.extend(leaf.argument)
        return tuple(found)

    @cached_property
    def render_message(self) -> Callable[[Any, str | int | None], str]:
        """(value, key) -> the message with its placeholders filled from the value the rule
        looked at and its key; made once per rule (see `_messages`)."""
        return message_renderer(self)
