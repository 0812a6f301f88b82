"""build_report: snapshot -> key figures -> charts -> Markdown / HTML / PDF, gathered then written.

Everything is computed in memory first; files are written last, into a temporary
directory beside the output that then replaces it in one step (``outdir``), so an
interrupted or failed build never leaves a half-written or mixed output directory.

Work already done is taken from the cache (:mod:`ustglass.cache`): the whole edition when
nothing it reads has changed (decided before pandas, matplotlib or WeasyPrint are imported,
which is why the heavy modules are imported inside the functions here), else its key figures,
each chart and each page as far as their own inputs are unchanged. With several languages and
cores, each language is built in a process of its own, forked once the shared work is done.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import gc
import os
import pickle
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ustglass import cache, locale, memory, outdir, overrides
from ustglass.config import BRIEF_FIGURE_DPI, FIGURE_DPI, FigureFormat, Format, ReportConfig
from ustglass.errors import BuildError, UstglassError
from ustglass.resources import bundled

if TYPE_CHECKING:
    from ustglass import claims, snapshot
    from ustglass.charts import Figure
    from ustglass.chartspec import FigureSpec
    from ustglass.keyfigures import KeyFigures

TOP_HOLDERS = 10


@dataclass(frozen=True)
class Built:
    """What a build produced: file name (relative to the output directory) -> bytes, and the
    warnings met on the way (files of an editor's folder ignored under ``strict=False``);
    ``cache`` says what was taken from the cache and what was built."""

    snapshot_id: str
    files: dict[str, bytes]
    warnings: tuple[str, ...] = ()
    cache: cache.Stats | None = None


def load_key_figures(cfg: ReportConfig) -> tuple[snapshot.Snapshot, KeyFigures]:
    """The edition's snapshot and every key figure of the brief, the analysis sections included."""
    from ustglass import analysis, metrics, snapshot

    snap = snapshot.load(snapshot.resolve(cfg.snapshot, cfg.snapshots_root))
    kf = metrics.key_figures(snap.tables, snap.manifest)
    return snap, analysis.gather(kf, snap, previous_snapshot(cfg, snap))


def previous_snapshot(cfg: ReportConfig, current: snapshot.Snapshot) -> snapshot.Snapshot | None:
    """The previous edition's snapshot, for "what changed": ``cfg.since``, else the newest one
    before the edition's in the snapshots root; None when there is none."""
    from ustglass import snapshot

    if cfg.since is not None:
        path = snapshot.resolve(cfg.since, cfg.snapshots_root)
        if path.name >= current.id:
            raise BuildError(f"{cfg.since}: the previous edition's snapshot must be older than this edition's ({current.id})")
        return snapshot.load(path)
    earlier = [p for p in snapshot.list_snapshots(cfg.snapshots_root) if p.name < current.id]
    return snapshot.load(earlier[-1]) if earlier else None


def check_overrides(cfg: ReportConfig) -> tuple[str, ...]:
    """Check the editor's folders (``--templates``, ``--figures``) before anything is built; return warnings."""
    return (*overrides.check_dir(cfg.templates_dir, "templates", strict=cfg.strict),
            *overrides.check_dir(cfg.figures_dir, "figures", strict=cfg.strict))  # fmt: skip


def load_specs(cfg: ReportConfig) -> dict[str, FigureSpec]:
    """The specs of the figures the brief shows (``cfg.figures``, default every registered
    figure, in the registry's order), editors' overrides (``--figures``, then ``<templates>/figures``) first."""
    from ustglass import chartspec, figures

    ids = figures.IDS if cfg.figures is None else tuple(dict.fromkeys(cfg.figures))
    for figure_id in ids:
        figures.get(figure_id)  # an unknown id is one clear error, before any file is read
    spec_dirs = overrides.spec_dirs(cfg.templates_dir, cfg.figures_dir)
    specs = {}
    for figure_id in ids:
        path = next((d / f"{figure_id}.toml" for d in spec_dirs if (d / f"{figure_id}.toml").is_file()), None)
        if path is None:
            raise BuildError(f"figures/{figure_id}.toml not found")
        specs[figure_id] = chartspec.load_spec(path, figures.get(figure_id))
    return specs


def draw_figures(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, FigureSpec]) -> dict[str, Figure]:
    """Every chart of the brief in the language of ``loc``, by figure id."""
    from ustglass import charts

    charts.chart_texts(loc, specs)  # every problem of the pack's chart text at once, before drawing
    return {fid: charts.build_figure(fid, kf, loc, spec) for fid, spec in specs.items()}


