"""The rule compiler: nothing from a rule file or the cache runs as code, its source is visible,
and hostile or odd rules still agree with the plain reference interpreter."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinrules import Preflight, RuleFileError, to_pointer

from . import reference
from .helpers import ROOT, run, write
from .strategies import json_objects, json_values, valid_posts

SHIPPED = ROOT / "pinrules" / "_builtin_engine.py"
SHIPPED_HEAD = '''"""The built-in rules' engine, as `_compiler` generates it: shipped in the package so that
it is byte-compiled when pinrules is installed, instead of compiled by every run (3 ms).

Generated, do not edit: tests/test_compiler.py checks that it is current (regenerate with
UPDATE_SNAPSHOTS=1 python -m pytest tests/test_compiler.py -k shipped). A stale copy is never
run: `_compiler` uses the code of `run` only when SOURCE is exactly the source the rules give,
and runs it with that rule set's constants.
"""

'''
# text that would do something if it were ever pasted into generated code
PAYLOADS = [
    "'); open('PWNED', 'w').write('x'); ('",
    '"); open("PWNED", "w").write("x"); ("',
    "'''\nopen('PWNED', 'w').write('x')\n'''",
    '"""\nopen("PWNED", "w").write("x")\n"""',
    "\\'; import os; os.system('touch PWNED') #",
    "x\n    open('PWNED', 'w').write('x')\n# ",
    "{value} {key} \\ \x00 \u2028 end",
]


def _rule(code: str, **fields: Any) -> dict[str, Any]:
    """A house rule with its examples; fields override."""
    base: dict[str, Any] = {
        "code": code,
        "severity": "warning",
        "phase": "static",
        "summary": "An adversarial rule.",
        "message": "found {value}",
        "fix": "Do something.",
        "examples": {"pass": [{"post": {}}], "fail": [{"post": {"media": 1}}]},
        "given": "",
        "then": {"path": "/media", "exists": False},
    }
    return {**base, **fields}


def _adversarial_rules(folder: Path) -> list[str]:
    """House rules that carry a payload in every field that reaches the compiler or a message."""
    codes = []
    for n, payload in enumerate(PAYLOADS):
        code = f"house.payload.p{n}"
        token = payload.replace("~", "~0").replace("/", "~1")
        rule = _rule(
            code,
            summary="payload " + payload.replace("\n", " ")[:80],
            message=f"{payload} {{value}}",
            fix=payload,
            description=payload,
            source=payload,
            given=f"/{token}",
            when={
                "any": [{"path": f"/{token}", "equals": payload}, {"path": f"$/{token}", "in": [payload, 1]}]
            },
            then={"all": [{"path": f"/{token}", "exists": False}, {"pattern": "^[^'\"]*$"}]},
            at=f"$/{token}",
            examples={"pass": [{"post": {}}], "fail": [{"post": {payload: {payload: payload}}}]},
        )
        write(folder / f"{code}.yaml", json.dumps(rule))
        codes.append(code)
    return codes


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Preflight, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    _adversarial_rules(folder / "rules")
    return Preflight([folder / "rules"]), folder


class TestNothingRunsAsCode:
    def test_payloads_compile_and_check_without_running(
        self, hostile: tuple[Preflight, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Every payload is data: checking posts that trigger them creates no file, and the
        messages carry the payload text as it was written."""
        preflight, folder = hostile
        monkeypatch.chdir(folder)
        for payload in PAYLOADS:
            found = preflight.check({payload: {payload: payload}})
            assert any(payload in d.message for d in found if d.rule.startswith("house.payload"))
        assert not (folder / "PWNED").exists()
        assert not Path("PWNED").exists()

    def test_payloads_appear_in_the_source_only_as_string_literals(
        self, hostile: tuple[Preflight, Path]
    ) -> None:
        """Path tokens enter the generated source as repr() literals: parsed, the source holds
        the payloads only inside string constants, and calls nothing a payload names."""
        source = hostile[0].compiled_source
        tree = ast.parse(source)
        called = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert called.isdisjoint({"open", "os.system", "__import__", "exec", "eval"})
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert names.isdisjoint({"open", "os", "PWNED"})
        literals = [
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        assert sum("PWNED" in text for text in literals) >= len(PAYLOADS) - 1
        assert "# rule 'house.payload.p0'" in source

    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(post=json_values | json_objects | st.sampled_from([{p: {p: p}} for p in PAYLOADS]))
    def test_hostile_rules_agree_with_the_reference(self, hostile: tuple[Preflight, Path], post: Any) -> None:
        """The compiled hostile rules find exactly what the plain interpreter finds."""
        preflight = hostile[0]
        expected = reference.findings(preflight.rules, post)
        assert [(d.rule, d.pointer) for d in preflight.check(post)] == [
            (code, to_pointer(where)) for code, where in expected
        ]


class TestOddPaths:
    @pytest.mark.parametrize("token", ["²", "٣", "01", "-1", "1e3", "0"])
    def test_unicode_digits_are_member_names_and_never_crash(self, tmp_path: Path, token: str) -> None:
        """A path token is an array index only when RFC 6901 says so ("0" or 1-9 then ASCII digits);
        anything else names a member, on objects and arrays alike, without an exception."""
        failing = {"post": {"media": {token: {token: 1}}}}
        rule = _rule("house.odd.path", given=f"/media/{token}", then={"path": f"/{token}", "exists": False},
                     examples={"pass": [{"post": {}}], "fail": [failing]})  # fmt: skip
        write(tmp_path / "rules" / "house.odd.path.yaml", json.dumps(rule))
        preflight = Preflight([tmp_path / "rules"], select=["house"])
        for post in (
            {"media": {token: {token: 1}}},
            {"media": [{token: 1}, [1, 2]]},
            {"media": [[0], [0, 1]]},
        ):
            expected = reference.findings(preflight.rules, post)
            assert [(d.rule, d.pointer) for d in preflight.check(post)] == [
                (c, to_pointer(w)) for c, w in expected
            ]


class TestRuleFileChecks:
    def test_a_code_with_a_trailing_newline_is_refused(self, tmp_path: Path) -> None:
        """'house.x\\n' is not a code, even in a file whose name ends the same way."""
        rules = tmp_path / "rules"
        write(rules / "house.x\n.yaml", json.dumps(_rule("house.x\n")))
        with pytest.raises(RuleFileError, match="dotted lower-case words"):
            Preflight([rules])


class TestCache:
    def _cache_files(self, folder: Path) -> list[Path]:
        return sorted(folder.glob("rules-*.json"))

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda body: body.replace('"max_length": 100', '"max_length": 100000'),
            lambda body: "[]",
            lambda body: "[1]",
            lambda body: '{"key": 1}',
            lambda body: body[: len(body) // 2],
            lambda body: body.replace('"severity": "error"', '"severity": "info"'),
        ],
        ids=["limit", "empty-list", "one", "foreign", "truncated", "severity"],
    )
    def test_an_edited_cache_changes_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: Any
    ) -> None:
        """A cache file that was edited is not trusted: the rules are validated again and the
        results are those of the rule files."""
        monkeypatch.setenv("PINRULES_CACHE_DIR", str(tmp_path))
        post = {"title": "x" * 101, "media": []}
        before = [(d.rule, d.severity) for d in Preflight().check(post)]
        (cache,) = self._cache_files(tmp_path)
        cache.write_text(tamper(cache.read_text(encoding="utf-8")), encoding="utf-8")
        assert [(d.rule, d.severity) for d in Preflight().check(post)] == before
        assert ("pinterest.title.max_length", "error") in before

    def test_a_valid_cache_is_used(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An untouched cache is read back (the second load does not write it again)."""
        monkeypatch.setenv("PINRULES_CACHE_DIR", str(tmp_path))
        Preflight()
        (cache,) = self._cache_files(tmp_path)
        os.utime(cache, (1, 1))
        Preflight()
        assert cache.stat().st_mtime > 1  # touched as recently used, not replaced
        assert len(self._cache_files(tmp_path)) == 1


class TestVisibleSource:
    def test_show_compiled_prints_the_generated_function(self) -> None:
        """`pinrules rules --show-compiled` prints the source that lint runs."""
        result = run("rules", "--show-compiled", "--isolated")
        assert result.returncode == 0
        assert result.stdout.startswith("def run(post, account):")
        assert "# rule 'pinterest.title.max_length'" in result.stdout

    @pytest.mark.parametrize("ignore", [(), ("pinterest.video.cover_required",)], ids=["shipped", "compiled"])
    def test_tracebacks_show_generated_lines(self, ignore: tuple[str, ...]) -> None:
        """An exception raised inside the generated function has its line in the traceback,
        whether it runs on the shipped engine or on one compiled at run time."""

        class Exploding(dict[str, Any]):
            def get(self, key: str, default: Any = None) -> Any:
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError) as caught:
            Preflight(ignore=ignore).check(Exploding(media=[]))
        frames = traceback.extract_tb(caught.value.__traceback__)
        generated = [f for f in frames if f.name == "run"]
        assert generated
        assert ".get(" in (generated[-1].line or "")

    def test_the_shipped_engine_is_the_built_in_rules_source(self, preflight: Preflight) -> None:
        """The engine shipped for the built-in rules is the reviewed source they compile to
        (regenerate with UPDATE_SNAPSHOTS=1 when a rule or the compiler changes on purpose)."""
        source = preflight.compiled_source
        text = f"{SHIPPED_HEAD}SOURCE = {source!r}\n\n\n{source}\n"
        if os.environ.get("UPDATE_SNAPSHOTS"):
            SHIPPED.write_text(text, encoding="utf-8")
        assert text == SHIPPED.read_text(encoding="utf-8")

    def test_the_built_in_rules_run_on_the_shipped_engine(self, tmp_path: Path) -> None:
        """The built-in rules are not compiled at run time (no generated source is registered);
        another rule set is, with the same findings, and without loading the shipped module
        (compiled, it costs nothing; without bytecode, as much as the compile it saves)."""
        program = (
            "import linecache, sys, pinrules\n"
            "post = {'title': 5, 'media': []}\n"
            "for ignore in (('pinterest.video.cover_required',), ()):\n"
            "    found = [d.rule for d in pinrules.Preflight(ignore=ignore).check(post)]\n"
            "    registered = any(name.startswith('<pinrules rules') for name in linecache.cache)\n"
            "    print(registered, 'pinrules._builtin_engine' in sys.modules, found)\n"
        )
        found = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path,
                               check=True)  # fmt: skip
        compiled, shipped = found.stdout.splitlines()
        assert compiled.startswith("True False [")
        assert shipped.startswith("True True [")  # the first set's source stays registered
        assert shipped.removeprefix("True True") == compiled.removeprefix("True False")

    def test_a_default_preflight_registers_no_generated_source(self, tmp_path: Path) -> None:
        """With only the built-in rules, nothing is compiled at run time."""
        program = "import linecache, pinrules\npinrules.Preflight()\nprint(sorted(linecache.cache))"
        found = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path,
                               check=True)  # fmt: skip
        assert "<pinrules rules" not in found.stdout


class TestHouseRulesAgree:
    @settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(post=json_values | json_objects | valid_posts())
    def test_with_the_example_house_rules(self, post: Any) -> None:
        """Built-in plus the example house rules: compiled == reference."""
        preflight = _with_house_rules()
        expected = reference.findings(preflight.rules, post)
        assert [(d.rule, d.pointer) for d in preflight.check(post)] == [
            (code, to_pointer(where)) for code, where in expected
        ]


_HOUSE: list[Preflight] = []


def _with_house_rules() -> Preflight:
    if not _HOUSE:
        _HOUSE.append(Preflight([ROOT / "examples" / "house-rules"]))
    return _HOUSE[0]
