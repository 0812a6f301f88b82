"""The ustglass command line: thin Typer adapters over the library.

Each command parses its options, builds a configuration, calls one library function and
reports. Expected failures print ``Error: <what, where>`` on stderr and exit 1; usage
errors exit 2. Heavy modules are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ustglass import __version__, locale
from ustglass.config import Format, Verbosity, parse_formats, parse_langs
from ustglass.errors import UstglassError
from ustglass.logs import Log, LogFormat
from ustglass.oserrors import describe

if TYPE_CHECKING:
    from ustglass.sources.live import FetchResult

if TYPE_CHECKING:
    from ustglass.settings import Settings

app = typer.Typer(
    name="ustglass",
    help="Glass Houses: rebuild the U.S. Treasury market-fragility brief (in each language pack; Markdown, HTML, PDF) from official data.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fail(exc: UstglassError | OSError) -> NoReturn:
    typer.echo(f"Error: {describe(exc)}", err=True)
    raise typer.Exit(code=getattr(exc, "exit_code", 1))


def _as_of(text: str | None) -> date | None:
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


# Options several commands share, declared once.
Snapshots = Annotated[
    Path | None,
    typer.Option(
        "--snapshots",
        show_default=False,
        help="Directory holding the snapshots; default: ./data_snapshots if it exists, else the snapshots shipped with ustglass.",
    ),
]
AsOf = Annotated[
    date | None,
    typer.Option(
        "--as-of", parser=_as_of, metavar="DATE", help="Keep only observations known on this date (YYYY-MM-DD); default: the newest data."
    ),
]
FromDir = Annotated[
    Path | None, typer.Option("--from-dir", help="Read official files from this directory (recursively) instead of the network.")
]
Exclude = Annotated[
    list[str] | None,
    typer.Option("--exclude", help="With --from-dir: skip files whose path (relative to the directory) matches this glob; repeatable."),
]
Sources = Annotated[
    list[str] | None,
    typer.Argument(
        help="Sources to download: fred, cftc, tic, fiscaldata, nyfed (default: all); the others are carried forward from the newest snapshot.",
        show_default=False,
        metavar="SOURCE",
    ),
]
AllowPartial = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="When a source fails, carry its datasets forward from the newest snapshot (marked in the manifest and the brief) instead of failing.",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print errors and warnings only.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Print more: every file written or left out.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
SnapshotRef = Annotated[str | None, typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")]


def _verbosity(quiet: bool, verbose: bool) -> Verbosity:
    try:
        return Verbosity.of(quiet, verbose)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quiet/--verbose") from None


def _langs(text: str, templates: Path | None = None) -> tuple[str, ...]:
    try:
        return parse_langs(text, templates)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None


def _root(snapshots: Path | None) -> Path:
    from ustglass.resources import snapshots_root

    return snapshots_root(snapshots)


@contextmanager
def _errors(log: Log | None = None) -> Iterator[None]:
    """The error boundary: an expected failure becomes one ``Error:`` line (or a JSON record) and its exit code."""
    try:
        yield
    except (UstglassError, OSError) as exc:
        if log is not None and log.format is LogFormat.json:
            log.error("failed", describe(exc))
        else:
            typer.echo(f"Error: {describe(exc)}", err=True)
        raise typer.Exit(code=getattr(exc, "exit_code", 1)) from None


@contextmanager
def _progress(message: str, verbosity: Verbosity) -> Iterator[None]:
    """A spinner on stderr while ``message`` is under way, only when stderr is a terminal."""
    if verbosity is Verbosity.quiet or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def _fetch(
    from_dir: Path | None,
    root: Path,
    as_of: date | None,
    exclude: list[str] | None,
    sources: list[str] | None,
    allow_partial: bool,
    log: Log,
) -> FetchResult:
    from ustglass.sources import live

    if from_dir is None:
        return live.fetch(root, sources=tuple(sources or ()), as_of=as_of, allow_partial=allow_partial, log=log)
    if sources or allow_partial:
        raise typer.BadParameter("SOURCE and --allow-partial apply to downloads, not to --from-dir", param_hint="SOURCE")
    return live.snapshot_from_dir(from_dir, root, as_of, tuple(exclude or ()))


# Options of the commands that build (report, figures, publish) and of `config show`; each
# overrides the config file's key of the same meaning (see ustglass.settings).
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Settings file; default: ./ustglass.toml when it exists.", show_default=False)
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", help="A language pack's code (templates/locales/<code>/) or all; default: zh (publish: all).", show_default=False
    ),
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="An editor's templates folder (see `ustglass templates export`), used before the shipped templates.",
        show_default=False,
    ),
]
FiguresOpt = Annotated[
    Path | None,
    typer.Option(
        "--figures",
        help="An editor's folder of figure specs (<id>.toml), used before <templates>/figures and the shipped specs.",
        show_default=False,
    ),
]
StrictOpt = Annotated[
    bool | None,
    typer.Option(
        "--strict/--no-strict",
        help="A file in --templates/--figures that ustglass does not know is an error (default) or a warning.",
        show_default=False,
    ),
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Build everything afresh: take nothing from the cache and keep nothing in it.")
]
JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Languages built at once, each in a process; default: one per core.", show_default=False),
]


def _settings(config: Path | None, defaults: dict[str, Any] | None = None, **flags: Any) -> Settings:
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
    from_dir: FromDir = None,
    as_of: AsOf = None,
    snapshots: Snapshots = None,
    exclude: Exclude = None,
    source: Sources = None,
    allow_partial: AllowPartial = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Make a new snapshot (CSV per dataset + manifest.json) from the official services, or from official files."""
    verbosity = _verbosity(quiet, verbose)
    with _errors():
        result = _fetch(from_dir, _root(snapshots), as_of, exclude, source, allow_partial, Log(quiet=verbosity is Verbosity.quiet))
    if result.carried:
        typer.echo(f"carried forward (marked in the manifest): {', '.join(result.carried)}", err=True)
    if verbosity is Verbosity.verbose:
        for line in json.loads((result.path / "manifest.json").read_text(encoding="utf-8")).get("inputs_not_used", []):
            typer.echo(f"not used: {line}")
    if verbosity is not Verbosity.quiet:
        typer.echo(f"snapshot written: {result.path}" if result.created else f"snapshot unchanged: {result.path} already holds these data")


