"""The post reader, each measure against its baseline in the same run (best of several rounds):

- YAML: the libyaml composer and a walk against the event composer it replaced (kept below as
  the baseline), on 2,000 realistic posts: goal 1.4x faster;
- JSON: the limits checked before json.loads against json.loads with the hooks the reader had
  before, on the same posts: goal 1.15x the time at most;
- every hostile case of tests/test_reader_hostile.py, read in a child process held to 300 MB:
  its time (goal under 2 s) and peak memory (the child's whole RSS, the interpreter's included).

Run as `python -m bench.reader`.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pinrules import MAX_DEPTH, MAX_NODES, ParseError, decode, parse_json, read_document
from tests.test_reader_hostile import CASES, MEMORY_LIMIT, run_reader

from .corpus import posts
from .timing import best_of

ROUNDS = 15
GOAL = 1.4  # old time / new time on YAML posts
JSON_GOAL = 1.15  # what counting brackets may add to json.loads on a post
HOSTILE_SECONDS = 2.0


# --- the baseline: the event composer of the reader before libyaml composed ------------------

_EventLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 implicit types, except timestamps."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_RESOLVER = _Resolver()
_SCALARS = yaml.constructor.SafeConstructor()


def _mark_error(message: str, mark: Any) -> ParseError:
    return ParseError(message, mark.line + 1, mark.column + 1)


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value)
    if tag == "tag:yaml.org,2002:int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:float":
        number = _SCALARS.construct_yaml_float(node)
        if not math.isfinite(number):
            raise _mark_error(f"{event.value} is not a JSON number", event.start_mark)
        return number
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return None
    return event.value


def _refuse_tag(event: Any) -> None:
    tag = getattr(event, "tag", None)
    if tag is not None and tag != "!":
        raise _mark_error(f"YAML tag {tag!r} is not allowed in a post", event.start_mark)


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_mark", "size")

    def __init__(self, container: dict[str, Any] | list[Any], anchor: str | None) -> None:
        self.container = container
        self.anchor = anchor
        self.key: str | None = None
        self.key_mark: Any = None
        self.size = 1

    @property
    def wants_key(self) -> bool:
        return isinstance(self.container, dict) and self.key is None


class _Composer:
    """Builds one JSON value from YAML events, as the reader did before."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.result: Any = None
        self.expanded = 0

    def compose(self, events: Any) -> Any:
        documents = 0
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                _refuse_tag(event)
                wants_key = bool(self.stack) and self.stack[-1].wants_key
                value = event.value if wants_key else _scalar(event)
                self.add(value, 1, event.start_mark, event.anchor)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self.start(event)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = self.stack.pop()
                self.expanded -= frame.size - 1
                self.add(frame.container, frame.size, event.start_mark, frame.anchor)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _mark_error("one post per file", event.start_mark)
        if documents == 0:
            raise ParseError("the file is empty")
        return self.result

    def start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        _refuse_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            raise _mark_error(f"the document nests deeper than {MAX_DEPTH} levels", event.start_mark)
        if self.stack and self.stack[-1].wants_key:
            raise _mark_error("a mapping key must be a plain name", event.start_mark)
        container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append(_Frame(container, event.anchor))

    def alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor not in self.anchors:
            raise _mark_error(f"the alias *{event.anchor} has no anchor before it", event.start_mark)
        if self.stack and self.stack[-1].wants_key:
            raise _mark_error("an alias cannot be a mapping key", event.start_mark)
        value, size = self.anchors[event.anchor]
        self.add(value, size, event.start_mark)

    def add(self, value: Any, size: int, mark: Any, anchor: str | None = None) -> None:
        self.expanded += size
        if self.expanded > MAX_NODES:
            raise _mark_error(f"the document expands to more than {MAX_NODES:,} values", mark)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            frame.container.append(value)
        elif frame.key is None:
            if not isinstance(value, str):
                raise _mark_error("a mapping key must be a plain name", mark)
            frame.key, frame.key_mark = value, mark
        else:
            if frame.key in frame.container:
                raise _mark_error(f"the key {frame.key!r} appears twice in one mapping", frame.key_mark)
            frame.container[frame.key] = value
            frame.key = None


def baseline_read(data: bytes) -> Any:
    """A YAML file's value as the reader read it before: decoded, then events composed in Python."""
    return _Composer().compose(yaml.parse(decode(data), Loader=_EventLoader))


# --- the corpus ------------------------------------------------------------------------------


