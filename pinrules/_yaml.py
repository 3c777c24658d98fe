"""YAML post text to a JSON value, under the reader's limits.

libyaml composes the node tree in C (pure-Python PyYAML when libyaml is absent, same tree); a short
walk here turns it into plain JSON values. No constructor runs, so no tag ever builds an object:

- implicit types are YAML 1.1's without timestamps and base-60 numbers: `2026-12-01` and `1:30`
  stay the strings written (base-60 conversion is quadratic, and a date belongs to the rules);
- any explicit tag but the non-specific `!` is refused, `!!str` included;
- a collection opens at most MAX_DEPTH levels deep, also where an alias places it;
- aliases are counted each time they are used: at most MAX_NODES values (keys included) and
  MAX_CHARS characters of text in all (the "billion laughs" guard, and a long string repeated);
- keys are plain scalars, taken as the text written (`1: x` has the key "1"), each once per mapping;
- integers have at most MAX_INT_DIGITS digits; NaN and infinities are refused.

Composing keeps one node per node written (aliases are references), so its cost follows the size
of the text; files large enough to hold more than MAX_NODES values are counted from the parser's
events first, so that no tree beyond the limits is ever built.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any, NamedTuple

import yaml
from yaml.composer import Composer
from yaml.events import MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from ._text import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_NODES,
    ParseError,
    abridged,
    located,
    too_deep,
    too_many,
)

# A text this short holds fewer than MAX_NODES nodes whatever it says (the densest forms, such as
# "{a,a,a}" or "?\n?\n", make one node a character); longer ones are counted before composing.
_SHORT_TEXT = MAX_NODES // 2


class _Kind(Enum):
    """What the resolver made of an untagged node. Explicit tags stay the strings written, so a
    node whose tag is a string was tagged by its author."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    CONSTANT = "constant"  # true, false, null and their YAML 1.1 spellings
    COLLECTION = "collection"


_STR, _INT, _FLOAT, _CONSTANT, _COLLECTION = _Kind  # plain names: the walk compares them often

