"""build_report: snapshot -> key figures -> charts -> Markdown / HTML / PDF, gathered then written.

Everything is computed in memory first; files are written last, into a temporary
directory beside the output that then replaces it in one step (``outdir``), so an
interrupted or failed build never leaves a half-written or mixed output directory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass import analysis, charts, claims, figures, locale, metrics, outdir, render, snapshot
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.resources import bundled

TOP_HOLDERS = 10


@dataclass(frozen=True)
class Built:
    """What a build produced: file name (relative to the output directory) -> bytes."""

    snapshot_id: str
    files: dict[str, bytes]


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


def figure_files(kf: KeyFigures, loc: locale.Locale, specs: Mapping[str, charts.FigureSpec]) -> dict[str, bytes]:
    """Every chart of the brief as PNG bytes, keyed by its path relative to the output."""
    charts.chart_texts(loc, specs)  # every problem of the pack's chart text at once, before drawing
    return {f"figures/{fid}.{loc.code}.png": charts.png_bytes(charts.build_figure(fid, kf, loc, spec)) for fid, spec in specs.items()}


def holder_rows(kf: KeyFigures, loc: locale.Locale) -> list[dict[str, Any]]:
    """The major-holders table: the largest holders now and a year earlier, named as the pack names them."""
    h = kf.holders
    rows = []
    for rank, country in enumerate(h.ranking[:TOP_HOLDERS], start=1):
        earlier = h.usd_bn_year_earlier.get(country)
        rows.append({"rank": rank, "country": loc.name_of("countries", country), "value": h.usd_bn[country],
                     "earlier": earlier, "is_cayman": country == metrics.CAYMAN})
    return rows


def context(kf: KeyFigures, loc: locale.Locale, figure_paths: Mapping[str, str], words: claims.Wording) -> dict[str, Any]:
    """Everything a brief template may use: finished values only (words come from ``t``, see render)."""
    largest = kf.holders.ranking[0]
    return {
        "analysis": analysis.context(kf, loc, words),
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
    for code in cfg.langs:
        loc = locale.load(code, locale.search_path(cfg.templates_dir))
        images = figure_files(kf, loc, specs)
        files.update(images)
        env = render.environment(template_dirs, loc)
        paths = {f: f"figures/{f}.{code}.png" for f in specs}
        words = claims.wording(code, cfg.templates_dir)
        markdown = render.render_template(env, loc.brief_template, context(kf, loc, paths, words))
        if Format.md in cfg.formats:
            files[f"brief.{code}.md"] = markdown.encode("utf-8")
        if Format.html in cfg.formats or Format.pdf in cfg.formats:
            body = render.markdown_to_html(markdown, images)
            page = {"body": body, "kf": kf, "css": render.render_template(env, "brief.css", {})}
            if Format.html in cfg.formats:
                files[f"brief.{code}.html"] = render.render_template(env, "page.html.j2", {**page, "medium": "screen"}).encode("utf-8")
            if Format.pdf in cfg.formats:
                html = render.render_template(env, "page.html.j2", {**page, "medium": "print"})
                with tempfile.TemporaryDirectory(prefix="ustglass-pdf-") as tmp:
                    files[f"brief.{code}.pdf"] = render.pdf_bytes(html, base_dir=Path(tmp))
    return Built(snap.id, files)


def write(built: Built, out_dir: Path) -> list[Path]:
    """Make ``out_dir`` hold exactly this build: written beside it, then switched in one step."""
    outdir.replace_dir(built.files, out_dir)
    return [out_dir / rel for rel in sorted(built.files)]


def build_report(cfg: ReportConfig) -> tuple[Built, list[Path]]:
    built = build(cfg)
    return built, write(built, cfg.out_dir)
