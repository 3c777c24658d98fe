"""JSON limits hold exactly, at the first value past them, and brackets in strings never count."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pinrules import MAX_DEPTH, MAX_INT_DIGITS, MAX_NODES, ParseError, read_document

from .strategies import json_values


def _read(text: str) -> Any:
    return read_document("a.json", text.encode()).value


def _error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        _read(text)
    return caught.value


class TestDepth:
    @pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")])
    def test_the_limit_is_exact(self, opening: str, closing: str) -> None:
        """64 levels read; 65 are refused at the 65th opening bracket."""
        assert _read(opening * MAX_DEPTH + "1" + closing * MAX_DEPTH) is not None
        error = _error(opening * (MAX_DEPTH + 1) + "1" + closing * (MAX_DEPTH + 1))
        assert (error.line, error.column) == (1, len(opening) * MAX_DEPTH + 1)
        assert f"deeper than {MAX_DEPTH}" in error.message

    def test_a_thousand_levels_are_refused_at_the_65th(self) -> None:
        """Far below Python's recursion limit and far above ours, the place is still the 65th level."""
        error = _error("[\n" + "[" * 999 + "]" * 1000)
        assert (error.line, error.column) == (2, MAX_DEPTH)

    def test_brackets_in_strings_do_not_count(self) -> None:
        """Brackets inside strings, escaped quotes included, are text, not levels."""
        text = json.dumps({"text": '[{"\\' * 100, "more": ["x"]})
        assert _read(text)["more"] == ["x"]


class TestValues:
    def test_the_limit_is_exact(self) -> None:
        """MAX_NODES values read; one more is refused where it starts."""
        assert len(_read("[" + ",".join(["1"] * (MAX_NODES - 1)) + "]")) == MAX_NODES - 1
        error = _error("[" + ",".join(["1"] * MAX_NODES) + "]")
        assert (error.line, error.column) == (1, 2 * MAX_NODES)
        assert f"{MAX_NODES:,} values" in error.message

    def test_keys_count(self) -> None:
        """An object of n members holds 2n + 1 values: 49,999 members read, 50,000 do not."""

        def members(count: int) -> str:
            return "{" + ",".join(f'"k{n}":0' for n in range(count)) + "}"

        assert len(_read(members((MAX_NODES - 1) // 2))) == (MAX_NODES - 1) // 2
        assert "values" in _error(members((MAX_NODES + 1) // 2)).message

    def test_commas_in_strings_do_not_count(self) -> None:
        """A long text full of commas is one value."""
        assert _read(json.dumps({"text": ", " * (MAX_NODES * 2)}))["text"].count(",") == MAX_NODES * 2

    @given(json_values)
    def test_ordinary_values_read_as_json_loads_reads_them(self, value: Any) -> None:
        """The limit checks never refuse or change a small document."""
        text = json.dumps(value)
        assert _read(text) == json.loads(text)


class TestNumbers:
    def test_longest_integer_allowed(self) -> None:
        """An integer of exactly the most digits reads; one more digit is refused where it stands."""
        assert _read("[-" + "9" * MAX_INT_DIGITS + "]") == [-int("9" * MAX_INT_DIGITS)]
        error = _error('{"a": 1,\n "b": -' + "9" * (MAX_INT_DIGITS + 1) + "}")
        assert (error.line, error.column) == (2, 7)
        assert f"more than {MAX_INT_DIGITS} digits" in error.message

    def test_a_long_message_quotes_the_start_only(self) -> None:
        """The message names a long number by its start and length, not all of it."""
        message = _error("[" + "1" * 5000 + "]").message
        assert "(5,000 characters)" in message
        assert len(message) < 200

    def test_a_quoted_twin_is_skipped_when_placing(self) -> None:
        """The number is placed where it stands bare, not where the same digits stand quoted."""
        digits = "7" * (MAX_INT_DIGITS + 1)
        error = _error(f'{{"a": "{digits}",\n "b": {digits}}}')
        assert (error.line, error.column) == (2, 7)


class TestBrokenText:
    @pytest.mark.parametrize(
        ("text", "place"),
        [
            ('[{"a":1,"a":2}, "x', (1, 9)),
            ('{"a":1,"a":2}"', (1, 8)),
            ('{"a": 1, "a": {"b":1, "b":2}}', (1, 10)),
        ],
    )
    def test_a_repeated_key_is_placed_whatever_follows(self, text: str, place: tuple[int, int]) -> None:
        """The first repeated key is reported even when the text breaks off after its object."""
        error = _error(text)
        assert ((error.line, error.column), "appears twice" in error.message) == (place, True)

    @given(st.text('{}[]",:0123456789.eE-+ \\\ntrufalsn', max_size=40))
    def test_any_text_is_a_value_or_a_located_error(self, text: str) -> None:
        """No arrangement of JSON's characters gives anything but a value or a ParseError placed
        within the text."""
        place = (1, 1)
        try:
            _read(text)
        except ParseError as error:
            place = (error.line, error.column)
        assert 1 <= place[0] <= text.count("\n") + 1
        assert place[1] >= 1
