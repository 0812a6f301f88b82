"""The shape of the package: entry points, help, the one-way flow between modules, docs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import __version__
from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "cli" / "ustglass"
runner = CliRunner()

# What each stage may import from the package (besides errors, datasets, keyfigures, fmt, names, config).
COMMON = {"errors", "datasets", "keyfigures", "fmt", "locale", "resources", "config", "__version__"}
ALLOWED = {
    "metrics": {"metricbase", "marketmetrics"},
    "metricbase": set(),
    "marketmetrics": {"metricbase"},
    "keyfigures": set(),
    "snapshot": set(),
    "charts": {"fonts", "chartspec", "chartkit", "figures"},
    "chartkit": {"fonts", "chartspec"},
    "chartspec": set(),
    "chartlabels": {"chartkit"},
    "figures/__init__": {"chartspec", "figures"},
    **{f"figures/{p.stem}": {"chartkit", "chartlabels", "chartspec"} for p in (PACKAGE / "figures").glob("[!_]*.py")},
    "render": {"fonts"},
    "scenarios": {"snapshot", "metrics"},  # only in run(), the CLI's entry; the model itself is pure
    "scorecard": {"metrics"},
    "claimmetrics": {"metrics", "scorecard"},
    "claims": {"claimmetrics", "scorecard"},
    "changes": {"history", "scorecard", "snapshot"},
}
FORBIDDEN_THIRD_PARTY = {
    **dict.fromkeys(("metrics", "metricbase", "marketmetrics"), {"matplotlib", "jinja2", "weasyprint", "httpx", "typer"}),
    "keyfigures": {"pandas", "matplotlib", "jinja2", "weasyprint", "httpx", "typer"},
    "charts": {"jinja2", "weasyprint", "httpx", "typer", "pandas"},
    "chartkit": {"jinja2", "weasyprint", "httpx", "typer", "pandas"},
    "chartspec": {"matplotlib", "jinja2", "weasyprint", "httpx", "typer", "pandas"},
    "chartlabels": {"jinja2", "weasyprint", "httpx", "typer", "pandas"},
    **{f"figures/{p.stem}": {"jinja2", "weasyprint", "httpx", "typer", "pandas"} for p in (PACKAGE / "figures").glob("*.py")},
    "render": {"matplotlib", "httpx", "pandas", "typer"},
    "snapshot": {"matplotlib", "jinja2", "weasyprint", "httpx", "typer"},
    "scenarios": {"pandas", "matplotlib", "jinja2", "weasyprint", "httpx", "typer"},
    **dict.fromkeys(("scorecard", "claimmetrics", "claims", "changes"), {"matplotlib", "jinja2", "weasyprint", "httpx", "typer"}),
}


def imports(module: str) -> tuple[set[str], set[str]]:
    """(package modules, third-party top-level names) that ``module`` imports."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    own, other = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "ustglass":
                own |= {a.name for a in node.names}
            elif node.module.startswith("ustglass."):
                own.add(node.module.split(".")[1])
            elif node.level == 0:
                other.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            other |= {a.name.split(".")[0] for a in node.names}
    return own, other


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_stages_import_only_what_stands_before_them(module: str) -> None:
    own, other = imports(module)
    assert own - COMMON - ALLOWED[module] == set()
    assert other & FORBIDDEN_THIRD_PARTY[module] == set()


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "ustglass", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ustglass {__version__}"


def test_help_lists_commands_and_readme_documents_them() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"fetch", "report"} <= set(commands)
    for name in commands:
        assert name in result.output
        assert f"ustglass {name}" in readme, f"README does not document 'ustglass {name}'"


def test_help_does_not_import_heavy_modules() -> None:
    code = "import sys; from ustglass.app import app; print(sorted(m for m in ('matplotlib', 'weasyprint', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_warns_without_harfbuzz_subsetting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ctypes.util

    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name))
    result = runner.invoke(app, ["report", "--format", "pdf", "--snapshots", str(tmp_path), "--out", str(tmp_path / "o")])
    assert "Warning: libharfbuzz-subset0 is not installed" in result.stderr


def test_readme_first_screen_has_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first = readme.split("## ", 1)[0]
    assert "scripts/setup.sh && .venv/bin/ustglass report --lang zh" in first
    assert "scripts/setup.sh --test && .venv/bin/python -m pytest" in first
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/setup.sh --test && .venv/bin/python -m pytest" in ci
    image = first.split("](", 1)[1].split(")", 1)[0]
    assert (REPO / image).is_file()
