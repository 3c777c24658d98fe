"""Acceptance tests: the real `pinrules` command on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import GOOD, SHARED, run, write


class TestExitStatus:
    def test_clean_file_exits_0(self, tmp_path: Path) -> None:
        """No diagnostics: exit 0 and a one-line summary."""
        result = run("lint", write(tmp_path / "ok.json", GOOD))
        assert (result.returncode, result.stdout) == (0, "1 file checked: no problems.\n")

    def test_error_exits_1_with_file_line_column(self, tmp_path: Path) -> None:
        """An error is printed as file:line:col: severity code message, then its fix."""
        post = write(tmp_path / "bad.json", (
            '{\n'
            '  "media": [{"kind": "image", "url": "https://cdn.example.com/soup.jpg"}],\n'
            '  "title": "' + "x" * 101 + '",\n'
            '  "options": {"pinterest": {"boardId": "549755885175"}}\n'
            '}\n'))  # fmt: skip
        result = run("lint", post)
        assert result.returncode == 1
        first, fix = result.stdout.splitlines()[:2]
        assert first == (f"{post}:3:3: error pinterest.title.max_length "
                         "'title' must be at most 100 characters (got 101)")  # fmt: skip
        assert fix == "    fix: Shorten the title to 100 characters or fewer; put the rest in the text."

    def test_unknown_flag_exits_2(self, tmp_path: Path) -> None:
        """A usage error is exit 2 with a message on stderr."""
        result = run("lint", "--frmat", "json", tmp_path)
        assert result.returncode == 2
        assert "unrecognized arguments" in result.stderr

    def test_missing_path_exits_2(self, tmp_path: Path) -> None:
        """A path that does not exist is a usage error naming it."""
        result = run("lint", tmp_path / "nope.json")
        assert result.returncode == 2
        assert "nope.json: no such file or folder" in result.stderr

    def test_broken_rules_dir_exits_2(self, tmp_path: Path) -> None:
        """A broken custom rule file stops the run with exit 2 and its place."""
        write(tmp_path / "rules" / "house.x.yaml", "code: house.x\nseverity: loud\n")
        result = run("lint", "--rules-dir", tmp_path / "rules", write(tmp_path / "ok.json", GOOD))
        assert result.returncode == 2
        assert "house.x.yaml:" in result.stderr

    def test_warnings_only_exit_0(self, tmp_path: Path) -> None:
        """Warnings are shown but do not fail the run."""
        write(tmp_path / "rules" / "house.title.yaml", (
            "code: house.title\nseverity: warning\nphase: static\nsummary: Titles help.\n"
            "message: no title\nfix: Add a title.\nthen: {path: /title, exists: true}\n"
            "examples: {pass: [{post: {title: x}}], fail: [{post: {}}]}\n"))  # fmt: skip
        result = run("lint", "--rules-dir", tmp_path / "rules", write(tmp_path / "ok.json", GOOD))
        assert result.returncode == 0
        assert "warning house.title no title" in result.stdout


class TestFormats:
    def test_json_format_lists_every_field(self, tmp_path: Path) -> None:
        """--format json prints a list of diagnostics with rule, severity, place and texts."""
        post = write(tmp_path / "bad.yaml", (
            "media:\n"
            "  - {kind: image, url: 'https://cdn.example.com/soup.jpg'}\n"
            "options: {pinterest: {boardId: '549755885175'}}\n"
            "Title: Soup\n"))  # fmt: skip
        result = run("lint", "--format", "json", post)
        assert json.loads(result.stdout) == [{
            "rule": "post.unknown_field", "severity": "error",
            "message": "unknown field 'Title' (did you mean 'title'?)",
            "fix": "Rename or remove the field. Post fields: id, accountId, title, text, media, "
                   "scheduledAt, options.",
            "pointer": "/Title", "file": str(post), "line": 4, "column": 1,
        }]  # fmt: skip


class TestFiles:
    def test_folders_are_searched_for_json_and_yaml(self, tmp_path: Path) -> None:
        """Folders yield *.json, *.yaml and *.yml, skipping hidden folders and other files."""
        write(tmp_path / "a.json", GOOD)
        write(tmp_path / "sub" / "b.yml", json.dumps({**GOOD, "id": "soup-02"}))
        write(tmp_path / "sub" / "c.yaml", "media: []\n")
        write(tmp_path / ".git" / "d.json", "{")
        write(tmp_path / "notes.txt", "{")
        result = run("lint", tmp_path)
        assert result.returncode == 1
        assert "c.yaml:1:1: error pinterest.board.required" in result.stdout
        assert result.stdout.splitlines()[-1] == "2 errors in 1 of 3 files."

    def test_a_broken_file_does_not_stop_the_others(self, tmp_path: Path) -> None:
        """A parse error is a diagnostic for its file; the next files are still checked."""
        broken = write(tmp_path / "a.json", '{"title": "x",}')
        other = write(tmp_path / "b.json", {**GOOD, "title": 5})
        result = run("lint", broken, other)
        assert f"{broken}:1:15: error post.parse_error invalid JSON" in result.stdout
        assert f"{other}:" in result.stdout

    def test_hostile_inputs_never_print_a_traceback(self, tmp_path: Path) -> None:
        """Every JSONTestSuite file and several hostile YAML files give diagnostics, not tracebacks."""
        write(tmp_path / "tag.yaml", "a: !!python/object/apply:os.system [echo hi]\n")
        levels = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
        levels += [f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]" for i in range(1, 9)]
        write(tmp_path / "bomb.yaml", "\n".join(levels) + "\n")
        write(tmp_path / "deep.yaml", "[" * 5000 + "]" * 5000)
        (tmp_path / "latin1.json").write_bytes(b'{"title": "caf\xe9"}')
        result = run("lint", tmp_path, SHARED / "jsontestsuite" / "test_parsing")
        assert result.returncode == 1
        assert result.stderr == ""
        assert "Traceback" not in result.stdout
        for name, place in [("tag.yaml", "1:4"), ("bomb.yaml", "5:45"), ("deep.yaml", "1:1001"),
                            ("latin1.json", "1:15")]:  # fmt: skip
            assert f"{name}:{place}: error post.parse_error" in result.stdout


class TestOptions:
    def test_accounts_file_supplies_the_default_board(self, tmp_path: Path) -> None:
        """With --accounts, a post of an account with a default board needs no boardId."""
        post = write(tmp_path / "p.json", {"accountId": "acc_main", "media": GOOD["media"]})
        accounts = write(tmp_path / "accounts.yaml", 'acc_main:\n  defaultBoardId: "549755885175"\n')
        assert run("lint", post).returncode == 1
        assert run("lint", "--accounts", accounts, post).returncode == 0

    @pytest.mark.parametrize("text", ["[1, 2]", "acc: 5\n", "acc: {defaultBoard: '1'}\n", "a: [\n"])
    def test_a_broken_accounts_file_exits_2(self, tmp_path: Path, text: str) -> None:
        """An accounts file of the wrong shape is a usage error naming the file."""
        accounts = write(tmp_path / "accounts.yaml", text)
        result = run("lint", "--accounts", accounts, write(tmp_path / "p.json", GOOD))
        assert result.returncode == 2
        assert "accounts.yaml:" in result.stderr

    def test_select_and_ignore_by_prefix(self, tmp_path: Path) -> None:
        """--select keeps codes under a prefix; --ignore drops them."""
        post = write(tmp_path / "p.json", {"title": 5, "media": []})
        selected = run("lint", "--format", "json", "--select", "pinterest.board", post)
        assert {d["rule"] for d in json.loads(selected.stdout)} == {"pinterest.board.required"}
        ignored = run("lint", "--format", "json", "--ignore", "pinterest,post.field", post)
        assert json.loads(ignored.stdout) == []


class TestCommandLine:
    def test_no_command_lists_every_command(self) -> None:
        """`pinrules` alone lists each command with its summary (a usage error: exit 2)."""
        result = run()
        assert result.returncode == 2
        listed = [line.split()[0] for line in result.stdout.split("commands:")[1].strip().splitlines()[:10]]
        expected = ["lint", "rules", "explain", "publish", "schedule", "worker", "db", "accounts", "boards"]
        assert listed == [*expected, "sandbox"]

    @pytest.mark.parametrize(
        "command", ["lint", "rules", "explain", "publish", "accounts", "boards", "sandbox"]
    )
    def test_each_command_has_help_with_an_example(self, command: str) -> None:
        """`pinrules CMD --help` says what it does and shows an example."""
        result = run(command, "--help")
        assert result.returncode == 0
        assert "example:\n  pinrules " + command in result.stdout

    def test_version(self) -> None:
        """--version prints the package's version."""
        import pinrules

        assert run("--version").stdout == f"pinrules {pinrules.__version__}\n"

    def test_an_unexpected_failure_is_one_line_and_not_exit_1(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bug exits 3 (1 means findings) with one line saying how to report it; --debug adds
        the traceback."""
        import pinrules

        def broken(self: object, *args: object, **kwargs: object) -> None:
            raise RuntimeError("something internal")

        monkeypatch.setattr(pinrules.Preflight, "check_document", broken)
        post = write(tmp_path / "post.json", GOOD)
        assert pinrules.main(["lint", str(post)]) == 3
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "internal error (RuntimeError: something internal)" in err
        assert "--debug" in err
        assert pinrules.main(["lint", "--debug", str(post)]) == 3
        assert "Traceback (most recent call last)" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["lint", "--store", "x.sqlite3", "."], "--store applies to lint with --account"),
            (["lint", "--base-url", "http://x", "."], "--base-url applies to lint with --account"),
            (["lint", "--online-cache-ttl", "5", "."], "add --online"),
            (["publish", "--dry-run", "--journal", "j.sqlite3", "."], "a dry run neither reads nor writes"),
            (["publish", "--journal", "j.sqlite3", "--no-journal", "."], "contradict"),
            (["accounts", "list", "--base-url", "http://x"], "unrecognized arguments: --base-url"),
            (["rules", "--select", "pinterest"], "unrecognized arguments: --select"),
        ],
    )
    def test_options_without_effect_are_refused(self, tmp_path: Path, args: list[str], message: str) -> None:
        """An option a command would ignore is a usage error, not silently dropped."""
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert message in result.stderr

    def test_publish_honours_per_file_ignores(self, tmp_path: Path) -> None:
        """`publish --per-file-ignores` drops the ignored codes for matching files, as lint does."""
        write(tmp_path / "drafts" / "a.json", {**GOOD, "title": "x" * 101})
        plain = run("publish", "--dry-run", "--isolated", "drafts", cwd=tmp_path)
        ignored = run("publish", "--dry-run", "--isolated", "--per-file-ignores",
                      "drafts/*=pinterest.title,pinterest.image_url", "drafts", cwd=tmp_path)  # fmt: skip
        assert "pinterest.title.max_length" in plain.stdout
        assert "pinterest.title.max_length" not in ignored.stdout


class TestQuickExit:
    def test_no_output_is_lost_to_the_quick_exit(self, tmp_path: Path) -> None:
        """The script ends without tearing the interpreter down, after flushing: a large report
        through a pipe arrives whole, with the status of the findings."""
        for n in range(300):
            write(tmp_path / f"p{n:03d}.json", {"id": n, "Title": "x" * n, "media": []})
        result = run("lint", "--isolated", "--format", "json", tmp_path)
        found = json.loads(result.stdout)
        assert len(found) == 300 * 4  # id's type, Title unknown, no board, no media
        assert result.returncode == 1

    def test_a_reader_that_goes_away_is_no_error(self, tmp_path: Path) -> None:
        """`pinrules lint ... | head -1`: the rest is dropped quietly, no traceback."""
        import subprocess
        import sys

        for n in range(300):
            write(tmp_path / f"p{n:03d}.json", {"media": []})
        command = f"{sys.executable} -m pinrules lint --isolated {tmp_path} | head -1"
        done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
        assert done.stdout.count("\n") == 1
        assert "Traceback" not in done.stderr
