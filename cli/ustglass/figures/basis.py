"""Figure "basis": leveraged funds' gross short and net short in six Treasury futures contracts,
weekly, with missing weeks left open and shaded; the article's comparison week, the peak and
the latest week marked.

The gap rule is the key figures' (``basis.max_step_days``), the one the text uses: a step of
more than that many days between reports is a gap; a holiday-shifted report (eight days after
the one before) is not."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

from ustglass import fmt
from ustglass.chartkit import SIZE, Chart, Panel, date_num, gap_spans, nice_max, series_with_gaps, text_width, time_axis, value_axis
from ustglass.chartlabels import Box, free_label
from ustglass.chartspec import FigureDef
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

if TYPE_CHECKING:
    from matplotlib.artist import Artist


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    weeks = sorted(kf.basis.lev_short_usd_bn)
    return {"as_of": fmt.day(weeks[-1], loc), "first_week": fmt.day(weeks[0], loc),
            "weeks_missing": fmt.number(kf.basis.weeks_missing, loc), "max_step_days": fmt.number(kf.basis.max_step_days, loc)}  # fmt: skip


def _dated(point: Any) -> tuple[str, float]:
    """(ISO date, value) of a key-figures point, whether it names its date ``date`` or ``as_of``."""
    return str(getattr(point, "date", None) or point.as_of), float(point.value)


def _iso_or_none(text: str) -> date | None:
    """The date ``text`` starts with, or None when it starts with none."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _mark(chart: Chart, ax: Any, size: tuple[float, float], points: list, avoid: list[Box], key: str, day: str, value: float) -> None:
    """A dot at (day, value) and its label (``key``), placed clear of the lines and the legend."""
    s, loc, color = chart.scale, chart.loc, chart.colors["marker"]
    x, y = date_num(date.fromisoformat(day)), value * s
    ax.plot([x], [y], "o", markersize=3.5, color=color, zorder=5)
    text = chart.label(key, value=fmt.usd_bn(value, loc), date=fmt.day_short(day, loc))
    spots = [(x, y, dx, dy) for dy in (6.0, -6.0) for dx in (0.0, -4.0, 4.0)]
    free_label(ax, size, points, avoid, text, spots, color=color)


def draw(chart: Chart) -> list[Panel]:
    """The weekly lines; weeks missing after the latest report, up to the edition's date, are a
    gap like any other: the time axis runs to that date and they are shaded, so the reader
    sees the data stop."""
    from matplotlib.patches import Patch

    b, c, s, loc, spec = chart.kf.basis, chart.colors, chart.scale, chart.loc, chart.spec
    days, vals = series_with_gaps(b.lev_short_usd_bn, b.gaps, b.max_step_days)
    net_days, net_vals = series_with_gaps(b.lev_net_short_usd_bn, b.gaps, b.max_step_days)
    last_seen = max(date.fromisoformat(d) for d in b.lev_short_usd_bn)
    trailing = [date.fromisoformat(last) for first, last in b.gaps if date.fromisoformat(first) > last_seen]
    edition = _iso_or_none(chart.kf.as_of)
    end = max([days[-1], *trailing] + ([edition] if edition else []))
    ax = chart.fig.add_axes((0, 0, 1, 1))
    for first, after in gap_spans(days, vals, end if trailing else None):
        ax.axvspan(date_num(first), date_num(after), color=c["gap"], linewidth=0, zorder=1)
    (line,) = ax.plot([date_num(d) for d in days], [v * s for v in vals], color=c["line"], linewidth=1.3, zorder=3)
    handles: list[Artist] = [line]
    keys = [chart.label("series")]
    if b.lev_net_short_usd_bn:
        (net,) = ax.plot([date_num(d) for d in net_days], [v * s for v in net_vals], color=c["net"], linewidth=1.1, zorder=3)
        handles.append(net)
        keys.append(chart.label("net"))
    handles.append(Patch(color=c["gap"]))
    keys.append(chart.label("gaps"))
    time_axis(ax, days[0], end, loc)
    finite = [v for v in [*vals, *net_vals] if not math.isnan(v)]
    value_axis(ax, min(0.0, min(finite) * s * 1.1), nice_max(max(finite) * s, 1.2), loc)
    ax.legend(handles, keys, loc="upper left")
    (x0, x1), (_, y1) = ax.get_xlim(), ax.get_ylim()
    size = (spec.width_in - 1.0, spec.height_in * 0.55)
    points = [(date_num(d), v * s) for d, v in [*zip(days, vals), *zip(net_days, net_vals)] if not math.isnan(v)]
    legend_w = (max(text_width(k, SIZE["body"]) for k in keys) + 0.6) / size[0]
    avoid: list[Box] = [(x0, x0 + (x1 - x0) * legend_w, y1 * (1 - 0.07 * len(keys)), y1)]  # the legend
    (peak_day, peak), (last_day, last) = _dated(b.peak), _dated(b.latest)
    ax.plot([date_num(date.fromisoformat(last_day))], [last * s], "o", markersize=3.5, color=c["marker"], zorder=5)
    if peak_day != last_day:
        _mark(chart, ax, size, points, avoid, "peak", peak_day, peak)
    if b.article_base is not None:
        _mark(chart, ax, size, points, avoid, "article_base", b.article_base.level.as_of, b.article_base.level.value)
    readout = chart.label("latest", value=fmt.usd_bn(last, loc), date=fmt.day_short(last_day, loc))
    return [Panel(ax, chart.words("y_label"), readout)]


FIGURE = FigureDef(
    id="basis",
    reads=("basis", "as_of"),
    colors=("line", "net", "gap", "marker"),
    labels=("series", "net", "gaps", "article_base", "peak", "latest"),
    fields=("as_of", "first_week", "weeks_missing", "max_step_days"),
    annotations=("article_base", "peak", "latest"),
    context=context,
    draw=draw,
)
