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
from ustglass import locale
from ustglass.errors import UstglassError

app = typer.Typer(
    name="ustglass",
    help="Glass Houses: rebuild the U.S. Treasury market-fragility brief (in each language pack; Markdown, HTML, PDF) from official data.",
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
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="With --from-dir: skip files whose path (relative to the directory) matches this glob; repeatable.")] = None,
    source: Annotated[Optional[list[str]], typer.Argument(help="Sources to download: fred, cftc, tic, fiscaldata (default: all); the others are carried forward from the newest snapshot.", show_default=False, metavar="SOURCE")] = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="When a source fails, carry its datasets forward from the newest snapshot (marked in the manifest and the brief) instead of failing.")] = False,
) -> None:
    """Make a new snapshot (CSV per dataset + manifest.json) from the official services, or from official files."""
    from ustglass.sources import live

    cut = _as_of(as_of)
    if from_dir is not None and (source or allow_partial):
        raise typer.BadParameter("SOURCE and --allow-partial apply to downloads, not to --from-dir", param_hint="SOURCE")
    try:
        if from_dir is None:
            result = live.fetch(snapshots, sources=tuple(source or ()), as_of=cut, allow_partial=allow_partial)
        else:
            result = live.snapshot_from_dir(from_dir, snapshots, cut, tuple(exclude or ()))
    except UstglassError as exc:
        _fail(exc)
    if result.carried:
        typer.echo(f"carried forward (marked in the manifest): {', '.join(result.carried)}", err=True)
    typer.echo(f"snapshot written: {result.path}" if result.created else f"snapshot unchanged: {result.path} already holds these data")


