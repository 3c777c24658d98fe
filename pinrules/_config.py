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

    [tool.pinrules.severity]              # overrides, by code or prefix
    "pinterest.image.size_max" = "warning"

    [tool.pinrules.per-file-ignores]      # globs relative to this file
    "drafts/*" = ["pinterest.board.required"]

Command-line flags win over the file. A bad file is a UsageError naming the file, the key and
what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from ._documents import UnreadableFile, read_post_bytes
from ._errors import UsageError
from .pinterest import ACCESS_TIERS

SEVERITIES = ("error", "warning", "info")
_LIST_KEYS = ("select", "extend-select", "ignore", "rules-dirs")
_SECONDS_KEYS = ("connect-timeout", "read-timeout")
_KNOWN = (
    *_LIST_KEYS,
    "accounts",
    "fail-on",
    "severity",
    "per-file-ignores",
    "allow-private-network",
    "online-cache-ttl",
    "app-id",
    "database",
    *_SECONDS_KEYS,
    "rate-limit",
    "access-tier",
)


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules_dirs: list[str] = field(default_factory=list)
    accounts: str | None = None
    fail_on: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    allow_private_network: bool = False
    online_cache_ttl: float = 0.0
    app_id: str | None = None  # the Pinterest app (its secret only ever from the environment)
    database: str | None = None  # the scheduler's: postgresql://... or sqlite:FOLDER
    connect_timeout: float = 5.0  # online checks (NetworkSettings)
    read_timeout: float = 10.0
    access_tier: str = "standard"  # the Pinterest app's: its documented rate limits (pinterest.py)
    rate_limit: float | None = None  # publishing, requests a second per account; None: the tier's
    root: Path = field(default_factory=Path.cwd)  # what relative globs are relative to
    source: str | None = None  # the file the settings came from

    def ignored_in(self, file: str) -> list[str]:
        """Codes and prefixes ignored for one file by per-file-ignores."""
        path = Path(file).resolve()
        try:
            relative = PurePosixPath(path.relative_to(self.root.resolve())).as_posix()
        except ValueError:
            relative = Path(file).as_posix()
        return [
            code
            for pattern, codes in self.per_file_ignores.items()
            if fnmatch(relative, pattern) or fnmatch(path.name, pattern)
            for code in codes
        ]


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


def _fail(path: Path, key: str, problem: str) -> UsageError:
    return UsageError(f"{path}: [tool.pinrules] {key}: {problem}")


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, 'must be a list of strings, like ["pinterest.video"]')
    return value


def _settings(table: dict[str, Any], path: Path) -> Settings:
    root = path.resolve().parent
    settings = Settings(root=root, source=str(path))
    for key, value in table.items():
        if key == "app-secret":
            raise _fail(
                path, key, "keep the app secret out of files that go into git: set PINTEREST_APP_SECRET"
            )
        if key not in _KNOWN:
            raise _fail(path, key, f"unknown setting; known: {', '.join(_KNOWN)}")
        if key in _LIST_KEYS:
            setattr(settings, key.replace("-", "_"), _string_list(path, key, value))
        elif key == "accounts":
            if not isinstance(value, str):
                raise _fail(path, key, "must be a path to an accounts file")
            settings.accounts = str(root / value)
        elif key == "fail-on":
            if value not in ("error", "warning"):
                raise _fail(path, key, f'must be "error" or "warning" (got {value!r})')
            settings.fail_on = value
        elif key == "allow-private-network":
            if not isinstance(value, bool):
                raise _fail(path, key, "must be true or false")
            settings.allow_private_network = value
        elif key == "app-id":
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise _fail(path, key, "must be your Pinterest app's id")
            settings.app_id = str(value)
        elif key == "database":
            if not isinstance(value, str) or not value.startswith(
                ("postgresql://", "postgres://", "sqlite:")
            ):
                raise _fail(path, key, 'must be "postgresql://..." or "sqlite:FOLDER"')
            settings.database = value
        elif key == "online-cache-ttl":
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise _fail(path, key, "must be a number of seconds, 0 or more")
            settings.online_cache_ttl = float(value)
        elif key in (*_SECONDS_KEYS, "rate-limit"):
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                what = "requests a second" if key == "rate-limit" else "seconds"
                raise _fail(path, key, f"must be a number of {what} above 0")
            setattr(settings, key.replace("-", "_"), float(value))
        elif key == "access-tier":
            if value not in ACCESS_TIERS:
                raise _fail(path, key, f"must be one of {', '.join(map(repr, ACCESS_TIERS))} (got {value!r})")
            settings.access_tier = value
        elif key == "severity":
            if not isinstance(value, dict) or not all(v in SEVERITIES for v in value.values()):
                raise _fail(path, key, 'must map codes or prefixes to "error", "warning" or "info"')
            settings.severity = dict(value)
        else:  # per-file-ignores
            if not isinstance(value, dict):
                raise _fail(path, key, "must map globs to lists of codes")
            settings.per_file_ignores = {
                glob: _string_list(path, f"{key}.{glob}", codes) for glob, codes in value.items()
            }
    settings.rules_dirs = [str(root / d) for d in settings.rules_dirs]
    return settings
