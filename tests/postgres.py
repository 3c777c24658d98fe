"""A throwaway PostgreSQL cluster for the tests, and the pytest fixtures that hand it out.

The cluster lives in a fresh folder under the system's temporary folder, listens on 127.0.0.1
only (on a free port) and on a unix socket inside that folder, runs with fsync off, and is
stopped (`pg_ctl stop -m immediate`) and deleted on exit, whether the test passed, failed or
was interrupted. PostgreSQL refuses to run as root, so as root the folder is handed to the
`postgres` user (or PINRULES_PG_USER, or `nobody` when neither exists) and initdb / pg_ctl run
as that user.

Use from a test module with `pytest_plugins = ["tests.postgres"]` (or import the fixtures into
conftest.py), then ask for `postgres_url` (a fresh database per test) or `postgres_cluster`
(the session's cluster). Without the server programs the fixtures skip, saying how to get
them; with PINRULES_REQUIRE_PG=1 they fail instead, so that CI cannot skip them silently.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

BIN_ENV = "PINRULES_PG_BIN"
USER_ENV = "PINRULES_PG_USER"
REQUIRE_ENV = "PINRULES_REQUIRE_PG"
PREFIX = "pinrules-pg-"
PROGRAMS = ("initdb", "pg_ctl", "postgres")
MISSING_REASON = (
    "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in $PINRULES_PG_BIN, "
    "`pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH: install them "
    "(Debian: apt-get install postgresql) or set PINRULES_PG_BIN to their folder"
)
# Speed over durability: the cluster is thrown away after the session.
SETTINGS: Mapping[str, str] = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_connections": "200",
}
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _has_programs(folder: Path) -> bool:
    return all((folder / name).is_file() and os.access(folder / name, os.X_OK) for name in PROGRAMS)


def _version_key(folder: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/15/bin -> (15,): the newest major version sorts first when reversed."""
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