def figure_files(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, FigureSpec]) -> dict[str, bytes]:
    """Every chart of the brief as PNG bytes, keyed by its path relative to the output."""
    from ustglass import charts

    return {figure_path(fid, loc): charts.png_bytes(fig) for fid, fig in draw_figures(kf, loc, specs).items()}


def figure_path(figure_id: str, loc: locale.Locale) -> str:
    """Where a chart's PNG goes, relative to the output (the Markdown links to it)."""
    return f"figures/{figure_id}.{loc.code}.png"


def holder_rows(kf: KeyFigures, loc: locale.Locale) -> list[dict[str, Any]]:
    """The major-holders table: the largest holders now and a year earlier, named as the pack names them."""
    from ustglass import metrics

    h = kf.holders
    rows = []
    for rank, country in enumerate(h.ranking[:TOP_HOLDERS], start=1):
        earlier = h.usd_bn_year_earlier.get(country)
        rows.append(
            {
                "rank": rank,
                "country": loc.name_of("countries", country),
                "value": h.usd_bn[country],
                "earlier": earlier,
                "is_cayman": country == metrics.CAYMAN,
            }
        )
    return rows


def context(
    kf: KeyFigures, loc: locale.Locale, figure_paths: Mapping[str, str], words: claims.Wording, alt: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Everything a brief template may use: finished values only (words come from ``t``, see render)."""
    from ustglass import analysis, render

    largest = kf.holders.ranking[0]
    return {
        "analysis": analysis.context(kf, loc, words),
        "kf": kf,
        "fig": {fid: render.MdText(path) for fid, path in figure_paths.items()},  # our own paths and data: URIs
        "alt": dict(alt or {}),  # figure id -> a sentence describing it (alttext)
        "holders_rows": holder_rows(kf, loc),
        "largest_holder": loc.name_of("countries", largest),
        "largest_holder_usd_bn": kf.holders.usd_bn[largest],
        "deficit_rows": [{"fy": fy, "value": v} for fy, v in kf.fiscal.deficit_usd_bn.items()],
        "datasets": kf.datasets,
    }


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# ---------------------------------------------------------------- what the cache keys on


def options(cfg: ReportConfig) -> dict[str, Any]:
    """The options that shape a build's files (not where they go, nor how the build runs)."""
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name not in ("out_dir", "cache", "jobs")}


def templates_digest(cfg: ReportConfig) -> list[str]:
    """The shipped templates and packs, the editor's folders and every figure spec, hashed."""
    return [cache.tree_digest(bundled("templates")), cache.tree_digest(cfg.templates_dir), cache.tree_digest(cfg.figures_dir),
            *(cache.tree_digest(d, "*.toml") for d in overrides.spec_dirs(cfg.templates_dir, cfg.figures_dir))]  # fmt: skip


def snapshots_digest(cfg: ReportConfig) -> list[str]:
    return cache.snapshots_digest(cache.snapshot_dirs(cfg.snapshot, cfg.since, cfg.snapshots_root))


def edition_key(cfg: ReportConfig) -> cache.Key:
    """Everything a build reads, hashed with the standard library only: snapshot files, templates, code, fonts, options."""
    return cache.Key("edition", cache.environment(), options(cfg), snapshots_digest(cfg), templates_digest(cfg), label="edition")


def figure_key(fid: str, kf: KeyFigures, loc: locale.Locale, spec: FigureSpec, kind: FigureFormat, dpi: int | None) -> cache.Key:
    """A chart in one language and format: the key figures it declares it reads, its spec, the pack's words."""
    from ustglass import figures

    reads = [[name, getattr(kf, name)] for name in figures.get(fid).reads]
    return cache.Key("figure", cache.environment(), fid, kind, dpi, dataclasses.replace(spec, path=""), loc.code, loc.strings,
                     loc.charts, reads, label=f"{fid}.{loc.code}.{kind.value}")  # fmt: skip


