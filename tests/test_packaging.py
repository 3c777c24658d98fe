"""The built wheel carries the rules and schemas and finds them from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .helpers import ROOT


def test_wheel_ships_rules_and_finds_them_from_elsewhere(tmp_path: Path) -> None:
    """A non-editable build, unpacked and run from an unrelated folder, loads every rule file."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(ROOT)], check=True)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("pinrules-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "pinrules = pinrules._cli:script" in archive.read(entry_points).decode()
    shipped = {Path(n).name for n in names if n.startswith("pinrules/_data/rules/")}
    assert shipped == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    assert "pinrules/_data/schemas/rule.schema.json" in names

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = "import pinrules; print(pinrules.__file__); print(len(pinrules.Preflight().all_rules))"
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site"),
        "PINRULES_CACHE_DIR": str(tmp_path / "c"),
    }
    out = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env, capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    assert out[0].startswith(str(tmp_path / "site"))
    assert int(out[1]) == len(shipped)