@app.command()
def report(
    lang: LangOpt = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Comma-separated outputs: md, md-inline (figures inside the Markdown, for pasting), html, pdf; default: md,html,pdf.",
            show_default=False,
        ),
    ] = None,
    snapshot: SnapshotRef = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output directory; default: out.", show_default=False)] = None,
    snapshots: Snapshots = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="The previous edition's snapshot (id or path), for 'what changed'; default: the one before --snapshot."
        ),
    ] = None,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Build the brief from a snapshot: brief.<lang>.md/.html/.pdf, figures and key_figures.json."""
    from ustglass import pipeline
    from ustglass.fonts import subsetting_warning

    verbosity = _verbosity(quiet, verbose)
    cfg = _settings(
        config, languages=lang, formats=format, out=out, snapshots=snapshots, templates=templates, figures=figures, strict=strict
    ).report_config(snapshot=snapshot, since=since, cache=not no_cache, jobs=jobs)
    if Format.pdf in cfg.formats and (warning := subsetting_warning()):
        _warn([warning])
    with _errors():
        with _progress(f"Building the brief ({', '.join(cfg.langs)}; {', '.join(f.value for f in cfg.formats)}) …", verbosity):
            built, written = pipeline.build_report(cfg)
    _warn(built.warnings)
    for path in written if verbosity is not Verbosity.quiet else ():
        if path.parent == cfg.out_dir or verbosity is Verbosity.verbose:
            typer.echo(f"wrote {path}")
    if verbosity is not Verbosity.quiet:
        typer.echo(f"brief built from snapshot {built.snapshot_id}")


def _formats(text: str) -> tuple[Format, ...]:
    try:
        return parse_formats(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None


@app.command("figures")
def figures_command(
    only: Annotated[
        list[str] | None, typer.Option("--only", help="A figure's id (see --list); repeatable; default: every figure.", show_default=False)
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="Print one line per figure, its id and its title, and exit.")] = False,
    lang: LangOpt = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="png (300 dpi), svg (vector, text as text) or png,svg; default: png,svg.", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory the files go in, as <id>.<lang>.<png|svg>; default: out/figures.", show_default=False),
    ] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", help="Snapshot id or path; default: the newest.")] = None,
    snapshots: Snapshots = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
) -> None:
    """Render the brief's figures, or the ones named, as SVG and PNG, without building the brief."""
    from ustglass import pipeline

    s = _settings(config, languages=lang, figure_formats=format, snapshots=snapshots, templates=templates, figures=figures, strict=strict)
    cfg = s.report_config(snapshot=snapshot, figures=tuple(only) if only else None, out_dir=out or s["out"] / "figures",
                           cache=not no_cache, jobs=jobs)  # fmt: skip
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
    keep: Annotated[
        int | None, typer.Option("--keep", min=1, help="Keep only the N newest editions (never the one 'latest' points at).")
    ] = None,
    snapshots: Snapshots = None,
    source: Sources = None,
    as_of: AsOf = None,
    allow_partial: AllowPartial = False,
    from_dir: FromDir = None,
    exclude: Exclude = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another publish is running, wait for it instead of exiting 1.")] = False,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="Log lines as text or as JSON (one object per line).")
    ] = LogFormat.text,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    quiet: Quiet = False,
) -> None:
    """For cron: fetch; if the data changed, build every language and format and publish them atomically."""
    from ustglass.publish import PublishOptions
    from ustglass.publish import publish as run

    log = Log(log_format, quiet=quiet)
    s = _settings(
        config, {"languages": (locale.ALL,)}, languages=lang, snapshots=snapshots, templates=templates, figures=figures, strict=strict
    )
    opts = PublishOptions(
        out_dir=out,
        langs=s.langs,
        snapshots_root=s.snapshots_root,
        keep=keep,
        sources=tuple(source or ()),
        as_of=as_of,
        allow_partial=allow_partial,
        from_dir=from_dir,
        exclude=tuple(exclude or ()),
        wait=wait,
        formats=s.formats,
        templates_dir=s["templates"],
        figures_dir=s["figures"],
        strict=s["strict"],
        organisation=s["organisation"],
        author=s["author"] or None,
        cache=not no_cache,
        jobs=jobs,
    )
    with _errors(log):
        run(opts, log)


