"""Every rule's own examples: failing posts raise the rule, passing posts are clean."""

from __future__ import annotations

import pytest

from pinrules import Preflight, Rule, load_rules

from .helpers import ROOT

HOUSE_RULES = ROOT / "examples" / "house-rules"
RULES = load_rules([HOUSE_RULES])
EXAMPLES = [
    pytest.param(rule, example, outcome, id=f"{rule.code}-{outcome}-{n}")
    for rule in RULES
    for outcome, examples in (("fail", rule.failing), ("pass", rule.passing))
    for n, example in enumerate(examples)
]


@pytest.fixture(scope="module")
def with_house_rules() -> Preflight:
    return Preflight([HOUSE_RULES])


@pytest.mark.parametrize(("rule", "example", "outcome"), EXAMPLES)
def test_example(with_house_rules: Preflight, rule: Rule, example, outcome: str) -> None:
    """A failing example gives the rule's code; a passing one gives no error at all.

    The house rules of examples/house-rules run alongside, as a project would run them."""
    preflight = with_house_rules
    codes = [d.rule for d in preflight.check(example.post, example.account)]
    if outcome == "fail":
        assert rule.code in codes
    else:
        errors = [d for d in preflight.check(example.post, example.account) if d.is_error]
        assert errors == []


def test_every_static_rule_with_a_condition_has_examples_both_ways() -> None:
    """The schema demands examples; this double-checks none slipped through the cache."""
    for rule in RULES:
        if rule.then is not None:
            assert rule.passing, rule.code
            assert rule.failing, rule.code


REFERENCE_CODES = {
    "pinterest.board.required": "Pass pinterest.boardId or set a default board on the account.",
    "pinterest.media.required": 'Attach media: [{ kind: "image" / "video", … }].',
    "pinterest.media.single_only": "Send a single media item; carousel pins aren't in v1.",
    "pinterest.video.cover_required": "Pass pinterest.coverImageUrl pointing at a public still frame.",
    "pinterest.image.mime_allowed": "Serve jpeg/png/webp from the URL.",
    "pinterest.image.size_max": "Compress under 20,000,000 bytes.",
    "pinterest.image_url.reachable": "Verify it's publicly reachable and returns 2xx.",
    "pinterest.cover_image_url.reachable":
        "Verify the cover URL is publicly reachable + serves an image mime.",
    "pinterest.video.transcode_failed":
        "Re-encode the source (H.264 + AAC in an MP4 container is the safe path).",
    "pinterest.video.transcode_timeout": "Retry; large videos occasionally exceed the SLA.",
    "pinterest.media.register_failed": None,
    "pinterest.video.upload_failed": None,
}  # fmt: skip


@pytest.mark.parametrize(("code", "fix"), REFERENCE_CODES.items())
def test_provider_reference_codes_exist_with_their_fix(code: str, fix: str | None) -> None:
    """Each code of the provider reference is a rule, with the reference's fix text where it gives one."""
    rule = next((r for r in RULES if r.code == code), None)
    assert rule is not None
    if fix is not None:
        assert rule.fix == fix


def test_publish_codes_are_documented_in_the_publish_phase() -> None:
    """The reference's four publish codes, create outcomes and re-authorisation are Pinterest's
    publish rules (the post.* publish rules are pinrules' own: ids, schedules, accounts)."""
    publish = {r.code for r in RULES if r.phase == "publish" and r.code.startswith("pinterest.")}
    assert publish == {
        "pinterest.media.register_failed",
        "pinterest.video.upload_failed",
        "pinterest.video.transcode_failed",
        "pinterest.video.transcode_timeout",
        "pinterest.pin.create_failed",
        "pinterest.pin.create_unconfirmed",
        "pinterest.account.reauth_required",
    }
