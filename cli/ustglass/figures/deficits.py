"""Figure "deficits": the federal deficit by fiscal year, one labelled bar per year, with the
average of the years shown as a dashed line."""

from __future__ import annotations

from ustglass import fmt
from ustglass.chartkit import HALO, Chart, Panel, nice_floor, nice_max, renderer, value_axis
from ustglass.chartlabels import extent, label_bars, label_line_end
from ustglass.chartspec import FigureDef
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    f = kf.fiscal
    return {"as_of": fmt.fiscal_year(f.latest_fy, loc), "first_fy": fmt.fiscal_year(f.first_fy, loc),
            "latest_fy": fmt.fiscal_year(f.latest_fy, loc), "average": fmt.usd_bn(f.average_deficit_usd_bn, loc),
            "vintage": fmt.date(f.vintage, loc)}  # fmt: skip


def draw(chart: Chart) -> list[Panel]:
    """Bars in the reader's unit, each labelled; the average labelled at an end of its line
    where it covers no bar and no value label, else keyed above the plot."""
    f, c, loc, fig = chart.kf.fiscal, chart.colors, chart.loc, chart.fig
    years = sorted(y for y in f.deficit_usd_bn if f.first_fy <= y <= f.latest_fy)
    vals = [f.deficit_usd_bn[y] * chart.scale for y in years]
    ax = fig.add_axes((0, 0, 1, 1))
    bars = ax.bar(range(len(vals)), vals, width=0.62, color=[c["bar"]] * (len(vals) - 1) + [c["highlight"]], zorder=2)
    avg = f.average_deficit_usd_bn * chart.scale
    avg_line = ax.axhline(avg, color=c["average"], linewidth=1.0, linestyle=(0, (4, 2)), zorder=3)
    average = chart.label("average")
    digits = fmt.distinct_digits(vals, 1 if max(abs(v) for v in vals) < 10 else 0)  # bars that differ read differently
    ax.set_xticks(range(len(years)), labels=[fmt.fiscal_year(y, loc) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    hi = nice_max(max(vals))
    lo = nice_floor(min(vals), hi) if min(vals) < 0 else 0.0  # a surplus year: down to the tick below it
    value_axis(ax, lo, hi, loc)
    if lo < 0:
        ax.axhline(0, color="#808080", linewidth=0.6, zorder=2)

    def arrange() -> None:
        labels = label_bars(ax, list(bars), [fmt.number(v, loc, digits) for v in vals], line_y=avg)
        rend = renderer(fig)
        taken = [r.get_window_extent(rend) for r in bars] + [extent(t, rend, HALO["pad"]) for t in labels]
        if label_line_end(ax, avg, average, taken, color=c["average"]) is None:
            key = ax.legend([avg_line], [average], loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                            handlelength=2.2, labelcolor=c["average"])  # fmt: skip
            key.set_zorder(7)

    return [Panel(ax, chart.words("y_label"), arrange=arrange)]


FIGURE = FigureDef(
    id="deficits",
    reads=("fiscal",),
    colors=("bar", "highlight", "average"),
    labels=("average",),
    fields=("as_of", "first_fy", "latest_fy", "average", "vintage"),
    context=context,
    draw=draw,
)
