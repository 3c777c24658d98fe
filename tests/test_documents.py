"""Reading post files: every broken or hostile file is a ParseError with a place, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinrules import MAX_DEPTH, MAX_FILE_BYTES, TYPE_NAMES, ParseError, json_type, read_document

from .helpers import SHARED

SUITE = SHARED / "jsontestsuite" / "test_parsing"


def _error(name: str, text: str | bytes) -> ParseError:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ParseError) as caught:
        read_document(name, data)
    return caught.value


def _place(error: ParseError) -> tuple[int, int]:
    return error.line, error.column


class TestJsonTestSuite:
    def test_the_corpus_is_there(self) -> None:
        """The parametrised cases below come from ../shared; without it they would silently vanish."""
        assert len(list(SUITE.glob("n_*.json"))) > 150, f"JSONTestSuite not found at {SUITE}"

    @pytest.mark.parametrize("path", sorted(SUITE.glob("n_*.json")), ids=lambda p: p.name)
    def test_must_reject_files_are_parse_errors(self, path: Path) -> None:
        """Every n_ case of JSONTestSuite is refused with a position, not accepted or crashed on."""
        error = _error(path.name, path.read_bytes())
        assert error.line >= 1
        assert error.column >= 1

    @pytest.mark.parametrize("path", sorted(SUITE.glob("y_*.json")), ids=lambda p: p.name)
    def test_must_accept_files_parse(self, path: Path) -> None:
        """Every y_ case reads, except repeated keys, which pinrules refuses on purpose."""
        if "duplicated_key" in path.name:  # valid JSON, but the second value silently wins
            assert "appears twice" in _error(path.name, path.read_bytes()).message
        else:
            read_document(path.name, path.read_bytes())

    @pytest.mark.parametrize("path", sorted(SUITE.glob("i_*.json")), ids=lambda p: p.name)
    def test_implementation_defined_files_either_parse_or_fail_cleanly(self, path: Path) -> None:
        """i_ cases may go either way, but only as a value or a ParseError."""
        outcome: object
        try:
            outcome = read_document(path.name, path.read_bytes()).value
        except ParseError as error:
            outcome = error
        if isinstance(outcome, ParseError):
            assert outcome.line >= 1
        else:
            assert json_type(outcome) in TYPE_NAMES


class TestJsonErrors:
    def test_syntax_error_has_line_and_column(self) -> None:
        """A missing comma is reported where the parser stopped."""
        assert _place(_error("a.json", '{\n  "title": "x"\n  "text": "y"\n}')) == (3, 3)

    def test_trailing_comma_is_named(self) -> None:
        """The most common JSON slip gets a hint, at the closing brace."""
        error = _error("a.json", '{\n  "title": "x",\n}')
        assert _place(error) == (3, 1)
        assert error.message.endswith("(a trailing comma?)")

    def test_nan_is_refused_where_it_stands(self) -> None:
        """NaN is not JSON: refused at its own position."""
        error = _error("a.json", '{\n  "sizeBytes": NaN\n}')
        assert _place(error) == (2, 16)
        assert "NaN" in error.message

    def test_infinity_from_an_overflowing_number_is_refused(self) -> None:
        """1e999 would become infinity: refused."""
        assert "1e999" in _error("a.json", '{"a": 1e999}').message

    def test_duplicate_key_points_at_the_second_one(self) -> None:
        """The repeated key is named and located at its second occurrence."""
        error = _error("a.json", '{"title": "a",\n "title": "b"}')
        assert _place(error) == (2, 2)
        assert "'title'" in error.message

    def test_deep_nesting_is_refused_at_the_level_too_deep(self) -> None:
        """A bracket tower deeper than the recursion limit is an error at its first bracket too deep."""
        error = _error("a.json", "[" * 100_000 + "]" * 100_000)
        assert _place(error) == (1, MAX_DEPTH + 1)

    def test_not_utf8_names_the_byte_and_place(self) -> None:
        """Latin-1 bytes are refused with the byte value and its position."""
        error = _error("a.json", b'{\n "title": "caf\xe9"\n}')
        assert _place(error) == (2, 15)
        assert "0xe9" in error.message

    def test_not_utf8_column_counts_characters_not_bytes(self) -> None:
        """Valid multi-byte characters before the bad byte count as one column each."""
        error = _error("a.json", '{"t": "ééé'.encode() + b'\xff"}')
        assert _place(error) == (1, 11)
        assert "0xff" in error.message

    def test_a_bom_is_accepted(self) -> None:
        """A UTF-8 byte order mark (common on Windows) is not an error."""
        assert read_document("a.json", b'\xef\xbb\xbf{"title": "x"}').value == {"title": "x"}

    def test_oversized_file_is_refused_before_parsing(self) -> None:
        """Files over the size cap are refused without reading them as JSON."""
        error = _error("a.json", b" " * (MAX_FILE_BYTES + 1))
        assert "bytes" in error.message


class TestYaml:
    def test_plain_yaml_reads_to_json_values(self) -> None:
        """Mappings, lists, numbers, booleans and null become their JSON counterparts."""
        text = "title: Soup\nmedia:\n  - kind: image\n    sizeBytes: 12\nflag: true\nnone: null\n"
        assert read_document("a.yaml", text.encode()).value == {
            "title": "Soup", "media": [{"kind": "image", "sizeBytes": 12}], "flag": True, "none": None,
        }  # fmt: skip

    def test_dates_stay_strings(self) -> None:
        """An unquoted timestamp is the text written, not a datetime object."""
        value = read_document("a.yaml", b"scheduledAt: 2026-12-01T09:00:00Z\n").value
        assert value == {"scheduledAt": "2026-12-01T09:00:00Z"}

    @pytest.mark.parametrize(
        "text",
        [
            "a: !!python/object/apply:os.system ['echo hacked']\n",
            "a: !!binary aGVsbG8=\n",
            "a: !!set {x}\n",
            "a: !custom x\n",
            "a: !!str x\n",
            "!!map {a: 1}\n",
        ],
    )
    def test_any_tag_is_refused(self, text: str) -> None:
        """No tag constructs anything: every explicit tag is an error at its place."""
        error = _error("a.yaml", text)
        assert "tag" in error.message
        assert error.line == 1

    def test_alias_bomb_is_refused(self) -> None:
        """Nine levels of ten aliases (a billion values) are refused before expansion."""
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in range(1, 10):
            refs = ", ".join([f"*a{level - 1}"] * 10)
            lines.append(f"a{level}: &a{level} [{refs}]")
        error = _error("a.yaml", "\n".join(lines))
        assert "alias" in error.message

    def test_a_few_aliases_are_fine(self) -> None:
        """Ordinary anchors and aliases still work."""
        value = read_document("a.yaml", b"a: &x {k: 1}\nb: *x\n").value
        assert value == {"a": {"k": 1}, "b": {"k": 1}}

    def test_recursive_alias_is_refused(self) -> None:
        """An alias to its own unfinished anchor cannot exist."""
        assert "alias" in _error("a.yaml", "a: &x [*x]\n").message

    def test_deep_nesting_is_refused(self) -> None:
        """Flow sequences nested past the limit are refused at the level too deep."""
        error = _error("a.yaml", "[" * 200 + "]" * 200)
        assert _place(error) == (1, MAX_DEPTH + 1)

    def test_duplicate_key_is_refused(self) -> None:
        """The second 'title' is reported where it stands."""
        assert _place(_error("a.yaml", "title: a\ntitle: b\n")) == (2, 1)

    def test_syntax_error_has_line_and_column(self) -> None:
        """A bad indentation is located by the YAML parser's mark."""
        error = _error("a.yaml", "media:\n  - kind: image\n   url: x\n")
        assert error.line == 3

    def test_several_documents_are_refused(self) -> None:
        """One post per file: a second document is an error at its start."""
        assert _place(_error("a.yaml", "a: 1\n---\nb: 2\n")) == (2, 1)

    def test_nan_is_refused(self) -> None:
        """.nan and .inf are not JSON numbers."""
        assert _place(_error("a.yaml", "a: 1\nb: .nan\n")) == (2, 4)

    def test_empty_file_is_refused(self) -> None:
        """An empty file is not a post."""
        assert "empty" in _error("a.yaml", "").message

    def test_control_characters_are_refused_with_a_place(self) -> None:
        """A NUL byte is unreadable YAML, located at its character."""
        assert _place(_error("a.yaml", "a: b\nc: \x00\n")) == (2, 4)

    def test_complex_keys_are_refused(self) -> None:
        """A mapping used as a key has no JSON equivalent."""
        assert "key" in _error("a.yaml", "? {a: 1}\n: b\n").message
