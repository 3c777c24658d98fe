"""Where a media `path` may lead: inside the post file's folder or the project, unless allowed.

A post file is data, often written by someone else: its `media[].path` must not make pinrules
read (and upload) any file the process can read. By default a path must resolve, after
following symlinks, inside the post file's folder or the project root (the folder holding the
settings file, else the git root); `media-folders` in `[tool.pinrules]` allows more folders.

Two checks, with one code (`post.media.path_outside`):
- lexical, without touching the disk: an absolute, `~` or `..` path that leaves every allowed
  folder (what `pinrules lint` reports offline);
- resolved: the real path after every symlink, when the files are looked at (`--online`, and
  when publishing, where the file that is sent is the one opened and checked).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._files import FileFacts, resolve_media_path

if TYPE_CHECKING:
    from ._config import Settings
    from ._diagnostic import Diagnostic
    from ._documents import Document
    from ._engine import Preflight
    from ._online import Finding

CODE = "post.media.path_outside"


def git_root(start: Path) -> Path | None:
    """The nearest folder from `start` upwards that holds `.git` (a folder, or a worktree's file)."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class MediaFolders(NamedTuple):
    """The folders media paths may lead into, besides each post file's own folder."""

    project_root: Path | None = None
    allowed: tuple[Path, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaFolders:
        """The settings file's folder (else the git root of the working folder) and `media-folders`."""
        root = settings.root if settings.source else git_root(Path.cwd())
        return cls(root, tuple(Path(folder) for folder in settings.media_folders))

    @classmethod
    def discover(cls, start: Path | None = None) -> MediaFolders:
        """The project around `start` (default: the working folder): the nearest folder with a
        pyproject.toml that has [tool.pinrules], else the git root. No folder allowed besides."""
        from ._config import find_pyproject  # noqa: PLC0415

        start = start or Path.cwd()
        settings_file = find_pyproject(start)
        return cls(settings_file.resolve().parent if settings_file else git_root(start))

    def folders(self, base_dir: Path) -> list[Path]:
        project = [self.project_root] if self.project_root is not None else []
        return [base_dir, *project, *self.allowed]

    def _lexical(self, base_dir: Path) -> list[str]:
        spelled = [os.path.abspath(folder) for folder in self.folders(base_dir)]
        return spelled + [os.path.realpath(folder) for folder in spelled]

    def _real(self, base_dir: Path) -> list[str]:
        return [os.path.realpath(folder) for folder in self.folders(base_dir)]

    def outside_as_written(self, value: str, base_dir: Path) -> bool:
        """True when the path as written (absolute, `~` or `..`) leaves every allowed folder.

        Only the spelling is looked at (no symlink is followed): the offline check."""
        if not (os.path.isabs(value) or value.startswith("~") or ".." in Path(value).parts):
            return False  # relative and without `..`: inside the post's folder as written
        target = os.path.normpath(os.path.abspath(resolve_media_path(value, base_dir)))
        return not any(_within(target, folder) for folder in self._lexical(base_dir))

    def contains(self, real_path: str, base_dir: Path) -> bool:
        """True when `real_path` (already resolved: no symlink left in it) lies in an allowed folder."""
        return any(_within(real_path, folder) for folder in self._real(base_dir))

    def outside_resolved(self, value: str, base_dir: Path) -> bool:
        """True when the path, after following every symlink, leaves every allowed folder."""
        try:
            real = os.path.realpath(resolve_media_path(value, base_dir))
        except (OSError, ValueError):
            return False  # a name no file can have: post.media.path_readable says so
        return not self.contains(real, base_dir)


def _media_paths(post: Any) -> Iterator[tuple[int, str]]:
    media = post.get("media") if isinstance(post, dict) else None
    for index, item in enumerate(media if isinstance(media, list) else []):
        value = item.get("path") if isinstance(item, dict) else None
        if isinstance(value, str) and value:
            yield index, value


def media_outside_findings(
    post: Any,
    base_dir: Path,
    folders: MediaFolders,
    *,
    resolve: bool,
    checked: Mapping[str, FileFacts] | None = None,
) -> list[Finding]:
    """`post.media.path_outside` for each media path leaving the allowed folders: as written,
    and with `resolve` also after following symlinks, except for the paths in `checked` (see
    `OnlinePost.checked`: files whose caller vouches for them, and opens them with this check
    itself before it sends them)."""
    checked = checked or {}
    findings: list[Finding] = []
    for index, value in _media_paths(post):
        where: tuple[str | int, ...] = ("media", index, "path")
        if folders.outside_as_written(value, base_dir):
            findings.append((CODE, where, f"{value!r} leads outside the post's folder and the project"))
        elif resolve and value not in checked and folders.outside_resolved(value, base_dir):
            message = f"{value!r} is a link to a file outside the post's folder and the project"
            findings.append((CODE, where, message))
    return findings


def path_diagnostics(
    preflight: Preflight, documents: list[Document], folders: MediaFolders | None, *, resolve: bool
) -> list[Diagnostic]:
    """`post.media.path_outside` for the post files of a lint run (`folders` None: discovered)."""
    found: list[Diagnostic] = []
    for document in documents:
        if next(_media_paths(document.value), None) is None:
            continue  # most posts name no local file: no need to find the project
        folders = folders or MediaFolders.discover()
        findings = media_outside_findings(
            document.value, Path(document.name).parent, folders, resolve=resolve
        )
        found += preflight.probe_diagnostics(findings, document)
    return found
