from __future__ import annotations

import os
from pathlib import Path

import pytest

from pinrules import Preflight

ROOT = Path(__file__).resolve().parent.parent
# Public test corpora: the workplace's shared folder beside the checkout when there is one (CI
# lays it there), else the copies in tests/data/shared, so that a clone on its own passes too.
_BESIDE = ROOT.parent / "shared"
SHARED = Path(
    os.environ.get("PINRULES_SHARED_DIR")
    or (_BESIDE if (_BESIDE / "jsontestsuite").is_dir() else ROOT / "tests" / "data" / "shared")
)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's rule cache, publish journal or account store
    (subprocesses inherit these too)."""
    home = tmp_path_factory.mktemp("home")
    os.environ["PINRULES_CACHE_DIR"] = str(home / "cache")
    os.environ["PINRULES_JOURNAL"] = str(home / "journal.sqlite3")
    os.environ["PINRULES_ACCOUNTS"] = str(home / "accounts.sqlite3")


@pytest.fixture(scope="session")
def preflight(_private_cache: None) -> Preflight:
    return Preflight()
