"""The throwaway PostgreSQL cluster of tests/postgres.py: it answers, keeps databases apart,
listens on 127.0.0.1 only, and leaves nothing behind, not even when its process is interrupted
or killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import ROOT
from .postgres import MISSING_REASON, PostgresCluster, find_pg_bin, reap_stale_clusters

needs_pg = pytest.mark.skipif(find_pg_bin() is None, reason=MISSING_REASON)


def _psycopg() -> Any:
    """psycopg, how the application talks to PostgreSQL (a test dependency)."""
    import psycopg

    return psycopg


def test_select_one(postgres_url: str) -> None:
    psycopg = _psycopg()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)


def test_each_test_gets_a_fresh_database_and_they_are_isolated(
    postgres_cluster: PostgresCluster, postgres_url: str
) -> None:
    psycopg = _psycopg()
    other = postgres_cluster.create_database("t_isolation_other")
    try:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert tables.fetchone() == (0,)
            conn.execute("CREATE TABLE posts (id int PRIMARY KEY)")
            conn.execute("INSERT INTO posts VALUES (1)")
        with psycopg.connect(other) as conn:
            assert conn.execute("SELECT to_regclass('public.posts')").fetchone() == (None,)
    finally:
        postgres_cluster.drop_database("t_isolation_other")


def _tcp_listeners(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net shows them) listening on `port`, IPv4 and IPv6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.append(address)
    return found


def test_listens_on_loopback_only(postgres_cluster: PostgresCluster, postgres_url: str) -> None:
    psycopg = _psycopg()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SELECT host(inet_server_addr())").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW fsync").fetchone() == ("off",)
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("no /proc/net/tcp to list listening sockets")
    assert _tcp_listeners(postgres_cluster.port) == ["0100007F"]  # 127.0.0.1, and nothing else


def test_unix_socket_is_inside_the_cluster_folder(postgres_cluster: PostgresCluster) -> None:
    assert (postgres_cluster.socket_dir / f".s.PGSQL.{postgres_cluster.port}").exists()
    assert postgres_cluster.psql("SELECT current_user") == "postgres"


def test_find_pg_bin_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(
        "PINRULES_PG_BIN", str(tmp_path)
    )  # set but without the programs: nothing else is tried
    assert find_pg_bin() is None
    monkeypatch.delenv("PINRULES_PG_BIN")
    found = find_pg_bin()
    if found is None:
        pytest.skip("PostgreSQL server programs not installed")
    monkeypatch.setenv("PINRULES_PG_BIN", str(found))
    assert find_pg_bin() == found


@pytest.fixture
def base_dir() -> Iterator[Path]:
    """A folder of our own for clusters (0o755, so that the server's user can reach into it)."""
    folder = Path(tempfile.mkdtemp(prefix="pinrules-pgtest-"))
    folder.chmod(0o755)
    yield folder
    reap_stale_clusters(folder)
    shutil.rmtree(folder, ignore_errors=True)


@needs_pg
def test_the_folder_is_gone_after_exit_even_on_error(base_dir: Path) -> None:
    cluster = PostgresCluster(base_dir=base_dir)
    seen: list[Path] = []

    def fail_inside() -> None:
        with cluster:
            assert cluster.root is not None
            seen.append(cluster.root)
            assert (cluster.root / "data" / "PG_VERSION").exists()
            if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as another user
                assert (cluster.root / "data").stat().st_uid != 0
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_inside()
    assert not seen[0].exists()
    assert list(base_dir.iterdir()) == []


START = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if our parent ignores Ctrl-C
sys.path.insert(0, {root!r})
from pathlib import Path
from typing import Any
from tests.postgres import PostgresCluster
with PostgresCluster(base_dir=Path({base!r})) as cluster:
    print(cluster.root, cluster.port, flush=True)
    time.sleep(60)
"""


def _start_elsewhere(base_dir: Path) -> tuple[subprocess.Popen[str], Path, int]:
    process = subprocess.Popen(
        [sys.executable, "-c", START.format(root=str(ROOT), base=str(base_dir))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    folder, port = process.stdout.readline().split()
    return process, Path(folder), int(port)


@needs_pg
def test_an_interrupted_run_stops_the_server_and_removes_the_folder(base_dir: Path) -> None:
    process, folder, port = _start_elsewhere(base_dir)
    assert folder.exists()
    assert _tcp_listeners(port)
    process.send_signal(signal.SIGINT)  # Ctrl-C: KeyboardInterrupt, the context manager cleans up
    process.communicate(timeout=60)
    assert not folder.exists()
    assert _tcp_listeners(port) == []


@needs_pg
def test_a_killed_runs_cluster_is_reaped_by_the_next_start(base_dir: Path) -> None:
    process, folder, port = _start_elsewhere(base_dir)
    process.kill()  # SIGKILL: no clean-up, the server and folder stay behind...
    process.communicate(timeout=60)
    assert folder.exists()
    assert _tcp_listeners(port)
    reap_stale_clusters(base_dir)  # ...until the next cluster starts (start() calls this)
    assert not folder.exists()
    assert _tcp_listeners(port) == []
