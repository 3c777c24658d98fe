"""Compile rules into one plain Python function.

All rules are compiled together. Their `given` paths form a tree, so each object and array
of the post is reached and looped over once, and every rule looking at it is checked there.
Lookups from the post root (``$/options/pinterest/boardId``) are computed once, up front.
Each condition becomes one boolean expression of dictionary reads and comparisons, with no
call per operator. A clean post therefore costs about one comparison per rule.

The function returns findings as tuples
``(rule index, given index, pointer, reported value, reported key)`` in rule order.

Generating source is safe here because no text from a rule file (or the rule cache) becomes
code except through ``repr()``: path tokens and codes enter as ``repr()`` literals, lengths as
``int()``, and every other value (strings, numbers, regexes, sets) as a named constant.
The source is registered with `linecache`, so tracebacks and debuggers show its lines, and
`pinrules rules --show-compiled` prints it. The built-in rules' source also ships as a module,
`_builtin_engine`, byte-compiled at install; its lines are that file's.

A `pattern` comes from a rule file and may backtrack for ever (``(a|aa)+$`` on a long run of a's). It
runs on the `regex` engine (which avoids much of the backtracking) with a time limit; a rule
whose pattern times out on a value reports `TIMED_OUT` there instead of a verdict, and the run
goes on.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable, Sequence
from operator import itemgetter
from types import CodeType, FunctionType
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
    leaves,
)
from ._digest import blake2b
from ._errors import PinrulesError
from ._formats import media_type
from ._pointer import MISSING, WILDCARD, Path, is_array_index, located, step
from ._rule import Rule

Finding = tuple[int, int, tuple[str | int, ...], Any, str | int | None]
CompiledRules = Callable[[Any, Any], list[Finding]]
PATTERN_TIMEOUT_SECONDS = 0.1  # per value: a sane pattern takes microseconds


class _TimedOut:
    """The reported value of a finding whose rule's pattern ran out of time."""

    def __repr__(self) -> str:
        return "TIMED_OUT"


TIMED_OUT: Any = _TimedOut()

# exact Python types that certainly satisfy a JSON type name (floats are left to the full test)
_FAST_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "boolean": (bool,),
    "null": (type(None),),
    "integer": (int,),
    "number": (int,),
}
_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "null": "{v} is None",
    "number": "_is_number({v})",
    "integer": "_has_any_type({v}, ('integer',))",
}


_Check = tuple[int, int, Rule]  # rule index, index of the given path, rule


class _Node:
    """One step of the `given` paths: the rules that look here, and the steps further down.

    (Plain classes here and for `_Subject`: a dataclass costs every start-up about 0.5 ms.)"""

    __slots__ = ("checks", "children")

    def __init__(self) -> None:
        self.checks: list[_Check] = []
        self.children: dict[str, _Node] = {}


class _Writer:
    """Accumulates source lines, the shared root lookups, and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        # shared root lookups, grouped by the container they read from
        self.prelude: dict[str, list[tuple[str, str]]] = {}
        self.rooted: dict[tuple[str, tuple[str, ...]], str] = {}
        self.constants: dict[str, Any] = {
            "_M": MISSING,
            "_step": step,
            "_has_any_type": has_any_type,
            "_is_number": is_number,
            "_json_equal": json_equal,
            "_json_in": json_in,
            "_media_type": media_type,
            "_located": located,
            "_TIMED_OUT": TIMED_OUT,
            "_PATTERN_TIMEOUT": PATTERN_TIMEOUT_SECONDS,
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

    def root_lookup(self, base: str, tokens: tuple[str, ...]) -> str:
        """The variable holding `base` followed by `tokens`, computed once in the prelude."""
        if not tokens:
            return base
        known = self.rooted.get((base, tokens))
        if known is None:
            parent = self.root_lookup(base, tokens[:-1])
            known = self.variable()
            self.prelude.setdefault(parent, []).append((known, tokens[-1]))
            self.rooted[(base, tokens)] = known
        return known

    def _prelude_lines(self) -> list[str]:
        """One type test per container, then its reads (a parent is always read earlier)."""
        lines = []
        for parent, reads in self.prelude.items():
            names = [name for name, token in reads if not is_array_index(token)]
            if names:
                lines.append(f"    if isinstance({parent}, dict):")
                lines += [f"        {n} = {parent}.get({t!r}, _M)" for n, t in reads if not is_array_index(t)]
                lines += ["    else:", "        " + " = ".join(names) + " = _M"]
            lines += ["    " + _step_code(n, parent, t) for n, t in reads if is_array_index(t)]
        return lines

    def source(self) -> str:
        head = ["def run(post, account):", "    out = []", "    add = out.append"]
        tail = ["    if out:", "        out.sort(key=_by_rule)", "    return out"]
        return "\n".join(head + self._prelude_lines() + self.lines + tail)


def compile_rules(rules: Sequence[Rule], *, builtin: bool = False) -> tuple[CompiledRules, str]:
    """One function ``run(post, account) -> findings`` for the rules that have conditions,
    and its source. `builtin`: the rules may be exactly the built-in ones, whose source ships
    byte-compiled (`_builtin_engine`)."""
    writer = _compile(rules)
    source = writer.source()
    namespace = {**writer.constants, "_by_rule": itemgetter(0, 1)}
    shipped = _shipped_code(source) if builtin else None
    if shipped is not None:
        return FunctionType(shipped, namespace, "run"), source
    # a name per source, so that two rule sets in one process keep their own lines
    filename = f"<pinrules rules {blake2b(source.encode(), digest_size=6).hexdigest()}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)
    run: CompiledRules = namespace["run"]
    return run, source


def _shipped_code(source: str) -> CodeType | None:
    """The code of `run` byte-compiled at install (`_builtin_engine`, the built-in rules'
    source), when `source` is exactly that source: compiling it costs every lint 3 ms. It runs
    with this rule set's constants, as compiled code would."""
    from . import _builtin_engine  # noqa: PLC0415 - only once rules are compiled

    return _builtin_engine.run.__code__ if source == _builtin_engine.SOURCE else None


