"""Output formats: SARIF validates against the official schema, GitHub commands are escaped, JUnit
and GitLab reports have their fields, and nothing a post holds can act on a terminal or a log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import jsonschema
import pytest

from pinrules import REPORTER_BY_NAME, Diagnostic, LintResult, Preflight, Severity

from .helpers import GOOD, SHARED

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


HOSTILE_KEYS = [
    "\x1b[31mred",
    "\r\n::error file=x::forged",
    "line\u2028separator",
    "lone\udfaa",
    "bidi\u202eevil",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A post whose keys try to colour a terminal, forge a workflow command, break a line and
    carry a lone surrogate, in a file whose name is not UTF-8."""
    folder = tmp_path_factory.mktemp("hostile")
    post = {**GOOD, **dict.fromkeys(HOSTILE_KEYS, 1)}
    name = folder / os.fsdecode(b"caf\xe9 \x1b[1m.json")
    name.write_text(json.dumps(post), encoding="utf-8")  # ASCII: the lone surrogate as \udfaa
    return folder


def _lint(folder: Path, fmt: str) -> bytes:
    result = subprocess.run([sys.executable, "-m", "pinrules", "lint", "--format", fmt, str(folder)],
                            capture_output=True, check=False)  # fmt: skip
    assert (result.returncode, result.stderr) == (1, b"")
    return result.stdout


def _strings(value: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class TestHostileText:
    @pytest.mark.parametrize("name", sorted(REPORTER_BY_NAME))
    def test_no_control_character_reaches_the_output(self, hostile: Path, name: str) -> None:
        """Every format is valid UTF-8 with no escape, carriage return, separator, bidi override
        or surrogate from the post or the file name, and each finding stays on its own lines."""
        output = _lint(hostile, name)
        text = output.decode("utf-8")  # strict: raises on anything that is not UTF-8
        assert not set(text) & {"\x1b", "\r", "\u2028", "\u202e"}
        assert not any("\ud800" <= c <= "\udfff" for c in text)
        if name in ("text", "github"):
            assert not any(line.startswith("::error file=x") for line in text.splitlines())

    def test_text_shows_the_escapes(self, hostile: Path) -> None:
        """The text format writes what the keys hold as visible escapes, the name's bytes as \\xNN."""
        text = _lint(hostile, "text").decode("utf-8")
        assert "unknown field '\\x1b[31mred'" in text
        assert "unknown field '\\x0d\\x0a::error file=x::forged'" in text
        assert "unknown field 'lone\\udfaa'" in text
        assert "caf\\xe9 \\x1b[1m.json:1:" in text

    @pytest.mark.parametrize("name", ["json", "sarif", "gitlab"])
    def test_json_formats_parse_and_keep_what_they_can(self, hostile: Path, name: str) -> None:
        """The JSON formats parse; the characters JSON can carry come back exactly."""
        text = "\n".join(_strings(json.loads(_lint(hostile, name))))
        assert "unknown field '\x1b[31mred'" in text
        assert "unknown field 'line\u2028separator'" in text
        assert "unknown field 'lone\\udfaa'" in text  # a lone surrogate cannot be UTF-8: as text

    def test_sarif_stays_valid_with_a_name_that_is_not_utf8(self, hostile: Path) -> None:
        """SARIF validates, and the artifact URI percent-encodes the name's bytes."""
        log = json.loads(_lint(hostile, "sarif"))
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]
        }
        assert uris == {Path(quote(os.fsencode(hostile))).as_posix() + "/caf%E9%20%1B%5B1m.json"} or uris == {
            "file://" + quote(os.fsencode(hostile)) + "/caf%E9%20%1B%5B1m.json"
        }


class TestJunit:
    def test_one_failing_case_per_finding_in_a_suite_per_file(self) -> None:
        """JUnit XML parses with xml.etree: suites per file, a failure per finding with its type."""
        root = ElementTree.fromstring(REPORTER_BY_NAME["junit"]().render(_result(ERROR, WARNING, INFO), []))
        assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "3", "3")
        suites = root.findall("testsuite")
        assert [s.get("name") for s in suites] == ["posts/tart, v2.json", "a.yaml", "b.yaml"]
        case = suites[0].find("testcase")
        assert case is not None
        assert (case.get("name"), case.get("classname"), case.get("line")) == (
            "pinterest.title.max_length at 3:3", "posts/tart, v2.json", "3")  # fmt: skip
        failure = case.find("failure")
        assert failure is not None
        assert (failure.get("type"), failure.get("message")) == ("error", ERROR.message)
        assert failure.text is not None
        assert failure.text.endswith(f"fix: {ERROR.fix}")
        second = suites[1].find("testcase/failure")
        assert second is not None
        assert second.get("message") == "no alt text\\x0aat all"


class TestGitlab:
    def test_code_quality_issues(self) -> None:
        """GitLab Code Quality: description, check_name, fingerprint, severity, path and line."""
        twice = Diagnostic(**{**ERROR.to_dict(), "severity": Severity.ERROR, "line": 9})
        issues = json.loads(REPORTER_BY_NAME["gitlab"]().render(_result(ERROR, WARNING, INFO, twice), []))
        assert issues[0] == {
            "description": f"{ERROR.message}. Fix: {ERROR.fix}",
            "check_name": "pinterest.title.max_length",
            "fingerprint": issues[0]["fingerprint"],
            "severity": "major",
            "location": {"path": "posts/tart, v2.json", "lines": {"begin": 3}},
        }
        assert [i["severity"] for i in issues] == ["major", "minor", "info", "major"]
        prints = [i["fingerprint"] for i in issues]
        assert len(set(prints)) == 4  # unique, even for the same finding twice
        assert all(isinstance(p, str) and p for p in prints)
