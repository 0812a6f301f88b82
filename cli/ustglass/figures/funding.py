"""Figure "funding": two panels sharing the time axis. Top: SOFR minus IORB in basis points;
bottom: ON RRP, reserve balances and the TGA in the reader's unit. A series the edition's data
do not hold is left out (the spread's panel then says so), never drawn as zero."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from ustglass import fmt
from ustglass.chartkit import Chart, Panel, date_num, nice_max, series_with_gaps, time_axis, value_axis
from ustglass.chartspec import FigureDef
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

if TYPE_CHECKING:
    from matplotlib.axes import Axes

BALANCES = (("rrp", "rrp_usd_bn"), ("reserves", "reserves_usd_bn"), ("tga", "tga_usd_bn"))  # label/colour key, series
MAX_STEP_DAYS = 14  # a longer step between observations is a gap, never bridged


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    days = sorted(d for series in kf.funding.history.values() for d in series)
    return {"as_of": fmt.day(days[-1], loc), "first_day": fmt.day(days[0], loc)}


def _spread_panel(chart: Chart, top: Axes) -> str:
    """The spread's line and its latest value (the readout), or a note that the data lack it."""
    spread, c, loc = chart.kf.funding.history.get("sofr_iorb_bp"), chart.colors, chart.loc
    unavailable = chart.label("unavailable")  # read either way, so that the pack's text is always checked
    top.axhline(0, color="#808080", linewidth=0.6, zorder=2)
    if not spread:
        top.text(0.5, 0.5, unavailable, transform=top.transAxes, ha="center", va="center", color="#606060")
        top.set_yticks([])
        return ""
    days, values = series_with_gaps(spread, (), MAX_STEP_DAYS)
    top.plot([date_num(d) for d in days], values, color=c["spread"], linewidth=1.1, zorder=3)
    last = max(spread)
    top.plot([date_num(date.fromisoformat(last))], [spread[last]], "o", markersize=3.5, color=c["spread"], zorder=5)
    finite = [v for v in values if not math.isnan(v)]
    value_axis(top, min(0.0, min(finite)) * 1.1 - 1, max(0.0, max(finite)) * 1.1 + 1, loc)
    return chart.label("latest_spread", value=fmt.bp(spread[last], loc, sign=True), date=fmt.day_short(last, loc))


def draw(chart: Chart) -> list[Panel]:
    """A step of more than 14 days between observations is left as a gap, never bridged."""
    hist, c, loc = chart.kf.funding.history, chart.colors, chart.loc
    top = chart.fig.add_axes((0, 0.5, 1, 0.5))
    bottom = chart.fig.add_axes((0, 0, 1, 0.5), sharex=top)
    readout = _spread_panel(chart, top)
    peak = 0.0
    for key, series in BALANCES:
        if not hist.get(series):
            continue
        d, v = series_with_gaps(hist[series], (), MAX_STEP_DAYS)
        bottom.plot([date_num(x) for x in d], [x * chart.scale for x in v], color=c[key], linewidth=1.2, label=chart.label(key), zorder=3)
        peak = max(peak, max(hist[series].values()) * chart.scale)
    bottom.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, borderaxespad=0.2, handlelength=1.5, columnspacing=1.2)
    value_axis(bottom, 0.0, nice_max(peak, 1.08), loc)
    every = sorted(d for series in hist.values() for d in series)
    time_axis(bottom, date.fromisoformat(every[0]), date.fromisoformat(every[-1]), loc)
    top.tick_params(labelbottom=False)
    return [Panel(top, chart.words("y_label"), readout), Panel(bottom, chart.label("y2_label"))]


FIGURE = FigureDef(
    id="funding",
    reads=("funding",),
    colors=("spread", "rrp", "reserves", "tga"),
    labels=("y2_label", "rrp", "reserves", "tga", "latest_spread", "unavailable"),
    fields=("as_of", "first_day"),
    annotations=("latest_spread",),
    context=context,
    draw=draw,
)
