"""The commands that draw nothing load neither matplotlib nor WeasyPrint (and ``--help`` not
even pandas), so they start fast: each command runs in its own Python process, which reports
the top-level packages loaded by the time it exits."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import ustglass
from conftest import SHIPPED

DRAWING = {"matplotlib", "weasyprint"}
WATCHED = DRAWING | {"pandas", "numpy", "fontTools", "PIL"}

# Runs `ustglass ARGS` in this process and writes, at exit, the watched packages then loaded.
WRAPPER = """
import atexit, json, sys
watched, report = set(json.loads(sys.argv[1])), sys.argv[2]
def _report():
    with open(report, "w", encoding="utf-8") as f:
        json.dump(sorted({m.split(".")[0] for m in sys.modules} & watched), f)
atexit.register(_report)
sys.argv = ["ustglass", *sys.argv[3:]]
from ustglass.app import main
main()
"""


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    report = tmp_path / "loaded.json"
    env = {**os.environ, "USTGLASS_CONFIG": "", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(sorted(WATCHED)), str(report), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done, set(json.loads(report.read_text(encoding="utf-8")))


def test_help_loads_no_data_or_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "--help")
    assert "report" in done.stdout and "fetch" in done.stdout
    assert loaded & (DRAWING | {"pandas"}) == set()


def test_fetch_from_dir_loads_no_drawing_library(tmp_path: Path, official: Path) -> None:
    done, loaded = run(tmp_path, "fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "snaps"))
    (made,) = (tmp_path / "snaps").iterdir()
    assert done.stdout.strip() == f"snapshot written: {made}"
    assert "pandas" in loaded  # the files were parsed, with pandas
    assert loaded & DRAWING == set()


def test_snapshots_loads_no_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "snapshots", "--snapshots", str(SHIPPED))
    assert [line.split()[0] for line in done.stdout.splitlines() if not line.startswith(" ")] == ["2025-12-31", "2026-10-09"]
    assert loaded & DRAWING == set()


def test_diff_loads_no_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "diff", "2025-12-31", "2026-10-09", "--snapshots", str(SHIPPED), "--json")
    assert "cftc_tff_ust" in {d["dataset"] for d in json.loads(done.stdout)}
    assert loaded & DRAWING == set()


def test_config_show_loads_no_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "config", "show")
    assert done.stdout.startswith("config file: none")
    assert loaded & DRAWING == set()


def test_templates_export_loads_no_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "templates", "export", str(tmp_path / "mine"))
    assert (tmp_path / "mine" / "figures" / "basis.toml").is_file()
    assert done.stdout.startswith("exported ")
    assert loaded & DRAWING == set()


def test_scenario_json_loads_no_drawing_library(tmp_path: Path) -> None:
    done, loaded = run(tmp_path, "scenario", "--json", "--snapshot", "2025-12-31", "--snapshots", str(SHIPPED))
    assert json.loads(done.stdout)["snapshot"] == "2025-12-31"
    assert loaded & DRAWING == set()


# The only modules that import matplotlib at their top: the chart renderer and the build
# pipeline that uses it. Every other module (the figure registry, chartkit, fonts, pages, ...)
# imports matplotlib or WeasyPrint inside the functions that draw or render.
DRAWS_ON_IMPORT = {"ustglass.charts", "ustglass.pipeline"}


def _modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(ustglass.__path__, "ustglass.")]
    return sorted(m for m in found if m not in DRAWS_ON_IMPORT and m != "ustglass.__main__")


def test_no_other_module_imports_a_drawing_library_at_its_top() -> None:
    code = (
        "import importlib, json, sys\n"
        "out = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    before = {m.split('.')[0] for m in sys.modules}\n"
        "    importlib.import_module(name)\n"
        "    out[name] = sorted(({m.split('.')[0] for m in sys.modules} - before) & set(json.loads(sys.argv[2])))\n"
        "print(json.dumps(out))\n"
    )
    modules = _modules()
    assert {"ustglass.chartkit", "ustglass.chartlabels", "ustglass.figures.basis", "ustglass.fonts", "ustglass.pages"} <= set(modules)
    done = subprocess.run([sys.executable, "-c", code, json.dumps(modules), json.dumps(sorted(DRAWING))], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {m: libs for m, libs in json.loads(done.stdout).items() if libs} == {}


@pytest.mark.parametrize("name", sorted(DRAWS_ON_IMPORT))
def test_the_drawing_modules_exist(name: str) -> None:
    """The exceptions above name real modules (a rename would silently widen the check)."""
    assert name in {m.name for m in pkgutil.walk_packages(ustglass.__path__, "ustglass.")}
