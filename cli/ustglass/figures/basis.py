"""Figure "basis": leveraged funds' gross short notional in six Treasury futures contracts,
weekly, with missing weeks left open and shaded; the 2020 average, the peak and the latest
week marked."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from matplotlib.patches import Patch

from ustglass import fmt
from ustglass.chartkit import SIZE, Chart, Panel, date_num, gap_spans, nice_max, series_with_gaps, text_width, time_axis, value_axis
from ustglass.chartlabels import Box, free_label
from ustglass.chartspec import FigureDef
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    weeks = sorted(kf.basis.lev_short_usd_bn)
    return {"as_of": fmt.day(weeks[-1], loc), "first_week": fmt.day(weeks[0], loc),
            "weeks_missing": fmt.number(kf.basis.weeks_missing, loc)}  # fmt: skip


def _dated(point: Any) -> tuple[str, float]:
    """(ISO date, value) of a key-figures point, whether it names its date ``date`` or ``as_of``."""
    return str(getattr(point, "date", None) or point.as_of), float(point.value)


def _iso_or_none(text: str) -> date | None:
    """The date ``text`` starts with, or None when it starts with none."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def draw(chart: Chart) -> list[Panel]:
    """The weekly line; weeks missing after the latest report, up to the edition's date, are a
    gap like any other: the time axis runs to that date and they are shaded, so the reader
    sees the data stop."""
    b, c, s, loc, spec = chart.kf.basis, chart.colors, chart.scale, chart.loc, chart.spec
    days, vals = series_with_gaps(b.lev_short_usd_bn, b.gaps, 7)
    last_seen = max(date.fromisoformat(d) for d in b.lev_short_usd_bn)
    trailing = [date.fromisoformat(last) for first, last in b.gaps if date.fromisoformat(first) > last_seen]
    edition = _iso_or_none(chart.kf.as_of)
    end = max([days[-1], *trailing] + ([edition] if edition else []))
    ax = chart.fig.add_axes((0, 0, 1, 1))
    for first, after in gap_spans(days, vals, end if trailing else None):
        ax.axvspan(date_num(first), date_num(after), color=c["gap"], linewidth=0, zorder=1)
    (line,) = ax.plot([date_num(d) for d in days], [v * s for v in vals], color=c["line"], linewidth=1.3, zorder=3)
    time_axis(ax, days[0], end, loc)
    value_axis(ax, 0.0, nice_max(max(v for v in vals if not math.isnan(v)) * s, 1.2), loc)
    keys = [chart.label("series"), chart.label("gaps")]
    ax.legend([line, Patch(color=c["gap"])], keys, loc="upper left")
    (x0, x1), (_, y1) = ax.get_xlim(), ax.get_ylim()
    size, points = (spec.width_in - 1.0, spec.height_in * 0.55), [(date_num(d), v * s) for d, v in zip(days, vals) if not math.isnan(v)]
    legend_w = (max(text_width(k, SIZE["body"]) for k in keys) + 0.6) / size[0]
    avoid: list[Box] = [(x0, x0 + (x1 - x0) * legend_w, y1 * 0.8, y1)]  # the legend
    (peak_day, peak), (last_day, last) = _dated(b.peak), _dated(b.latest)
    for day, value in ((peak_day, peak), (last_day, last)):
        ax.plot([date_num(date.fromisoformat(day))], [value * s], "o", markersize=3.5, color=c["marker"], zorder=5)
    if peak_day != last_day:
        text = chart.label("peak", value=fmt.usd_bn(peak, loc), date=fmt.day_short(peak_day, loc))
        spots = [(date_num(date.fromisoformat(peak_day)), peak * s, dx, dy) for dy in (6.0, -6.0) for dx in (0.0, -4.0, 4.0)]
        free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    if b.level_2020 is not None:
        lvl = b.level_2020.value * s
        ax.axhline(lvl, color=c["marker"], linewidth=0.9, linestyle=(0, (4, 2)), zorder=2)
        text = chart.label("level_2020", value=fmt.usd_bn(b.level_2020.value, loc), date=fmt.year(2020, loc))
        spots = [(x, lvl, dx, dy) for dy in (3.0, -3.0) for x, dx in ((x0, 3.0), (x1, -3.0), ((x0 + x1) / 2, 0.0))]
        free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    readout = chart.label("latest", value=fmt.usd_bn(last, loc), date=fmt.day_short(last_day, loc))
    return [Panel(ax, chart.words("y_label"), readout)]


FIGURE = FigureDef(
    id="basis",
    reads=("basis", "as_of"),
    colors=("line", "gap", "marker"),
    labels=("series", "gaps", "level_2020", "peak", "latest"),
    fields=("as_of", "first_week", "weeks_missing"),
    annotations=("level_2020", "peak", "latest"),
    context=context,
    draw=draw,
)
