"""The seams between packages: public APIs only, one error tree each, light start-up."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import pinrules
import publisher
import service

from .helpers import ROOT, write

PACKAGES = {"pinrules": pinrules, "publisher": publisher, "service": service}


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def _imports(path: Path) -> list[str]:
    """Every module an import statement in the file names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


class TestImports:
    @pytest.mark.parametrize("package", ["pinrules", "publisher", "service"])
    def test_no_private_module_of_a_package_is_imported_from_outside_it(self, package: str) -> None:
        """Outside `package/`, only its public names are imported: never `package._module`."""
        folders = ("pinrules", "publisher", "service", "tests", "bench", "scripts", "examples")
        outside = [p for p in _python_files(*folders)
                   if p.relative_to(ROOT).parts[0] != package]  # fmt: skip
        offenders = [
            f"{path.relative_to(ROOT)}: {name}"
            for path in outside
            for name in _imports(path)
            if name.startswith(f"{package}._")
        ]
        assert offenders == []

    def test_the_engine_never_imports_the_publisher(self) -> None:
        """pinrules/ names no publisher module (the publisher registers itself by entry point)."""
        offenders = [
            f"{p.relative_to(ROOT)}: {n}"
            for p in _python_files("pinrules")
            for n in _imports(p)
            if n.split(".")[0] == "publisher"
        ]
        assert offenders == []

    def test_the_engine_and_the_publisher_never_import_the_service(self) -> None:
        """service -> publisher -> pinrules: nothing below names the service."""
        offenders = [
            f"{p.relative_to(ROOT)}: {n}"
            for p in _python_files("pinrules", "publisher")
            for n in _imports(p)
            if n.split(".")[0] == "service"
        ]
        assert offenders == []

    def test_no_test_module_imports_another(self) -> None:
        """Test modules share helpers through helper modules, never through each other."""
        offenders = [
            f"{p.name}: {n}"
            for p in _python_files("tests")
            for n in _imports(p)
            if n.split(".")[-1].startswith("test_") or ".test_" in n or n.endswith("conftest")
        ]
        assert offenders == []


class TestPublicApi:
    @pytest.mark.parametrize("name", sorted(PACKAGES))
    def test_every_public_name_resolves(self, name: str) -> None:
        """Each name in __all__ can be imported, and nothing else is offered lazily."""
        package = PACKAGES[name]
        for public in package.__all__:
            assert getattr(package, public) is not None, public
        with pytest.raises(AttributeError):
            package.no_such_name  # noqa: B018

    def test_readme_lists_the_public_api(self) -> None:
        """README "From Python" names every public name of the three packages."""
        section = (ROOT / "README.md").read_text(encoding="utf-8").split("## From Python", 1)[1]
        section = section.split("\n## ", 1)[0]
        missing = [f"{n}.{p}" for n, pkg in PACKAGES.items() for p in pkg.__all__ if f"`{p}`" not in section]
        assert missing == []


# the language's protocols: a missing attribute, an immutable one, an unexpected argument
_PROTOCOL_ERRORS = {
    "__getattr__": "AttributeError",
    "__setattr__": "AttributeError",
    "__delattr__": "AttributeError",
    "__init__": "TypeError",
}


def _raised_names(path: Path) -> list[str]:
    """What `raise X(...)` statements name, except the errors of the language's protocols raised
    where Python would raise them (AttributeError in `__getattr__`, say)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    protocol = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name in _PROTOCOL_ERRORS
        for node in ast.walk(function)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id == _PROTOCOL_ERRORS[function.name]
    }
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and id(node) not in protocol:
            func = node.exc.func
            names.append(func.id if isinstance(func, ast.Name) else ast.unparse(func))
    return names


def _raised_class(module: object, name: str) -> object:
    """The class a raise names: directly, or through a factory's return annotation (a function,
    or a method called on `self`: looked up on the module's classes)."""
    target = module
    if name.startswith("self."):
        classes = [c for c in vars(module).values() if isinstance(c, type) and hasattr(c, name[5:])]
        target = getattr(classes[0], name[5:], None) if classes else None
    else:
        for part in name.split("."):
            target = getattr(target, part, None)
    if callable(target) and not isinstance(target, type):
        target = typing.get_type_hints(target).get("return")
    return target


class TestErrorTrees:
    @pytest.mark.parametrize("package", ["pinrules", "publisher", "service"])
    def test_every_raised_class_is_in_the_tree(self, package: str) -> None:
        """What library code raises descends from PinrulesError (web responses, the service's
        `Problem` answers among them, and the argparse machinery aside)."""
        offenders = []
        for path in _python_files(package):
            if path.name == "__main__.py":
                continue
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for name in _raised_names(path):
                if name.startswith("web.HTTP"):  # the stand-in's answers, not errors of ours
                    continue
                target = _raised_class(module, name)
                if getattr(target, "__qualname__", "") == "Problem" and package == "service":
                    continue  # the service's problem+json answers, raised to end a handler
                if not (isinstance(target, type) and issubclass(target, pinrules.PinrulesError)):
                    offenders.append(f"{path.relative_to(ROOT)}: raise {name}")
        assert offenders == []

    @pytest.mark.parametrize("name", ["pinrules", "publisher"])
    def test_the_tree_is_drawn_with_every_class(self, name: str) -> None:
        """The errors module's docstring names every error class the package exports."""
        errors = importlib.import_module(f"{name}._errors")
        drawn = errors.__doc__ or ""
        exported = [getattr(PACKAGES[name], n) for n in PACKAGES[name].__all__]
        classes = [c.__name__ for c in exported if isinstance(c, type) and issubclass(c, Exception)]
        assert classes
        assert [c for c in classes if c not in drawn] == []

    def test_publisher_errors_hang_below_pinrules(self) -> None:
        """One root: `except pinrules.PinrulesError` catches what the publisher raises too."""
        assert issubclass(publisher.PublisherError, pinrules.PinrulesError)
        assert issubclass(publisher.ReauthRequired, publisher.PinterestError)
        assert issubclass(pinrules.ParseError, pinrules.PinrulesError)


