"""The habits ruff and check-jsonschema users bring: standard input, quiet and statistics,
an output file, exit-zero, colour, --show-settings and inline suppression comments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import GOOD, run, write

BROKEN = {**GOOD, "title": 5, "Text": "x"}  # post.field.type and post.unknown_field


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return env | values


class TestStandardInput:
    def test_dash_reads_one_post_from_standard_input(self) -> None:
        """`lint -` checks what is piped in, named <stdin> (JSON sniffed from its first brace)."""
        result = run("lint", "-", stdin=json.dumps({**GOOD, "title": 5}))
        assert result.returncode == 1
        assert result.stdout.startswith("<stdin>:1:")
        assert "error post.field.type 'title' must be string, not integer" in result.stdout

    def test_yaml_is_sniffed_too(self) -> None:
        """Text that is not JSON is read as YAML, with YAML positions."""
        result = run(
            "lint",
            "--format",
            "json",
            "-",
            stdin="title: 5\nmedia: []\noptions: {pinterest: {boardId: '1'}}\n",
        )
        found = {(d["rule"], d["line"]) for d in json.loads(result.stdout)}
        assert found == {("post.field.type", 1), ("pinterest.media.required", 2)}

    def test_stdin_filename_names_the_post_and_picks_its_settings(self, tmp_path: Path) -> None:
        """--stdin-filename is the name in the output, its suffix the format, and per-file
        settings match it."""
        write(tmp_path / "pyproject.toml", '[tool.pinrules.per-file-ignores]\n"drafts/*" = ["post.field"]\n')
        text = "title: 5\nmedia: [{kind: image, url: 'https://cdn.example.com/a.jpg'}]\n"
        text += "options: {pinterest: {boardId: '1'}}\n"
        posted = run("lint", "-", "--stdin-filename", "posts/a.yaml", stdin=text, cwd=tmp_path)
        assert posted.stdout.startswith("posts/a.yaml:1:1: error post.field.type")
        drafted = run("lint", "-", "--stdin-filename", "drafts/a.yaml", stdin=text, cwd=tmp_path)
        assert (drafted.returncode, drafted.stdout) == (0, "1 file checked: no problems.\n")

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["-", "p.json"], "- (standard input) is the only path"),
            (["--stdin-filename", "a.json", "p.json"], "--stdin-filename names standard input"),
            ([], "name the post files or folders to check"),
        ],
    )
    def test_misuse_is_a_usage_error(self, tmp_path: Path, args: list[str], message: str) -> None:
        """Mixing - with files, --stdin-filename without -, or no path at all: exit 2."""
        write(tmp_path / "p.json", GOOD)
        result = run("lint", *args, cwd=tmp_path, stdin="{}")
        assert result.returncode == 2
        assert message in result.stderr


class TestOutput:
    def test_quiet_prints_only_the_diagnostics(self, tmp_path: Path) -> None:
        """--quiet drops the summary line (and prints nothing for a clean run)."""
        bad = write(tmp_path / "bad.json", BROKEN)
        quiet = run("lint", "--quiet", bad)
        assert quiet.stdout.splitlines()[-1].startswith("    fix: ")
        assert run("lint", "-q", write(tmp_path / "ok.json", GOOD)).stdout == ""

    def test_statistics_count_each_code(self, tmp_path: Path) -> None:
        """--statistics prints a count per code (most frequent first) instead of each finding."""
        write(tmp_path / "a.json", BROKEN)
        write(tmp_path / "b.json", {**GOOD, "title": 6})
        result = run("lint", "--statistics", tmp_path)
        assert result.returncode == 1
        assert result.stdout.splitlines() == [
            "2  error    post.field.type     Every field of a post has the type the post format gives it.",
            "1  error    post.unknown_field  A post has only the fields of the post format.",
            "3 errors in 2 of 2 files.",
        ]
        as_json = json.loads(run("lint", "--statistics", "--format", "json", tmp_path).stdout)
        assert [(c["code"], c["count"]) for c in as_json] == [
            ("post.field.type", 2),
            ("post.unknown_field", 1),
        ]
        assert run("lint", "--statistics", "--format", "sarif", tmp_path).returncode == 2

    def test_output_file_holds_the_report(self, tmp_path: Path) -> None:
        """--output-file writes the whole report there (nothing on standard output); the status
        is unchanged."""
        bad = write(tmp_path / "bad.json", BROKEN)
        report = tmp_path / "out" / "report.sarif"
        report.parent.mkdir()
        result = run("lint", "--format", "sarif", "--output-file", report, bad)
        assert (result.returncode, result.stdout) == (1, "")
        assert len(json.loads(report.read_text(encoding="utf-8"))["runs"][0]["results"]) == 2
        assert [p.name for p in report.parent.iterdir()] == ["report.sarif"]  # no temporary left

    def test_an_output_file_that_cannot_be_written_is_a_usage_error(self, tmp_path: Path) -> None:
        """A missing folder for --output-file is exit 2 naming the file."""
        result = run("lint", "-o", tmp_path / "nowhere" / "r.txt", write(tmp_path / "p.json", GOOD))
        assert result.returncode == 2
        assert "r.txt: cannot write the report" in result.stderr

    def test_exit_zero(self, tmp_path: Path) -> None:
        """--exit-zero reports the findings and exits 0; usage errors still exit 2."""
        bad = write(tmp_path / "bad.json", BROKEN)
        result = run("lint", "--exit-zero", bad)
        assert result.returncode == 0
        assert "error post.field.type" in result.stdout
        assert run("lint", "--exit-zero", tmp_path / "missing.json").returncode == 2


class TestColour:
    ERROR = "\x1b[1;31merror\x1b[0m \x1b[36mpost.field.type\x1b[0m"

    @pytest.mark.parametrize(
        ("args", "env", "coloured"),
        [
            ([], {}, False),  # not a terminal
            (["--color", "always"], {}, True),
            ([], {"FORCE_COLOR": "1"}, True),
            ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
            ([], {"NO_COLOR": ""}, False),  # empty: as if unset
            (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag is the user's word
            (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ],
    )
    def test_colour_choice(
        self, tmp_path: Path, args: list[str], env: dict[str, str], coloured: bool
    ) -> None:
        """Severity and code are coloured per --color, NO_COLOR and FORCE_COLOR."""
        bad = write(tmp_path / "bad.json", {**GOOD, "title": 5})
        result = run("lint", *args, bad, env=_env(**env))
        assert (self.ERROR in result.stdout) is coloured
        assert ("\x1b[" in result.stdout) is coloured

    def test_colour_on_a_terminal(self, tmp_path: Path) -> None:
        """With --color auto, a terminal gets colour (a pseudo-terminal stands in for one)."""
        import pty

        bad = write(tmp_path / "bad.json", {**GOOD, "title": 5})
        leader, follower = pty.openpty()
        with os.fdopen(leader, "rb", buffering=0) as reader:
            process = subprocess.Popen(
                [sys.executable, "-m", "pinrules", "lint", str(bad)], stdout=follower, env=_env(TERM="xterm")
            )
            os.close(follower)
            process.wait(timeout=60)
            output = b""
            while True:
                try:
                    chunk = reader.read(4096)
                except OSError:  # the terminal closed: all was read
                    break
                if not chunk:
                    break
                output += chunk
        assert self.ERROR.encode() in output

    def test_json_is_never_coloured(self, tmp_path: Path) -> None:
        """Colour is for the text format: --color always leaves JSON parsable."""
        bad = write(tmp_path / "bad.json", {**GOOD, "title": 5})
        assert json.loads(run("lint", "--color", "always", "--format", "json", bad).stdout)[0]["rule"]


class TestShowSettings:
    def test_each_setting_with_where_it_came_from(self, tmp_path: Path) -> None:
        """--show-settings prints the resolved settings, each with its origin, and exits 0."""
        pyproject = write(tmp_path / "pyproject.toml", (
            '[tool.pinrules]\nselect = ["post"]\nmax-findings-per-file = 20\n'
            '[tool.pinrules.severity]\n"post.unknown_field" = "warning"\n'))  # fmt: skip
        result = run("lint", "--show-settings", "--extend-select", "pinterest", "--no-respect-gitignore",
                     cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0
        lines = result.stdout.splitlines()
        assert lines[:2] == [f"# settings file: {pyproject}", "[tool.pinrules]"]
        settings = {line.split(" = ")[0]: line for line in lines[2:]}
        assert settings["select"].endswith(f"# {pyproject}")
        assert settings["select"].startswith('select = ["post"]')
        assert settings["extend-select"].startswith('extend-select = ["pinterest"]')
        assert settings["extend-select"].endswith("# --extend-select")
        assert settings["severity"].startswith('severity = { "post.unknown_field" = "warning" }')
        assert settings["max-findings-per-file"].startswith("max-findings-per-file = 20 ")
        assert settings["respect-gitignore"].endswith("# --no-respect-gitignore")
        assert settings["fail-on"].endswith("# default")


class TestInlineSuppression:
    POST = (
        "title: 5  # pinrules: ignore[post.field.type]\n"
        "Text: x  # pinrules: ignore[post.field, post.unknown_field]\n"
        "media:  # pinrules: ignore[pinterest.media.single_only]\n"
        "  - {kind: image, url: 'https://cdn.example.com/a.jpg'}\n"
        "  - {kind: image, url: 'https://cdn.example.com/b.jpg'}\n"
        "options: {pinterest: {boardId: '1', coverImageUrl: x}}"
        "  # pinrules: ignore[pinterest.cover_image_url]\n"
        "text: '# pinrules: ignore[post.unknown_field]'\n"
        "accountId: 7  # pinrules: ignore[post.field.typ]\n"
    )

    def test_comments_silence_their_line_and_the_keys_line(self, tmp_path: Path) -> None:
        """A comment silences the codes (or prefixes) it names on its line, or for values under
        its key; text inside a string is no comment; an unknown code is a warning."""
        post = write(tmp_path / "post.yaml", self.POST)
        result = run("lint", "--format", "json", post)
        found = [(d["rule"], d["line"]) for d in json.loads(result.stdout)]
        assert found == [
            ("post.field.type", 8),
            ("post.suppression.unknown_code", 8),
        ]
        (warning,) = [d for d in json.loads(result.stdout) if d["rule"] == "post.suppression.unknown_code"]
        assert warning["column"] == self.POST.splitlines()[7].index("post.field.typ") + 1
        assert "did you mean 'post.field.type'" in warning["message"]

    def test_json_files_have_no_comments(self, tmp_path: Path) -> None:
        """In JSON the same text is a string value: nothing is silenced."""
        post = write(tmp_path / "post.json", {**GOOD, "title": 5, "text": "# pinrules: ignore[post]"})
        assert "post.field.type" in run("lint", post).stdout

    def test_online_findings_are_placed_and_silenced_too(self, tmp_path: Path) -> None:
        """The files phase reports after every file was let go: at the value's line, and a
        comment there silences it as it would a static finding."""
        text = "media:\n  - kind: image\n    path: missing.jpg{comment}\n"
        text += "options: {{pinterest: {{boardId: '1'}}}}\n"
        post = write(tmp_path / "post.yaml", text.format(comment=""))
        found = json.loads(run("lint", "--isolated", "--online", "--format", "json", post).stdout)
        assert [(d["rule"], d["line"], d["column"]) for d in found] == [("post.media.path_readable", 3, 5)]
        write(post, text.format(comment="  # pinrules: ignore[post.media.path_readable]"))
        assert run("lint", "--isolated", "--online", post).returncode == 0