@app.command("snapshots")
def snapshots_command(snapshots: Snapshots = None, as_json: AsJson = False) -> None:
    """List the snapshots: id, when made, sources, newest observation per dataset."""
    from ustglass import history

    root = _root(snapshots)
    with _errors():
        infos = history.list_snapshots(root)
    if not infos and not as_json:
        typer.echo(f"no snapshots under {root}")
        return
    typer.echo(json.dumps([i.as_dict() for i in infos], indent=2) if as_json else history.format_snapshots(infos))


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="Older snapshot: id or path.")],
    b: Annotated[str, typer.Argument(help="Newer snapshot: id or path.")],
    snapshots: Snapshots = None,
    examples: Annotated[int, typer.Option("--examples", min=0, help="Examples shown per kind of change.")] = 3,
    as_json: AsJson = False,
) -> None:
    """What changed from snapshot A to B, per dataset: new observations, removed ones, revisions."""
    from ustglass import history, snapshot

    root = _root(snapshots)
    with _errors():
        left, right = snapshot.resolve(a, root), snapshot.resolve(b, root)
        found = history.diff(left, right, examples)
    typer.echo(json.dumps([d.as_dict() for d in found], indent=2) if as_json else history.format_diff(left.name, right.name, found))


@app.command()
def scenario(
    beta: Annotated[
        float | None,
        typer.Option("--beta", help="β: share of leveraged funds' gross short that is basis trade (fraction).", show_default=False),
    ] = None,
    haircut: Annotated[
        float | None, typer.Option("--haircut", help="h: repo haircut before the shock (fraction, 0.02 = 2%).", show_default=False)
    ] = None,
    margin: Annotated[
        float | None,
        typer.Option(
            "--margin",
            help="m: futures initial margin (fraction); default: weighted by the latest week's contract mix.",
            show_default=False,
        ),
    ] = None,
    buffer: Annotated[
        float | None, typer.Option("--buffer", help="b: capital held above the requirement (fraction of it).", show_default=False)
    ] = None,
    haircut_shock: Annotated[
        float | None, typer.Option("--haircut-shock", help="Δh: rise in the repo haircut (fraction).", show_default=False)
    ] = None,
    margin_mult: Annotated[
        float | None, typer.Option("--margin-mult", help="k: futures margins are multiplied by k.", show_default=False)
    ] = None,
    daily_volume: Annotated[
        float | None, typer.Option("--daily-volume", help="V: average daily cash Treasury volume, USD billions.", show_default=False)
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Named scenario: mild, 2020-like or severe (the options above override it).", show_default=False),
    ] = None,
    snapshot: SnapshotRef = None,
    snapshots: Snapshots = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    grid: Annotated[bool, typer.Option("--grid", help="Add a sensitivity table over k and Δh.")] = False,
) -> None:
    """Basis-unwind stress scenario: the forced unwind U of the basis trade after a haircut and margin shock (defaults and sources: research/scenario_parameters.toml)."""
    from ustglass import scenarios

    options = {
        "beta": beta,
        "haircut": haircut,
        "margin": margin,
        "buffer": buffer,
        "haircut_shock": haircut_shock,
        "margin_mult": margin_mult,
        "daily_volume_usd_bn": daily_volume,
    }
    try:
        with _errors():
            found = scenarios.run(_root(snapshots), snapshot, name, options, with_grid=grid)
    except scenarios.ParameterError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) if as_json else scenarios.format_text(found))


