"""The ustglass command line: thin Typer adapters over the library.

Each command parses its options, builds a configuration, calls one library function and
reports. Expected failures print ``Error: <what, where>`` on stderr and exit 1; usage
errors exit 2. Heavy modules are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from ustglass import __version__
from ustglass import locale
from ustglass.errors import UstglassError

if TYPE_CHECKING:
    from ustglass.settings import Settings

app = typer.Typer(
    name="ustglass",
    help="Glass Houses: rebuild the U.S. Treasury market-fragility brief (in each language pack; Markdown, HTML, PDF) from official data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(exc: UstglassError) -> NoReturn:
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


# Options of the commands that build (report, figures, publish) and of `config show`; each
# overrides the config file's key of the same meaning (see ustglass.settings).
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="Settings file; default: ./ustglass.toml when it exists.", show_default=False)]
LangOpt = Annotated[Optional[str], typer.Option("--lang", help="A language pack's code (templates/locales/<code>/) or all; default: zh (publish: all).", show_default=False)]
SnapshotsOpt = Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: ./data_snapshots, else the shipped ones.", show_default=False)]
TemplatesOpt = Annotated[Optional[Path], typer.Option("--templates", help="An editor's templates folder (see `ustglass templates export`), used before the shipped templates.", show_default=False)]
FiguresOpt = Annotated[Optional[Path], typer.Option("--figures", help="An editor's folder of figure specs (<id>.toml), used before <templates>/figures and the shipped specs.", show_default=False)]
StrictOpt = Annotated[Optional[bool], typer.Option("--strict/--no-strict", help="A file in --templates/--figures that ustglass does not know is an error (default) or a warning.", show_default=False)]


def _settings(config: Optional[Path], defaults: Optional[dict[str, Any]] = None, **flags: Any) -> Settings:
    """The run's settings: defaults, then the config file, then the flags given; usage errors exit 2."""
    from ustglass import settings

    try:
        return settings.load(flags, config, defaults=defaults)
    except settings.FlagError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.option) from None
    except UstglassError as exc:
        _fail(exc)


