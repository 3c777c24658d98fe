"""Documentation generated from the rule files themselves.

`pinrules explain CODE` prints one rule; `docs/rules.md` and the README's rule table are
written from the same source by `scripts/docs.py` (`make docs`), and the tests fail when they
are stale.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

from ._conditions import AllOf, AnyOf, Condition, Leaf, Not
from ._engine import Preflight
from ._pointer import to_pointer
from ._rule import Example, Rule

START, END = "<!-- rules:start -->", "<!-- rules:end -->"
_FORMAT_WORDS = {
    "http_url": "is an absolute http(s) URL",
    "rfc3339": "is an RFC 3339 date-time with an offset",
    "digits": "is made of the digits 0-9 only",
    "upload_id": "names an upload of the posting service (`med_...`)",
}
_ARTICLED = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}
_RAISED_BY = {
    "static": "the post reader (it is not a condition on the post's content)",
    "files": "the files phase, which reads local media files (`pinrules lint --online`)",
    "network": "the network phase, which fetches media URLs (`pinrules lint --online`)",
    "publish": "the publish flow, when Pinterest answers",
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _path_name(leaf: Leaf) -> str:
    text = str(leaf.path)
    return "the value" if text == "" else f"`{text}`"


def describe(condition: Condition) -> str:
    """A condition as an English sentence."""
    if isinstance(condition, AllOf):
        return " and ".join(_grouped(c) for c in condition.items)
    if isinstance(condition, AnyOf):
        return "either " + " or ".join(_grouped(c) for c in condition.items)
    if isinstance(condition, Not):
        return f"not ({describe(condition.item)})"
    op, arg = condition.operator, condition.argument
    subject = _path_name(condition)
    if op == "key_in":
        return "its name is one of " + ", ".join(f"`{a}`" for a in arg)
    if op == "types_by_key":
        return (
            "its value has the type listed for its name ("
            + ", ".join(f"{k}: {' or '.join(v)}" for k, v in arg.items())
            + ")"
        )
    return f"{subject} {_verb(op, arg)}"


def _verb(op: str, arg: Any) -> str:
    """What a leaf operator says about its value, in words."""
    if op == "exists":
        return "exists" if arg else "is absent"
    if op == "type":
        return "is " + " or ".join(_ARTICLED.get(name, name) for name in arg)
    if op == "equals":
        return f"is {_json(arg)}"
    if op == "in":
        return "is one of " + ", ".join(_json(choice) for choice in arg)
    if op == "media_type_in":
        return "names one of the media types " + ", ".join(arg) + " (in any case, parameters aside)"
    if op in ("min_length", "max_length"):
        return f"has {'at least' if op == 'min_length' else 'at most'} {arg} characters (or items)"
    if op in ("minimum", "maximum"):
        return f"is {'at least' if op == 'minimum' else 'at most'} {arg}"
    if op == "pattern":
        return f"matches `{arg}`"
    return _FORMAT_WORDS.get(str(arg), f"has format {arg}")


def _grouped(condition: Condition) -> str:
    text = describe(condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


def _given(rule: Rule) -> str:
    paths = [to_pointer(tokens) or "the post" for tokens in rule.given]
    return ", ".join(f"`{p}`" if p != "the post" else p for p in paths)


def _example_outcome(rule: Rule, example: Example, preflight: Preflight) -> str:
    found = [d for d in preflight.check(example.post, example.account) if d.rule == rule.code]
    if not found:
        return "passes"
    return "; ".join(f"`{d.pointer or '/'}`: {d.message}" for d in found)


def _sections(rule: Rule, preflight: Preflight) -> list[tuple[str, str]]:
    sections = [("Why", " ".join((rule.description or rule.summary).split()))]
    if rule.then is not None:
        text = f"For each of {_given(rule)}"
        if rule.when is not None:
            text += f", where {describe(rule.when)}"
        text += f", it must hold that {describe(rule.then)}."
        if rule.at is not None:
            text += f" Reported at `{rule.at}`."
        sections.append(("What it checks", text))
    else:
        sections.append(("What it checks", f"This code is raised by {_RAISED_BY[rule.phase]}."))
    sections.append(("How to fix", rule.fix))
    for title, examples in (("Example that fails", rule.failing), ("Example that passes", rule.passing)):
        if examples:
            example = examples[0]
            account = f"\nwith the account {_json(example.account)}" if example.account else ""
            outcome = _example_outcome(rule, example, preflight)
            sections.append((title, f"{_json(example.post)}{account}\n→ {outcome}"))
    if rule.source:
        sections.append(("Source", rule.source))
    return sections


def explain_text(rule: Rule, preflight: Preflight) -> str:
    lines = [f"{rule.code} ({rule.severity}, {rule.phase} phase)", rule.summary, ""]
    for title, body in _sections(rule, preflight):
        lines.append(title)
        for paragraph in body.split("\n"):
            lines.extend(textwrap.wrap(paragraph, 96, initial_indent="  ", subsequent_indent="    ") or [""])
        lines.append("")
    lines.append(f"Rule file: {rule.file}")
    return "\n".join(lines) + "\n"


def explain_markdown(rule: Rule, preflight: Preflight) -> str:
    lines = [f"## `{rule.code}`", "", f"**{rule.severity}**, {rule.phase} phase. {rule.summary}", ""]
    for title, body in _sections(rule, preflight):
        if title.startswith("Example"):
            post, _, outcome = body.rpartition("\n→ ")
            lines += [f"**{title}**", "", "```json", post, "```", f"→ {outcome}", ""]
        else:
            lines += [f"**{title}.** {body}", ""]
    return "\n".join(lines)


def rule_table(rules: Sequence[Rule]) -> str:
    lines = ["| code | severity | phase | what it checks |", "|---|---|---|---|"]
    lines += [
        f"| [`{r.code}`](docs/rules.md#{r.code.replace('.', '')}) | {r.severity} | {r.phase} | "
        f"{' '.join(r.summary.split()).replace('|', '/')} |"
        for r in rules
    ]
    return "\n".join(lines)


def rules_markdown(preflight: Preflight) -> str:
    head = [
        "# Rules",
        "",
        "Generated from `rules/` by `make docs`; `pinrules explain CODE` prints the same text.",
        "",
    ]
    return "\n".join(head) + "\n".join(explain_markdown(r, preflight) for r in preflight.all_rules)


def with_table(readme: str, rules: Sequence[Rule]) -> str:
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{rule_table(rules)}\n{END}{after}"
