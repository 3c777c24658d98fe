"""Compile rules into one plain Python function.

Each rule becomes a block of straight-line code: loops over its `given` subjects, path
lookups as dictionary reads, and its `when`/`then` conditions as one boolean expression.
The function returns findings as tuples ``(rule index, pointer, subject value, subject key)``;
the engine turns them into diagnostics. A clean post therefore costs a few dictionary reads
and comparisons per rule, with no call per operator.

Generating source is safe here because no text from a rule file becomes code: path tokens
enter as ``repr()`` literals, lengths as ``int()``, and every other value (strings, numbers,
regexes, sets) as a named constant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ._conditions import (
    FORMATS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Not,
    has_any_type,
    is_number,
    json_equal,
    json_in,
    types_match_key,
)
from ._pointer import MISSING, WILDCARD, Path, located, step
from ._rules import Rule

Finding = tuple[int, tuple[str | int, ...], Any, str | int | None]
CompiledRules = Callable[[Any, Any], list[Finding]]

_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "null": "{v} is None",
}


class _Writer:
    """Accumulates source lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {
            "_M": MISSING,
            "_step": step,
            "_has_any_type": has_any_type,
            "_is_number": is_number,
            "_json_equal": json_equal,
            "_json_in": json_in,
            "_types_match_key": types_match_key,
            "_located": located,
        }
        self._names = 0

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def variable(self) -> str:
        self._names += 1
        return f"v{self._names}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def compile_rules(rules: Sequence[Rule]) -> CompiledRules:
    """One function ``run(post, account) -> findings`` for the rules that have conditions."""
    writer = _Writer()
    writer.emit(0, "def run(post, account):")
    writer.emit(1, "out = []")
    writer.emit(1, "add = out.append")
    for index, rule in enumerate(rules):
        if rule.then is not None:
            _compile_rule(writer, index, rule)
    writer.emit(1, "return out")
    namespace = dict(writer.constants)
    exec(compile("\n".join(writer.lines), "<pinrules rules>", "exec"), namespace)
    run: CompiledRules = namespace["run"]
    return run


def compiled_source(rules: Sequence[Rule]) -> str:
    """The generated source, for reading and debugging."""
    writer = _Writer()
    for index, rule in enumerate(rules):
        if rule.then is not None:
            _compile_rule(writer, index, rule)
    return "\n".join(writer.lines)


def _compile_rule(writer: _Writer, index: int, rule: Rule) -> None:
    writer.emit(1, f"# {rule.code}")
    for given in rule.given:
        depth, subject, pointer, key = _compile_given(writer, given)
        bases = {"subject": subject, "post": "post", "account": "account"}
        if rule.when is not None:
            when = _condition(writer, depth, rule.when, bases, key)
            writer.emit(depth, f"if {when}:")
            depth += 1
        assert rule.then is not None
        then = _condition(writer, depth, rule.then, bases, key)
        writer.emit(depth, f"if not ({then}):")
        reported, reported_key = subject, key
        if rule.at is not None and rule.at.tokens:
            # the message speaks of the reported value when it exists, else of the subject
            reported = _lookup(writer, depth + 1, rule.at, bases)
            writer.emit(depth + 1, f"if {reported} is _M: {reported} = {subject}")
            reported_key = repr(rule.at.tokens[-1])
        writer.emit(
            depth + 1,
            f"add(({index}, {_report_pointer(rule.at, subject, pointer)}, {reported}, {reported_key}))",
        )


def _compile_given(writer: _Writer, tokens: tuple[str, ...]) -> tuple[int, str, list[str], str]:
    """Emit the loops and lookups that reach each subject; return depth, variable, pointer, key."""
    depth = 1
    node = "post"
    pointer: list[str] = []
    key = "None"
    for token in tokens:
        child = writer.variable()
        if token == WILDCARD:
            member = writer.variable()
            writer.emit(
                depth,
                f"for {member}, {child} in ({node}.items() if isinstance({node}, dict) "
                f"else enumerate({node}) if isinstance({node}, list) else ()):",
            )
            depth += 1
            pointer.append(member)
            key = member
            node = child
            continue
        _emit_step(writer, depth, child, node, token)
        writer.emit(depth, f"if {child} is not _M:")
        depth += 1
        pointer.append(
            f"(int({token!r}) if isinstance({node}, list) else {token!r})" if token.isdigit() else repr(token)
        )
        key = repr(token)
        node = child
    return depth, node, pointer, key


