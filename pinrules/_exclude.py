"""Which files in a folder are posts: the post suffixes, minus what is excluded.

A folder holds more than posts: package.json, tsconfig.json, CI files, dependencies. Linting
them as posts gives a dozen bogus errors each, so well-known non-post files and folders are
excluded by default (as ruff excludes .venv and node_modules), more can be excluded by glob, and
inside a git work tree what git ignores is skipped (one `git check-ignore` for all candidates).

A pattern without a slash matches a file or folder name anywhere below the folders searched
(`drafts`, `*.schema.json`); a pattern with a slash matches the path from the settings file's
folder (or the working folder, for flags): `posts/old/*`. Files named on the command line are
always linted, unless `force_exclude` (pre-commit passes every changed file by name).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from fnmatch import translate
from functools import cached_property
from pathlib import Path

POST_SUFFIXES = (".json", ".yaml", ".yml")

# Files and folders that are never posts, by name. Why each group:
DEFAULT_EXCLUDE = (
    # hidden files and folders: version control (.git), CI (.github, .gitlab-ci.yml, .circleci),
    # tool settings (.pre-commit-config.yaml, .eslintrc.json, .vscode), virtual envs (.venv)
    ".*",
    # dependencies, build output and caches of package managers and build tools
    "node_modules",
    "bower_components",
    "vendor",
    "venv",
    "site-packages",
    "__pypackages__",
    "__pycache__",
    "build",
    "dist",
    "_build",
    # JavaScript / TypeScript / PHP project files
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "composer.json",
    "tsconfig*.json",
    "jsconfig*.json",
    "deno.json",
    "bower.json",
    "lerna.json",
    "nx.json",
    "turbo.json",
    "biome.json",
    "renovate.json",
    "vercel.json",
    "firebase.json",
    # containers, CI and documentation tools
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose.yml",
    "compose.yaml",
    "action.yml",
    "action.yaml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "appveyor.yml",
    "codecov.yml",
    "mkdocs.yml",
    "environment.yml",
    "_config.yml",
    # schemas and API descriptions (a post schema beside the posts, for editors)
    "*.schema.json",
    "openapi.json",
    "openapi.yaml",
    "swagger.json",
    "swagger.yaml",
)


def _one_regex(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression for several globs: one match per name, however many globs."""
    parts = [translate(pattern) for pattern in patterns]
    return re.compile("|".join(f"(?:{part})" for part in parts)) if parts else None


class Exclusion:
    """Globs by name and by path, plus files excluded by their exact path (pinrules' own files:
    the accounts file, baselines, rule folders)."""

    def __init__(
        self,
        names: list[str] | None = None,
        paths: list[str] | None = None,
        exact: set[str] | None = None,
        force: bool = False,
        respect_gitignore: bool = True,
    ) -> None:
        self.names = names if names is not None else list(DEFAULT_EXCLUDE)
        self.paths = paths if paths is not None else []  # absolute path globs
        self.exact = exact if exact is not None else set()  # absolute paths
        self.force = force  # apply to files named on the command line too
        self.respect_gitignore = respect_gitignore

    def __repr__(self) -> str:
        return (
            f"Exclusion(names={self.names!r}, paths={self.paths!r}, exact={self.exact!r}, "
            f"force={self.force!r}, respect_gitignore={self.respect_gitignore!r})"
        )

    # compiled at the first folder walked or forced check (a few ms: one file named on the
    # command line never needs them)
    @cached_property
    def _names(self) -> re.Pattern[str] | None:
        return _one_regex(self.names)

    @cached_property
    def _paths(self) -> re.Pattern[str] | None:
        return _one_regex(self.paths)

    @classmethod
    def of_globs(cls, globs: Iterable[tuple[str, Path]], exact: set[str], *, force: bool,
                 respect_gitignore: bool) -> Exclusion:  # fmt: skip
        """From (glob, folder) pairs: a glob with a slash is anchored at its folder."""
        names, paths = [], []
        for glob, base in globs:
            text = glob.strip().removeprefix("./").rstrip("/")
            if "/" in text:
                paths.append(os.path.join(os.path.abspath(base), text))
            elif text:
                names.append(text)
        return cls(names, paths, exact, force, respect_gitignore)

    def excludes(self, path: str, name: str) -> bool:
        """Whether the file or folder at `path` (absolute), called `name`, is excluded."""
        return bool(
            (self._names is not None and self._names.match(name))
            or (self._paths is not None and self._paths.match(path))
            or path in self.exact
        )

    def excludes_named(self, path: str, root: Path) -> bool:
        """For a path named on the command line: the file, and each of its folders below `root`."""
        full = os.path.abspath(path)
        if self.excludes(full, os.path.basename(full)):
            return True
        parent = Path(full).parent
        base = os.path.abspath(root)
        while str(parent).startswith(base + os.sep):
            if self.excludes(str(parent), parent.name):
                return True
            parent = parent.parent
        return False


class Ignored:
    """What git ignores under the folders searched: files, and whole folders (absolute paths)."""

    __slots__ = ("files", "folders")

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def __contains__(self, path: str) -> bool:
        return path in self.files or path in self.folders

    def covers(self, path: str) -> bool:
        """The path, or a folder above it, is ignored (for files named on the command line)."""
        full = os.path.abspath(path)
        return full in self or any(str(parent) in self.folders for parent in Path(full).parents)


def walk(root: str, exclusion: Exclusion, ignored: Ignored | None = None) -> Iterator[str]:
    """The post files under `root`, in sorted order, leaving out excluded files and folders and
    what git ignores (`ignored`). `root` itself was named: it is searched whatever its name."""
    ignored = ignored if ignored is not None else Ignored()
    for directory, subdirs, files in os.walk(root):
        here = os.path.abspath(directory)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not exclusion.excludes(full := os.path.join(here, d), d) and full not in ignored
        )
        for file in sorted(files):
            if file.endswith(POST_SUFFIXES):
                full = os.path.join(here, file)
                if not exclusion.excludes(full, file) and full not in ignored:
                    yield os.path.join(directory, file)


def _work_tree(path: str) -> str | None:
    """The top of the git work tree holding `path` (a folder with a .git entry), or None."""
    current = Path(os.path.abspath(path))
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return str(folder)
    return None


def git_ignored(paths: Iterable[str]) -> Ignored:
    """What git ignores (.gitignore files, .git/info/exclude, the global excludes file) under
    `paths`: untracked files and folders only (a tracked file is never ignored).

    One `git ls-files` per work tree, whatever the number of files: an ignored folder is one
    line, and never searched. No git, or paths outside any work tree: nothing is ignored
    (silently; ignoring is a convenience)."""
    by_tree: dict[str, list[str]] = {}
    for path in paths:
        full = os.path.abspath(path)
        tree = _work_tree(full if os.path.isdir(full) else os.path.dirname(full))
        if tree is not None:
            by_tree.setdefault(tree, []).append(os.path.relpath(full, tree))
    ignored = Ignored()
    if not by_tree:
        return ignored
    import subprocess  # noqa: PLC0415 - only inside git work trees

    for tree, specs in by_tree.items():
        command = ["git", "--literal-pathspecs", "ls-files", "-z", "--others", "--ignored",
                   "--exclude-standard", "--directory", "--", *specs]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, cwd=tree, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode != 0:  # not a work tree after all, or a git too old: nothing ignored
            continue
        for entry in map(os.fsdecode, filter(None, done.stdout.split(b"\0"))):
            full = os.path.join(tree, entry.rstrip("/"))
            (ignored.folders if entry.endswith("/") else ignored.files).add(full)
    return ignored
