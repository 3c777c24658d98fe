"""Output formats: SARIF validates against the official schema, GitHub commands are escaped."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from pinrules import REPORTER_BY_NAME, Diagnostic, LintResult, Preflight, Severity

from .helpers import SHARED

SARIF_SCHEMA = json.loads((SHARED / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _result(*diagnostics: Diagnostic, files: int = 2) -> LintResult:
    return LintResult(files=files, diagnostics=list(diagnostics))


ERROR = Diagnostic(
    rule="pinterest.title.max_length",
    severity=Severity.ERROR,
    message="'title' must be at most 100 characters (got 103)",
    fix="Shorten the title to 100 characters or fewer; put the rest in the text.",
    pointer="/title",
    file="posts/tart, v2.json",
    line=3,
    column=3,
)
WARNING = Diagnostic(
    "house.alt", Severity.WARNING, "no alt text\nat all", "Add it: 100%.", "", "a.yaml", 1, 1
)
INFO = Diagnostic("house.note", Severity.INFO, "a note", "Nothing.", "/x", "b.yaml", 2, 5)


class TestRegistry:
    def test_every_documented_format_is_registered(self) -> None:
        """The six formats of the CLI each have a reporter class."""
        assert sorted(REPORTER_BY_NAME) == ["github", "gitlab", "json", "junit", "sarif", "text"]


class TestText:
    def test_text_lines_and_summary(self) -> None:
        """Each finding is file:line:col: severity code message, its fix indented below, then a count."""
        text = REPORTER_BY_NAME["text"]().render(_result(ERROR, WARNING), [])
        assert text.splitlines() == [
            "posts/tart, v2.json:3:3: error pinterest.title.max_length "
            "'title' must be at most 100 characters (got 103)",
            "    fix: Shorten the title to 100 characters or fewer; put the rest in the text.",
            "a.yaml:1:1: warning house.alt no alt text\\x0aat all",  # a line break cannot forge a line
            "    fix: Add it: 100%.",
            "1 error, 1 warning in 2 of 2 files.",
        ]


class TestSarif:
    def test_output_validates_against_the_official_schema(self, preflight: Preflight) -> None:
        """A SARIF log with every rule and three results is valid SARIF 2.1.0."""
        log = json.loads(REPORTER_BY_NAME["sarif"]().render(_result(ERROR, WARNING, INFO), preflight.rules))
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)

    def test_driver_describes_every_rule(self, preflight: Preflight) -> None:
        """Rules carry id, short and full description, help text and default level."""
        log = json.loads(REPORTER_BY_NAME["sarif"]().render(_result(), preflight.rules))
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        assert [r["id"] for r in rules] == [r.code for r in preflight.rules]
        cover = next(r for r in rules if r["id"] == "pinterest.video.cover_required")
        assert cover["shortDescription"]["text"] == "A video pin needs options.pinterest.coverImageUrl."
        assert cover["fullDescription"]["text"].startswith("Pinterest mandates a still-frame URL")
        assert cover["help"]["text"].startswith(
            "Pass pinterest.coverImageUrl pointing at a public still frame."
        )
        assert cover["defaultConfiguration"] == {"level": "error"}

    def test_results_have_one_based_regions_and_levels(self, preflight: Preflight) -> None:
        """A result points at its rule, file (as a relative URI) and 1-based line and column."""
        log = json.loads(REPORTER_BY_NAME["sarif"]().render(_result(ERROR, INFO), preflight.rules))
        first, second = log["runs"][0]["results"]
        assert first["ruleId"] == "pinterest.title.max_length"
        assert log["runs"][0]["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
        location = first["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "posts/tart%2C%20v2.json", "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": 3, "startColumn": 3}
        assert (first["level"], second["level"]) == ("error", "note")
        assert "ruleIndex" not in second  # house.note is not among the rules that ran

    def test_fingerprints_ignore_line_moves(self, preflight: Preflight) -> None:
        """The same finding on another line keeps its fingerprint."""
        moved = Diagnostic(**{**ERROR.to_dict(), "severity": Severity.ERROR, "line": 30})
        prints = [
            json.loads(REPORTER_BY_NAME["sarif"]().render(_result(d), []))["runs"][0]["results"][0][
                "partialFingerprints"
            ]
            for d in (ERROR, moved)
        ]
        assert prints[0] == prints[1]


class TestGithub:
    def test_workflow_commands_escape_properties_and_data(self) -> None:
        """Commas and colons in properties, newlines and percent signs in messages are escaped."""
        text = REPORTER_BY_NAME["github"]().render(_result(ERROR, WARNING, INFO), [])
        assert text.splitlines() == [
            "::error file=posts/tart%2C v2.json,line=3,col=3,title=pinterest.title.max_length::"
            "'title' must be at most 100 characters (got 103). "
            "Fix: Shorten the title to 100 characters or fewer; put the rest in the text.",
            "::warning file=a.yaml,line=1,col=1,title=house.alt::no alt text%0Aat all. Fix: Add it: 100%25.",
            "::notice file=b.yaml,line=2,col=5,title=house.note::a note. Fix: Nothing.",
        ]


@pytest.mark.parametrize("name", sorted(REPORTER_BY_NAME))
def test_empty_results_render(name: str, preflight: Preflight, tmp_path: Path) -> None:
    """No findings is a valid document in every format (empty list, empty log, no commands)."""
    text = REPORTER_BY_NAME[name]().render(_result(), preflight.rules)
    expected = {"text": "2 files checked: no problems.\n", "json": "[]\n", "github": "", "gitlab": "[]\n"}
    if name == "sarif":
        assert json.loads(text)["runs"][0]["results"] == []
    elif name == "junit":
        root = ElementTree.fromstring(text)
        assert [case.get("name") for case in root.iter("testcase")] == ["2 files checked"]
        assert root.find(".//failure") is None
    else:
        assert text == expected[name]
