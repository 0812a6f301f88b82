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

# Every module of the package, and the package modules it may import besides COMMON. A module
# not listed here fails test_every_module_has_a_place: give it one (what it may import says
# where it stands in the flow: sources -> snapshot -> metrics -> charts/render -> pipeline -> app).
COMMON = {"__init__", "errors", "datasets", "releases", "keyfigures", "fmt", "locale", "resources", "config", "oserrors"}
BASE = {
    "__init__",
    "errors",
    "datasets",
    "releases",
    "keyfigures",
    "fmt",
    "config",
    "locale",
    "logs",
    "resources",
    "oserrors",
}  # import each other at most
ALLOWED: dict[str, set[str]] = {
    **{m: set() for m in BASE},
    "__main__": {"app"},
    "fonts": {"lru"},
    "lru": set(),  # standard library only
    "snapshot": set(),
    "sources._text": set(),
    "sources.base": {"sources._text"},
    "sources.fred": {"sources._text", "sources.base"},
    "sources.cftc": {"sources._text", "sources.base"},
    "sources.tic": {"sources._text", "sources.base"},
    "sources.fiscaldata": {"sources._text", "sources.base"},
    "sources.nyfed": {"sources._text", "sources.base"},
    "sources": {"sources._text", "sources.base", "sources.fred", "sources.cftc", "sources.tic", "sources.fiscaldata", "sources.nyfed"},
    "sources.validate": {"snapshot", "sources._text"},
    "sources.httpsettings": set(),
    "sources.httpcache": {"logs"},
    "sources.progress": {"logs", "sources.http"},
    "sources.http": {"logs", "sources.httpcache", "sources.httpsettings", "sources.progress"},
    "ingest": {"snapshot", "sources", "sources._text", "sources.validate"},
    "sources.live": {
        "logs",
        "snapshot",
        "ingest",
        "sources",
        "sources.base",
        "sources.cftc",
        "sources.fiscaldata",
        "sources.http",
        "sources.progress",
        "sources.validate",
    },
    "history": {"snapshot"},
    "metricbase": set(),
    "marketmetrics": {"metricbase"},
    "metrics": {"metricbase", "marketmetrics"},
    "chartspec": set(),
    "chartkit": {"fonts", "chartspec"},
    "chartlabels": {"chartkit"},
    **{f"figures.{p.stem}": {"chartkit", "chartlabels", "chartspec", "figures.amounts"} for p in (PACKAGE / "figures").glob("[!_]*.py")},
    "figures": {"chartspec", *(f"figures.{p.stem}" for p in (PACKAGE / "figures").glob("[!_]*.py"))},
    "charts": {"fonts", "chartspec", "chartkit", "figures"},
    "analysis": {
        "changes",
        "claims",
        "freshness",
        "scenarios",
        "scorecard",
        "snapshot",
        "figures",
        "figures.amounts",
    },  # the brief's analysis sections
    "freshness": set(),  # how recent the data are, in the reader's words
    "render": {"fonts", "sandbox"},
    "sandbox": set(),
    "outdir": set(),
    "cache": {"fonts", "lru"},  # standard library only: an unchanged edition is found before anything heavy is imported
    "alttext": {"figures"},
    "overrides": set(),
    "settings": set(),
    "memory": set(),  # standard library only
    "pages": {"render", "overrides", "memory"},
    "pipeline": {
        "cache",
        "chartspec",
        "snapshot",
        "metrics",
        "charts",
        "chartkit",
        "figures",
        "render",
        "sandbox",
        "resources",
        "outdir",
        "overrides",
        "alttext",
        "analysis",
        "claims",
        "pages",
        "memory",
    },
    "publish": {"logs", "snapshot", "pipeline", "outdir", "sources.live", "sources.validate"},
    "scenarios": {"snapshot", "metrics"},  # only in run(), the CLI's entry; the model itself is pure
    "scorecard": {"metrics"},
    "claimmetrics": {"metrics", "scorecard"},
    "claims": {"claimmetrics", "scorecard"},
    "changes": {"history", "scorecard", "snapshot"},
    "app": {
        "logs",
        "resources",
        "snapshot",
        "history",
        "pipeline",
        "publish",
        "fonts",
        "sources.live",
        "overrides",
        "settings",
        "scenarios",
        "scorecard",
        "claims",
        "changes",
    },
}
# Third-party libraries that only these modules may import.
ONLY = {
    "typer": {"app"},
    "click": {"app"},
    "httpx": {"sources.http", "sources.httpcache"},
    "rich": {"sources.http", "sources.progress", "app"},
    "jinja2": {"render", "sandbox"},
    "markdown_it": {"render"},
    "weasyprint": {"render"},
    "matplotlib": {"fonts", "charts", "chartkit", "chartlabels", *(f"figures.{p.stem}" for p in (PACKAGE / "figures").glob("[!_]*.py"))},
}
# Libraries a stage must not import although ONLY allows them elsewhere.
FORBIDDEN_THIRD_PARTY = {
    **dict.fromkeys(("metrics", "metricbase", "marketmetrics"), {"matplotlib", "jinja2", "weasyprint", "httpx", "typer"}),
    "keyfigures": {"pandas", "numpy"},
    "charts": {"pandas"},
    "chartkit": {"pandas"},
    "chartspec": {"pandas"},
    "chartlabels": {"pandas"},
    **{f"figures.{p.stem}": {"pandas"} for p in (PACKAGE / "figures").glob("[!_]*.py")},
    "render": {"pandas"},
    "app": {"pandas", "numpy"},
    "config": {"pandas"},
    "scenarios": {"pandas"},
    **dict.fromkeys(
        ("scorecard", "claimmetrics", "claims", "changes", "analysis", "freshness"),
        {"matplotlib", "jinja2", "weasyprint", "httpx", "typer"},
    ),
    "sandbox": {"matplotlib", "httpx", "pandas", "typer", "weasyprint"},
    "cache": {"pandas", "numpy", "matplotlib", "jinja2", "weasyprint", "markdown_it", "fontTools"},
}


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name below ``ustglass`` (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(module: str) -> tuple[set[str], set[str]]:
    """(package modules, third-party top-level names) that ``module`` imports, relative imports resolved."""
    known = modules()
    path = known[module]
    package = module.split(".") if path.name == "__init__.py" and module != "__init__" else module.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def own_module(dotted: list[str]) -> str:
        name = ".".join(dotted)
        return name if name else "__init__"

    own, other = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from ..errors import y
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and (node.module == "ustglass" or node.module.startswith("ustglass.")):
                target = node.module.split(".")[1:]
            else:
                other.add((node.module or "").split(".")[0])
                continue
            for alias in node.names:  # a name may be a submodule or an attribute of the module
                sub = own_module([*target, alias.name])
                own.add(sub if sub in known else own_module(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ustglass" or alias.name.startswith("ustglass."):
                    own.add(own_module(alias.name.split(".")[1:]))
                else:
                    other.add(alias.name.split(".")[0])
    return own - {module}, other


def test_every_module_has_a_place() -> None:
    assert sorted(modules()) == sorted(ALLOWED), "add the new module to ALLOWED in tests/test_layout.py"


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_stages_import_only_what_stands_before_them(module: str) -> None:
    own, other = imports(module)
    allowed = ALLOWED[module] | (BASE if module in BASE else COMMON)
    assert own - allowed - {"__init__"} == set(), f"{module} imports a later stage"
    assert {lib for lib in other if lib in ONLY and module not in ONLY[lib]} == set()
    assert other & FORBIDDEN_THIRD_PARTY.get(module, set()) == set()


def test_the_layout_check_sees_relative_imports() -> None:
    own, _ = imports("sources")
    assert {"errors", "sources.cftc", "sources.fred", "sources.tic", "sources.fiscaldata", "sources.base"} <= own
    own, _ = imports("sources.live")
    assert "sources" in own and "sources.http" in own


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