@app.command("scorecard")
def scorecard_command(
    snapshot: SnapshotRef = None,
    snapshots: Snapshots = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The fragility scorecard: each indicator's latest value, change, percentile in its own history, and signal."""
    from ustglass import scorecard
    from ustglass import snapshot as snap

    with _errors():
        loaded = snap.load(snap.resolve(snapshot, _root(snapshots)))
    card = scorecard.evaluate(loaded.tables, snapshot=loaded.id)
    typer.echo(json.dumps(card.to_dict(), indent=2, ensure_ascii=False) if as_json else scorecard.format_table(card))


@app.command("check-claims")
def check_claims_command(
    snapshot: SnapshotRef = None,
    snapshots: Snapshots = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the wording: a language pack such as zh or en; default: zh.")
    ] = None,
) -> None:
    """Check the article's claims against a snapshot, each at its own date: data, difference, verdict."""
    from ustglass import claims
    from ustglass import snapshot as snap

    with _errors():
        words = claims.wording(lang or locale.DEFAULT)
        loaded = snap.load(snap.resolve(snapshot, _root(snapshots)))
        result = claims.check_claims(loaded.tables, loaded.id)
        text = json.dumps(claims.to_dict(result, words), indent=2, ensure_ascii=False) if as_json else claims.format_text(result, words)
    typer.echo(text)


@app.command("changes")
def changes_command(
    since: Annotated[
        str | None, typer.Option("--since", help="The previous snapshot (id or path); default: the one before --snapshot.")
    ] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", help="The current snapshot (id or path); default: the newest.")] = None,
    snapshots: Snapshots = None,
    as_json: AsJson = False,
) -> None:
    """What changed since the previous edition: new observations, revisions (old and new values), signals that moved."""
    from ustglass import changes
    from ustglass import snapshot as snap

    root = _root(snapshots)
    with _errors():
        current = snap.resolve(snapshot, root)
        old, new = snap.load(snap.resolve(since, root) if since else changes.previous_of(current, root)), snap.load(current)
    found = changes.compare(old.id, old.tables, new.id, new.tables)
    typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) if as_json else changes.format_text(found))


templates_app = typer.Typer(
    help="Editors' templates: copy the shipped ones out, edit them, build with --templates DIR.", no_args_is_help=True
)
app.add_typer(templates_app, name="templates")
config_app = typer.Typer(help="The settings file, ustglass.toml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@templates_app.command("export")
def templates_export(
    target: Annotated[
        Path, typer.Argument(help="Folder to copy the templates, language packs, stylesheet and figure specs into.", metavar="DIR")
    ],
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
    format: Annotated[str | None, typer.Option("--format", help="As report's --format.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="As report's --out.", show_default=False)] = None,
    snapshots: Snapshots = None,
    templates: TemplatesOpt = None,
    figures: FiguresOpt = None,
    strict: StrictOpt = None,
) -> None:
    """Print the effective settings, each with where it came from: default, config or flag."""
    typer.echo(
        _settings(
            config, languages=lang, formats=format, out=out, snapshots=snapshots, templates=templates, figures=figures, strict=strict
        ).show()
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