def _compile(rules: Sequence[Rule]) -> _Writer:
    tree = _Node()
    for index, rule in enumerate(rules):
        if rule.then is None:
            continue
        for given_index, given in enumerate(rule.given):
            node = tree
            for token in given:
                node = node.children.setdefault(token, _Node())
            node.checks.append((index, given_index, rule))
    writer = _Writer()
    _compile_node(writer, tree, _Subject("post", [], "None", ()), depth=1)
    return writer


class _Subject:
    """What a rule looks at, as seen by the generated code."""

    __slots__ = ("key", "key_kind", "literal", "lookups", "pointer", "rooted", "variable")

    def __init__(
        self,
        variable: str,
        pointer: list[str],  # expressions, one per token
        key: str,  # expression for the subject's own name or index
        rooted: tuple[str, ...] | None,  # tokens from the post when no wildcard was crossed
        *,
        # what the key is known to be: a member name ("name"), an array index or the root
        # ("index"), or a name known when compiling ("literal", with `literal` set)
        key_kind: str = "index",
        literal: str | None = None,
    ) -> None:
        self.variable, self.pointer, self.key, self.rooted = variable, pointer, key, rooted
        self.key_kind, self.literal = key_kind, literal
        # variables already holding subject-relative paths, filled once per node
        self.lookups: dict[tuple[str, ...], str] = {}


def _loop(writer: _Writer, node: _Node, subject: _Subject, depth: int) -> None:
    """Members of an object and items of an array, as two loops: names are strings in one,
    and indexes in the other, so that name-based operators are settled per loop."""
    node_var = subject.variable
    keyword = "if"
    for kind, test, iterate in (
        ("name", "dict", f"{node_var}.items()"),
        ("index", "list", f"enumerate({node_var})"),
    ):
        member, value = writer.variable(), writer.variable()
        start = len(writer.lines)
        writer.emit(depth, f"{keyword} isinstance({node_var}, {test}):")
        writer.emit(depth + 1, f"for {member}, {value} in {iterate}:")
        inner = _Subject(value, [*subject.pointer, member], member, None, key_kind=kind)
        _compile_node(writer, node, inner, depth + 2)
        if len(writer.lines) == start + 2:
            del writer.lines[start:]  # nothing can fire in this kind of container
        else:
            keyword = "elif"


def _compile_node(writer: _Writer, node: _Node, subject: _Subject, depth: int) -> None:
    _hoist_lookups(writer, node, subject, depth)
    for check in node.checks:
        _compile_check(writer, check, subject, depth)
    for token, child in node.children.items():
        if token == WILDCARD:
            _loop(writer, child, subject, depth)
            continue
        if subject.rooted is not None:
            value = writer.root_lookup("post", (*subject.rooted, token))
        else:
            value = writer.variable()
            writer.emit(depth, _step_code(value, subject.variable, token))
        writer.emit(depth, f"if {value} is not _M:")
        index = is_array_index(token)
        token_code = (
            f"(int({token!r}) if isinstance({subject.variable}, list) else {token!r})"
            if index
            else repr(token)
        )
        rooted = None if subject.rooted is None else (*subject.rooted, token)
        kind = "index" if index else "literal"
        pointer = [*subject.pointer, token_code]
        inner = _Subject(value, pointer, token_code, rooted, key_kind=kind, literal=token)
        _compile_node(writer, child, inner, depth + 1)


