"""YAML composed by libyaml and walked in Python: same values and errors as the pure-Python path."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pinrules import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_NODES,
    YAML_LOADER,
    ParseError,
    PureYamlLoader,
    parse_yaml,
)

from .strategies import json_values

LOADERS = [pytest.param(YAML_LOADER, id="libyaml"), pytest.param(PureYamlLoader, id="pure")]
needs_libyaml = pytest.mark.skipif(YAML_LOADER is PureYamlLoader, reason="PyYAML built without libyaml")


def _error(text: str, loader: type[Any] = YAML_LOADER) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_yaml(text, loader)
    return caught.value


def _outcome(text: str, loader: type[Any]) -> object:
    try:
        return parse_yaml(text, loader)
    except ParseError as error:
        return (error.line, error.column, error.message)


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


dump_styles = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([None, False, True]),
        "allow_unicode": st.booleans(),
        "line_break": st.sampled_from([None, "\r", "\r\n"]),
        "explicit_start": st.booleans(),
        "indent": st.sampled_from([None, 4]),
        "width": st.sampled_from([None, 20]),
    }
)


# files each path must refuse at the same place with the same message
HOSTILE = {
    "billion laughs": _bomb(9),
    "long string aliased": "u: &u " + "x" * (MAX_CHARS // 2) + "\nl:\n- *u\n- *u\n- *u\n",
    "alias through nesting": "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30,
    "recursive alias": "a: &x [1, *x]\n",
    "alias key": "a: &k key\n*k : 2\n",
    "tag": "a: 1\nb: !!python/object/apply:os.system [echo]\n",
    "timestamp tag": "a: !!timestamp 2016-01-01\n",
    "duplicate key": "a:\n  b: 1\n  b: 2\n",
    "complex key": "? [a]\n: b\n",
    "long integer": "a: " + "1" * 5000 + "\n",
    "long hex": "a: 0x" + "f" * 5000 + "\n",
    "nan": "a: [1, .NaN]\n",
    "overflow": "a: 1.0e+999\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "deep": "- " * 70 + "x\n",
    "many values": "[" + "1," * (MAX_NODES + 10) + "]",
    "undefined alias": "a: *nope\n",
    "anchor twice": "a: &x 1\nb: &x 2\n",
}


class TestParity:
    @needs_libyaml
    @settings(max_examples=300, deadline=None)
    @given(json_values, dump_styles)
    def test_both_paths_read_what_was_dumped(self, value: Any, style: dict[str, Any]) -> None:
        """Any JSON value dumped as YAML reads back as JSON would, by libyaml and by pure PyYAML,
        and as PyYAML's own safe loader reads it."""
        text = yaml.safe_dump(value, **style)
        fast, pure = parse_yaml(text, YAML_LOADER), parse_yaml(text, PureYamlLoader)
        assert fast == pure == yaml.safe_load(text)
        if "\x85" not in text:  # PyYAML's dumper writes NEL raw in quotes, where YAML folds it
            assert fast == json.loads(json.dumps(value))

    @needs_libyaml
    @pytest.mark.parametrize("name", HOSTILE)
    def test_hostile_files_fail_at_the_same_place(self, name: str) -> None:
        """Each hostile file is refused with the same line, column and message by both paths."""
        text = HOSTILE[name]
        fast, pure = _outcome(text, YAML_LOADER), _outcome(text, PureYamlLoader)
        assert isinstance(fast, tuple)
        assert fast == pure


class TestFallback:
    def test_without_libyaml_the_reader_still_works(self) -> None:
        """A PyYAML built without libyaml (its C module hidden) reads and refuses files the same."""
        script = (
            "import sys; sys.modules['yaml._yaml'] = None\n"
            "from pinrules import ParseError, read_document\n"
            "from pinrules import YAML_LOADER, PureYamlLoader\n"
            "assert YAML_LOADER is PureYamlLoader\n"
            "print(read_document('a.yaml', b'a: [1, x]').value)\n"
            "try: read_document('a.yaml', b'a: 1\\na: 2')\n"
            "except ParseError as e: print(e.line, e.column)\n"
        )
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert result.stdout.splitlines() == ["{'a': [1, 'x']}", "2 1"]


