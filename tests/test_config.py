"""[tool.pinrules] settings, their precedence under command-line flags, and bad config files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from .helpers import GOOD, run, write


def _project(tmp_path: Path, config: str) -> Path:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n" + textwrap.dedent(config))
    return tmp_path


def _codes(result) -> list[str]:
    return sorted({d["rule"] for d in json.loads(result.stdout)})


BROKEN = {**GOOD, "title": 5, "media": []}  # post.field.type, pinterest.media.required


class TestSettingsFile:
    def test_nearest_pyproject_is_found_from_a_subfolder(self, tmp_path: Path) -> None:
        """Running inside the project picks up [tool.pinrules] from the folder above."""
        _project(tmp_path, '[tool.pinrules]\nignore = ["post.field"]\n')
        write(tmp_path / "posts" / "p.json", BROKEN)
        result = run("lint", "--format", "json", "p.json", cwd=tmp_path / "posts")
        assert _codes(result) == ["pinterest.media.required"]

    def test_select_extend_select_and_severity(self, tmp_path: Path) -> None:
        """select narrows, extend-select adds back, severity downgrades to a warning (exit 0)."""
        _project(
            tmp_path,
            """
            [tool.pinrules]
            select = ["pinterest.media"]
            extend-select = ["post.field.type"]
            [tool.pinrules.severity]
            "pinterest" = "warning"
            "post" = "warning"
        """,
        )
        post = write(tmp_path / "p.json", BROKEN)
        result = run("lint", "--format", "json", post, cwd=tmp_path)
        diagnostics = json.loads(result.stdout)
        assert {(d["rule"], d["severity"]) for d in diagnostics} == {
            ("pinterest.media.required", "warning"),
            ("post.field.type", "warning"),
        }
        assert result.returncode == 0

    def test_fail_on_warning(self, tmp_path: Path) -> None:
        """fail-on = "warning" makes a warning fail the run."""
        _project(
            tmp_path, '[tool.pinrules]\nfail-on = "warning"\n[tool.pinrules.severity]\n"post" = "warning"\n'
        )
        post = write(tmp_path / "p.json", {**GOOD, "title": 5})
        assert run("lint", post, cwd=tmp_path).returncode == 1

    def test_per_file_ignores_by_glob(self, tmp_path: Path) -> None:
        """Codes ignored for drafts/* are still reported elsewhere."""
        _project(
            tmp_path, '[tool.pinrules.per-file-ignores]\n"drafts/*" = ["pinterest.media", "post.field"]\n'
        )
        write(tmp_path / "drafts" / "d.json", {**BROKEN, "id": "draft-01"})
        write(tmp_path / "posts" / "p.json", BROKEN)
        result = run("lint", "--format", "json", "drafts", "posts", cwd=tmp_path)
        files = {(Path(d["file"]).parent.name, d["rule"]) for d in json.loads(result.stdout)}
        assert files == {("posts", "pinterest.media.required"), ("posts", "post.field.type")}

    def test_rules_dirs_and_accounts_are_relative_to_the_file(self, tmp_path: Path) -> None:
        """rules-dirs and accounts in the config resolve from the config's folder, not the cwd."""
        _project(tmp_path, '[tool.pinrules]\nrules-dirs = ["rules"]\naccounts = "accounts.yaml"\n')
        for rule in (Path(__file__).parent.parent / "examples" / "house-rules").glob("*.yaml"):
            write(tmp_path / "rules" / rule.name, rule.read_text(encoding="utf-8"))
        write(tmp_path / "accounts.yaml", "acc: {defaultBoardId: '1'}\n")
        post = write(tmp_path / "posts" / "p.json", {"accountId": "acc", "media": GOOD["media"]})
        result = run("lint", "--format", "json", post.name, cwd=tmp_path / "posts")
        assert _codes(result) == ["house.alt_text.required"]


class TestFlagsWin:
    def test_flags_override_the_file(self, tmp_path: Path) -> None:
        """--select, --ignore, --severity and --fail-on beat the same settings in pyproject.toml."""
        _project(
            tmp_path,
            """
            [tool.pinrules]
            select = ["post"]
            fail-on = "warning"
            [tool.pinrules.severity]
            "pinterest.media.required" = "warning"
        """,
        )
        post = write(tmp_path / "p.json", BROKEN)
        result = run("lint", "--format", "json", "--select", "pinterest", "--severity",
                     "pinterest.media.required=info", "--fail-on", "error", post, cwd=tmp_path)  # fmt: skip
        assert [(d["rule"], d["severity"]) for d in json.loads(result.stdout)] == [
            ("pinterest.media.required", "info")
        ]
        assert result.returncode == 0

    def test_isolated_ignores_the_file(self, tmp_path: Path) -> None:
        """--isolated runs with defaults even inside a configured project."""
        _project(tmp_path, '[tool.pinrules]\nignore = ["pinterest", "post"]\n')
        post = write(tmp_path / "p.json", BROKEN)
        assert run("lint", "--isolated", post, cwd=tmp_path).returncode == 1

    def test_explicit_config_file(self, tmp_path: Path) -> None:
        """--config names a settings file; a plain pinrules.toml has the keys at the top level."""
        write(tmp_path / "pinrules.toml", 'ignore = ["post.field", "pinterest.media"]\n')
        post = write(tmp_path / "p.json", BROKEN)
        assert run("lint", "--config", tmp_path / "pinrules.toml", post).returncode == 0

    def test_per_file_ignores_flag(self, tmp_path: Path) -> None:
        """--per-file-ignores GLOB=CODES works like the table."""
        post = write(tmp_path / "p.json", BROKEN)
        result = run("lint", "--isolated", "--per-file-ignores", "*.json=post,pinterest", post, cwd=tmp_path)
        assert result.returncode == 0


class TestBadConfig:
    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ("[tool.pinrules]\nselct = ['x']\n", "selct: unknown setting; known: select"),
            ("[tool.pinrules]\nselect = 'pinterest'\n", "select: must be a list of strings"),
            ("[tool.pinrules]\nfail-on = 'never'\n", 'fail-on: must be "error" or "warning"'),
            ("[tool.pinrules.severity]\npinterest = 'fatal'\n", "severity: must map codes"),
            ("[tool.pinrules\n", "invalid TOML"),
        ],
    )
    def test_bad_config_exits_2_naming_file_and_key(self, tmp_path: Path, config: str, message: str) -> None:
        """Each mistake is a usage error with the file, the key and what is allowed."""
        _project(tmp_path, config)
        result = run("lint", write(tmp_path / "p.json", GOOD), cwd=tmp_path)
        assert result.returncode == 2
        assert "pyproject.toml" in result.stderr
        assert message in result.stderr

    def test_bad_flag_values_exit_2(self, tmp_path: Path) -> None:
        """--severity without '=' or with an unknown level is a usage error."""
        post = write(tmp_path / "p.json", GOOD)
        assert run("lint", "--severity", "pinterest", post).returncode == 2
        assert "info" in run("lint", "--severity", "pinterest=loud", post).stderr


class TestAppSettings:
    def test_app_id_from_the_config_and_no_secret_in_files(self, tmp_path: Path) -> None:
        """app-id is read from [tool.pinrules]; an app-secret there is refused with what to do."""
        from pinrules import load_settings

        _project(tmp_path, '[tool.pinrules]\napp-id = "1234567"\n')
        assert load_settings(start=tmp_path).app_id == "1234567"
        _project(tmp_path, '[tool.pinrules]\napp-secret = "s3cret"\n')
        result = run("lint", write(tmp_path / "p.json", GOOD), cwd=tmp_path)
        assert result.returncode == 2
        assert "PINTEREST_APP_SECRET" in result.stderr
        assert "s3cret" not in result.stderr