# PyYAML's YAML 1.1 patterns, without the base-60 forms; "0b"/"0x" need a digit (PyYAML fails on "0x_").
_INT_PATTERN = re.compile(r"[-+]?(?:0b_*[01][01_]*|0x_*[0-9a-fA-F][0-9a-fA-F_]*|0[0-7_]+|0|[1-9][0-9_]*)\Z")
_FLOAT_PATTERN = re.compile(
    r"(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_NUMBER_START = frozenset("-+.0123456789")
_CONSTANTS: dict[str, bool | None] = {
    **dict.fromkeys(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True),
    **dict.fromkeys(["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], None),
}


class _Resolver:
    """Implicit types for the composer (libyaml calls back into these three methods)."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path-based resolvers."""

    def ascend_resolver(self) -> None:
        """No path-based resolvers."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> _Kind:
        if kind is not ScalarNode:
            return _COLLECTION
        if not implicit[0]:  # quoted or a block scalar: the text as written
            return _STR
        if value[:1] in _NUMBER_START:
            if _FLOAT_PATTERN.match(value):
                return _FLOAT
            if _INT_PATTERN.match(value):
                return _INT
        return _CONSTANT if value in _CONSTANTS else _STR


class PureYamlLoader(Reader, Scanner, Parser, Composer, _Resolver):
    """PyYAML's pure-Python parser and composer with this module's resolver."""

    offsets_in_bytes = False

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: the same tree, composed more slowly
    YAML_LOADER: type[Any] = PureYamlLoader
else:

    class CLoader(CParser, _Resolver):
        """libyaml's parser and composer with this module's resolver."""

        offsets_in_bytes = True  # of its reader errors

    YAML_LOADER = CLoader


def parse_yaml(text: str, loader: type[Any] | None = None) -> Any:
    """The JSON value of a YAML text; `loader` defaults to libyaml's when it is there."""
    loader = loader or YAML_LOADER
    try:
        if len(text) > _SHORT_TEXT:
            _check_events(text, loader)
        try:
            node = _compose(text, loader)
        except (yaml.YAMLError, RecursionError):
            # libyaml stops at 1,000 levels and PyYAML's recursion sooner: locate the first
            # level past MAX_DEPTH instead, or whatever limit the events cross first
            _check_events(text, loader)
            raise
        if node is None:
            raise ParseError('the file is empty; a post is an object such as {"media": [...]}')
        aliases = "*" in text and "&" in text  # an alias names an anchor
        return (_AliasBuilder if aliases else _Builder)(text, loader).value(node, 0)
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(text, error) from None
    except yaml.reader.ReaderError as error:
        offset = error.position
        if loader.offsets_in_bytes:
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))
        raise located(f"invalid YAML: {error.reason}", text, offset) from None
    except yaml.YAMLError as error:
        raise ParseError(f"invalid YAML: {error}") from None
    except RecursionError:
        raise ParseError(f"the document nests deeper than {MAX_DEPTH} levels") from None


def _compose(text: str, loader: type[Any]) -> Node | None:
    parser = loader(text)
    try:
        node: Node | None = parser.get_single_node()
    finally:
        parser.dispose()
    return node


def _yaml_error(text: str, error: yaml.MarkedYAMLError) -> ParseError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "unreadable YAML"
    if problem == "but found another document":
        message = "one post per file: this file holds several YAML documents; split it"
    elif problem.startswith("found undefined alias"):
        message = "the alias has no anchor before it; put the anchor (&name) first"
    elif problem == "second occurrence":
        message = "the anchor is defined twice; give each anchor its own name"
    else:
        message = f"invalid YAML: {problem}"
    return located(message, text, mark.index) if mark else ParseError(message)


def _offset(event: yaml.Event) -> int:
    mark: Any = event.start_mark  # events from a parser always have their marks
    return int(mark.index)


def _check_events(text: str, loader: type[Any]) -> None:
    """Count nodes and levels from the parser's events, stopping at the first past a limit
    (aliases count once here: the walk counts their expansion)."""
    nodes = depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise too_many(text, _offset(event))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep(text, _offset(event))


class _Builder:
    """Turns a node tree without aliases into JSON values. Recursion follows the nesting, which
    stops at MAX_DEPTH; sizes were bounded before composing (see `parse_yaml`)."""

    def __init__(self, text: str, loader: type[Any]) -> None:
        self.text = text
        self.loader = loader

    def error(self, message: str, node: Node) -> ParseError:
        return located(message, self.text, node.start_mark.index)

    def value(self, node: Node, depth: int) -> Any:
        """The value of `node`, which sits inside `depth` collections."""
        tag: object = node.tag
        if tag is _STR:
            return node.value
        if tag is _COLLECTION:
            return self.collection(node, depth)
        if tag is _CONSTANT:
            return _CONSTANTS[node.value]
        if tag is _INT:
            return self.integer(node)
        if tag is _FLOAT:
            return self.float(node)
        raise self.tag_error(node)  # a tag its author wrote

    def collection(self, node: Node, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise too_deep(self.text, node.start_mark.index)
        value, depth = self.value, depth + 1
        # strings, the most common values, are read here without a call
        if node.__class__ is not MappingNode:
            return [item.value if item.tag is _STR else value(item, depth) for item in node.value]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag.__class__ is str:
                raise self.key_error(key_node)
            name = key_node.value
            if name in result:
                raise self.error(f"the key {name!r} appears twice in one mapping; keep one", key_node)
            result[name] = value_node.value if value_node.tag is _STR else value(value_node, depth)
        return result

    def key_error(self, node: Node) -> ParseError:
        """Why a node cannot be a key: a key is a plain scalar (`1: x` has the key "1")."""
        if node.tag.__class__ is str:
            return self.tag_error(node)
        return self.error("a mapping key must be a plain name; write the key as text", node)

    def tag_error(self, node: Node) -> ParseError:
        return self.error(
            f"YAML tag {node.tag!r} is not allowed in a post; remove it (posts hold plain values only)", node
        )

    def integer(self, node: Node) -> int:
        text = node.value.replace("_", "")
        sign = -1 if text[0] == "-" else 1
        digits = text.lstrip("+-")
        base = 10
        if digits[:2] in ("0b", "0x"):
            base, digits = (2 if digits[1] == "b" else 16), digits[2:]
        elif len(digits) > 1 and digits[0] == "0":
            base = 8
        if len(digits) > MAX_INT_DIGITS:
            raise self.error(
                f"the integer {abridged(node.value)} has more than {MAX_INT_DIGITS} digits; "
                "quote it to keep it as text",
                node,
            )
        return sign * int(digits, base)

    def float(self, node: Node) -> float:
        text = node.value.replace("_", "")
        number = math.nan if text[-3:].lower() in ("inf", "nan") else float(text)
        if not math.isfinite(number):
            raise self.error(
                f"{abridged(node.value)} is not a JSON number; use a finite number or a string", node
            )
        return number


class _Built(NamedTuple):
    """A collection already turned into a value, for the aliases that use it again."""

    value: Any
    values: int
    chars: int
    height: int


class _AliasBuilder(_Builder):
    """A node tree that may hold aliases: every use of one counts against the limits.

    An alias is the very node of its anchor (its marks are the anchor's): a collection is built
    once and used again, its size and height counted at each use; a scalar is read again. An
    error about an alias is placed by the parser's events, which know where the alias stands.
    """

    def __init__(self, text: str, loader: type[Any]) -> None:
        super().__init__(text, loader)
        self.values = 0
        self.chars = 0
        self.deepest = 0  # the deepest level reached so far under the collection being built
        self.built: dict[int, _Built | None] = {}  # collections by node id; None while being built
        self.scalars: set[int] = set()  # scalar node ids: seen again, they are aliases

    def count(self, values: int, chars: int) -> str | None:
        """Add to the totals; say which limit they pass, if any."""
        self.values += values
        self.chars += chars
        if self.values > MAX_NODES:
            return f"aliases expand the document past {MAX_NODES:,} values (an alias bomb?); use fewer"
        if self.chars > MAX_CHARS:
            return f"aliases expand the document past {MAX_CHARS:,} characters (an alias bomb?); use fewer"
        return None

    def value(self, node: Node, depth: int) -> Any:
        if node.__class__ is ScalarNode:
            self.scalars.add(id(node))
            problem = self.count(1, len(node.value))
            if problem:
                raise self.error(problem, node)
        return super().value(node, depth)

    def collection(self, node: Node, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise too_deep(self.text, node.start_mark.index)
        known = id(node)
        self.built[known] = None
        values, chars, outer_deepest = self.values, self.chars, self.deepest
        self.deepest = depth + 1
        problem = self.count(1, 0)
        if problem:
            raise self.error(problem, node)
        result: Any
        if node.__class__ is MappingNode:
            result = {}
            for index, (key_node, value_node) in enumerate(node.value):
                if id(key_node) in self.scalars or id(key_node) in self.built:
                    raise self.alias_error(
                        "an alias cannot be a mapping key; write the key out", node, 2 * index
                    )
                if key_node.__class__ is not ScalarNode or key_node.tag.__class__ is str:
                    raise self.key_error(key_node)
                name = key_node.value
                if name in result:
                    raise self.error(f"the key {name!r} appears twice in one mapping; keep one", key_node)
                self.scalars.add(id(key_node))
                problem = self.count(1, len(name))
                if problem:
                    raise self.error(problem, key_node)
                result[name] = self.child(value_node, depth + 1, node, 2 * index + 1)
        else:
            result = [self.child(item, depth + 1, node, index) for index, item in enumerate(node.value)]
        self.built[known] = _Built(result, self.values - values, self.chars - chars, self.deepest - depth)
        self.deepest = max(outer_deepest, self.deepest)
        return result

    def child(self, node: Node, depth: int, parent: Node, number: int) -> Any:
        """The `number`-th node inside `parent` (keys and values in turn in a mapping)."""
        known = id(node)
        if known in self.scalars:  # an alias of a scalar: read again
            problem = self.count(1, len(node.value))
            if problem:
                raise self.alias_error(problem, parent, number)
            return super().value(node, depth)
        if known not in self.built:
            return self.value(node, depth)
        built = self.built[known]
        if built is None:
            recursive = "the alias is inside the collection it names, which would never end; name another"
            raise self.alias_error(recursive, parent, number)
        if depth + built.height > MAX_DEPTH:
            deeper = f"the alias makes the document nest deeper than {MAX_DEPTH} levels; flatten it"
            raise self.alias_error(deeper, parent, number)
        self.deepest = max(self.deepest, depth + built.height)
        problem = self.count(built.values, built.chars)
        if problem:
            raise self.alias_error(problem, parent, number)
        return built.value

    def alias_error(self, message: str, parent: Node, number: int) -> ParseError:
        """An error placed where the alias stands: the `number`-th node inside `parent`."""
        return located(message, self.text, _child_offset(self.text, self.loader, parent, number))


def _child_offset(text: str, loader: type[Any], parent: Node, number: int) -> int:
    """Offset of the `number`-th node inside the collection `parent`, from the parser's events."""
    start = MappingStartEvent if parent.__class__ is MappingNode else SequenceStartEvent
    events = yaml.parse(text, Loader=loader)
    for event in events:
        if isinstance(event, start) and _offset(event) == parent.start_mark.index:
            break
    depth = 0
    for event in events:
        if depth == 0 and isinstance(event, yaml.NodeEvent):
            if number == 0:
                return _offset(event)
            number -= 1
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return int(parent.start_mark.index)  # not reached: the events hold every node composed
