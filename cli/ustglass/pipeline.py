"""build_report: snapshot -> key figures -> charts -> Markdown / HTML / PDF, gathered then written.

Everything is computed in memory first; files are written last, into a temporary
directory beside the output that is then moved into place file by file, so an
interrupted or failed build never leaves a half-written brief.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ustglass import charts, figures, locale, metrics, pages, render, snapshot
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.resources import bundled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_HOLDERS = 10


@dataclass(frozen=True)
class Built:
    """What a build produced: file name (relative to the output directory) -> bytes."""

    snapshot_id: str
    files: dict[str, bytes]


def load_key_figures(cfg: ReportConfig) -> tuple[snapshot.Snapshot, KeyFigures]:
    snap = snapshot.load(snapshot.resolve(cfg.snapshot, cfg.snapshots_root))
    return snap, metrics.key_figures(snap.tables, snap.manifest)


def load_specs(cfg: ReportConfig) -> dict[str, charts.FigureSpec]:
    """The specs of the figures the brief shows (``cfg.figures``, default every registered
    figure, in the registry's order), editors' overrides (``--figures``) first."""
    ids = figures.IDS if cfg.figures is None else tuple(dict.fromkeys(cfg.figures))
    for figure_id in ids:
        figures.get(figure_id)  # an unknown id is one clear error, before any file is read
    spec_dirs = [d for d in (cfg.figures_dir, bundled("figures")) if d is not None]
    specs = {}
    for figure_id in ids:
        path = next((d / f"{figure_id}.toml" for d in spec_dirs if (d / f"{figure_id}.toml").is_file()), None)
        if path is None:
            raise BuildError(f"figures/{figure_id}.toml not found")
        specs[figure_id] = charts.load_spec(path)
    return specs


def draw_figures(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, charts.FigureSpec]) -> dict[str, Figure]:
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
        rows.append({"rank": rank, "country": loc.name_of("countries", country), "value": h.usd_bn[country],
                     "earlier": earlier, "is_cayman": country == metrics.CAYMAN})
    return rows


def context(kf: KeyFigures, loc: locale.Locale, figure_paths: Mapping[str, str]) -> dict[str, Any]:
    """Everything a brief template may use: finished values only (words come from ``t``, see render)."""
    largest = kf.holders.ranking[0]
    return {
        "kf": kf,
        "fig": dict(figure_paths),
        "holders_rows": holder_rows(kf, loc),
        "largest_holder": loc.name_of("countries", largest),
        "largest_holder_usd_bn": kf.holders.usd_bn[largest],
        "deficit_rows": [{"fy": fy, "value": v} for fy, v in kf.fiscal.deficit_usd_bn.items()],
        "datasets": kf.datasets,
    }


def build(cfg: ReportConfig) -> Built:
    """Compute every output of the brief in memory."""
    snap, kf = load_key_figures(cfg)
    template_dirs = [d for d in (cfg.templates_dir, bundled("templates")) if d is not None]
    files: dict[str, bytes] = {"key_figures.json": kf.to_json().encode("utf-8")}
    specs = load_specs(cfg)
    packs = {code: locale.load(code, locale.search_path(cfg.templates_dir)) for code in cfg.langs}
    for code, loc in packs.items():
        drawn = draw_figures(kf, loc, specs)
        files.update({figure_path(fid, loc): charts.png_bytes(fig) for fid, fig in drawn.items()})
        env = render.environment(template_dirs, loc)
        paths = {fid: figure_path(fid, loc) for fid in specs}
        markdown = render.render_brief(env, loc.brief_template, context(kf, loc, paths))
        if Format.md in cfg.formats:
            files[f"brief.{code}.md"] = markdown.encode("utf-8")
        if Format.html in cfg.formats or Format.pdf in cfg.formats:
            figures_inline = {figure_path(fid, loc): render.InlineFigure(fid, charts.svg_bytes(fig)) for fid, fig in drawn.items()}
            files.update(pages.build(cfg, kf, env, loc, markdown, figures_inline, [p for p in packs.values() if p is not loc]))
    return Built(snap.id, files)


def write(built: Built, out_dir: Path) -> list[Path]:
    """Write a build into ``out_dir``: staged in a temporary directory, then moved file by file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".ustglass-", dir=out_dir))
    written = []
    try:
        for rel, data in sorted(built.files.items()):
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for rel in sorted(built.files):
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
