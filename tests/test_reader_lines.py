"""Lines end at CRLF, CR or LF, as editors count them, in every format (positions hand-counted)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pinrules import LineIndex, ParseError, line_column, read_document

LS, PS, NEL = "\u2028", "\u2029", "\x85"


def _place(name: str, text: str) -> tuple[int, int]:
    with pytest.raises(ParseError) as caught:
        read_document(name, text.encode())
    return caught.value.line, caught.value.column


class TestLineColumn:
    @pytest.mark.parametrize(
        ("text", "offset", "expected"),
        [
            ("ab\ncd", 3, (2, 1)),
            ("ab\rcd", 4, (2, 2)),
            ("ab\r\ncd", 4, (2, 1)),
            ("ab\r\ncd", 3, (1, 4)),  # the "\n" of a CRLF still belongs to its line
            ("\r\r\n\n", 4, (4, 1)),
            (f"a{LS}b{PS}c{NEL}d", 6, (1, 7)),  # not line breaks for an editor
            ("é😀x", 2, (1, 3)),  # columns count characters
            ("", 0, (1, 1)),
        ],
    )
    def test_hand_counted(self, text: str, offset: int, expected: tuple[int, int]) -> None:
        """Each offset is on the line and column counted by hand."""
        assert line_column(text, offset) == expected
        assert LineIndex(text).at(offset) == expected

    @given(st.text(st.sampled_from(["a", "\r", "\n", LS, NEL]), max_size=30), st.data())
    def test_line_column_agrees_with_the_index(self, text: str, data: st.DataObject) -> None:
        """The one-off lookup and the index give the same place for every offset."""
        offset = data.draw(st.integers(0, len(text)))
        assert line_column(text, offset) == LineIndex(text).at(offset)

    @given(st.lists(st.text("ab", max_size=4), min_size=1, max_size=6), st.sampled_from(["\n", "\r", "\r\n"]))
    def test_lines_are_what_splitting_at_breaks_gives(self, lines: list[str], newline: str) -> None:
        """The start of each line joined with one kind of break is at that line, column 1."""
        text = newline.join(lines)
        start = 0
        for number, line in enumerate(lines, 1):
            assert LineIndex(text).at(start) == (number, 1)
            start += len(line) + len(newline)


class TestErrorsAndPositions:
    def test_yaml_cr_only_duplicate_key(self) -> None:
        """Old Mac line ends: the repeated key is on line 2."""
        assert _place("a.yaml", "title: a\rtitle: b\r") == (2, 1)

    def test_yaml_separators_inside_a_string_are_no_lines(self) -> None:
        """LS and NEL inside a quoted value do not start lines, although YAML counts them."""
        assert _place("a.yaml", f'a: "x{LS}y{NEL}z"\ntitle: 1\ntitle: 2\n') == (3, 1)

    def test_yaml_error_after_a_line_separator_is_on_the_editor_line(self) -> None:
        """YAML ends a comment at LS; the error that follows is placed on the line an editor shows."""
        assert _place("a.yaml", f"# note{LS}more\ntitle: a\n") == (2, 6)

    def test_json_cr_only(self) -> None:
        """JSON's own line numbers count LF only; CR-only files are placed by their CRs."""
        assert _place("a.json", '{\r"a": 1,\r"a": 2\r}') == (3, 1)
        assert _place("a.json", '{\r"a": 1\r"b": 2}') == (3, 1)

    def test_json_separator_in_a_string_is_one_column(self) -> None:
        """A raw LS inside a JSON string is one character on the line."""
        assert _place("a.json", f'{{"text": "a{LS}b", "text": 1}}') == (1, 17)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a: 1\rb:\r  c: 2\r", (3, 3)),
            ("a: 1\r\nb:\r\n  c: 2\r\n", (3, 3)),
            (f'a: "x{LS}y"\rb:\r  c: 2\r', (3, 3)),
            (f'a: "x{PS}{NEL}y"\nb: {{c: 2}}\n', (2, 5)),
        ],
    )
    def test_yaml_positions(self, text: str, expected: tuple[int, int]) -> None:
        """Document.position counts the same lines as the errors."""
        assert read_document("a.yaml", text.encode()).position(("b", "c")) == expected

    def test_json_positions(self) -> None:
        """JSON positions follow CRs too."""
        document = read_document("a.json", b'{\r"a": 1,\r"b": {\r  "c": 2}}')
        assert document.position(("b", "c")) == (4, 3)
