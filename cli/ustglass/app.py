"""The ustglass command line: thin Typer adapters over the library.

Each command parses its options, builds a configuration, calls one library function and
reports. Expected failures print ``Error: <what, where>`` on stderr and exit 1; usage
errors exit 2. Heavy modules are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from ustglass import __version__
from ustglass.config import Lang
from ustglass.errors import UstglassError

app = typer.Typer(
    name="ustglass",
    help="Glass Houses: rebuild the U.S. Treasury market-fragility brief (zh/en; Markdown, HTML, PDF) from official data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(exc: UstglassError) -> None:
    typer.echo(f"Error: {exc}", err=True)
    raise typer.Exit(code=exc.exit_code)


def _as_of(text: Optional[str]) -> Optional[date]:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint="--as-of") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ustglass {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Glass Houses: U.S. Treasury market fragility, rebuilt from official data."""


@app.command()
def fetch(
    from_dir: Annotated[Optional[Path], typer.Option("--from-dir", help="Read official files from this directory (recursively) instead of the network.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Keep only observations known on this date (YYYY-MM-DD); default: the newest data.")] = None,
    snapshots: Annotated[Path, typer.Option("--snapshots", help="Directory holding the snapshots.")] = Path("data_snapshots"),
) -> None:
    """Make a new snapshot (CSV per dataset + manifest.json) from official files."""
    from ustglass import ingest

    cut = _as_of(as_of)
    if from_dir is None:
        typer.echo("Error: live download is not available in this version; use --from-dir PATH", err=True)
        raise typer.Exit(code=2)
    try:
        path = ingest.make_snapshot(ingest.scan_dir(from_dir), cut, snapshots)
    except UstglassError as exc:
        _fail(exc)
    typer.echo(f"snapshot written: {path}")


@app.command()
def report(
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the brief: zh, en or all.")] = Lang.zh,
    format: Annotated[str, typer.Option("--format", help="Comma-separated outputs: md,html,pdf.")] = "md,html,pdf",
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("out"),
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    templates: Annotated[Optional[Path], typer.Option("--templates", help="Directory of template overrides (searched before the shipped templates).")] = None,
    figures: Annotated[Optional[Path], typer.Option("--figures", help="Directory of figure-spec overrides (figures/<id>.toml).")] = None,
) -> None:
    """Build the brief from a snapshot: brief.<lang>.md/.html/.pdf, figures and key_figures.json."""
    from ustglass import pipeline
    from ustglass.config import ReportConfig, parse_formats
    from ustglass.resources import snapshots_root

    try:
        formats = parse_formats(format)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None
    try:
        cfg = ReportConfig(langs=lang.expand(), formats=formats, snapshots_root=snapshots_root(snapshots), out_dir=out,
                           snapshot=snapshot, templates_dir=templates, figures_dir=figures)
        built, written = pipeline.build_report(cfg)
    except UstglassError as exc:
        _fail(exc)
    for path in written:
        if path.parent == out:
            typer.echo(f"wrote {path}")
    typer.echo(f"brief built from snapshot {built.snapshot_id}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
