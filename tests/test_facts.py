"""Pinterest's facts (pinrules.pinterest) agree with the official API description, with the rule
files, and every code the online checks and the publish flow can emit has its rule file."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import pytest

from pinrules import load_rules, pinterest

from .helpers import ROOT, SHARED

OPENAPI = json.loads((SHARED / "pinterest-api" / "openapi.json").read_text(encoding="utf-8"))
SCHEMAS = OPENAPI["components"]["schemas"]
RULES = {rule.code: rule for rule in load_rules()}


def _leaves(condition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every leaf condition of a rule file's `then`."""
    if "all" in condition or "any" in condition:
        return [leaf for c in condition.get("all", condition.get("any", [])) for leaf in _leaves(c)]
    if "not" in condition:
        return _leaves(condition["not"])
    return [condition]


def _rule_argument(code: str, operator: str) -> Any:
    (found,) = [leaf[operator] for leaf in _leaves(RULES[code].raw["then"]) if operator in leaf]
    return found


class TestAgainstTheOfficialDescription:
    @pytest.mark.parametrize(
        ("field", "fact"),
        [
            ("title", pinterest.TITLE_MAX_CHARACTERS),
            ("description", pinterest.DESCRIPTION_MAX_CHARACTERS),
            ("alt_text", pinterest.ALT_TEXT_MAX_CHARACTERS),
            ("link", pinterest.LINK_MAX_CHARACTERS),
        ],
    )
    def test_pin_field_lengths(self, field: str, fact: int) -> None:
        """Each length limit is PinCreate's maxLength for that field."""
        assert SCHEMAS["PinCreate"]["properties"][field]["maxLength"] == fact

    def test_mapped_fields_exist_in_pin_create(self) -> None:
        """Every field a post maps to is a field of PinCreate."""
        fields = {*pinterest.POST_FIELDS.values(), *pinterest.OPTION_FIELDS.values(), "board_id"}
        assert fields <= set(SCHEMAS["PinCreate"]["properties"])

    def test_inline_image_types_are_the_content_type_enum(self) -> None:
        """What may go as image_base64 is exactly the API's ContentType enum."""
        assert set(pinterest.BASE64_IMAGE_TYPES) == set(SCHEMAS["ContentType"]["enum"])

    def test_board_ids_are_digits(self) -> None:
        """board_id and board_section_id are '^\\d+$' in the description, as the rules say."""
        properties = SCHEMAS["PinCreate"]["properties"]
        assert properties["board_id"]["pattern"] == properties["board_section_id"]["pattern"] == r"^\d+$"
        assert _rule_argument("pinterest.board.id_digits", "format") == "digits"

    def test_video_media_ids_are_digits(self) -> None:
        """A video pin's media_id is '^\\d+$' in the description, as the rule says (which also takes
        the posting service's own upload ids: those are turned into a video_id before sending)."""
        assert SCHEMAS["PinMediaSourceVideoID"]["properties"]["media_id"]["pattern"] == r"^\d+$"
        formats = [leaf["format"] for leaf in _leaves(RULES["pinterest.video.media_id_digits"].raw["then"])]
        assert formats == ["digits", "upload_id"]

    def test_only_videos_are_uploaded(self) -> None:
        """POST /media registers videos only: an image mediaId can only name an upload to the posting
        service, as the rule says."""
        assert SCHEMAS["MediaUploadType"]["enum"] == ["video"]
        assert _rule_argument("pinterest.image.media_id_unsupported", "format") == "upload_id"

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("post", "/pins"),
            ("post", "/media"),
            ("get", "/media/{media_id}"),
            ("get", "/boards/{board_id}"),
            ("get", "/boards/{board_id}/pins"),
            ("get", "/boards"),
            ("get", "/user_account"),
        ],
    )
    def test_publish_scopes_cover_every_call_publishing_makes(self, method: str, path: str) -> None:
        """A connected account holds every scope each call of the publisher needs."""
        (required,) = [
            s["pinterest_oauth2"]
            for s in OPENAPI["paths"][path][method]["security"]
            if "pinterest_oauth2" in s
        ]
        assert set(required) <= set(pinterest.PUBLISH_SCOPES)

    def test_secret_board_scopes_are_the_official_ones_and_the_reference_name_is_accepted(self) -> None:
        """--secret-boards asks for the official secret scopes, which include the reference's
        pins:read_secret; either pin scope passes the secret-board check."""
        assert {"boards:read_secret", "pins:write_secret", "pins:read_secret"} <= set(
            pinterest.SECRET_BOARD_SCOPES
        )
        assert pinterest.may_pin_to_secret_boards(("pins:read_secret",))
        assert pinterest.may_pin_to_secret_boards(("boards:read_secret", "pins:write_secret"))
        assert not pinterest.may_pin_to_secret_boards(pinterest.PUBLISH_SCOPES)

    def test_scopes_exist(self) -> None:
        """Every scope pinrules asks for is one the description defines."""
        flows = OPENAPI["components"]["securitySchemes"]["pinterest_oauth2"]["flows"]
        defined = set(flows["authorizationCode"]["scopes"])
        assert {*pinterest.PUBLISH_SCOPES, *pinterest.SECRET_BOARD_SCOPES} <= defined