def key_figures(cfg: ReportConfig, store: cache.Store, meanwhile: Callable[[], None] | None = None) -> tuple[str, KeyFigures]:
    """The edition's snapshot id and key figures, from the cache when the snapshot files and the code are unchanged.

    When they must be computed and ``meanwhile`` is given, they are computed in a forked process
    while this one runs ``meanwhile`` (the imports the languages' processes will share), so the
    two use both cores; an error there is raised here, as a computation in this process raises it."""
    key = cache.Key("key-figures", cache.code_version(), cache.libraries(), cfg.snapshot, cfg.since,
                    snapshots_digest(cfg), label="key-figures")  # fmt: skip
    from ustglass.keyfigures import KeyFigures

    if (data := store.get(key)) is not None:
        try:
            snapshot_id, kf = pickle.loads(data)
            if isinstance(kf, KeyFigures):
                return snapshot_id, kf
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
    if meanwhile is None:
        data = _computed_key_figures(cfg)
    else:
        running = _start("key figures", functools.partial(_computed_key_figures, cfg), store)
        try:
            meanwhile()
        except Exception:
            _result(running, store)  # the snapshot's own error, if any, comes first, as a serial build reports it
            raise
        except BaseException:  # interrupted: stop computing
            _stop(running)
            raise
        data = _result(running, store)
    store.put(key, data)
    snapshot_id, kf = pickle.loads(data)
    return snapshot_id, kf


def _computed_key_figures(cfg: ReportConfig) -> bytes:
    """``(snapshot id, key figures)`` computed from the snapshot, pickled (as the cache keeps them)."""
    snap, kf = load_key_figures(cfg)
    return pickle.dumps((snap.id, kf), protocol=pickle.HIGHEST_PROTOCOL)


def figure_bytes(
    store: cache.Store,
    kf: KeyFigures,
    loc: locale.Locale,
    specs: Mapping[str, FigureSpec],
    wanted: Sequence[tuple[FigureFormat, int | None]],
) -> dict[str, dict[FigureFormat, bytes]]:
    """Each chart in each (format, dpi) wanted, by figure id: from the cache, else drawn once and saved in the formats missing."""
    from ustglass import chartspec, figures

    texts = chartspec.chart_texts(loc, [figures.get(f) for f in specs])  # every problem of the pack's chart text at once, before drawing
    out: dict[str, dict[FigureFormat, bytes]] = {}
    for fid, spec in specs.items():
        keys = {kind: figure_key(fid, kf, loc, spec, kind, dpi) for kind, dpi in wanted}
        found = {kind: store.get(key) for kind, key in keys.items()}
        if any(data is None for data in found.values()):
            from ustglass import charts

            charts.check_glyphs(fid, loc, texts[fid])
            fig = charts.build_figure(fid, kf, loc, spec)
            for kind, dpi in wanted:
                if found[kind] is None:
                    data = charts.png_bytes(fig, dpi or BRIEF_FIGURE_DPI) if kind is FigureFormat.png else charts.svg_bytes(fig)
                    store.put(keys[kind], data)
                    found[kind] = data
            charts.discard(fig)  # before the next chart is drawn
        out[fid] = {kind: data for kind, data in found.items() if data is not None}
    return out


def page_memo(store: cache.Store, cfg: ReportConfig) -> Callable[[str, Sequence[Any], Callable[[], bytes]], bytes]:
    """The pages' hook (:func:`ustglass.pages.build`): a page from the cache when what it is made of is unchanged."""
    base = [cache.environment(), templates_digest(cfg)]

    def memo(kind: str, parts: Sequence[Any], make: Callable[[], bytes]) -> bytes:
        key = cache.Key(kind, *base, *parts, label=f"{kind}:{parts[0] if parts else ''}")
        data = store.get(key)
        if data is None:
            data = make()
            store.put(key, data)
        return data

    return memo


# ---------------------------------------------------------------- one language, every language


