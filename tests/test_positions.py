"""Diagnostics carry the line and column of the offending key or value (hand-counted here)."""

from __future__ import annotations

from pinrules import Preflight, read_document

JSON_POST = """{
  "title": 42,
  "media": [
    {"kind": "image", "url": "https://cdn.example.com/a.jpg"},
    {"kind": "image", "url": "https://cdn.example.com/b.jpg"}
  ],
  "options": {
    "pinterest": {
      "boardID": "549755885175"
    }
  }
}
"""

YAML_POST = """title: 42
media:
  - kind: image
    url: https://cdn.example.com/a.jpg
  - kind: image
    url: https://cdn.example.com/b.jpg
options:
  pinterest:
    boardID: "549755885175"
"""

# code -> (json line, col), (yaml line, col); counted by hand from the texts above
EXPECTED = {
    "post.field.type": ((2, 3), (1, 1)),  # the key "title"
    "pinterest.media.single_only": ((5, 5), (5, 5)),  # the second item
    "pinterest.options.unknown_field": ((9, 7), (9, 5)),  # the key "boardID"
    "pinterest.board.required": ((8, 5), (8, 3)),  # boardId is missing: its parent "pinterest"
}


def _places(preflight: Preflight, name: str, text: str) -> dict[str, tuple[int | None, int | None]]:
    document = read_document(name, text.encode())
    return {d.rule: (d.line, d.column) for d in preflight.check_document(document)}


def test_json_positions(preflight: Preflight) -> None:
    """Each JSON diagnostic points at the hand-counted key or item."""
    assert _places(preflight, "post.json", JSON_POST) == {k: v[0] for k, v in EXPECTED.items()}


def test_yaml_positions(preflight: Preflight) -> None:
    """Each YAML diagnostic points at the hand-counted key or item."""
    assert _places(preflight, "post.yaml", YAML_POST) == {k: v[1] for k, v in EXPECTED.items()}


def test_positions_are_not_computed_for_clean_files(preflight: Preflight) -> None:
    """A clean file is never indexed: the position map stays unbuilt."""
    document = read_document("ok.json", b'{"media": [{"kind": "image", "url": "https://a.example.com/x.jpg"}],'
                             b' "options": {"pinterest": {"boardId": "1"}}}')  # fmt: skip
    assert preflight.check_document(document) == []
    assert document._offsets is None


def test_escaped_keys_and_unicode_columns(preflight: Preflight) -> None:
    """Columns count characters, and escaped keys are matched by their value."""
    text = '{"text": "é", "ti\\u0074le": 1,\n "Title": 2}'
    places = {
        d.rule: (d.line, d.column) for d in preflight.check_document(read_document("a.json", text.encode()))
    }
    assert places["post.field.type"] == (1, 15)
    assert places["post.unknown_field"] == (2, 2)
