"""The brief's charts: key figures + locale + figure spec -> a matplotlib Figure, and its PNG.

Pure construction: no pyplot and no global state beyond an ``rc_context`` around each
call. Each figure is defined once in the registry (:mod:`ustglass.figures`): its layout
comes from ``figures/<id>.toml``, its words from the language pack, and it is drawn with
:mod:`ustglass.chartkit`, so every number goes through :mod:`ustglass.fmt` and every text
uses the brief's CJK font. :func:`save_png` writes byte-identical files for identical inputs.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ustglass import chartkit, chartspec, figures, fonts
from ustglass.chartkit import Chart, apply_fonts, frame, place_panels, style
from ustglass.chartspec import ChartText, FigureSpec
from ustglass.config import BRIEF_FIGURE_DPI
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale


def load_spec(path: str | os.PathLike[str]) -> FigureSpec:
    """Read and check ``figures/<id>.toml`` against the registered figure ``<id>``."""
    path = Path(path)
    if path.stem not in figures.REGISTRY:
        raise BuildError(f"{chartspec.display(path)}: unknown figure {path.stem!r} (expected one of {', '.join(figures.IDS)})")
    return chartspec.load_spec(path, figures.REGISTRY[path.stem])


def chart_texts(loc: Locale, figure_ids: Iterable[str]) -> dict[str, ChartText]:
    """The words of the given figures from the pack of ``loc``, checked against their
    definitions; one BuildError naming every problem (pack file, figure, key)."""
    return chartspec.chart_texts(loc, [figures.get(f) for f in figure_ids])


def build_figure(figure_id: str, kf: KeyFigures, loc: Locale, spec: FigureSpec) -> Figure:
    """The chart ``figure_id`` in the language of ``loc``, drawn from ``kf`` as ``spec`` lays it out."""
    if figure_id != spec.id or figure_id not in figures.REGISTRY:
        raise BuildError(f"{spec.path}: spec of figure {spec.id!r} used for figure {figure_id!r}")
    figure, text = figures.REGISTRY[figure_id], chart_texts(loc, [figure_id])[figure_id]
    with style():
        fig = Figure(figsize=(spec.width_in, spec.height_in), dpi=100)
        FigureCanvasAgg(fig)
        chart = Chart(fig, kf, loc, spec, text, figure.context(kf, loc))
        top, bottom = frame(chart)
        place_panels(chart, figure.draw(chart), top, bottom)
        apply_fonts(fig)
    return fig


def discard(fig: Figure) -> None:
    """Give back now the pixel buffer a chart drawn as PNG, then as SVG, keeps: its canvas caches the
    renderer of its raster (about 5 MB at the brief's resolution), which the collector would free
    only when it next finds the figure's reference cycles. A new canvas replaces the old, which
    nothing else holds (its texts hold the SVG renderer they were drawn with last)."""
    FigureCanvasAgg(fig)


# zlib level 3: a third less time than the default 6 on the brief's charts and, for their flat
# colours, files a few per cent smaller; zlib gives the same bytes for the same image and level.
PNG_COMPRESS_LEVEL = 3


def check_glyphs(figure_id: str, loc: Locale, text: ChartText) -> None:
    """Stop the build naming a character of a chart's words (its pack's charts.toml) that none of the
    brief's fonts has: drawn, it would fail or show an empty box."""
    fields = {key: str(getattr(text, key)) for key in chartspec.TEXT_KEYS} | {f"labels.{k}": str(v) for k, v in text.labels.items()}
    for key, value in fields.items():
        if missing := chartkit.missing_glyphs(value):
            char, families = missing[0], ", ".join(fonts.brief_faces())
            raise BuildError(f"{chartspec.display(loc.charts_path)}, figure '{figure_id}', {key}: character {char!r} "
                             f"(U+{ord(char):04X}) is in none of the brief's fonts ({families})")  # fmt: skip


def png_bytes(fig: Figure, dpi: int = BRIEF_FIGURE_DPI) -> bytes:
    """The figure as PNG bytes, identical for identical figures (no software or time stamp)."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


def save_png(fig: Figure, path: str | os.PathLike[str], dpi: int = BRIEF_FIGURE_DPI) -> Path:
    """Write the figure as a PNG at ``path``, atomically; return the path."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(png_bytes(fig, dpi))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


_style = style  # every saved chart is drawn in the house style


def svg_bytes(fig: Figure, *, text_as_text: bool = True) -> bytes:
    """The figure as SVG, identical for identical figures (fixed hash salt, no date)."""
    buf = io.BytesIO()
    with _style(), matplotlib.rc_context({"svg.hashsalt": "ustglass", "svg.fonttype": "none" if text_as_text else "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()
