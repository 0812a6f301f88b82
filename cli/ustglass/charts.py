"""The brief's charts: key figures + language + figure spec -> a matplotlib Figure.

Pure construction: the only file read is the figure spec (``figures/<id>.toml``, where
editors keep every word and colour of a chart); no pyplot and no global state beyond an
``rc_context`` around each call. Every number printed on a chart goes through
:mod:`ustglass.fmt`; every text uses the brief's CJK font (:mod:`ustglass.fonts`), so a
chart looks the same on every machine. :func:`save_png` writes byte-identical files for
identical inputs. The machinery the charts share (text, axes, frame, fonts, style) is in
:mod:`ustglass.chartkit`.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from ustglass import fmt
from ustglass.chartkit import (
    _HALO,
    _INK,
    _PAD,
    _RIGHT,
    _SIZE,
    Box,
    Panel,
    _apply_fonts,
    _clear,
    _context,
    _dark,
    _extent,
    _fill,
    _frame,
    _free_label,
    _gap_spans,
    _iso_or_none,
    _nice_max,
    _note,
    _num,
    _place,
    _style,
    _time_axis,
    _value_axis,
    series_with_gaps,
    text_width,
    wrap,  # noqa: F401 (re-exported)
)
from ustglass.chartspec import ANNOTATIONS, FIGURE_IDS, FigureSpec, LangText, load_spec  # noqa: F401 (re-exported)
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

# ---------------------------------------------------------------- the four charts

CAYMAN = "Cayman Islands"
Draw = Callable[[Figure, KeyFigures, str, FigureSpec, Mapping[str, str]], list[Panel]]


def _deficits(fig: Figure, kf: KeyFigures, loc: Locale, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Bars of the federal deficit by fiscal year, each labelled, with the period's average.

    Value labels sit above each bar, or inside its top where the dashed average line would
    run through them; the average's label goes at an end of the line where it covers no
    bar and no value label, else above the plot as a key.
    """
    f, words, c = kf.fiscal, spec.text[loc.code], spec.colors
    years = sorted(y for y in f.deficit_usd_bn if f.first_fy <= y <= f.latest_fy)
    vals = [f.deficit_usd_bn[y] * words.scale for y in years]
    ax = fig.add_axes((0, 0, 1, 1))
    bars = ax.bar(range(len(vals)), vals, width=0.62, color=[c["bar"]] * (len(vals) - 1) + [c["highlight"]], zorder=2)
    avg = f.average_deficit_usd_bn * words.scale
    avg_line = ax.axhline(avg, color=c["average"], linewidth=1.0, linestyle=(0, (4, 2)), zorder=3)
    average = _fill(words.labels["average"], ctx)
    digits = 1 if max(abs(v) for v in vals) < 10 else 0
    ax.set_xticks(range(len(years)), labels=[fmt.fiscal_year(y, loc) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    hi = _nice_max(max(vals))
    # A surplus (negative) year: the axis goes down to the tick below it, on the same step as above zero.
    lo = min(float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(min(vals) * 1.15, hi)) if min(vals) < 0 else 0.0
    _value_axis(ax, lo, hi, loc)
    if lo < 0:
        ax.axhline(0, color="#808080", linewidth=0.6, zorder=2)

    def arrange() -> None:
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas every figure here is drawn on
        frame, clearance = ax.get_window_extent(renderer), 2.0  # points kept between a label and the line
        line_y = ax.transData.transform((0.0, avg))[1]
        line_band = Bbox.from_extents(frame.x0, line_y - clearance * fig.dpi / 72, frame.x1, line_y + clearance * fig.dpi / 72)
        taken = [r.get_window_extent(renderer) for r in bars]

        def fits(label: Text, bar_box: Bbox | None) -> bool:
            """Clear of the average line, inside the axes, and inside ``bar_box`` when given."""
            box = _extent(label, renderer, _HALO["pad"])
            inside = bar_box is None or (bar_box.y0 <= box.y0 and box.y1 <= bar_box.y1)
            return inside and _clear(box, [line_band]) and frame.y0 <= box.y0 and box.y1 <= frame.y1

        def place(i: int, where: str) -> Text | None:
            """Bar i's value label above its end ("out"), inside its end ("in"), or past the line ("past")."""
            rect, v = bars[i], vals[i]
            x, out = rect.get_x() + rect.get_width() / 2, 2.5 if v >= 0 else -2.5
            if where == "in":
                color = "white" if _dark(rect.get_facecolor()) else _INK
                label = _note(ax, x, v, fmt.number(v, loc, digits), -out, color=color, bbox=None)
            else:
                y, dy = (v, out) if where == "out" else (avg, out + math.copysign(clearance, out))
                label = _note(ax, x, y, fmt.number(v, loc, digits), dy, color=_INK)
            if fits(label, rect.get_window_extent(renderer) if where == "in" else None):
                return label
            label.remove()
            return None

        # All value labels above their bars, unless the average line would cross one; then all
        # inside the bar ends (those too short: above), so the labels look alike.
        labels = [place(i, "out") for i in range(len(bars))]
        if None in labels:
            for label in labels:
                if label is not None:
                    label.remove()
            labels = [place(i, "in") or place(i, "out") or place(i, "past") for i in range(len(bars))]
        for i, label in enumerate(labels):
            label = label or _note(ax, i, vals[i], fmt.number(vals[i], loc, digits), 2.5 if vals[i] >= 0 else -2.5, color=_INK)
            taken.append(_extent(label, renderer, _HALO["pad"]))
        for x, dx in ((ax.get_xlim()[1], -3.0), (ax.get_xlim()[0], 3.0)):
            for dy in (3.0, -3.0):
                label = _note(ax, x, avg, average, dy, dx, color=c["average"])
                box = _extent(label, renderer, _HALO["pad"] + 0.5)
                if _clear(box, taken) and frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1:
                    return
                label.remove()
        key = ax.legend([avg_line], [average], loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                        handlelength=2.2, labelcolor=c["average"])  # fmt: skip
        key.set_zorder(7)

    return [Panel(ax, _fill(words.y_label, ctx), arrange=arrange)]


def _holders_max(bars: Sequence[tuple[float, str]], axes_in: float) -> float:
    """A value-axis limit at which every bar's end label still fits inside the axes."""
    return max(v * axes_in / max(axes_in - text_width(t, _SIZE["small"]) - 0.08, 0.5) for v, t in bars)


def _holders(fig: Figure, kf: KeyFigures, loc: Locale, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Horizontal bars: top holders now and a year earlier, plus the hatched Cayman estimate row."""
    h, words, c = kf.holders, spec.text[loc.code], spec.colors
    est = h.cayman_estimate_usd_bn if CAYMAN in h.usd_bn else None  # the estimate row sits under the official one
    rows = list(h.ranking[: spec.top_n]) + ([CAYMAN] if est and CAYMAN not in h.ranking[: spec.top_n] else [])
    ax, s, bar = fig.add_axes((0, 0, 1, 1)), words.scale, 0.38
    names: list[str] = []
    ends: list[tuple[float, str]] = []
    for country in rows:
        y, value = float(len(names)), h.usd_bn[country] * s
        ax.barh(y - bar / 2, value, height=bar, color=c["latest"], zorder=2)
        if country in h.usd_bn_year_earlier:
            ax.barh(y + bar / 2, h.usd_bn_year_earlier[country] * s, height=bar, color=c["year_earlier"], zorder=2)
        ends.append((value, fmt.usd_bn(h.usd_bn[country], loc)))
        _note(ax, value, y - bar / 2, ends[-1][1], dx=3, color=_INK)
        names.append(loc.name_of("countries", country))
        if est and country == CAYMAN:
            y, value = y + 1, est.value * s
            ax.barh(y, value, height=bar * 1.6, facecolor="white", edgecolor=c["estimate"], hatch="////", linewidth=0.8, zorder=2)
            ends.append((value, _fill(words.labels["estimate_value"], ctx, value=fmt.usd_bn(est.value, loc, 2), date=fmt.date(est.as_of, loc))))
            _note(ax, value, y, ends[-1][1], dx=3, color=c["estimate"], fontweight="bold")
            names.append(_fill(words.labels["estimate_row"], ctx))
    ax.set_yticks(range(len(names)), labels=names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    axes_in = spec.width_in - _PAD - _RIGHT - 0.1 - max(text_width(n, _SIZE["body"]) for n in names)
    _value_axis(ax, 0.0, _nice_max(_holders_max(ends, axes_in), 1.0), loc, axis="x")
    handles = [Patch(color=c["latest"]), Patch(color=c["year_earlier"])]
    handles += [Patch(facecolor="white", edgecolor=c["estimate"], hatch="////")] if est else []
    keys = ["latest", "year_earlier"] + (["estimate"] if est else [])
    ax.legend(handles, [_fill(words.labels[k], ctx) for k in keys], loc="lower right")
    return [Panel(ax, _fill(words.y_label, ctx))]


def _dated(point: Any) -> tuple[str, float]:
    """(ISO date, value) of a key-figures point, whether it names its date ``date`` or ``as_of``."""
    return str(getattr(point, "date", None) or point.as_of), float(point.value)


def _basis(fig: Figure, kf: KeyFigures, loc: Locale, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Weekly line with gaps left open and shaded; the 2020 average, peak and latest marked."""
    b, words, c, s = kf.basis, spec.text[loc.code], spec.colors, spec.text[loc.code].scale
    days, vals = series_with_gaps(b.lev_short_usd_bn, b.gaps, 7)
    # Weeks missing after the latest report, up to the edition's date, are a gap like any other:
    # the time axis runs to that date and the weeks are shaded, so the reader sees the data stop.
    last_seen = max(date.fromisoformat(d) for d in b.lev_short_usd_bn)
    trailing = [date.fromisoformat(last) for first, last in b.gaps if date.fromisoformat(first) > last_seen]
    edition = _iso_or_none(kf.as_of)
    end = max([days[-1], *trailing] + ([edition] if edition else []))
    ax = fig.add_axes((0, 0, 1, 1))
    for first, after in _gap_spans(days, vals, end if trailing else None):
        ax.axvspan(_num(first), _num(after), color=c["gap"], linewidth=0, zorder=1)
    (line,) = ax.plot([_num(d) for d in days], [v * s for v in vals], color=c["line"], linewidth=1.3, zorder=3)
    _time_axis(ax, days[0], end, loc)
    _value_axis(ax, 0.0, _nice_max(max(v for v in vals if not math.isnan(v)) * s, 1.2), loc)
    keys = [words.labels["series"], words.labels["gaps"]]
    ax.legend([line, Patch(color=c["gap"])], keys, loc="upper left")
    (x0, x1), (_, y1) = ax.get_xlim(), ax.get_ylim()
    size, points = (spec.width_in - 1.0, spec.height_in * 0.55), [(_num(d), v * s) for d, v in zip(days, vals) if not math.isnan(v)]
    legend_w = (max(text_width(k, _SIZE["body"]) for k in keys) + 0.6) / size[0]
    avoid: list[Box] = [(x0, x0 + (x1 - x0) * legend_w, y1 * 0.8, y1)]  # the legend
    (peak_day, peak), (last_day, last) = _dated(b.peak), _dated(b.latest)
    for day, value in ((peak_day, peak), (last_day, last)):
        ax.plot([_num(date.fromisoformat(day))], [value * s], "o", markersize=3.5, color=c["marker"], zorder=5)
    if peak_day != last_day:
        text = _fill(words.labels["peak"], ctx, value=fmt.usd_bn(peak, loc), date=fmt.day_short(peak_day, loc))
        spots = [(_num(date.fromisoformat(peak_day)), peak * s, dx, dy) for dy in (6.0, -6.0) for dx in (0.0, -4.0, 4.0)]
        _free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    if b.level_2020 is not None:
        lvl = b.level_2020.value * s
        ax.axhline(lvl, color=c["marker"], linewidth=0.9, linestyle=(0, (4, 2)), zorder=2)
        text = _fill(words.labels["level_2020"], ctx, value=fmt.usd_bn(b.level_2020.value, loc), date=fmt.year(2020, loc))
        spots = [(x, lvl, dx, dy) for dy in (3.0, -3.0) for x, dx in ((x0, 3.0), (x1, -3.0), ((x0 + x1) / 2, 0.0))]
        _free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    readout = _fill(words.labels["latest"], ctx, value=fmt.usd_bn(last, loc), date=fmt.day_short(last_day, loc))
    return [Panel(ax, _fill(words.y_label, ctx), readout)]


def _funding(fig: Figure, kf: KeyFigures, loc: Locale, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Top: SOFR minus IORB (bp). Bottom: ON RRP, reserves and TGA (USD bn in the reader's unit)."""
    hist, words, c = kf.funding.history, spec.text[loc.code], spec.colors
    top = fig.add_axes((0, 0.5, 1, 0.5))
    bottom = fig.add_axes((0, 0, 1, 0.5), sharex=top)
    days, spread = series_with_gaps(hist["sofr_iorb_bp"], (), 14)
    top.plot([_num(d) for d in days], spread, color=c["spread"], linewidth=1.1, zorder=3)
    top.axhline(0, color="#808080", linewidth=0.6, zorder=2)
    last = max(hist["sofr_iorb_bp"])
    top.plot([_num(date.fromisoformat(last))], [hist["sofr_iorb_bp"][last]], "o", markersize=3.5, color=c["spread"], zorder=5)
    readout = _fill(words.labels["latest_spread"], ctx, value=fmt.bp(hist["sofr_iorb_bp"][last], loc, sign=True), date=fmt.day_short(last, loc))
    finite = [v for v in spread if not math.isnan(v)]
    _value_axis(top, min(0.0, min(finite)) * 1.1 - 1, max(0.0, max(finite)) * 1.1 + 1, loc)
    peak = 0.0
    for key, series in (("rrp", "rrp_usd_bn"), ("reserves", "reserves_usd_bn"), ("tga", "tga_usd_bn")):
        d, v = series_with_gaps(hist[series], (), 14)
        bottom.plot([_num(x) for x in d], [x * words.scale for x in v], color=c[key], linewidth=1.2, label=words.labels[key], zorder=3)
        peak = max(peak, max(hist[series].values()) * words.scale)
    bottom.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, borderaxespad=0.2, handlelength=1.5, columnspacing=1.2)
    _value_axis(bottom, 0.0, _nice_max(peak, 1.08), loc)
    every = sorted(d for series in hist.values() for d in series)
    _time_axis(bottom, date.fromisoformat(every[0]), date.fromisoformat(every[-1]), loc)
    top.tick_params(labelbottom=False)
    return [Panel(top, _fill(words.y_label, ctx), readout), Panel(bottom, _fill(words.labels["y2_label"], ctx))]


_DRAW: dict[str, Draw] = {"deficits": _deficits, "holders": _holders, "basis": _basis, "funding": _funding}


# ---------------------------------------------------------------- public entry points


def build_figure(figure_id: str, kf: KeyFigures, loc: Locale, spec: FigureSpec) -> Figure:
    """The chart ``figure_id`` in language ``loc``, drawn from ``kf`` as ``spec`` describes."""
    if figure_id != spec.id or figure_id not in _DRAW:
        raise BuildError(f"{spec.path}: spec of figure {spec.id!r} used for figure {figure_id!r}")
    if loc.code not in spec.text:
        raise BuildError(f"{spec.path}: no text for language {loc.code!r}")
    words, ctx = spec.text[loc.code], _context(figure_id, kf, loc)
    with _style():
        fig = Figure(figsize=(spec.width_in, spec.height_in), dpi=100)
        FigureCanvasAgg(fig)
        top, bottom = _frame(fig, words, ctx)
        panels = _DRAW[figure_id](fig, kf, loc, spec, ctx)
        _place(fig, panels, top, bottom, words.x_label)
        for panel in panels:
            if panel.arrange is not None:
                panel.arrange()
        _apply_fonts(fig)
    return fig


def png_bytes(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG bytes, identical for identical figures (no software or time stamp)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def save_png(fig: Figure, path: str | os.PathLike[str], dpi: int = 200) -> Path:
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