def find_pg_bin() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: $PINRULES_PG_BIN (when set, nothing
    else is tried), `pg_config --bindir`, /usr/lib/postgresql/*/bin newest first, then PATH."""
    explicit = os.environ.get(BIN_ENV)
    if explicit:
        folder = Path(explicit)
        return folder if _has_programs(folder) else None
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:  # Debian's /usr/local/bin/initdb may be a symlink into the real folder
        candidates += [Path(initdb).parent, Path(initdb).resolve().parent]
    return next((folder for folder in candidates if _has_programs(folder)), None)


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (start() retries if it is taken since)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_user() -> pwd.struct_passwd | None:
    """Who runs initdb and the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get(USER_ENV), "postgres", "nobody"):
        if name:
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
    raise RuntimeError(f"running as root and neither {USER_ENV}, `postgres` nor `nobody` is a user")


def _traversable_by(folder: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` can reach into `folder` (execute bit on it and every parent)."""
    for part in [folder, *folder.parents]:
        mode = part.stat()
        if mode.st_uid == user.pw_uid:
            if not mode.st_mode & stat.S_IXUSR:
                return False
        elif mode.st_gid == user.pw_gid:
            if not mode.st_mode & stat.S_IXGRP:
                return False
        elif not mode.st_mode & stat.S_IXOTH:
            return False
    return True


def _clean_env() -> dict[str, str]:
    """Our environment without PG* variables (PGDATA, PGPORT, PGHOST... would redirect the tools)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresCluster:
    """`with PostgresCluster() as pg:` a running server; `pg.url`, `pg.create_database(name)`."""

    def __init__(self, bindir: Path | None = None, *, base_dir: Path | None = None) -> None:
        found = bindir or find_pg_bin()
        if found is None:
            raise RuntimeError(MISSING_REASON)
        self.bindir = found
        self.user = _server_user()
        self.base_dir = base_dir or Path(tempfile.gettempdir())
        self.root: Path | None = None
        self.port = 0
        self.server_version_num = 0
        self.timings: dict[str, float] = {}

    # -- paths and addresses -------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root

    @property
    def log_file(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "server.log"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def dsn_for(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    @property
    def dsn(self) -> str:
        return self.dsn_for("postgres")

    # -- running the programs ------------------------------------------------------------------

    def _run(
        self, *args: str | Path, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the server programs, as the server's user when we are root."""
        as_user: dict[str, Any] = {}
        if self.user is not None:
            as_user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(arg) for arg in args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_clean_env(),
            cwd=self.root or self.base_dir,
            stdin=subprocess.DEVNULL,
            check=False,
            **as_user,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{Path(str(args[0])).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError, AssertionError):
            return "\n-- server log --\n" + "\n".join(self.log_file.read_text().splitlines()[-20:])
        return ""

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql (over TCP, trust authentication) and return its unaligned output."""
        psql = self.bindir / "psql"
        program = str(psql) if psql.is_file() else shutil.which("psql")
        if program is None:
            raise RuntimeError("psql not found beside the server programs nor on PATH")
        result = subprocess.run(
            [
                program,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url_for(database),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}) on {sql!r}:\n{result.stderr}")
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (lowercase letters, digits, underscores) and return its URL."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        # FILE_COPY (PostgreSQL 15+) copies the template's files instead of writing them to the WAL:
        # about twice as fast here, since checkpoints cost nothing with fsync off.
        strategy = " STRATEGY FILE_COPY" if self.server_version_num >= 150000 else ""
        self.psql(f'CREATE DATABASE "{name}"{strategy}')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE, closing whatever connections a test left open on it."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> PostgresCluster:
        if self.root is not None:
            raise RuntimeError("the cluster is already started")
        if self.user is not None and not _traversable_by(self.base_dir, self.user):
            raise RuntimeError(
                f"{self.base_dir} is not reachable by the user {self.user.pw_name} who runs the server: "
                "set TMPDIR to a folder whose parents are all world-executable (e.g. /tmp)"
            )
        reap_stale_clusters(self.base_dir)
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=self.base_dir))
        atexit.register(self.stop)
        try:
            (self.root / "owner.pid").write_text(f"{os.getpid()}\n")
            if self.user is not None:
                os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
            began = time.perf_counter()
            self._run(
                self.bindir / "initdb",
                *("-D", self.data_dir, "-A", "trust", "-U", "postgres", "--no-sync"),
                *("-E", "UTF8", "--locale=C", "--no-instructions"),
            )
            self.timings["initdb"] = time.perf_counter() - began
            with (self.data_dir / "postgresql.conf").open("a") as conf:
                conf.write("\n# tests/postgres.py\n")
                conf.write(f"unix_socket_directories = '{self.socket_dir}'\n")
                conf.writelines(f"{key} = {value}\n" for key, value in SETTINGS.items())
            began = time.perf_counter()
            self._start_server()
            self.timings["start"] = time.perf_counter() - began
            self.server_version_num = int(self.psql("SHOW server_version_num"))
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self, attempts: int = 5) -> None:
        for _ in range(attempts):
            self.port = free_port()
            result = self._run(
                self.bindir / "pg_ctl",
                *("-D", self.data_dir, "-l", self.log_file, "-w", "-t", "60"),
                *("-o", f"-p {self.port}", "start"),
                check=False,
            )
            if result.returncode == 0:
                return
            if "could not bind" not in self._log_tail():  # anything but a port taken meanwhile
                break
        raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}{self._log_tail()}")

    def stop(self) -> None:
        """Stop the server (immediate mode: no checkpoint) and delete the folder. Idempotent."""
        root, self.root = self.root, None
        atexit.unregister(self.stop)
        if root is None:
            return
        _stop_server(root / "data", self.bindir, self.user)
        shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _stop_server(data_dir: Path, bindir: Path, user: pwd.struct_passwd | None) -> None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return
    as_user: dict[str, Any] = {}
    if user is not None:
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "-t", "30", "stop"],
            capture_output=True,
            timeout=60,
            env=_clean_env(),
            cwd="/",
            stdin=subprocess.DEVNULL,
            check=False,
            **as_user,
        )
    with contextlib.suppress(OSError, ValueError, IndexError):  # pg_ctl failed: kill the postmaster
        pid = int(pid_file.read_text().split()[0])
        # ...but only if that pid is still this cluster's postmaster, not a process that reused it
        if str(data_dir).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def reap_stale_clusters(base_dir: Path) -> None:
    """Stop and delete clusters left behind by test runs that were killed (SIGKILL, SIGTERM)
    before they could clean up: those whose owner.pid names a process that no longer exists."""
    bindir = find_pg_bin()
    for root in base_dir.glob(f"{PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
            if _pid_alive(owner):
                continue
            data_owner = (root / "data").stat().st_uid if (root / "data").exists() else os.geteuid()
        except (OSError, ValueError):
            continue
        user = None
        if os.geteuid() == 0:
            with contextlib.suppress(KeyError):
                user = pwd.getpwuid(data_owner)
        elif data_owner != os.geteuid():
            continue
        if bindir is not None:
            _stop_server(root / "data", bindir, user)
        shutil.rmtree(root, ignore_errors=True)


# -- pytest fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One running cluster for the whole session (skips when PostgreSQL is not installed)."""
    bindir = find_pg_bin()
    if bindir is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    with PostgresCluster(bindir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, empty database for this test; dropped afterwards. A postgresql:// URL."""
    name = f"t_{secrets.token_hex(6)}"
    url = postgres_cluster.create_database(name)
    yield url
    postgres_cluster.drop_database(name)
