"""Conformance with the references: what Pinterest's official API description and RFCs accept is
accepted, what they refuse is refused before anything is sent (issue 10)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinrules import (
    FORMATS,
    InvalidTime,
    NetworkSettings,
    OnlinePost,
    Preflight,
    RuleFileError,
    explain_text,
    load_rules,
    online_findings,
    parse_rfc3339,
)
from publisher import AccountStore, Journal, PinterestClient, Publisher, PublishOptions, Status, StoreError

from .helpers import BOARD, LOCAL, TOKEN, Sandbox, run, write
from .media import image

PREFLIGHT = Preflight()
IMAGE_URL = "https://cdn.example.com/soup.jpg"


def post_with(media: dict[str, Any], **pinterest: str) -> dict[str, Any]:
    return {"media": [media], "options": {"pinterest": {"boardId": BOARD, **pinterest}}}


def codes(post: Any) -> list[str]:
    return [d.rule for d in PREFLIGHT.check(post)]


def publish(sandbox: Sandbox, post: dict[str, Any]) -> Any:
    async def go() -> Any:
        journal = Journal(sandbox.dir / "journal.sqlite3")
        try:
            async with PinterestClient(TOKEN, sandbox.api) as client:
                options = PublishOptions(network=LOCAL, poll_interval=0.02)
                return await Publisher(client, journal, PREFLIGHT, options).publish(
                    post, base_dir=sandbox.dir
                )
        finally:
            journal.close()

    return asyncio.run(go())


class TestMediaIds:
    def test_an_image_media_id_is_its_own_diagnostic(self) -> None:
        """An image given by Pinterest's kind of mediaId (digits) is refused statically, with its
        own code and fix text: Pinterest has no image uploads."""
        found = PREFLIGHT.check(post_with({"kind": "image", "mediaId": "4567890123"}))
        assert [(d.rule, d.pointer) for d in found] == [
            ("pinterest.image.media_id_unsupported", "/media/0/mediaId")
        ]
        assert found[0].fix == (
            "Upload images by url or path, or upload the file with POST /v1/media "
            "and use the mediaId it returns."
        )

    @pytest.mark.parametrize(
        ("kind", "media_id", "ok"),
        [
            ("image", "med_Q2xvdWR5", True),
            ("video", "med_Q2xvdWR5", True),
            ("image", "med_", False),
            ("image", "med_a/b", False),
            ("image", "MED_Q2xvdWR5", False),
            ("video", "med_" + "a" * 65, False),
        ],
    )
    def test_an_upload_of_the_posting_service_is_a_media_id(self, kind: str, media_id: str, ok: bool) -> None:
        """A `med_...` id (an upload to the posting service) passes the static phase for both kinds;
        the service checks that it exists (post.media.media_id_known)."""
        cover = {"coverImageUrl": "https://cdn.example.com/c.jpg"} if kind == "video" else {}
        found = codes(post_with({"kind": kind, "mediaId": media_id}, **cover))
        rule = {"image": "pinterest.image.media_id_unsupported", "video": "pinterest.video.media_id_digits"}
        assert found == ([] if ok else [rule[kind]])

    @pytest.mark.parametrize(
        ("media_id", "ok"), [("4567890123", True), ("clip.mp4", False), ("12\n", False), ("١٢", False)]
    )
    def test_a_video_media_id_is_pinterests_digits(self, media_id: str, ok: bool) -> None:
        """A video mediaId must match the official '^\\d+$' (ASCII digits, no trailing newline)."""
        post = post_with(
            {"kind": "video", "mediaId": media_id}, coverImageUrl="https://cdn.example.com/c.jpg"
        )
        assert codes(post) == ([] if ok else ["pinterest.video.media_id_digits"])

    def test_dry_run_of_an_image_media_id_naming_a_file_sends_nothing(self, tmp_path: Path) -> None:
        """`publish --dry-run` of an image mediaId that names a file in the working folder is
        rejected by the rule, and with the rule ignored the plan refuses it: never read as a path."""
        (tmp_path / "soup.jpg").write_bytes(image("JPEG"))
        post = write(tmp_path / "post.json", post_with({"kind": "image", "mediaId": "soup.jpg"}))
        rejected = run("publish", "--dry-run", "--isolated", "--format", "json", post, cwd=tmp_path)
        [result] = json.loads(rejected.stdout)
        assert (rejected.returncode, result["status"]) == (1, "rejected")
        assert [d["rule"] for d in result["diagnostics"]] == ["pinterest.image.media_id_unsupported"]
        ignore = ("--ignore", "pinterest.image.media_id_unsupported")
        ignored = run("publish", "--dry-run", "--isolated", *ignore, post, cwd=tmp_path)
        assert ignored.returncode == 1  # that post's own failure; the run goes on
        assert "an image cannot be published by mediaId ('soup.jpg')" in ignored.stdout
        assert "Traceback" not in ignored.stdout + ignored.stderr
        assert "base64" not in ignored.stdout

    def test_publishing_an_upload_id_outside_the_service_says_where_it_works(self, tmp_path: Path) -> None:
        """`pinrules publish` of a post naming a posting-service upload sends nothing to Pinterest
        (it has no file to read) and says who can send it."""
        post = write(tmp_path / "post.json", post_with({"kind": "image", "mediaId": "med_Q2xpcA"}))
        done = run("publish", "--dry-run", "--isolated", post, cwd=tmp_path)
        assert done.returncode == 1
        assert "'med_Q2xpcA' names an upload to the posting service" in done.stdout
        assert "Traceback" not in done.stdout + done.stderr


class TestTheLinkThatWillBeSent:
    def test_a_long_image_url_without_destination_is_refused(self) -> None:
        """With no destinationUrl the image URL is the link: 2,100 characters are too many."""
        long_url = "https://cdn.example.com/" + "x" * (2100 - 24)
        assert len(long_url) == 2100
        found = PREFLIGHT.check(post_with({"kind": "image", "url": long_url}))
        assert [(d.rule, d.pointer) for d in found] == [("pinterest.link.max_length", "/media/0/url")]
        assert "(got 2100)" in found[0].message

    def test_a_destination_url_or_a_2048_character_url_is_fine(self) -> None:
        """A destinationUrl becomes the link instead; an image URL of exactly 2048 characters fits."""
        long_url = "https://cdn.example.com/" + "x" * 2100
        assert (
            codes(post_with({"kind": "image", "url": long_url}, destinationUrl="https://example.com/")) == []
        )
        assert codes(post_with({"kind": "image", "url": "https://e.com/" + "x" * (2048 - 14)})) == []

    def test_the_link_sent_is_the_one_checked(self, tmp_path: Path) -> None:
        """The dry run sends the image URL as the link, the value the rule measured."""
        url = "http://127.0.0.1:9/soup.jpg"
        post = write(tmp_path / "post.json", post_with({"kind": "image", "url": url}))
        result = run("publish", "--dry-run", "--isolated", "--format", "json", "--ignore",
                     "pinterest.image_url.reachable", "--allow-private-network", post)  # fmt: skip
        [planned] = json.loads(result.stdout)
        assert planned["requests"][0]["body"]["link"] == url


class TestMediaTypes:
    @pytest.mark.parametrize(
        ("kind", "hint"),
        [("image", "image/JPEG"), ("image", " IMAGE/PNG ; q=1"), ("image", "image/webp;"),
         ("video", 'video/mp4; codecs="avc1"'), ("video", "Video/QuickTime")],
    )  # fmt: skip
    def test_case_and_parameters_do_not_matter(self, kind: str, hint: str) -> None:
        """Media types compare as HTTP compares them: any case, parameters aside."""
        media = {"kind": kind, "path": "a.bin", "mimeType": hint}
        cover = {"coverImageUrl": "https://cdn.example.com/c.jpg"} if kind == "video" else {}
        assert codes(post_with(media, **cover)) == []

    @pytest.mark.parametrize(
        ("kind", "hint"),
        [
            ("image", "image/gif; x=1"),
            ("image", "image/jpegx"),
            ("image", "image/jpeg x"),
            ("video", "VIDEO/WEBM"),
        ],
    )
    def test_other_types_are_still_refused(self, kind: str, hint: str) -> None:
        """Another type, or something that is not a media type, is refused."""
        media = {"kind": kind, "path": "a.bin", "mimeType": hint}
        cover = {"coverImageUrl": "https://cdn.example.com/c.jpg"} if kind == "video" else {}
        assert codes(post_with(media, **cover)) == [f"pinterest.{kind}.mime_allowed"]

    @pytest.mark.parametrize(
        ("hint", "mismatch"),
        [("IMAGE/PNG; charset=binary", False), ("image/png", False), ("image/jpeg", True)],
    )
    def test_the_online_hint_comparison_ignores_case_and_parameters(
        self, tmp_path: Path, hint: str, mismatch: bool
    ) -> None:
        """A PNG file with the hint IMAGE/PNG; charset=binary agrees with its hint; image/jpeg does not."""
        (tmp_path / "soup.png").write_bytes(image("PNG"))
        post = post_with({"kind": "image", "path": "soup.png", "mimeType": hint})
        (found,) = asyncio.run(online_findings([OnlinePost(post, tmp_path)], NetworkSettings()))
        assert [code for code, _, _ in found] == (["post.media.hint_mismatch"] if mismatch else [])


JPEG_ONLY = """\
code: house.image.jpeg_only
severity: error
phase: static
summary: Our images are JPEG.
message: "we publish JPEG images only (got {value})"
fix: Export the image as JPEG.
given: /media/*
when: {path: /kind, equals: image}
then:
  any:
    - {path: /mimeType, exists: false}
    - {path: /mimeType, media_type_in: [IMAGE/JPEG]}
examples:
  pass:
    - post: {media: [{kind: image, url: "https://cdn.example.com/a.jpg", mimeType: "image/jpeg; q=1"}]}
  fail:
    - post: {media: [{kind: image, url: "https://cdn.example.com/a.png", mimeType: image/png}]}
"""


class TestMediaTypeOperator:
    def test_a_house_rule_can_compare_media_types(self, tmp_path: Path) -> None:
        """media_type_in in a house rule compares as HTTP does, arguments in any case too."""
        (tmp_path / "house.image.jpeg_only.yaml").write_text(JPEG_ONLY, encoding="utf-8")
        preflight = Preflight([tmp_path])
        hints = ("Image/Jpeg", "image/jpeg;charset=binary", "image/png", "image/jpeg-2000")
        found = {
            hint: [
                d.rule
                for d in preflight.check(post_with({"kind": "image", "url": IMAGE_URL, "mimeType": hint}))
            ]
            for hint in hints
        }
        assert {hint: "house.image.jpeg_only" in codes for hint, codes in found.items()} == {
            "Image/Jpeg": False,
            "image/jpeg;charset=binary": False,
            "image/png": True,
            "image/jpeg-2000": True,
        }

    def test_its_arguments_must_be_media_types(self, tmp_path: Path) -> None:
        """An argument that is not type/subtype is a rule-file error at its place."""
        text = JPEG_ONLY.replace("[IMAGE/JPEG]", "[jpeg]")
        (tmp_path / "house.image.jpeg_only.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(RuleFileError) as caught:
            load_rules([tmp_path])
        assert caught.value.line == 12
        assert "media_type_in/0: 'jpeg' does not match" in caught.value.message

    def test_explain_says_how_it_compares(self) -> None:
        """The generated documentation names the types and how they are compared."""
        rule = next(r for r in load_rules() if r.code == "pinterest.image.mime_allowed")
        words = (
            "names one of the media types image/jpeg, image/png, image/webp (in any case, parameters aside)"
        )
        assert words in " ".join(explain_text(rule, PREFLIGHT).split())


class TestLeapSeconds:
    @pytest.mark.parametrize(
        "text",
        ["2016-12-31T23:59:60Z", "2016-12-31t23:59:60z", "2016-12-31T15:59:60-08:00",
         "2015-06-30T23:59:60.5Z", "2017-01-01T00:59:60+01:00", "2026-03-31T23:59:60Z"],
    )  # fmt: skip
    def test_the_last_second_of_a_month_in_utc_may_be_60(self, text: str) -> None:
        """RFC 3339 section 5.7: a leap second ends a month in UTC, at any offset."""
        assert FORMATS["rfc3339"](text)
        assert codes({**post_with({"kind": "image", "url": IMAGE_URL}), "scheduledAt": text}) == []

    @pytest.mark.parametrize(
        "text",
        ["2016-12-31T22:59:60Z", "2016-12-30T23:59:60Z", "2016-12-31T23:58:60Z", "2016-12-31T23:59:61Z",
         "2016-12-31T23:59:60+01:00", "2016-12-31T24:00:00Z", "2016-02-30T00:00:00Z", "2016-12-31T23:59:60"],
    )  # fmt: skip
    def test_a_second_60_anywhere_else_is_refused(self, text: str) -> None:
        """Second 60 elsewhere, second 61, impossible dates and times without an offset are refused."""
        assert not FORMATS["rfc3339"](text)
        with pytest.raises(InvalidTime):
            parse_rfc3339(text)

    def test_a_leap_second_is_read_as_the_instant_after_23_59_59(self) -> None:
        """parse_rfc3339 gives the leap second the POSIX time of the next midnight, keeping fractions."""
        assert parse_rfc3339("2016-12-31T23:59:60Z") == datetime(2017, 1, 1, tzinfo=UTC)
        assert (
            parse_rfc3339("2016-12-31T15:59:60.25-08:00").timestamp()
            == datetime(2017, 1, 1, tzinfo=UTC).timestamp() + 0.25
        )
        assert parse_rfc3339("2026-12-01T10:00:00+01:00") == datetime(2026, 12, 1, 9, tzinfo=UTC)
        assert issubclass(InvalidTime, ValueError)

    @pytest.mark.parametrize(("when", "status"), [("2016-12-31T23:59:60Z", "planned"),
                                                   ("2999-12-31T23:59:60Z", "scheduled")])  # fmt: skip
    def test_publish_reads_a_leap_second_as_a_time(self, tmp_path: Path, when: str, status: str) -> None:
        """`publish` decides whether a post is due from a leap-second scheduledAt without failing."""
        post = write(tmp_path / "post.json", {**post_with({"kind": "video", "mediaId": "12"},
                     coverImageUrl="http://127.0.0.1:9/c.jpg"), "scheduledAt": when})  # fmt: skip
        result = run("publish", "--dry-run", "--isolated", "--format", "json", "--ignore",
                     "pinterest.cover_image_url", "--allow-private-network", post)  # fmt: skip
        assert (result.returncode, result.stderr) == (0, "")
        assert json.loads(result.stdout)[0]["status"] == status


GOOD_HOSTS = [
    "https://cdn.example.com/soup.jpg",
    "http://example.com.",  # the DNS root
    "https://xn--bcher-kva.de/",  # an A-label
    "https://bücher.de/x",  # the same name in Unicode
    "http://例え.テスト/",
    "http://1.2.3.4:8080/x",
    "http://[2001:db8::1]/x",
    "https://user:pass@a-b.example.com/",
    "HTTPS://EXAMPLE.COM/",
    "http://a.b.c.d.e.example/?q=1#f",
    "http://" + "a" * 63 + ".com/",
    "http://" + ".".join(["a" * 63] * 3) + "." + "b" * 61 + "/",  # 253 characters
]
BAD_HOSTS = [
    "http://./",
    "http://-/",
    "http://_/",
    "http://my_shop.example.com/",
    "http://-shop.example.com/",
    "http://shop-.example.com/",
    "http://shop..example.com/",
    "http://.example.com/",
    "http://" + "a" * 64 + ".com/",
    "http://" + ".".join(["a" * 63] * 3) + "." + "b" * 62 + "/",  # 254 characters
    "http://1.2.3.256/",
    "http://999/",
    "http://example.123/",
    "http://[::1/",
    "http://[fe80::1%25eth0]/",
    "http://[v1.x]/",
    "http://xn--a.com/",  # Punycode that does not decode
    "http://bü_cher.de/",
    "http://exa mple.com/",
    "http://:80/",
    "http:///path",
    "ftp://example.com/",
]


class TestUrlHosts:
    @pytest.mark.parametrize("url", GOOD_HOSTS)
    def test_real_hosts_pass(self, url: str) -> None:
        """DNS names of LDH labels (IDNs either way), IPv4 and bracketed IPv6 literals pass."""
        assert FORMATS["http_url"](url)

    @pytest.mark.parametrize("url", BAD_HOSTS)
    def test_hosts_that_cannot_exist_are_refused(self, url: str) -> None:
        """Empty labels, hyphens at a label's edge, underscores, long labels or names, bad literals."""
        assert not FORMATS["http_url"](url)

    @settings(max_examples=300)
    @given(host=st.text("ab09-.", min_size=1, max_size=70))
    def test_names_pass_exactly_when_every_label_is_good(self, host: str) -> None:
        """A name of letters, digits, hyphens and dots passes exactly when every label has 1-63
        characters and no hyphen at either end (a final dot allowed), and a name ending in a
        number is a valid IPv4 address."""
        bare = host.removesuffix(".")
        labels = bare.split(".")
        good = 0 < len(bare) <= 253 and all(0 < len(x) <= 63 and x[0] != "-" and x[-1] != "-" for x in labels)
        if good and labels[-1].isdigit():
            try:
                ipaddress.IPv4Address(bare)
            except ValueError:
                good = False
        assert FORMATS["http_url"](f"http://{host}/x") == good

    @pytest.mark.parametrize("url", ["http://./", "http://-/", "http://_/"])
    def test_every_url_rule_checks_the_host(self, url: str) -> None:
        """The media url, the destination URL and the cover URL all refuse these hosts."""
        image = post_with({"kind": "image", "url": url}, destinationUrl=url)
        video = post_with({"kind": "video", "path": "clip.mp4"}, coverImageUrl=url)
        assert codes(image) == ["pinterest.destination_url.http", "post.media.url_http"]
        assert codes(video) == ["pinterest.cover_image_url.http"]


class TestDefaultBoards:
    def test_an_accounts_file_with_a_board_name_is_a_usage_error(self, tmp_path: Path) -> None:
        """defaultBoardId 'recipes' in an --accounts file is refused, naming file, line and column."""
        accounts = write(tmp_path / "accounts.yaml", 'acc_main:\n  defaultBoardId: "549755885175"\n'
                         "acc_shop:\n  defaultBoardId: recipes\n")  # fmt: skip
        post = write(
            tmp_path / "post.json", {"accountId": "acc_shop", "media": [{"kind": "image", "url": IMAGE_URL}]}
        )
        result = run("lint", "--isolated", "--accounts", accounts, post)
        assert result.returncode == 2
        assert result.stderr.startswith(f"pinrules: {accounts}:4:")
        assert (
            "'defaultBoardId' of 'acc_shop' must be a board id, digits only (got 'recipes')" in result.stderr
        )

    def test_set_default_board_refuses_a_board_name(self, tmp_path: Path) -> None:
        """`accounts set-default-board NAME recipes` is a usage error naming the argument."""
        result = run("accounts", "set-default-board", "shop", "recipes", "--store", tmp_path / "a.sqlite3")
        assert result.returncode == 2
        assert result.stderr == (
            "pinrules: BOARD_ID: a board id is digits only, like 549755885175 (got 'recipes'); "
            "`pinrules boards ACCOUNT` lists an account's boards with their ids\n"
        )

    def test_the_store_refuses_a_board_name(self, tmp_path: Path) -> None:
        """AccountStore.set_default_board refuses what is not digits, before looking the account up."""
        store = AccountStore(tmp_path / "a.sqlite3")
        try:
            with pytest.raises(StoreError, match="digits only"):
                store.set_default_board("shop", "recipes")
        finally:
            store.close()


class TestScopesAndStatuses:
    def test_an_official_secret_scope_passes_the_secret_board_check(self, sandbox: Sandbox) -> None:
        """pins:write_secret (the official name) or pins:read_secret (the reference's) pass; neither fails."""

        async def findings(scopes: tuple[str, ...]) -> list[str]:
            async with PinterestClient(TOKEN, sandbox.api) as client:
                publisher = Publisher(client, account_scopes=scopes)
                return [code for code, _, _ in await publisher.board_findings("549755885176")]

        assert asyncio.run(findings(("boards:read", "boards:read_secret", "pins:write_secret"))) == []
        assert asyncio.run(findings(("boards:read", "pins:read_secret"))) == []
        assert asyncio.run(findings(("boards:read", "pins:write"))) == ["pinterest.board.secret_scope"]

    def test_an_unreadable_media_status_is_not_a_transcode_failure(self, sandbox: Sandbox) -> None:
        """A 404 while polling an unknown media id is pinterest.video.status_unreadable, not
        transcode_failed (whose fix says to re-encode); nothing is created."""
        post = post_with({"kind": "video", "mediaId": "4567890123"}, coverImageUrl=sandbox.url("cover.jpg"))
        result = publish(sandbox, post)
        assert (result.status, [d.rule for d in result.diagnostics]) == (
            Status.FAILED,
            ["pinterest.video.status_unreadable"],
        )
        (diagnostic,) = result.diagnostics
        assert diagnostic.pointer == "/media/0"
        assert "404" in diagnostic.message
        assert "Re-encode" not in diagnostic.fix
        assert sandbox.state.pins == {}
