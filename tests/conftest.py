from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never read or write the user's rule cache, publish journal, account store or data
# folder. Set here, when pytest loads this file: before any test module is imported (some build
# a Preflight at import time), and inherited by every subprocess.
_HOME = Path(tempfile.mkdtemp(prefix="pinrules-tests-"))
os.environ["PINRULES_CACHE_DIR"] = str(_HOME / "cache")
os.environ["PINRULES_DATA_DIR"] = str(_HOME / "data")
os.environ["PINRULES_JOURNAL"] = str(_HOME / "journal.sqlite3")
os.environ["PINRULES_ACCOUNTS"] = str(_HOME / "accounts.sqlite3")
os.environ["XDG_CACHE_HOME"] = str(_HOME / "xdg-cache")
os.environ["XDG_DATA_HOME"] = str(_HOME / "xdg-data")
os.environ.pop("PINRULES_DATABASE_URL", None)  # each test names the database it uses


from .helpers import Sandbox, run, running_sandbox  # noqa: E402 - after the folders are set

pytest_plugins = ["tests.postgres"]  # postgres_cluster (a throwaway cluster), postgres_url (a database)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def preflight():
    from pinrules import Preflight

    return Preflight()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The local Pinterest stand-in, with media files in tmp_path."""
    with running_sandbox(tmp_path) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each scheduler database in turn, as commands and worker processes are given it: SQLite
    files in a folder, or a migrated PostgreSQL database (skipped where PostgreSQL is absent)."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'db'}"
    url: str = request.getfixturevalue("postgres_url")
    assert run("db", "migrate", "--database", url).returncode == 0
    return url