@pytest.mark.parametrize("loader", LOADERS)
class TestValues:
    def test_yaml_1_1_scalars(self, loader: type[Any]) -> None:
        """Booleans, nulls and numbers of YAML 1.1 read as before (`! 12` too, as PyYAML always
        read it); dates and base-60 numbers stay text."""
        text = (
            "a: yes\nb: Off\nc: ~\nd:\ne: 0x_1f\nf: 017\ng: -0b101\nh: 1_000\ni: 1.5e+3\nj: .5\n"
            "k: 1e5\nl: 0o17\nm: 0b_\nn: 1:30\no: 190:20:30.5\np: 2016-01-01\nq: 2026-12-01T09:00:00Z\n"
            "r: '12'\ns: ! 12\nt: <<\nu: =\n"
        )
        assert parse_yaml(text, loader) == {
            "a": True, "b": False, "c": None, "d": None, "e": 31, "f": 15, "g": -5, "h": 1000,
            "i": 1500.0, "j": 0.5, "k": "1e5", "l": "0o17", "m": "0b_", "n": "1:30", "o": "190:20:30.5",
            "p": "2016-01-01", "q": "2026-12-01T09:00:00Z", "r": "12", "s": 12, "t": "<<", "u": "=",
        }  # fmt: skip

    def test_base_60_is_text_and_fast(self, loader: type[Any]) -> None:
        """A long base-60 number, quadratic to convert, is simply the text written."""
        digits = ":".join(["59"] * 20_000)
        assert parse_yaml(f"a: 1:{digits}\n", loader) == {"a": f"1:{digits}"}

    def test_keys_are_the_text_written(self, loader: type[Any]) -> None:
        """Keys that look like numbers, booleans or null stay the text written."""
        assert parse_yaml("1: a\ntrue: b\nnull: c\n1.5: d\n'x': e\n", loader) == {
            "1": "a", "true": "b", "null": "c", "1.5": "d", "x": "e",
        }  # fmt: skip

    def test_a_scalar_alias_reads_again(self, loader: type[Any]) -> None:
        """An aliased scalar is the same value wherever it is used, an anchored key included."""
        assert parse_yaml("&k a: &v 5\nb: *k\nc: [*v, *v]\n", loader) == {"a": 5, "b": "a", "c": [5, 5]}

    def test_longest_integer_allowed(self, loader: type[Any]) -> None:
        """An integer of exactly the most digits reads; one digit more is refused where it stands."""
        assert parse_yaml("a: " + "9" * MAX_INT_DIGITS, loader) == {"a": int("9" * MAX_INT_DIGITS)}
        error = _error("a: 1\nb: -" + "9" * (MAX_INT_DIGITS + 1), loader)
        assert (error.line, error.column) == (2, 4)
        assert f"more than {MAX_INT_DIGITS} digits" in error.message

    def test_alias_nesting_counts(self, loader: type[Any]) -> None:
        """A collection placed through an alias may not take the document past the nesting limit."""
        inner = "[" * 10 + "]" * 10

        def placed(levels: int) -> str:
            return f"a: &a {inner}\nb: " + "[" * levels + "*a" + "]" * levels + "\n"

        assert parse_yaml(placed(MAX_DEPTH - 11), loader)["a"] == json.loads(inner)
        error = _error(placed(MAX_DEPTH - 10), loader)
        assert (error.line, error.column) == (2, MAX_DEPTH - 10 + 4)
        assert "alias" in error.message

    def test_alias_bomb_is_located_at_the_alias(self, loader: type[Any]) -> None:
        """The alias that takes the expansion past the limit is named by line and column."""
        error = _error(_bomb(9), loader)
        # 12,350 values up to a4's list, then 11,111 for each *a3: the 8th passes 100,000
        assert (error.line, error.column, "alias bomb" in error.message) == (5, 45, True)

    def test_repeated_long_string_is_refused(self, loader: type[Any]) -> None:
        """A long string used again through aliases may not take the text past MAX_CHARS characters."""
        text = "u: &u " + "x" * (MAX_CHARS // 4) + "\nl:\n- *u\n- *u\n- *u\n"
        error = _error(text, loader)
        assert (error.line, error.column) == (5, 3)
        assert "characters" in error.message
        assert parse_yaml(text.replace("- *u\n- *u\n- *u\n", "- *u\n- *u\n"), loader)["l"][1] == "x" * (
            MAX_CHARS // 4
        )


@needs_libyaml
@settings(max_examples=300, deadline=None)
@given(st.text("-?:,[]{}#&*|>'\"%@` \n\r\tab01.~\u2028", max_size=30))
def test_any_text_is_a_value_or_the_same_located_error(text: str) -> None:
    """No arrangement of YAML's indicators gives anything but a value or a ParseError placed
    within the text; where both parsers accept the text (they differ on some syntax, such as a
    trailing tab), both paths give the same value. ("!" is left out: for an empty node tagged
    "!", libyaml's events say text and PyYAML's say implicit, "" against null.)"""
    fast, pure = _outcome(text, YAML_LOADER), _outcome(text, PureYamlLoader)
    for outcome in (fast, pure):
        if isinstance(outcome, tuple):
            line, column, _ = outcome
            assert 1 <= line <= text.count("\n") + text.count("\r") + 1
            assert column >= 1
    if not isinstance(fast, tuple) and not isinstance(pure, tuple):
        assert fast == pure
