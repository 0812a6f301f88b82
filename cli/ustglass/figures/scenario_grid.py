"""Figure "scenario_grid": a heat map of the forced unwind of the basis trade as a share of the
position (U/B) over the haircut shock Δh (rows, rising upwards) and the margin multiple k
(columns), every other input at its default; each cell is labelled, and the cells of the
scenarios in the brief's table are outlined."""

from __future__ import annotations

from ustglass import fmt
from ustglass.chartkit import INK, Chart, Panel
from ustglass.chartlabels import annotate, is_dark
from ustglass.chartspec import FigureDef
from ustglass.figures.amounts import fraction, multiple, share
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    s = kf.scenarios
    assert s is not None, "the scenario grid needs the key figures' scenarios"
    p = s.defaults.inputs
    return {"as_of": fmt.day(s.lev_short.as_of, loc), "lev_short": fmt.usd_bn(s.lev_short.value, loc, 2),
            "beta": fraction(p.beta, loc), "haircut": fraction(p.haircut, loc), "margin": fraction(p.margin, loc),
            "buffer": fraction(p.buffer, loc)}  # fmt: skip


def marked_cells(kf: KeyFigures) -> list[tuple[int, int]]:
    """(row, column) of each scenario of the brief's table that lies on the grid."""
    s = kf.scenarios
    assert s is not None
    g, found = s.grid, []
    for outcome in (s.defaults, *s.named):
        dh, k = outcome.inputs.haircut_shock, outcome.inputs.margin_mult
        if dh in g.haircut_shock and k in g.margin_mult:
            found.append((g.haircut_shock.index(dh), g.margin_mult.index(k)))
    return sorted(set(found))


def draw(chart: Chart) -> list[Panel]:
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Patch, Rectangle

    s, c, loc = chart.kf.scenarios, chart.colors, chart.loc
    assert s is not None
    g = s.grid
    cmap = LinearSegmentedColormap.from_list("unwind", [c["low"], c["high"]])
    ax = chart.fig.add_axes((0, 0, 1, 1))
    for i, row in enumerate(g.unwind_share):  # each cell a filled square (vector, unlike an image), row 0 at the foot
        for j, value in enumerate(row):
            fill = cmap(min(max(value, 0.0), 1.0))
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=fill, edgecolor=fill, linewidth=0.3))
            annotate(ax, j, i, share(value, loc), color="white" if is_dark(fill) else INK, bbox=None)
    ax.set_xlim(-0.5, len(g.margin_mult) - 0.5)
    ax.set_ylim(-0.5, len(g.haircut_shock) - 0.5)
    for i, j in marked_cells(chart.kf):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=c["outline"], linewidth=1.8, zorder=4))
    ax.set_xticks(range(len(g.margin_mult)), labels=[multiple(k, loc) for k in g.margin_mult])
    ax.set_yticks(range(len(g.haircut_shock)), labels=[fraction(dh, loc) for dh in g.haircut_shock])
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.legend([Patch(facecolor="none", edgecolor=c["outline"], linewidth=1.8)], [chart.label("named")], loc="lower right",
              bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2, handlelength=1.4)  # fmt: skip
    return [Panel(ax, chart.words("y_label"))]


FIGURE = FigureDef(
    id="scenario_grid",
    reads=("scenarios",),
    colors=("low", "high", "outline"),
    labels=("named",),
    fields=("as_of", "lev_short", "beta", "haircut", "margin", "buffer"),
    context=context,
    draw=draw,
)
