"""schemas/post.schema.json (for editors) agrees with the rules on valid posts."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings

from pinrules import load_rules

from .helpers import ROOT
from .strategies import valid_posts

SCHEMA = json.loads((ROOT / "schemas" / "post.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PASSING = [(r.code, e.post) for r in load_rules() for e in r.passing if e.account is None]


def test_schema_is_valid_draft_2020_12() -> None:
    """The schema itself passes the 2020-12 meta-schema."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(
        json.loads((ROOT / "schemas" / "rule.schema.json").read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize(("code", "post"), PASSING, ids=[c for c, _ in PASSING])
def test_rule_examples_that_pass_are_schema_valid(code: str, post: object) -> None:
    """A post the rules accept (without account defaults) is valid for editors too."""
    assert list(VALIDATOR.iter_errors(post)) == []


@settings(max_examples=200)
@given(post=valid_posts())
def test_generated_valid_posts_are_schema_valid(post: object) -> None:
    """Generated valid posts validate against the schema."""
    assert list(VALIDATOR.iter_errors(post)) == []


@pytest.mark.parametrize(
    "post",
    [
        {"media": [{"kind": "image", "url": "https://a.example/x.jpg"}], "boardID": "1"},
        {"media": [{"kind": "video", "url": "https://a.example/x.mp4", "path": "x.mp4"}]},
        {"media": [{"kind": "image", "url": "https://a.example/x.jpg"}], "title": "x" * 101},
        {"media": [{"kind": "image", "mediaId": "4567890123"}]},
        {"media": [{"kind": "video", "mediaId": "clip.mp4"}]},
        {"media": [{"kind": "image", "url": "http://./x.jpg"}]},
        {"media": [{"kind": "image", "url": "https://my_cdn.example.com/x.jpg"}]},
        {"media": [{"kind": "image", "url": "https://a.example/x.jpg", "mimeType": "image/gif"}]},
    ],
)
def test_schema_refuses_what_the_rules_refuse(post: object) -> None:
    """Typos, two sources, long titles, an image by mediaId, a video mediaId that is not Pinterest's,
    impossible hosts and other media types are invalid in editors as well."""
    assert list(VALIDATOR.iter_errors(post)) != []