def _modules_after(*args: str, cwd: Path | None = None) -> set[str]:
    """The modules imported by one run of `pinrules ARGS` (from -X importtime), with no token
    in the environment (a dry run with one looks the board up)."""
    env = {k: v for k, v in os.environ.items() if k != "PINTEREST_ACCESS_TOKEN"}
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "pinrules", *args],
                         capture_output=True, text=True, cwd=cwd, check=False, env=env)  # fmt: skip
    return {
        line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")
    }


class TestStartUp:
    @pytest.mark.parametrize(
        "args",
        [
            ["--version"],
            ["--help"],
            ["lint", "--help"],
            ["publish", "--help"],
            ["serve", "--help"],
            ["apikeys", "list", "--help"],
        ],
    )
    def test_help_and_version_import_only_the_command_line(self, args: list[str]) -> None:
        """No engine, YAML, HTTP or validation library just to print help or the version."""
        modules = _modules_after(*args)
        heavy = {
            "yaml",
            "aiohttp",
            "jsonschema",
            "pydantic",
            "pinrules._engine",
            "publisher._client",
            "standardwebhooks",
            "service._app",
        }
        assert modules & heavy == set()

    def test_a_warm_lint_imports_no_http_validation_or_model_library(self, tmp_path: Path) -> None:
        """Linting (with the rule cache warm) needs neither aiohttp, jsonschema nor pydantic, nor
        dataclasses (with inspect, 9 ms of a 55 ms lint: its records are NamedTuples and plain
        classes)."""
        post = write(tmp_path / "post.json", {"media": []})
        subprocess.run(
            [sys.executable, "-m", "pinrules", "lint", str(post)], capture_output=True, check=False
        )
        modules = _modules_after("lint", str(post))
        assert {"pinrules._engine", "pinrules._json"} <= modules  # it did lint
        assert {m for m in modules if m.split(".")[0] in ("aiohttp", "jsonschema", "pydantic")} == set()
        assert {"dataclasses", "inspect"} & modules == set()

    def test_yaml_is_loaded_for_yaml_files_only(self, tmp_path: Path) -> None:
        """A JSON post (and the built-in rules, from the warm cache) never load PyYAML (and the
        OpenSSL of hashlib, or platformdirs, or tomllib without a [tool.pinrules]); a YAML post does."""
        write(tmp_path / "pyproject.toml", "[project]\nname = 'soup-shop'\n")
        json_post = write(tmp_path / "post.json", {"media": []})
        yaml_post = write(tmp_path / "post.yaml", "media: []\n")
        subprocess.run([sys.executable, "-m", "pinrules", "lint", str(json_post)], capture_output=True,
                       check=False, cwd=tmp_path)  # fmt: skip
        modules = _modules_after("lint", str(json_post), cwd=tmp_path)
        assert {"yaml", "hashlib", "platformdirs", "tomllib"} & modules == set()
        assert "yaml" in _modules_after("lint", str(yaml_post), cwd=tmp_path)

    def test_a_dry_run_of_a_local_image_imports_no_http_library(self, tmp_path: Path) -> None:
        """`publish --dry-run` of a local image sends nothing, so it loads no aiohttp or pydantic."""
        (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 60)
        post = {"id": "a", "media": [{"kind": "image", "path": "a.jpg"}],
                "options": {"pinterest": {"boardId": "1"}}}  # fmt: skip
        write(tmp_path / "post.json", post)
        modules = _modules_after("publish", "--dry-run", "--isolated", "post.json", cwd=tmp_path)
        assert "publisher._publish" in modules
        assert {m for m in modules if m.split(".")[0] in ("aiohttp", "pydantic", "jsonschema")} == set()


def test_entry_point_registers_the_publisher_and_the_service() -> None:
    """The installed distribution names publisher's and the service's register functions."""
    found = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m, json; "
         "print(json.dumps([e.value for e in m.entry_points(group='pinrules.commands')]))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert {"publisher._commands:register", "service._commands:register"} <= set(json.loads(found.stdout))


@pytest.mark.parametrize(
    "env",
    [{"HOME": "/home/ana"}, {"HOME": "/home/ana", "XDG_CACHE_HOME": "/var/cache/ana", "XDG_DATA_HOME": "/d"},
     {"HOME": "/home/ana", "XDG_CACHE_HOME": "relative/ignored", "XDG_DATA_HOME": ""}],
)  # fmt: skip
def test_user_folders_are_platformdirs_folders(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The cache and data folders found without importing platformdirs are the ones it finds."""
    import platformdirs

    for name in ("PINRULES_CACHE_DIR", "PINRULES_DATA_DIR", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert pinrules.cache_dir() == platformdirs.user_cache_path("pinrules")
    assert pinrules.data_dir() == platformdirs.user_data_path("pinrules")