def brief_files(
    cfg: ReportConfig,
    kf: KeyFigures,
    loc: locale.Locale,
    specs: Mapping[str, FigureSpec],
    others: list[locale.Locale],
    store: cache.Store | None = None,
) -> dict[str, bytes]:
    """The brief in one language, in every format of ``cfg``, and its figures. The Markdown is
    rendered first, so a broken template stops the build before any chart is drawn; ``others``
    are the other languages built, which the web page links to."""
    from ustglass import alttext, claims, pages, render

    store = store if store is not None else cache.Store(enabled=False)
    code = loc.code
    env = render.environment([d for d in (cfg.templates_dir, bundled("templates")) if d is not None], loc)
    alt = alttext.alt_texts(kf, loc, specs)
    paths = {fid: figure_path(fid, loc) for fid in specs}
    words = claims.wording(code, cfg.templates_dir)
    markdown = render.render_brief(env, loc.brief_template, context(kf, loc, paths, words, alt))
    pages_needed = Format.html in cfg.formats or Format.pdf in cfg.formats
    wanted = [(FigureFormat.png, BRIEF_FIGURE_DPI)] + ([(FigureFormat.svg, None)] if pages_needed else [])
    drawn = figure_bytes(store, kf, loc, specs, wanted)
    images = {figure_path(fid, loc): kinds[FigureFormat.png] for fid, kinds in drawn.items()}
    files = dict(images)
    if Format.md in cfg.formats:
        files[f"brief.{code}.md"] = markdown.encode("utf-8")
    if Format.md_inline in cfg.formats:  # the same brief with each figure inside it, for pasting
        inline = {f: data_uri(images[p]) for f, p in paths.items()}
        files[f"brief.{code}.inline.md"] = render.render_brief(env, loc.brief_template, context(kf, loc, inline, words, alt)).encode(
            "utf-8"
        )
    memory.release()  # the charts' drawings are done with
    if pages_needed:
        figures_inline = {figure_path(fid, loc): render.InlineFigure(fid, kinds[FigureFormat.svg]) for fid, kinds in drawn.items()}
        files.update(pages.build(cfg, kf, env, loc, markdown, figures_inline, others, memo=page_memo(store, cfg)))
        memory.release()  # the laid-out PDF, before the next language (in a serial build) draws its charts
    return files


class ChildFailed(BuildError):
    """A language's build process ended without saying why (killed, out of memory)."""


def jobs_for(cfg: ReportConfig, tasks: int) -> int:
    """How many processes build at once: ``cfg.jobs``, else one per usable core; never more than the tasks."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(tasks, cfg.jobs if cfg.jobs is not None else cores))


def _portable(exc: BaseException) -> BaseException | tuple[type[BaseException], tuple[Any, ...], dict[str, Any]]:
    """``exc`` as it survives pickling or, for an exception whose class cannot be rebuilt from its
    arguments (such as InputError), its class, arguments and attributes, for :func:`_rebuilt`."""
    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to pickle means: send its parts
        return type(exc), exc.args, {k: v for k, v in vars(exc).items() if not k.startswith("__")}


def _rebuilt(sent: Any) -> BaseException:
    if isinstance(sent, BaseException):
        return sent
    cls, args, attrs = sent
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(attrs)
    return exc


def _child(task: Callable[[], Any], store: cache.Store, out: int) -> None:
    """In a forked process: run ``task``, send back its files and cache use, or its exception; never return."""
    status = 0
    store.stats = cache.Stats()  # only what this process does goes back
    try:
        try:
            payload: tuple[Any, ...] = ("ok", task(), store.stats)
        except BaseException as exc:  # noqa: BLE001 - every exception goes back to the parent, which raises it
            payload = ("error", _portable(exc), traceback.format_exc())
        with os.fdopen(out, "wb") as fh:
            fh.write(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - a child must never run the parent's code after fork
        status = 1
    finally:
        os._exit(status)


@dataclass
class _Running:
    """A forked process running a task: its name (for errors), pid and the pipe its result comes back on."""

    name: str
    pid: int
    read: int


def _start(name: str, task: Callable[[], Any], store: cache.Store) -> _Running:
    """Fork a process that runs ``task`` and sends back its result (see :func:`_child`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:
        os.close(read)
        _child(task, store, write)
    os.close(write)
    return _Running(name, pid, read)


def _finish(running: _Running, store: cache.Store) -> tuple[bool, Any]:
    """Wait for ``running``: ``(True, result)`` of its task, its cache use merged into ``store``'s, or
    ``(False, exception)`` its task raised (a bug keeps where it happened as a note). It raises
    :class:`ChildFailed` when the process sent nothing, and lets what interrupts the wait here
    (Ctrl-C) go on, the process stopped."""
    try:
        with os.fdopen(running.read, "rb") as fh:
            running.read = -1
            data = fh.read()
        _, status = os.waitpid(running.pid, 0)
        running.pid = -1
    except BaseException:
        _stop(running)
        raise
    try:
        payload = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError):
        code = os.waitstatus_to_exitcode(status)
        raise ChildFailed(f"the {running.name} build stopped without a result (exit status {code})") from None
    if payload[0] == "ok":
        store.stats.merge(payload[2])
        return True, payload[1]
    exc = _rebuilt(payload[1])
    if not isinstance(exc, (UstglassError, OSError)):  # a bug: keep where it happened
        exc.add_note(f"in the process building {running.name}:\n{payload[2]}")
    return False, exc