def _emit_step(writer: _Writer, depth: int, target: str, node: str, token: str) -> None:
    if token.isdigit():  # may index an array: the general step knows both cases
        writer.emit(depth, f"{target} = _step({node}, {token!r})")
    else:
        writer.emit(depth, f"{target} = {node}.get({token!r}, _M) if isinstance({node}, dict) else _M")


def _report_pointer(at: Path | None, subject: str, subject_pointer: list[str]) -> str:
    pointer = "(" + "".join(f"{p}, " for p in subject_pointer) + ")"
    if at is None or not at.tokens:
        return pointer if at is None or at.base == "subject" else "()"
    located = f"_located(post, {at.tokens!r})" if at.base == "post" else f"_located({subject}, {at.tokens!r})"
    return located if at.base == "post" else f"{pointer} + {located}"


def _condition(writer: _Writer, depth: int, condition: Condition, bases: dict[str, str], key: str) -> str:
    """Emit the lookups a condition needs and return it as one boolean expression."""
    if isinstance(condition, AllOf):
        return "(" + " and ".join(_condition(writer, depth, c, bases, key) for c in condition.items) + ")"
    if isinstance(condition, AnyOf):
        return "(" + " or ".join(_condition(writer, depth, c, bases, key) for c in condition.items) + ")"
    if isinstance(condition, Not):
        return f"(not {_condition(writer, depth, condition.item, bases, key)})"
    return _leaf(writer, condition, _lookup(writer, depth, condition.path, bases), key)


def _lookup(writer: _Writer, depth: int, path: Path, bases: dict[str, str]) -> str:
    """Emit the steps from the path's base to its value; return the variable holding it."""
    value = bases[path.base]
    for token in path.tokens:
        child = writer.variable()
        _emit_step(writer, depth, child, value, token)
        value = child
    return value


def _leaf(writer: _Writer, leaf: Leaf, v: str, key: str) -> str:
    op, arg = leaf.operator, leaf.argument
    if op == "exists":
        return f"({v} is not _M)" if arg else f"({v} is _M)"
    if op == "type":
        tests = [_type_test(name, v) for name in arg]
        return f"({v} is _M or " + " or ".join(tests) + ")"
    if op == "equals":
        if isinstance(arg, str):
            return f"({v} == {writer.constant(arg)})"
        return f"_json_equal({v}, {writer.constant(arg)})"
    if op == "in":
        if all(isinstance(choice, str) for choice in arg):
            return f"(isinstance({v}, str) and {v} in {writer.constant(frozenset(arg))})"
        return f"_json_in({v}, {writer.constant(arg)})"
    if op == "min_length":
        return f"(not isinstance({v}, (str, list)) or len({v}) >= {int(arg)})"
    if op == "max_length":
        return f"(not isinstance({v}, (str, list)) or len({v}) <= {int(arg)})"
    if op == "minimum":
        return f"(not _is_number({v}) or {v} >= {writer.constant(arg)})"
    if op == "maximum":
        return f"(not _is_number({v}) or {v} <= {writer.constant(arg)})"
    if op == "pattern":
        regex = writer.constant(re.compile(arg))
        return f"(not isinstance({v}, str) or {regex}.search({v}) is not None)"
    if op == "format":
        return f"(not isinstance({v}, str) or {writer.constant(FORMATS[arg])}({v}))"
    if op == "key_in":
        return f"(not isinstance({key}, str) or {key} in {writer.constant(frozenset(arg))})"
    if op == "types_by_key":
        return f"(not isinstance({key}, str) or _types_match_key({key}, {v}, {writer.constant(arg)}))"
    raise ValueError(f"unknown operator {op!r}")


def _type_test(name: str, v: str) -> str:
    if name in _TYPE_TESTS:
        return _TYPE_TESTS[name].format(v=v)
    if name == "number":
        return f"_is_number({v})"
    return f"_has_any_type({v}, ('integer',))"