def _hoist_lookups(writer: _Writer, node: _Node, subject: _Subject, depth: int) -> None:
    """Read every subject-relative path the node's rules need, once, behind one type test."""
    if subject.rooted is not None:
        return  # paths from a fixed place are shared lookups of the prelude already
    paths = sorted(
        {
            leaf.path.tokens
            for _, _, rule in node.checks
            for leaf in [*leaves(rule.when), *leaves(rule.then)]
            if leaf.path.base == "subject" and leaf.path.tokens
        }
    )
    if not paths:
        return
    simple = [p for p in paths if len(p) == 1 and not is_array_index(p[0])]
    names: dict[tuple[str, ...], str] = {p: writer.variable() for p in simple}
    if names:
        writer.emit(depth, f"if isinstance({subject.variable}, dict):")
        for path, name in names.items():
            writer.emit(depth + 1, f"{name} = {subject.variable}.get({path[0]!r}, _M)")
        writer.emit(depth, "else:")
        writer.emit(depth + 1, " = ".join(names.values()) + " = _M")
    subject.lookups.update(names)
    for path in paths:
        if path not in subject.lookups:
            subject.lookups[path] = _lookup(writer, depth, Path("subject", path), subject)


def _compile_check(writer: _Writer, check: _Check, subject: _Subject, depth: int) -> None:
    index, given_index, rule = check
    assert rule.then is not None
    start = len(writer.lines)
    timed = any(leaf.operator == "pattern" for leaf in [*leaves(rule.when), *leaves(rule.then)])
    if timed:  # only rules with a pattern pay for the try (and it costs nothing until it raises)
        writer.emit(depth, "try:")
        depth += 1
    when = "True" if rule.when is None else _condition(writer, depth, rule.when, subject)
    then = _condition(writer, depth, rule.then, subject)
    if when == "False" or then == "True":
        del writer.lines[start:]
        return  # settled when compiling: this rule cannot fire here
    pointer = "(" + "".join(f"{p}, " for p in subject.pointer) + ")"
    _compile_verdict(writer, check, subject, depth, when=when, then=then)
    if timed:
        writer.emit(depth - 1, "except TimeoutError:")
        writer.emit(depth, f"add(({index}, {given_index}, {pointer}, _TIMED_OUT, None))")


def _compile_verdict(
    writer: _Writer, check: _Check, subject: _Subject, depth: int, *, when: str, then: str
) -> None:
    index, given_index, rule = check
    writer.emit(depth, f"# rule {rule.code!r}")
    if when != "True":
        writer.emit(depth, f"if {when}:")
        depth += 1
    writer.emit(depth, f"if not ({then}):")
    depth += 1
    reported, reported_key = subject.variable, subject.key
    pointer = "(" + "".join(f"{p}, " for p in subject.pointer) + ")"
    at = rule.at
    if at is not None and at.tokens:
        # the message speaks of the reported value when it exists, else of the subject
        found = _report_lookup(writer, depth, at, subject)
        reported = writer.variable()
        writer.emit(depth, f"{reported} = {subject.variable} if {found} is _M else {found}")
        reported_key = repr(at.tokens[-1])
        base = "post" if at.base == "post" else subject.variable
        located_code = f"_located({base}, {at.tokens!r})"
        pointer = located_code if at.base == "post" else f"{pointer} + {located_code}"
    elif at is not None and at.base == "post":
        pointer = "()"
    writer.emit(depth, f"add(({index}, {given_index}, {pointer}, {reported}, {reported_key}))")


def _step_code(target: str, node: str, token: str) -> str:
    if is_array_index(token):  # may index an array: the general step knows both cases
        return f"{target} = _step({node}, {token!r})"
    return f"{target} = {node}.get({token!r}, _M) if isinstance({node}, dict) else _M"


def _report_lookup(writer: _Writer, depth: int, path: Path, subject: _Subject) -> str:
    """Like `_lookup`, but only on the failure path: emitted in place, never in the prelude."""
    known = subject.lookups.get(path.tokens) if path.base == "subject" else None
    if known is None and path.base != "subject":
        known = writer.rooted.get((path.base, path.tokens))
    if known is not None:
        return known
    base = {"post": "post", "account": "account"}.get(path.base, subject.variable)
    return _emit_steps(writer, depth, base, path.tokens)