def _warn(lines: Iterable[str]) -> None:
    for line in lines:
        typer.echo(f"Warning: {line}", err=True)


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
    lang: LangOpt = None,
    format: Annotated[Optional[str], typer.Option("--format", help="Comma-separated outputs: md, md-inline (figures inside the Markdown, for pasting), html, pdf; default: md,html,pdf.", show_default=False)] = None,
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory; default: out.", show_default=False)] = None,
    snapshots: SnapshotsOpt = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Build the brief from a snapshot: brief.<lang>.md/.html/.pdf, figures and key_figures.json."""
    from ustglass import pipeline
    from ustglass.config import Format
    from ustglass.render import subsetting_warning

    cfg = _settings(config, languages=lang, formats=format, out=out, snapshots=snapshots, templates=templates,
                    figures=figures, strict=strict).report_config(snapshot=snapshot)
    if Format.pdf in cfg.formats and (warning := subsetting_warning()):
        _warn([warning])
    try:
        built, written = pipeline.build_report(cfg)
    except UstglassError as exc:
        _fail(exc)
    _warn(built.warnings)
    for path in written:
        if path.parent == cfg.out_dir:
            typer.echo(f"wrote {path}")
    typer.echo(f"brief built from snapshot {built.snapshot_id}")


@app.command("figures")
def figures_command(
    only: Annotated[Optional[list[str]], typer.Option("--only", help="A figure's id (see --list); repeatable; default: every figure.", show_default=False)] = None,
    list_: Annotated[bool, typer.Option("--list", help="Print one line per figure, its id and its title, and exit.")] = False,
    lang: LangOpt = None,
    format: Annotated[Optional[str], typer.Option("--format", help="png (300 dpi), svg (vector, text as text) or png,svg; default: png,svg.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory the files go in, as <id>.<lang>.<png|svg>; default: out/figures.", show_default=False)] = None,
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    snapshots: SnapshotsOpt = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Render the brief's figures, or the ones named, as SVG and PNG, without building the brief."""
    from ustglass import pipeline

    s = _settings(config, languages=lang, figure_formats=format, snapshots=snapshots, templates=templates, figures=figures, strict=strict)
    cfg = s.report_config(snapshot=snapshot, figures=tuple(only) if only else None, out_dir=out or s["out"] / "figures")
    try:
        if list_:
            typer.echo(pipeline.format_figure_list(pipeline.figure_list(cfg)))
            return
        built = pipeline.build_figures(cfg, s.figure_formats)
        written = pipeline.write_files(built.files, cfg.out_dir)
    except UstglassError as exc:
        _fail(exc)
    _warn(built.warnings)
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def publish(
    out: Annotated[Path, typer.Option("--out", help="Directory of published editions: DIR/<snapshot-id>/ and the symlink DIR/latest.")],
    lang: LangOpt = None,
    keep: Annotated[Optional[int], typer.Option("--keep", min=1, help="Keep only the N newest editions (never the one 'latest' points at).")] = None,
    snapshots: Annotated[Optional[Path], typer.Option("--snapshots", help="Directory holding the snapshots; default: data_snapshots.", show_default=False)] = None,
    source: Annotated[Optional[list[str]], typer.Argument(help="Sources to download (default: all); the others are carried forward.", show_default=False, metavar="SOURCE")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Keep only observations known on this date (YYYY-MM-DD).")] = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Carry failed sources forward instead of failing.")] = False,
    from_dir: Annotated[Optional[Path], typer.Option("--from-dir", help="Read official files from this directory instead of the network.")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="With --from-dir: skip files matching this glob; repeatable.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another publish is running, wait for it instead of exiting 1.")] = False,
    log_format: Annotated[str, typer.Option("--log-format", help="Log lines as 'text' or 'json' (one object per line).")] = "text",
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
) -> None:
    """For cron: fetch; if the data changed, build every language and format and publish them atomically."""
    from ustglass.logs import Log, LogFormat
    from ustglass.publish import PublishOptions, publish as run

    s = _settings(config, {"languages": (locale.ALL,), "snapshots": Path("data_snapshots")}, languages=lang,
                  snapshots=snapshots, templates=templates, figures=figures, strict=strict)
    if log_format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--log-format")
    log = Log(LogFormat(log_format))
    opts = PublishOptions(out_dir=out, langs=s.langs, snapshots_root=s["snapshots"], keep=keep, sources=tuple(source or ()),
                          as_of=_as_of(as_of), allow_partial=allow_partial, from_dir=from_dir, exclude=tuple(exclude or ()), wait=wait,
                          formats=s.formats, templates_dir=s["templates"], figures_dir=s["figures"], strict=s["strict"],
                          organisation=s["organisation"], author=s["author"] or None)
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


templates_app = typer.Typer(help="Editors' templates: copy the shipped ones out, edit them, build with --templates DIR.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
config_app = typer.Typer(help="The settings file, ustglass.toml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@templates_app.command("export")
def templates_export(
    target: Annotated[Path, typer.Argument(help="Folder to copy the templates, language packs, stylesheet and figure specs into.", metavar="DIR")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite files of the same names already in DIR.")] = False,
) -> None:
    """Copy every shipped template, language pack, the stylesheet and the figure specs into DIR, to edit."""
    from ustglass import overrides

    try:
        written = overrides.export(target, force=force)
    except UstglassError as exc:
        _fail(exc)
    typer.echo(f"exported {len(written)} files to {target}; build with --templates {target}")


@config_app.command("show")
def config_show(
    config: ConfigOpt = None,
    lang: LangOpt = None,
    format: Annotated[Optional[str], typer.Option("--format", help="As report's --format.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="As report's --out.", show_default=False)] = None,
    snapshots: SnapshotsOpt = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
) -> None:
    """Print the effective settings, each with where it came from: default, config or flag."""
    typer.echo(_settings(config, languages=lang, formats=format, out=out, snapshots=snapshots, templates=templates,
                         figures=figures, strict=strict).show())


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
