"""The wheel carries everything `report` needs outside a source checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_contains_templates_figures_snapshots_and_research(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)], cwd=REPO, check=True, capture_output=True
    )
    (wheel,) = tmp_path.glob("ustglass-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        p.relative_to(REPO).as_posix() for d in ("templates", "figures", "data_snapshots") for p in (REPO / d).rglob("*") if p.is_file()
    ]
    assert shipped and all(f"ustglass/_bundled/{rel}" in names for rel in shipped)
    assert "ustglass/research/estimates.toml" in names
    assert "ustglass/research/scenario_parameters.toml" in names
    assert "ustglass/app.py" in names and "ustglass/sources/cftc.py" in names
