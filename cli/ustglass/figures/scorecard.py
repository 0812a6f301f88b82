"""Figure "scorecard": one row per fragility indicator, a dot at its latest value's percentile
within its own history (0–100) in the colour of its signal, and the value and its date as text
beside the scale; an indicator without data in the snapshot says so in its row."""

from __future__ import annotations

from ustglass import fmt
from ustglass.chartkit import INK, MUTED, PAD, RIGHT, SIZE, Chart, Panel, text_width, value_axis
from ustglass.chartspec import FigureDef
from ustglass.figures.amounts import indicator_value
from ustglass.keyfigures import IndicatorReading, KeyFigures
from ustglass.locale import Locale

SIGNALS = ("calm", "watch", "stressed")
TEXT_AT = 106.0  # where the value column starts, on the percentile scale


def context(kf: KeyFigures, loc: Locale) -> dict[str, str]:
    card = kf.scorecard
    assert card is not None, "the scorecard figure needs the key figures' scorecard"
    available = len(card.indicators) - card.signal_counts.get("not_available", 0)
    return {
        "as_of": fmt.day(kf.as_of, loc),
        "snapshot": kf.snapshot,
        "history_start": fmt.day(card.history_start, loc),
        "available": fmt.number(available, loc),
        "total": fmt.number(len(card.indicators), loc),
    }


def position(r: IndicatorReading) -> float | None:
    """Where the dot goes: the percentile, or the crowding flag's own value (the lower of its two percentiles)."""
    if r.status != "ok":
        return None
    return r.percentile if r.percentile is not None else r.value


def row_text(chart: Chart, r: IndicatorReading, flags: dict[bool, str]) -> str:
    """The value column: value and date, the crowding flag's state and date, or "not available"."""
    loc, card = chart.loc, chart.kf.scorecard
    if r.status != "ok" or r.value is None or r.as_of is None:
        return chart.label("not_available")
    if card is not None and card.crowding is not None and r.id == "crowding":
        shown = flags[card.crowding.flag]
    else:
        shown = indicator_value(r.value, r.unit, r.digits, loc)
    return chart.label("reading", value=shown, date=reading_date(r, loc))


def reading_date(r: IndicatorReading, loc: Locale) -> str:
    """The reading's date at its indicator's frequency, as the scorecard table writes it, in the
    chart's short form: ``Dec 31, 2025``, ``Dec 2025``, ``Q1 2026``, ``FY2025``."""
    return fmt.at_frequency(str(r.as_of), r.frequency, loc, short=True)


def draw(chart: Chart) -> list[Panel]:
    """Rows top to bottom in the table's order; the scale runs to 100, the value column beyond it."""
    from matplotlib.lines import Line2D

    card, c, loc, spec = chart.kf.scorecard, chart.colors, chart.loc, chart.spec
    assert card is not None
    flags = {True: chart.label("flag_set"), False: chart.label("flag_not_set")}
    missing = chart.label("not_available")
    rows = list(card.indicators)
    names = [str(loc.text("scorecard.indicators", r.id, "short")) for r in rows]
    texts = [row_text(chart, r, flags) for r in rows]
    axes_in = spec.width_in - PAD - RIGHT - 0.08 - max(text_width(n, SIZE["body"]) for n in names)
    column_in = max(text_width(t, SIZE["small"]) for t in texts) + 0.12
    x_max = max(TEXT_AT * axes_in / max(axes_in - column_in, 0.5), 140.0)
    ax = chart.fig.add_axes((0, 0, 1, 1))
    for y, (r, text) in enumerate(zip(rows, texts)):
        ax.axhline(y, xmin=0, xmax=(100 + 3) / (x_max + 3), color="#ececec", linewidth=0.6, zorder=1)
        x = position(r)
        if x is not None and r.signal in SIGNALS:
            ax.plot([x], [y], "o", markersize=5.5, color=c[r.signal], markeredgecolor="white", markeredgewidth=0.6, zorder=3)
        ax.text(TEXT_AT, y, text, fontsize=SIZE["small"], va="center", ha="left", color=MUTED if text == missing else INK)
    ax.set_yticks(range(len(rows)), labels=names)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    value_axis(ax, 0.0, 100.0, loc, axis="x")
    ax.set_xlim(-3.0, x_max)
    ax.spines["bottom"].set_bounds(0.0, 100.0)
    ax.spines["left"].set_visible(False)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=5.5, color=c[s]) for s in SIGNALS]
    ax.legend(handles, [chart.label(s) for s in SIGNALS], loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3,
              borderaxespad=0.2, handletextpad=0.3, columnspacing=1.2)  # fmt: skip
    return [Panel(ax, chart.words("y_label"), chart.label("column"))]


FIGURE = FigureDef(
    id="scorecard",
    reads=("scorecard", "as_of", "snapshot"),
    colors=SIGNALS,
    labels=("calm", "watch", "stressed", "column", "reading", "not_available", "flag_set", "flag_not_set"),
    fields=("as_of", "snapshot", "history_start", "available", "total"),
    annotations=("reading",),
    context=context,
    draw=draw,
)