class TestAgainstTheRuleFiles:
    @pytest.mark.parametrize(
        ("code", "operator", "fact"),
        [
            ("pinterest.title.max_length", "max_length", pinterest.TITLE_MAX_CHARACTERS),
            ("pinterest.text.max_length", "max_length", pinterest.DESCRIPTION_MAX_CHARACTERS),
            ("pinterest.alt_text.max_length", "max_length", pinterest.ALT_TEXT_MAX_CHARACTERS),
            ("pinterest.destination_url.max_length", "max_length", pinterest.LINK_MAX_CHARACTERS),
            ("pinterest.image.size_max", "maximum", pinterest.IMAGE_MAX_BYTES),
            ("pinterest.video.size_max", "maximum", pinterest.VIDEO_MAX_BYTES),
            ("pinterest.link.max_length", "max_length", pinterest.LINK_MAX_CHARACTERS),
            ("pinterest.image.mime_allowed", "media_type_in", list(pinterest.IMAGE_TYPES)),
            ("pinterest.video.mime_allowed", "media_type_in", list(pinterest.VIDEO_TYPES)),
        ],
    )
    def test_rule_states_the_fact(self, code: str, operator: str, fact: object) -> None:
        """The rule file's number (or list) is the fact's."""
        assert _rule_argument(code, operator) == fact

    def test_pinterest_options_are_the_rule_files_known_options(self) -> None:
        """options.pinterest knows the facts' options, and the unsupported features (reported by
        their own rule, not as unknown)."""
        known = _rule_argument("pinterest.options.unknown_field", "key_in")
        unsupported = [g.rsplit("/", 1)[1] for g in RULES["pinterest.feature.unsupported"].raw["given"]]
        assert set(known) == {*pinterest.PINTEREST_OPTIONS, *unsupported[1:]}


_CODE = re.compile(r"(?:pinterest|post|pinrules)\.[a-z_]+(?:\.[a-z_]+)+")


def _emitted_codes() -> dict[str, str]:
    """Every code-looking string literal in the code that emits findings outside the rule
    engine (the online checks, the reader, the publish flow), with where it is."""
    found: dict[str, str] = {}
    for folder in ("pinrules", "publisher"):
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if _CODE.fullmatch(node.value):  # a code on its own, not one named in prose
                        found.setdefault(node.value, str(path.relative_to(ROOT)))
                elif isinstance(node, ast.JoinedStr):  # f"pinterest.{kind}.mime_allowed"
                    template = "".join(
                        str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values
                    )
                    if template.startswith(("pinterest.", "post.")) and "{}" in template:
                        for kind in ("image", "video"):
                            code = template.replace("{}", kind)
                            if _CODE.fullmatch(code):  # not an event name such as post.{status}
                                found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_emitted_code_has_a_rule_file() -> None:
    """A code pinrules can report without its rule file would have no severity, fix or docs."""
    missing = {code: where for code, where in _emitted_codes().items() if code not in RULES}
    assert missing == {}


def test_the_scan_sees_the_flows_codes() -> None:
    """The scan above finds the publish flow's codes (so it cannot pass by finding nothing)."""
    emitted = _emitted_codes()
    assert {"pinterest.video.transcode_timeout", "pinterest.pin.create_unconfirmed",
            "pinterest.image.mime_allowed", "post.media.path_readable"} <= set(emitted)  # fmt: skip