def yaml_corpus(count: int = 2000) -> list[bytes]:
    """Posts as people write them in YAML: block style mostly, some flow style, some with tracking
    links (&) and emphasis (*) in their text, a few repeating a list through an anchor."""
    rng = random.Random(20261128)
    files = []
    for number, post in enumerate(posts(count)):
        pinterest = post["options"]["pinterest"]
        if rng.random() < 0.3:
            pinterest["destinationUrl"] += "?utm_source=pinterest&utm_medium=social"
        if rng.random() < 0.2:
            post["text"] = f"**New:** {post['text']} *Save it* for later."
        if number % 20 == 0:  # the same list twice: the dumper writes an anchor and an alias
            post["fallbackMedia"] = post["media"]
        style = rng.choice([False, False, False, None, True])
        text = yaml.safe_dump(post, default_flow_style=style, sort_keys=False, allow_unicode=True)
        files.append(text.encode())
    return files


# --- measuring -------------------------------------------------------------------------------


def _yaml_speed() -> tuple[str, float, str, bool]:
    files = yaml_corpus()
    for data in files:  # the same values, or the comparison means nothing
        assert read_document("post.yaml", data).value == baseline_read(data)
    best = best_of(
        {
            "old": lambda: [baseline_read(data) for data in files],
            "new": lambda: [read_document("post.yaml", data) for data in files],
        },
        ROUNDS,
    )
    per = 1e6 / len(files)
    size = sum(map(len, files)) // len(files)
    print(f"YAML posts: {len(files):,} files, avg {size} bytes, best of {ROUNDS} rounds")
    print(f"  event composer (before)      {best['old'] * per:8.1f} us/file")
    print(f"  libyaml composer + walk      {best['new'] * per:8.1f} us/file")
    ratio = best["old"] / best["new"]
    print(f"  speed-up                     {ratio:8.2f}x   goal >= {GOAL}x")
    return ("YAML read, event composer / libyaml + walk", ratio, f">= {GOAL}x", ratio >= GOAL)


def _json_cost() -> tuple[str, float, str, bool]:
    """The JSON limits checked before json.loads, against json.loads with the hooks alone (as
    the reader was before), on the same posts."""
    files = [json.dumps(post, indent=2).encode() for post in posts(2000)]

    def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("a key appears twice")
        return result

    def _refuse_constant(name: str) -> float:
        raise ValueError(name)

    def _finite_float(text: str) -> float:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return number

    def before(data: bytes) -> Any:
        """The hooks json.loads ran with before the limits were checked ahead of it."""
        text = decode(data)
        return json.loads(
            text, object_pairs_hook=_unique_object, parse_constant=_refuse_constant, parse_float=_finite_float
        )

    best = best_of(
        {
            "old": lambda: [before(data) for data in files],
            "new": lambda: [parse_json(decode(data)) for data in files],
        },
        ROUNDS,
    )
    per = 1e6 / len(files)
    ratio = best["new"] / best["old"]
    print(
        f"JSON posts: {best['old'] * per:.1f} us/file before, {best['new'] * per:.1f} us/file with the limits"
    )
    return ("JSON read, with limits / before", ratio, f"<= {JSON_GOAL}x", ratio <= JSON_GOAL)


def _hostile() -> list[tuple[str, float, str, bool]]:
    print(f"hostile files, each in a child process limited to {MEMORY_LIMIT >> 20} MB")
    print(f"  {'case':34s} {'seconds':>8s} {'peak MB':>8s}  outcome")
    results = []
    with tempfile.TemporaryDirectory() as work:
        for number, (name, case) in enumerate(CASES.items()):
            folder = Path(work) / str(number)
            folder.mkdir()
            outcome = run_reader(case.make(folder))
            place = f" at {outcome['line']}:{outcome['column']}" if "line" in outcome else ""
            said = outcome.get("message", outcome.get("value", ""))[:60]
            seconds, peak = outcome["seconds"], outcome["peak_mb"]
            print(f"  {name:34s} {seconds:8.3f} {peak:8.1f}  {outcome['outcome']}{place}: {said}")
            results.append(
                (f"hostile: {name} (s)", seconds, f"< {HOSTILE_SECONDS:.0f} s", seconds < HOSTILE_SECONDS)
            )
    return results


def main() -> list[tuple[str, float, str, bool]]:
    results = [_yaml_speed(), _json_cost()]
    print()
    results += _hostile()
    return results


if __name__ == "__main__":
    print()
    for name, ratio, goal, met in main():
        print(f"  {name:55s} {ratio:7.2f}   goal {goal:8s} {'met' if met else 'MISSED'}")