def _emit_steps(writer: _Writer, depth: int, start: str, tokens: tuple[str, ...]) -> str:
    """Emit one step per token from the variable `start`; return the variable at the end."""
    value = start
    for token in tokens:
        child = writer.variable()
        writer.emit(depth, _step_code(child, value, token))
        value = child
    return value


def _lookup(writer: _Writer, depth: int, path: Path, subject: _Subject) -> str:
    """The variable holding the path's value, emitting the steps to it where needed."""
    if path.base != "subject":
        return writer.root_lookup(path.base, path.tokens)
    if subject.rooted is not None:
        return writer.root_lookup("post", (*subject.rooted, *path.tokens))
    known = subject.lookups.get(path.tokens)
    if known is not None:
        return known
    return _emit_steps(writer, depth, subject.variable, path.tokens)


def _condition(writer: _Writer, depth: int, condition: Condition, subject: _Subject) -> str:
    """Emit the lookups a condition needs and return it as one boolean expression."""
    if isinstance(condition, AllOf):
        return "(" + " and ".join(_condition(writer, depth, c, subject) for c in condition.items) + ")"
    if isinstance(condition, AnyOf):
        return "(" + " or ".join(_condition(writer, depth, c, subject) for c in condition.items) + ")"
    if isinstance(condition, Not):
        return f"(not {_condition(writer, depth, condition.item, subject)})"
    if condition.operator in ("key_in", "types_by_key"):
        return _name_leaf(writer, condition, subject)
    return _leaf(writer, condition, _lookup(writer, depth, condition.path, subject))


def _name_leaf(writer: _Writer, leaf: Leaf, subject: _Subject) -> str:
    """Operators on the subject's own member name; settled when compiling where possible."""
    op, arg, key, v = leaf.operator, leaf.argument, subject.key, subject.variable
    if subject.key_kind == "index":
        return "True"  # array items and the post itself have no name to check
    if op == "key_in":
        if subject.key_kind == "literal":
            return str(subject.literal in arg)
        return f"({key} in {writer.constant(frozenset(arg))})"
    if subject.key_kind == "literal":
        if subject.literal not in arg:
            return "True"
        names = arg[subject.literal]
        return "(" + " or ".join(_TYPE_TESTS[name].format(v=v) for name in names) + ")"
    fast = writer.constant({k: tuple({t for n in names for t in _FAST_TYPES[n]}) for k, names in arg.items()})
    full = writer.constant(arg)
    t = writer.variable()
    # exact-type fast path; whatever it does not settle goes to the full JSON type test
    return f"(({t} := {fast}.get({key})) is None or type({v}) in {t} or _has_any_type({v}, {full}[{key}]))"


def _leaf(writer: _Writer, leaf: Leaf, v: str) -> str:
    op, arg = leaf.operator, leaf.argument
    if op == "exists":
        return f"({v} is not _M)" if arg else f"({v} is _M)"
    if op == "type":
        return f"({v} is _M or " + " or ".join(_TYPE_TESTS[name].format(v=v) for name in arg) + ")"
    if op == "equals":
        if isinstance(arg, str):
            return f"({v} == {writer.constant(arg)})"
        return f"_json_equal({v}, {writer.constant(arg)})"
    if op == "in":
        if all(isinstance(choice, str) for choice in arg):
            return f"(isinstance({v}, str) and {v} in {writer.constant(frozenset(arg))})"
        return f"_json_in({v}, {writer.constant(arg)})"
    if op in ("min_length", "max_length"):
        compare = ">=" if op == "min_length" else "<="
        return f"(not isinstance({v}, (str, list)) or len({v}) {compare} {int(arg)})"
    if op in ("minimum", "maximum"):
        compare = ">=" if op == "minimum" else "<="
        return f"(not _is_number({v}) or {v} {compare} {writer.constant(arg)})"
    if op == "pattern":
        import regex  # noqa: PLC0415 - only rule sets with patterns pay for its import

        compiled = writer.constant(regex.compile(arg))
        return f"(not isinstance({v}, str) or {compiled}.search({v}, timeout=_PATTERN_TIMEOUT) is not None)"
    if op == "format":
        return f"(not isinstance({v}, str) or {writer.constant(FORMATS[arg])}({v}))"
    if op == "media_type_in":  # as written, the common case, before the full reading
        choices = writer.constant(frozenset(arg))
        return f"(isinstance({v}, str) and ({v} in {choices} or _media_type({v}) in {choices}))"
    raise PinrulesError(f"unknown operator {op!r}")  # the rule schema makes this unreachable
