"""build_report: snapshot -> key figures -> charts -> Markdown / HTML / PDF, gathered then written.

Everything is computed in memory first; files are written last, into a temporary
directory beside the output that then replaces it in one step (``outdir``), so an
interrupted or failed build never leaves a half-written or mixed output directory.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass import alttext, analysis, chartkit, charts, claims, figures, locale, metrics, outdir, overrides, pages, render, snapshot
from ustglass.config import FIGURE_DPI, FigureFormat, Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.resources import bundled

TOP_HOLDERS = 10


@dataclass(frozen=True)
class Built:
    """What a build produced: file name (relative to the output directory) -> bytes, and the
    warnings met on the way (files of an editor's folder ignored under ``strict=False``)."""

    snapshot_id: str
    files: dict[str, bytes]
    warnings: tuple[str, ...] = ()


def load_key_figures(cfg: ReportConfig) -> tuple[snapshot.Snapshot, KeyFigures]:
    """The edition's snapshot and every key figure of the brief, the analysis sections included."""
    snap = snapshot.load(snapshot.resolve(cfg.snapshot, cfg.snapshots_root))
    kf = metrics.key_figures(snap.tables, snap.manifest)
    return snap, analysis.gather(kf, snap, previous_snapshot(cfg, snap))


def previous_snapshot(cfg: ReportConfig, current: snapshot.Snapshot) -> snapshot.Snapshot | None:
    """The previous edition's snapshot, for "what changed": ``cfg.since``, else the newest one
    before the edition's in the snapshots root; None when there is none."""
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


def load_specs(cfg: ReportConfig) -> dict[str, charts.FigureSpec]:
    """The specs of the figures the brief shows (``cfg.figures``, default every registered
    figure, in the registry's order), editors' overrides (``--figures``, then ``<templates>/figures``) first."""
    ids = figures.IDS if cfg.figures is None else tuple(dict.fromkeys(cfg.figures))
    for figure_id in ids:
        figures.get(figure_id)  # an unknown id is one clear error, before any file is read
    spec_dirs = overrides.spec_dirs(cfg.templates_dir, cfg.figures_dir)
    specs = {}
    for figure_id in ids:
        path = next((d / f"{figure_id}.toml" for d in spec_dirs if (d / f"{figure_id}.toml").is_file()), None)
        if path is None:
            raise BuildError(f"figures/{figure_id}.toml not found")
        specs[figure_id] = charts.load_spec(path)
    return specs


def draw_figures(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, charts.FigureSpec]) -> dict[str, charts.Figure]:
    """Every chart of the brief in the language of ``loc``, by figure id."""
    charts.chart_texts(loc, specs)  # every problem of the pack's chart text at once, before drawing
    return {fid: charts.build_figure(fid, kf, loc, spec) for fid, spec in specs.items()}


def figure_files(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, charts.FigureSpec]) -> dict[str, bytes]:
    """Every chart of the brief as PNG bytes, keyed by its path relative to the output."""
    return {figure_path(fid, loc): charts.png_bytes(fig) for fid, fig in draw_figures(kf, loc, specs).items()}


def figure_path(figure_id: str, loc: locale.Locale) -> str:
    """Where a chart's PNG goes, relative to the output (the Markdown links to it)."""
    return f"figures/{figure_id}.{loc.code}.png"


def holder_rows(kf: KeyFigures, loc: locale.Locale) -> list[dict[str, Any]]:
    """The major-holders table: the largest holders now and a year earlier, named as the pack names them."""
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


def brief_files(
    cfg: ReportConfig, kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, charts.FigureSpec], others: list[locale.Locale]
) -> dict[str, bytes]:
    """The brief in one language, in every format of ``cfg``, and its figures. The Markdown is
    rendered first, so a broken template stops the build before any chart is drawn; ``others``
    are the other languages built, which the web page links to."""
    code = loc.code
    env = render.environment([d for d in (cfg.templates_dir, bundled("templates")) if d is not None], loc)
    alt = alttext.alt_texts(kf, loc, specs)
    paths = {fid: figure_path(fid, loc) for fid in specs}
    words = claims.wording(code, cfg.templates_dir)
    markdown = render.render_brief(env, loc.brief_template, context(kf, loc, paths, words, alt))
    drawn = draw_figures(kf, loc, specs)
    images = {figure_path(fid, loc): charts.png_bytes(fig) for fid, fig in drawn.items()}
    files = dict(images)
    if Format.md in cfg.formats:
        files[f"brief.{code}.md"] = markdown.encode("utf-8")
    if Format.md_inline in cfg.formats:  # the same brief with each figure inside it, for pasting
        inline = {f: data_uri(images[p]) for f, p in paths.items()}
        files[f"brief.{code}.inline.md"] = render.render_brief(env, loc.brief_template, context(kf, loc, inline, words, alt)).encode(
            "utf-8"
        )
    if Format.html in cfg.formats or Format.pdf in cfg.formats:
        figures_inline = {figure_path(fid, loc): render.InlineFigure(fid, charts.svg_bytes(fig)) for fid, fig in drawn.items()}
        files.update(pages.build(cfg, kf, env, loc, markdown, figures_inline, others))
    return files


def build(cfg: ReportConfig) -> Built:
    """Compute every output of the brief in memory."""
    warnings = check_overrides(cfg)
    snap, kf = load_key_figures(cfg)
    files: dict[str, bytes] = {"key_figures.json": kf.to_json().encode("utf-8")}
    specs = load_specs(cfg)
    packs = {code: locale.load(code, locale.search_path(cfg.templates_dir)) for code in cfg.langs}
    for loc in packs.values():
        files.update(brief_files(cfg, kf, loc, specs, [p for p in packs.values() if p is not loc]))
    return Built(snap.id, files, warnings)


def build_figures(cfg: ReportConfig, kinds: tuple[FigureFormat, ...]) -> Built:
    """The figures ``cfg.figures`` (default all) in each language of ``cfg``, as ``<id>.<lang>.<png|svg>``:
    PNG at :data:`~ustglass.config.FIGURE_DPI`, SVG with its text as text."""
    warnings = check_overrides(cfg)
    snap, kf = load_key_figures(cfg)
    specs = load_specs(cfg)
    files: dict[str, bytes] = {}
    for code in cfg.langs:
        loc = locale.load(code, locale.search_path(cfg.templates_dir))
        charts.chart_texts(loc, specs)  # every problem of the pack's chart text at once, before drawing
        for fid, spec in specs.items():
            fig = charts.build_figure(fid, kf, loc, spec)
            if FigureFormat.png in kinds:
                files[f"{fid}.{code}.png"] = charts.png_bytes(fig, FIGURE_DPI)
            if FigureFormat.svg in kinds:
                files[f"{fid}.{code}.svg"] = charts.svg_bytes(fig)
    return Built(snap.id, files, warnings)


def figure_list(cfg: ReportConfig) -> list[tuple[str, str, str]]:
    """(figure id, language, title with its fields filled) of the figures of ``cfg``, per language."""
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