@app.command()
def report(
    lang: Annotated[str, typer.Option("--lang", help="Language of the brief: a language pack's code (templates/locales/<code>/) or all.")] = locale.DEFAULT,
    format: Annotated[str, typer.Option("--format", help="Comma-separated outputs: md,html,pdf.")] = "md,html,pdf",
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("out"),
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    templates: Annotated[Optional[Path], typer.Option("--templates", help="Directory of template overrides (searched before the shipped templates).")] = None,
    figures: Annotated[Optional[Path], typer.Option("--figures", help="Directory of figure-spec overrides (figures/<id>.toml).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="The previous edition's snapshot (id or path), for 'what changed'; default: the one before --snapshot.")] = None,
) -> None:
    """Build the brief from a snapshot: brief.<lang>.md/.html/.pdf, figures and key_figures.json."""
    from ustglass import pipeline
    from ustglass.config import ReportConfig, parse_formats, parse_langs
    from ustglass.resources import snapshots_root

    try:
        formats = parse_formats(format)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None
    try:
        langs = parse_langs(lang, templates)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    from ustglass.config import Format
    from ustglass.render import subsetting_warning

    if Format.pdf in formats and (warning := subsetting_warning()):
        typer.echo(f"Warning: {warning}", err=True)
    try:
        cfg = ReportConfig(langs=langs, formats=formats, snapshots_root=snapshots_root(snapshots), out_dir=out,
                           snapshot=snapshot, templates_dir=templates, figures_dir=figures, since=since)
        built, written = pipeline.build_report(cfg)
    except UstglassError as exc:
        _fail(exc)
    for path in written:
        if path.parent == out:
            typer.echo(f"wrote {path}")
    typer.echo(f"brief built from snapshot {built.snapshot_id}")


@app.command()
def publish(
    out: Annotated[Path, typer.Option("--out", help="Directory of published editions: DIR/<snapshot-id>/ and the symlink DIR/latest.")],
    lang: Annotated[str, typer.Option("--lang", help="Languages to build: a language pack's code or all.")] = locale.ALL,
    keep: Annotated[Optional[int], typer.Option("--keep", min=1, help="Keep only the N newest editions (never the one 'latest' points at).")] = None,
    snapshots: Annotated[Path, typer.Option("--snapshots", help="Directory holding the snapshots.")] = Path("data_snapshots"),
    source: Annotated[Optional[list[str]], typer.Argument(help="Sources to download (default: all); the others are carried forward.", show_default=False, metavar="SOURCE")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Keep only observations known on this date (YYYY-MM-DD).")] = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Carry failed sources forward instead of failing.")] = False,
    from_dir: Annotated[Optional[Path], typer.Option("--from-dir", help="Read official files from this directory instead of the network.")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="With --from-dir: skip files matching this glob; repeatable.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another publish is running, wait for it instead of exiting 1.")] = False,
    log_format: Annotated[str, typer.Option("--log-format", help="Log lines as 'text' or 'json' (one object per line).")] = "text",
) -> None:
    """For cron: fetch; if the data changed, build every language and format and publish them atomically."""
    from ustglass.config import parse_langs
    from ustglass.logs import Log, LogFormat
    from ustglass.publish import PublishOptions, publish as run

    try:
        langs = parse_langs(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    if log_format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--log-format")
    log = Log(LogFormat(log_format))
    opts = PublishOptions(out_dir=out, langs=langs, snapshots_root=snapshots, keep=keep, sources=tuple(source or ()),
                          as_of=_as_of(as_of), allow_partial=allow_partial, from_dir=from_dir, exclude=tuple(exclude or ()), wait=wait)
    try:
        run(opts, log)
    except UstglassError as exc:
        if log.format is LogFormat.json:
            log.error("failed", str(exc))
            raise typer.Exit(code=exc.exit_code) from None
        _fail(exc)


@app.command("snapshots")
def snapshots_command(
    snapshots: Annotated[Path, typer.Option("--snapshots", help="Directory holding the snapshots.")] = Path("data_snapshots"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """List the snapshots: id, when made, sources, newest observation per dataset."""
    import json

    from ustglass import history

    try:
        infos = history.list_snapshots(snapshots)
    except UstglassError as exc:
        _fail(exc)
    if not infos and not as_json:
        typer.echo(f"no snapshots under {snapshots}")
        return
    typer.echo(json.dumps([i.as_dict() for i in infos], indent=2) if as_json else history.format_snapshots(infos))


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="Older snapshot: id or path.")],
    b: Annotated[str, typer.Argument(help="Newer snapshot: id or path.")],
    snapshots: Annotated[Path, typer.Option("--snapshots", help="Directory holding the snapshots.")] = Path("data_snapshots"),
    examples: Annotated[int, typer.Option("--examples", min=0, help="Examples shown per kind of change.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """What changed from snapshot A to B, per dataset: new observations, removed ones, revisions."""
    import json

    from ustglass import history, snapshot

    try:
        left, right = snapshot.resolve(a, snapshots), snapshot.resolve(b, snapshots)
        found = history.diff(left, right, examples)
    except UstglassError as exc:
        _fail(exc)
    typer.echo(json.dumps([d.as_dict() for d in found], indent=2) if as_json else history.format_diff(left.name, right.name, found))


@app.command()
def scenario(
    beta: Annotated[Optional[float], typer.Option("--beta", help="β: share of leveraged funds' gross short that is basis trade (fraction).", show_default=False)] = None,
    haircut: Annotated[Optional[float], typer.Option("--haircut", help="h: repo haircut before the shock (fraction, 0.02 = 2%).", show_default=False)] = None,
    margin: Annotated[Optional[float], typer.Option("--margin", help="m: futures initial margin (fraction); default: weighted by the latest week's contract mix.", show_default=False)] = None,
    buffer: Annotated[Optional[float], typer.Option("--buffer", help="b: capital held above the requirement (fraction of it).", show_default=False)] = None,
    haircut_shock: Annotated[Optional[float], typer.Option("--haircut-shock", help="Δh: rise in the repo haircut (fraction).", show_default=False)] = None,
    margin_mult: Annotated[Optional[float], typer.Option("--margin-mult", help="k: futures margins are multiplied by k.", show_default=False)] = None,
    daily_volume: Annotated[Optional[float], typer.Option("--daily-volume", help="V: average daily cash Treasury volume, USD billions.", show_default=False)] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="Named scenario: mild, 2020-like or severe (the options above override it).", show_default=False)] = None,
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    grid: Annotated[bool, typer.Option("--grid", help="Add a sensitivity table over k and Δh.")] = False,
) -> None:
    """Basis-unwind stress scenario: the forced unwind U of the basis trade after a haircut and margin shock (defaults and sources: research/scenario_parameters.toml)."""
    import json

    from ustglass import scenarios
    from ustglass.resources import snapshots_root

    options = {"beta": beta, "haircut": haircut, "margin": margin, "buffer": buffer, "haircut_shock": haircut_shock,
               "margin_mult": margin_mult, "daily_volume_usd_bn": daily_volume}
    try:
        found = scenarios.run(snapshots_root(snapshots), snapshot, name, options, with_grid=grid)
    except scenarios.ParameterError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except UstglassError as exc:
        _fail(exc)
    typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) if as_json else scenarios.format_text(found))


@app.command("scorecard")
def scorecard_command(
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The fragility scorecard: each indicator's latest value, change, percentile in its own history, and signal."""
    import json

    from ustglass import scorecard, snapshot as snap
    from ustglass.resources import snapshots_root

    try:
        loaded = snap.load(snap.resolve(snapshot, snapshots_root(snapshots)))
    except UstglassError as exc:
        _fail(exc)
    card = scorecard.evaluate(loaded.tables, snapshot=loaded.id)
    typer.echo(json.dumps(card.to_dict(), indent=2, ensure_ascii=False) if as_json else scorecard.format_table(card))


@app.command("check-claims")
def check_claims_command(
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language of the wording: a language pack such as zh or en; default: zh.")] = None,
) -> None:
    """Check the article's claims against a snapshot, each at its own date: data, difference, verdict."""
    import json

    from ustglass import claims, locale, snapshot as snap
    from ustglass.resources import snapshots_root

    try:
        words = claims.wording(lang or locale.DEFAULT)
        loaded = snap.load(snap.resolve(snapshot, snapshots_root(snapshots)))
        result = claims.check_claims(loaded.tables, loaded.id)
        text = json.dumps(claims.to_dict(result, words), indent=2, ensure_ascii=False) if as_json else claims.format_text(result, words)
    except UstglassError as exc:
        _fail(exc)
    typer.echo(text)


@app.command("changes")
def changes_command(
    since: Annotated[Optional[str], typer.Option("--since", help="The previous snapshot (id or path); default: the one before --snapshot.")] = None,
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="The current snapshot (id or path); default: the newest.")] = None,
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """What changed since the previous edition: new observations, revisions (old and new values), signals that moved."""
    import json

    from ustglass import changes, snapshot as snap
    from ustglass.resources import snapshots_root

    try:
        root = snapshots_root(snapshots)
        current = snap.resolve(snapshot, root)
        old, new = snap.load(snap.resolve(since, root) if since else changes.previous_of(current, root)), snap.load(current)
    except UstglassError as exc:
        _fail(exc)
    found = changes.compare(old.id, old.tables, new.id, new.tables)
    typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) if as_json else changes.format_text(found))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
