"""Figure "holders": the major foreign holders of Treasury securities now and a year earlier,
plus a hatched row for our calculation of Cayman-domiciled hedge funds' holdings from a Federal
Reserve note (at the note's precision)."""

from __future__ import annotations

from collections.abc import Sequence

from ustglass import fmt
from ustglass.chartkit import INK, PAD, RIGHT, SIZE, Chart, Panel, nice_max, text_width, value_axis
from ustglass.chartlabels import annotate
from ustglass.chartspec import FigureDef
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

CAYMAN = "Cayman Islands"  # as TIC writes it


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    h, est = kf.holders, kf.holders.cayman_estimate_usd_bn
    return {"as_of": fmt.month(h.as_of, loc), "year_earlier": fmt.month(h.year_earlier, loc),
            "estimate_as_of": fmt.date(est.as_of, loc) if est else ""}  # fmt: skip


def _axis_max(bars: Sequence[tuple[float, str]], axes_in: float) -> float:
    """A value-axis limit at which every bar's end label still fits inside the axes."""
    return max(v * axes_in / max(axes_in - text_width(t, SIZE["small"]) - 0.08, 0.5) for v, t in bars)


def draw(chart: Chart) -> list[Panel]:
    """Horizontal bars, the top ``top_n`` holders (and the Cayman Islands when the estimate is
    shown), each labelled at its end; the estimate row just under the official Cayman row."""
    from matplotlib.patches import Patch

    h, c, s, loc = chart.kf.holders, chart.colors, chart.scale, chart.loc
    est = h.cayman_estimate_usd_bn if CAYMAN in h.usd_bn else None  # the estimate row sits under the official one
    top = h.ranking[: chart.spec.top_n]
    rows = list(top) + ([CAYMAN] if est and CAYMAN not in top else [])
    ax, bar = chart.fig.add_axes((0, 0, 1, 1)), 0.38
    names: list[str] = []
    ends: list[tuple[float, str]] = []
    for country in rows:
        y, value = float(len(names)), h.usd_bn[country] * s
        ax.barh(y - bar / 2, value, height=bar, color=c["latest"], zorder=2)
        if country in h.usd_bn_year_earlier:
            ax.barh(y + bar / 2, h.usd_bn_year_earlier[country] * s, height=bar, color=c["year_earlier"], zorder=2)
        ends.append((value, fmt.usd_bn(h.usd_bn[country], loc)))
        annotate(ax, value, y - bar / 2, ends[-1][1], dx=3, color=INK)
        names.append(loc.name_of("countries", country))
        if est and country == CAYMAN:
            y, value = y + 1, est.value * s
            ax.barh(y, value, height=bar * 1.6, facecolor="white", edgecolor=c["estimate"], hatch="////", linewidth=0.8, zorder=2)
            ends.append(
                (value, chart.label("estimate_value", value=fmt.usd_bn(est.value, loc, step=est.precision), date=fmt.date(est.as_of, loc)))
            )
            annotate(ax, value, y, ends[-1][1], dx=3, color=c["estimate"], fontweight="bold")
            names.append(chart.label("estimate_row"))
    ax.set_yticks(range(len(names)), labels=names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    axes_in = chart.spec.width_in - PAD - RIGHT - 0.1 - max(text_width(n, SIZE["body"]) for n in names)
    value_axis(ax, 0.0, nice_max(_axis_max(ends, axes_in), 1.0), loc, axis="x")
    handles = [Patch(color=c["latest"]), Patch(color=c["year_earlier"])]
    handles += [Patch(facecolor="white", edgecolor=c["estimate"], hatch="////")] if est else []
    keys = ["latest", "year_earlier"] + (["estimate"] if est else [])
    ax.legend(handles, [chart.label(k) for k in keys], loc="lower right")
    return [Panel(ax, chart.words("y_label"))]


FIGURE = FigureDef(
    id="holders",
    reads=("holders",),
    colors=("latest", "year_earlier", "estimate"),
    labels=("latest", "year_earlier", "estimate", "estimate_row", "estimate_value"),
    fields=("as_of", "year_earlier", "estimate_as_of"),
    annotations=("estimate_value",),
    context=context,
    draw=draw,
)