def _result(running: _Running, store: cache.Store) -> Any:
    """:func:`_finish`'s result, or its task's exception raised."""
    ok, value = _finish(running, store)
    if not ok:
        raise value
    return value


def _stop(running: _Running) -> None:
    """Stop a process still running and reap it (only when this one was interrupted); idempotent."""
    if running.read >= 0:
        os.close(running.read)
        running.read = -1
    if running.pid > 0:
        try:
            os.kill(running.pid, 15)
            os.waitpid(running.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        running.pid = -1


def in_processes(tasks: Mapping[str, Callable[[], dict[str, bytes]]], jobs: int, store: cache.Store) -> dict[str, dict[str, bytes]]:
    """Run ``tasks`` (name -> function) in forked processes, ``jobs`` at a time, and return their results
    in the tasks' order. The first task's failure, in that order, is raised as a serial build would
    raise it; the processes still running are stopped."""
    gc.freeze()  # the parent's objects out of the collector's reach: the children do not copy their pages by collecting them
    pending, results = list(tasks), {}
    running: list[_Running] = []
    errors: dict[str, BaseException] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                name = pending.pop(0)
                running.append(_start(name, tasks[name], store))
            done = running[0]
            ok, value = _finish(done, store)  # an interrupt here stops every process (finally, below)
            running.pop(0)
            if ok:
                results[done.name] = value
            else:
                errors[done.name] = value
    finally:
        for left in running:  # only when the parent itself was interrupted (or a process sent nothing)
            _stop(left)
        gc.unfreeze()
    for name in tasks:
        if name in errors:
            raise errors[name]
    return {name: results[name] for name in tasks}


def per_language(
    cfg: ReportConfig, packs: Mapping[str, locale.Locale], build_one: Callable[[locale.Locale], dict[str, bytes]], store: cache.Store
) -> dict[str, bytes]:
    """``build_one`` for each language, in a process of its own when there are several and more than one core; merged in the packs' order."""
    jobs = jobs_for(cfg, len(packs))
    if jobs == 1:
        parts = {code: build_one(loc) for code, loc in packs.items()}
    else:
        parts = in_processes({code: functools.partial(build_one, loc) for code, loc in packs.items()}, jobs, store)
    return {rel: data for code in packs for rel, data in parts[code].items()}


def _preload(cfg: ReportConfig, charts_needed: bool) -> None:
    """Import once, before forking, what every language's process will use, so each does not import it again."""
    import importlib

    from ustglass import analysis, claims, pages, render  # noqa: F401 - imported for the children (claims and analysis load pandas)

    if charts_needed:
        from ustglass import charts  # noqa: F401
    if Format.html in cfg.formats or Format.pdf in cfg.formats:
        render.prepare_fonts()  # font files located (the CJK face extracted) and their character maps read, once
    if Format.pdf in cfg.formats:
        importlib.import_module("weasyprint")  # only loaded here: render alone uses it


def build(cfg: ReportConfig) -> Built:
    """Compute every output of the brief in memory (or take the unchanged edition from the cache)."""
    warnings = check_overrides(cfg)
    store = cache.Store(enabled=cfg.cache)
    key = edition_key(cfg)
    if (found := store.get_files(key)) is not None:
        meta, cached = found
        return Built(meta["snapshot"], cached, warnings, store.stats)
    parallel = jobs_for(cfg, len(dict.fromkeys(cfg.langs))) > 1  # as many processes as per_language will start
    preloaded = []  # with several processes: imported while another computes the key figures, when it must

    def meanwhile() -> None:
        _preload(cfg, charts_needed=True)
        preloaded.append(True)

    snapshot_id, kf = key_figures(cfg, store, meanwhile if parallel else None)
    files: dict[str, bytes] = {"key_figures.json": kf.to_json().encode("utf-8")}
    specs = load_specs(cfg)
    packs = {code: locale.load(code, locale.search_path(cfg.templates_dir)) for code in cfg.langs}
    memory.release()  # what computing the key figures took, before the languages' processes copy it
    if parallel and not preloaded:
        kinds = [FigureFormat.png] + ([FigureFormat.svg] if Format.html in cfg.formats or Format.pdf in cfg.formats else [])
        _preload(cfg, charts_needed=not all(store.has(figure_key(f, kf, loc, s, k, BRIEF_FIGURE_DPI if k is FigureFormat.png else None))
                                            for loc in packs.values() for f, s in specs.items() for k in kinds))  # fmt: skip
    files.update(
        per_language(cfg, packs, lambda loc: brief_files(cfg, kf, loc, specs, [p for p in packs.values() if p is not loc], store), store)
    )
    store.put_files(key, files, {"snapshot": snapshot_id})
    store.trim()
    return Built(snapshot_id, files, warnings, store.stats)


def build_figures(cfg: ReportConfig, kinds: tuple[FigureFormat, ...]) -> Built:
    """The figures ``cfg.figures`` (default all) in each language of ``cfg``, as ``<id>.<lang>.<png|svg>``:
    PNG at :data:`~ustglass.config.FIGURE_DPI`, SVG with its text as text."""
    warnings = check_overrides(cfg)
    store = cache.Store(enabled=cfg.cache)
    snapshot_id, kf = key_figures(cfg, store)
    specs = load_specs(cfg)
    packs = {code: locale.load(code, locale.search_path(cfg.templates_dir)) for code in cfg.langs}
    wanted = [(kind, FIGURE_DPI if kind is FigureFormat.png else None) for kind in kinds]

    def one(loc: locale.Locale) -> dict[str, bytes]:
        drawn = figure_bytes(store, kf, loc, specs, wanted)
        return {f"{fid}.{loc.code}.{kind.value}": data for fid, by_kind in drawn.items() for kind, data in by_kind.items()}

    if jobs_for(cfg, len(packs)) > 1 and not all(store.has(figure_key(f, kf, loc, s, k, d)) for loc in packs.values()
                                                 for f, s in specs.items() for k, d in wanted):  # fmt: skip
        from ustglass import charts  # noqa: F401 - imported once, for every language's process
    files = per_language(cfg, packs, one, store)
    store.trim()
    return Built(snapshot_id, files, warnings, store.stats)


def figure_list(cfg: ReportConfig) -> list[tuple[str, str, str]]:
    """(figure id, language, title with its fields filled) of the figures of ``cfg``, per language."""
    from ustglass import chartkit, charts, figures

    _, kf = load_key_figures(cfg)
    found = []
    for code in cfg.langs:
        loc = locale.load(code, locale.search_path(cfg.templates_dir))
        texts = charts.chart_texts(loc, load_specs(cfg))
        found += [(fid, code, chartkit.fill(text.title, figures.get(fid).context(kf, loc))) for fid, text in texts.items()]
    return found


def format_figure_list(rows: list[tuple[str, str, str]]) -> str:
    """One line per figure: its id, then (when several languages are listed) the language, then its title."""
    width = max((len(fid) for fid, _, _ in rows), default=0)
    several = len({code for _, code, _ in rows}) > 1
    return "\n".join(f"{fid:<{width}}  {code + '  ' if several else ''}{' '.join(title.split())}" for fid, code, title in rows)


def write(built: Built, out_dir: Path) -> list[Path]:
    """Make ``out_dir`` hold exactly this build: written beside it, then switched in one step."""
    outdir.replace_dir(built.files, out_dir)
    return [out_dir / rel for rel in sorted(built.files)]


def write_files(files: Mapping[str, bytes], out_dir: Path) -> list[Path]:
    """Write ``files`` into ``out_dir``: staged in a temporary directory, then moved file by file;
    other files in ``out_dir`` are left as they are."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".ustglass-", dir=out_dir))
    written = []
    try:
        for rel, data in sorted(files.items()):
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for rel in sorted(files):
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
            written.append(target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return written


def build_report(cfg: ReportConfig) -> tuple[Built, list[Path]]:
    built = build(cfg)
    return built, write(built, cfg.out_dir)
