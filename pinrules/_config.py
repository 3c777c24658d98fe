"""Settings for `pinrules lint`: `[tool.pinrules]` in the nearest pyproject.toml, or --config.

    [tool.pinrules]
    select = ["pinterest", "post"]        # codes or prefixes; default: every rule
    extend-select = ["house"]             # added to select
    ignore = ["pinterest.feature"]
    rules-dirs = ["house-rules"]          # relative to this file
    accounts = "accounts.yaml"            # relative to this file
    fail-on = "error"                     # or "warning"
    allow-private-network = false         # online checks may reach private addresses
    online-cache-ttl = 0                  # seconds URL answers are reused across runs
    connect-timeout = 5                   # online checks: seconds to connect to a media server
    read-timeout = 10                     # online checks: seconds a media server may send nothing
    access-tier = "standard"              # your Pinterest app's: "trial" or "standard" (rate limits)
    rate-limit = 100                      # publishing: requests a second per account (default: the tier's)
    app-id = "1234567"                    # the Pinterest app for `pinrules accounts` (the secret:
                                          # PINTEREST_APP_SECRET, never a file)
    database = "postgresql://..."         # the scheduler's (default: SQLite in the data folder)
    media-folders = ["../photos"]         # media paths may also lead here (relative to this file)
    publish-deadline = 3600               # seconds a `pinrules publish` run may take in all
    max-retry-after = 60                  # a longer Retry-After ends the attempt, rate limited
    exclude = [".*", "node_modules"]      # globs; replaces the default list (see `_exclude`)
    extend-exclude = ["drafts", "old/*"]  # globs added to it (with a slash: relative to this file)
    respect-gitignore = true              # skip what git ignores, inside a git work tree
    force-exclude = false                 # exclude files named on the command line too
    max-findings-per-file = 100           # then one post.findings.truncated diagnostic; 0: no cap

    [tool.pinrules.severity]              # overrides, by code or prefix
    "pinterest.image.size_max" = "warning"

    [tool.pinrules.per-file-ignores]      # globs relative to this file
    "drafts/*" = ["pinterest.board.required"]

Command-line flags win over the file. A bad file is a UsageError naming the file, the key and
what is allowed. Each setting remembers where its value came from (`--show-settings`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from ._documents import UnreadableFile, read_post_bytes
from ._errors import UsageError
from ._exclude import DEFAULT_EXCLUDE, Exclusion
from .pinterest import ACCESS_TIERS

SEVERITIES = ("error", "warning", "info")
MAX_FINDINGS_PER_FILE = 100
_LIST_KEYS = ("select", "extend-select", "ignore", "rules-dirs", "exclude", "extend-exclude", "media-folders")
_SECONDS_KEYS = ("connect-timeout", "read-timeout", "publish-deadline", "max-retry-after")
_BOOLEAN_KEYS = ("allow-private-network", "respect-gitignore", "force-exclude")
SETTING_KEYS = (  # in the order --show-settings lists them
    *_LIST_KEYS,
    *_BOOLEAN_KEYS,
    "accounts",
    "fail-on",
    "severity",
    "per-file-ignores",
    "online-cache-ttl",
    "app-id",
    "database",
    *_SECONDS_KEYS,
    "max-findings-per-file",
    "rate-limit",
    "access-tier",
)
DEFAULT = "default"


class Settings:
    """The `[tool.pinrules]` settings (see SETTING_KEYS), defaults for those not given. (A plain
    class: the lint path imports no dataclasses.)"""

    def __init__(self, *, root: Path | None = None, source: str | None = None, **values: Any) -> None:
        self.select: list[str] = []
        self.extend_select: list[str] = []
        self.ignore: list[str] = []
        self.rules_dirs: list[str] = []
        self.accounts: str | None = None
        self.fail_on: str = "error"
        self.severity: dict[str, str] = {}
        self.per_file_ignores: dict[str, list[str]] = {}
        self.allow_private_network: bool = False
        self.online_cache_ttl: float = 0.0
        self.app_id: str | None = None  # the Pinterest app (its secret only ever from the environment)
        self.database: str | None = None  # the scheduler's: postgresql://... or sqlite:FOLDER
        self.media_folders: list[str] = []  # besides the post's folder and the project
        self.publish_deadline: float | None = None  # seconds
        self.max_retry_after: float | None = None  # seconds
        self.exclude: list[str] = list(DEFAULT_EXCLUDE)
        self.extend_exclude: list[str] = []
        self.respect_gitignore: bool = True
        self.force_exclude: bool = False
        self.max_findings_per_file: int = MAX_FINDINGS_PER_FILE
        self.connect_timeout: float = 5.0  # online checks (NetworkSettings)
        self.read_timeout: float = 10.0
        self.access_tier: str = "standard"  # the Pinterest app's: its documented rate limits (pinterest.py)
        self.rate_limit: float | None = None  # publishing, requests a second per account; None: the tier's
        self.root: Path = root if root is not None else Path.cwd()  # what relative globs are relative to
        self.source: str | None = source  # the file the settings came from
        # where each setting's value came from: the settings file or a flag ("default" when
        # neither); and which values of list settings were given by flags (errors name the flag,
        # and their path globs start at the working folder rather than at the settings file)
        self.origins: dict[str, str] = {}
        self.flag_values: dict[str, set[str]] = {}
        for name, value in values.items():  # Settings(select=["pinterest"]), as for a dataclass
            if name not in vars(self):
                raise TypeError(f"Settings() got an unexpected keyword argument {name!r}")
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"Settings(source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return _fields(self) == _fields(other)

    __hash__ = None  # type: ignore[assignment]  # changed by the flags

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT)

    def set_by(self, key: str, origin: str) -> None:
        """Record that `key` was set (or extended) by `origin` (a flag, or the file)."""
        known = self.origins.get(key)
        self.origins[key] = origin if known in (None, DEFAULT, origin) else f"{known}, then {origin}"

    def where(self, key: str, value: str) -> str:
        """Where one value of a list setting came from, as an error message names it."""
        flag = "--" + key
        if value in self.flag_values.get(key, set()) or self.source is None:
            return flag
        return f"{self.source}: [tool.pinrules] {key}"

    def exclusion(self, extra: Iterable[str] = ()) -> Exclusion:
        """The files to leave out: the exclude globs (path globs from the settings file start at
        its folder, those of flags at the working folder), plus `extra` exact paths."""
        globs = [
            (glob, Path.cwd() if glob in self.flag_values.get(key, set()) else self.root)
            for key in ("exclude", "extend-exclude")
            for glob in getattr(self, key.replace("-", "_"))
        ]
        exact = {os.path.abspath(path) for path in extra}
        return Exclusion.of_globs(
            globs, exact, force=self.force_exclude, respect_gitignore=self.respect_gitignore
        )

    def ignored_in(self, file: str) -> list[str]:
        """Codes and prefixes ignored for one file by per-file-ignores."""
        if not self.per_file_ignores:
            return []  # the usual case, and asked for every file
        path = Path(file).resolve()
        try:
            relative = PurePosixPath(path.relative_to(self._resolved_root)).as_posix()
        except ValueError:
            relative = Path(file).as_posix()
        return [
            code
            for pattern, codes in self.per_file_ignores.items()
            if fnmatch(relative, pattern) or fnmatch(path.name, pattern)
            for code in codes
        ]

    @cached_property
    def _resolved_root(self) -> Path:
        return self.root.resolve()


def _fields(settings: Settings) -> dict[str, Any]:
    return {name: value for name, value in vars(settings).items() if not name.startswith("_")}  # not caches


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.pinrules] table, from `start` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return candidate  # reported properly by load_settings
            if "pinrules" in text and _names_pinrules(text):  # most have no [tool.pinrules]: no parse
                return candidate
    return None


def _names_pinrules(text: str) -> bool:
    import tomllib  # noqa: PLC0415 - only for a file that may hold [tool.pinrules]

    try:
        return "pinrules" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return True  # reported properly by load_settings


def load_settings(config: str | None = None, start: Path | None = None) -> Settings:
    """Settings from --config FILE, else from the nearest pyproject.toml, else defaults."""
    path = Path(config) if config else find_pyproject(start or Path.cwd())
    if path is None:
        return Settings()
    import tomllib  # noqa: PLC0415 - only when there is a settings file

    try:
        data = tomllib.loads(read_post_bytes(str(path)).decode("utf-8"))
    except UnreadableFile as error:
        raise UsageError(
            f"{path}: the settings file {error.message.removeprefix('cannot open the file: ')}"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the config file is not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    table = data.get("tool", {}).get("pinrules")
    if table is None:
        table = {} if path.name == "pyproject.toml" else data  # a plain pinrules.toml
    return _settings(table, path)


Check = Callable[[Path, str, Any], Any]  # a setting's value, checked, or a UsageError


def _fail(path: Path, key: str, problem: str) -> UsageError:
    return UsageError(f"{path}: [tool.pinrules] {key}: {problem}")


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, 'must be a list of strings, like ["pinterest.video"]')
    return value


def _choice(*choices: str) -> Check:
    def check(path: Path, key: str, value: Any) -> Any:
        if value not in choices:
            named = " or ".join(f'"{choice}"' for choice in choices)
            raise _fail(path, key, f"must be {named} (got {value!r})")
        return value

    return check


def _boolean(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, key, "must be true or false")
    return value


def _seconds(*, zero: bool) -> Check:
    def check(path: Path, key: str, value: Any) -> float:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or value < 0
            or (value == 0 and not zero)
        ):
            raise _fail(path, key, "must be a number of seconds, " + ("0 or more" if zero else "more than 0"))
        return float(value)

    return check


def _whole(path: Path, key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(path, key, "must be a whole number, 0 for no limit")
    return value


def _rate(path: Path, key: str, value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise _fail(path, key, "must be a number of requests a second above 0")
    return float(value)


def _text(problem: str, *, starts: tuple[str, ...] = ()) -> Check:
    def check(path: Path, key: str, value: Any) -> str:
        if not isinstance(value, str) or (starts and not value.startswith(starts)):
            raise _fail(path, key, problem)
        return value

    return check


def _app_id(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _fail(path, key, "must be your Pinterest app's id")
    return str(value)


def _severities(path: Path, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(v in SEVERITIES for v in value.values()):
        raise _fail(path, key, 'must map codes or prefixes to "error", "warning" or "info"')
    return dict(value)


def _ignores(path: Path, key: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise _fail(path, key, "must map globs to lists of codes")
    return {glob: _string_list(path, f"{key}.{glob}", codes) for glob, codes in value.items()}


# each key's check; the value it returns goes to the attribute of the key's name
_CHECKS: dict[str, Check] = {
    **dict.fromkeys(_LIST_KEYS, _string_list),
    **dict.fromkeys(_BOOLEAN_KEYS, _boolean),
    **dict.fromkeys(_SECONDS_KEYS, _seconds(zero=False)),
    "accounts": _text("must be a path to an accounts file"),
    "fail-on": _choice("error", "warning"),
    "max-findings-per-file": _whole,
    "app-id": _app_id,
    "database": _text(
        'must be "postgresql://..." or "sqlite:FOLDER"', starts=("postgresql://", "postgres://", "sqlite:")
    ),
    "online-cache-ttl": _seconds(zero=True),
    "rate-limit": _rate,
    "access-tier": _choice(*ACCESS_TIERS),
    "severity": _severities,
    "per-file-ignores": _ignores,
}


def _settings(table: dict[str, Any], path: Path) -> Settings:
    root = path.resolve().parent
    settings = Settings(root=root, source=str(path))
    for key, value in table.items():
        if key == "app-secret":
            raise _fail(
                path, key, "keep the app secret out of files that go into git: set PINTEREST_APP_SECRET"
            )
        check = _CHECKS.get(key)
        if check is None:
            raise _fail(path, key, f"unknown setting; known: {', '.join(SETTING_KEYS)}")
        settings.set_by(key, str(path))
        setattr(settings, key.replace("-", "_"), check(path, key, value))
    if settings.accounts is not None:
        settings.accounts = str(root / settings.accounts)
    settings.rules_dirs = [str(root / d) for d in settings.rules_dirs]
    settings.media_folders = [str(root / os.path.expanduser(d)) for d in settings.media_folders]
    return settings
