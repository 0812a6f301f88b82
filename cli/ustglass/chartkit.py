"""The small public API every figure is drawn with (label placement is in
:mod:`ustglass.chartlabels`); no chart of its own.

- **Chart**: what a figure's draw function receives (figure, key figures, locale, layout,
  words with their fields filled); **Panel**: one plotting area it returns.
- **Frame and layout**: :func:`frame` (title, subtitle, note, source), :func:`place_panels`.
- **Axes**: :func:`value_axis`, :func:`nice_max`, :func:`nice_floor`, :func:`time_axis`,
  :func:`date_num`, :func:`series_with_gaps`, :func:`gap_spans`.
- **Text**: :func:`text_width`, :func:`wrap` (line breaks by the language pack's units), :func:`fill`.
- **House style**: :func:`style`, :func:`apply_fonts`, :func:`set_face`, :func:`renderer`, ``SIZE``, ``INK``,
  ``MUTED``, ``HALO``, ``PAD``, ``RIGHT``.

Every number printed goes through :mod:`ustglass.fmt`; every text gets the brief's CJK font
(:mod:`ustglass.fonts`).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ustglass import fmt, fonts
from ustglass.chartspec import ChartText, FigureSpec
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw or measure, so the registry loads without it
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

_RC: dict[str, Any] = {
    "font.size": 8.0, "axes.linewidth": 0.6, "axes.edgecolor": "#4d4d4d", "axes.spines.top": False,
    "axes.spines.right": False, "axes.axisbelow": True, "xtick.color": "#333333", "ytick.color": "#333333",
    "xtick.labelsize": 8.0, "ytick.labelsize": 8.0, "xtick.major.size": 3.0, "ytick.major.size": 0.0,
    "xtick.major.width": 0.6, "legend.frameon": False, "legend.fontsize": 8.0, "text.parse_math": False,
    "figure.facecolor": "white", "savefig.facecolor": "white", "path.simplify": False, "hatch.linewidth": 0.7,
}  # fmt: skip
SIZE = {"title": 11.5, "subtitle": 9.0, "body": 8.0, "small": 7.0}  # font sizes (pt)
PAD, RIGHT, _LINE = 0.15, 0.25, 1.35  # margins (in), right margin (in), line spacing
INK, MUTED, _GRID = "#1a1a1a", "#555555", "#dedede"
HALO: dict[str, Any] = {"facecolor": "white", "edgecolor": "none", "pad": 0.8}  # the white box behind a label


# ---------------------------------------------------------------- what a figure draws with


class Panel(NamedTuple):
    """One plotting area: its axes, the unit shown above it (left) and a readout (right).

    ``arrange``, when given, runs once the axes have their final place and size, to put
    labels where they hide no data (it measures real text extents).
    """

    ax: Axes
    unit: str
    readout: str = ""
    arrange: Callable[[], None] | None = None


@dataclass(frozen=True)
class Chart:
    """What a figure's draw function receives: the figure to draw on, the key figures, the
    reader's locale, the figure's layout (size, colours) and its words from the language pack."""

    fig: Figure
    kf: KeyFigures
    loc: Locale
    spec: FigureSpec
    text: ChartText
    fields: Mapping[str, str]  # the figure's fields, formatted for the reader

    @property
    def colors(self) -> Mapping[str, str]:
        return self.spec.colors

    @property
    def scale(self) -> float:
        """Factor from USD bn to the unit the pack's axis labels name."""
        return self.text.scale

    def words(self, key: str) -> str:
        """The chart's ``title``, ``subtitle``, ``x_label``, ``y_label``, ``source`` or ``note``, fields filled."""
        return fill(getattr(self.text, key), self.fields)

    def label(self, key: str, **extra: str) -> str:
        """``labels.<key>`` with its fields filled (``value=`` and ``date=`` for annotations)."""
        return fill(self.text.labels[key], self.fields, **extra)


# ---------------------------------------------------------------- text: measure, wrap, fill


@lru_cache(maxsize=4)
def _metrics_font(face: fonts.CjkFace) -> FT2Font:
    """The brief's font at 100 pt and 72 dpi, to measure advances (1 pt = 1 px)."""
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(face.path), face_index=face.index)
    font.set_size(100, 72)
    return font


@lru_cache(maxsize=2)
def _latin_font(path: str) -> FT2Font:
    from matplotlib.ft2font import FT2Font

    return FT2Font(path)


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` (in order of first appearance) that neither of the brief's regular
    faces has, asked of the chart library's own font objects (no other font reader is loaded)."""
    latin, cjk = _latin_font(str(fonts.latin_font_path("regular"))), _metrics_font(fonts.cjk_face("regular"))
    return fonts.uncovered(text, lambda code: latin.get_char_index(code) != 0 or cjk.get_char_index(code) != 0)


@lru_cache(maxsize=8192)
def _advance(ch: str, face: fonts.CjkFace) -> float:
    """Advance width of ``ch`` in ems of the brief's font."""
    return float(_metrics_font(face).load_char(ord(ch)).linearHoriAdvance) / 65536 / 100


def text_width(text: str, size_pt: float) -> float:
    """Width in inches of the widest line of ``text`` set in the brief's font at ``size_pt``."""
    face = fonts.cjk_face("regular")
    return max(sum(_advance(c, face) for c in line) for line in text.split("\n")) * size_pt / 72


# Scripts written without spaces break between any two characters; Latin-like text at spaces.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_NO_LINE_START = "，。；：、！？）》」』”’)"  # closing punctuation never starts a line
_NO_LINE_END = "（《「『“‘("  # opening punctuation never ends one
_NUMERIC_FIELDS = frozenset({"n", "year", "month", "day", "quarter"})


def number_units(loc: Locale) -> tuple[str, ...]:
    """The units the pack writes straight after a number where a line could otherwise break.

    Read from the pack's number and date patterns: the text between a numeric field and the
    next numeric field or the pattern's end, up to a space, when it starts in a script that
    breaks between characters ("{n}万亿美元" gives 万亿美元, "{year}年{month}月" 年 and 月;
    "${n} trillion" gives nothing); plus the pack's
    ``[wrap] number_units`` (charts.toml), for numbers written into the text by hand. Longest first.
    """
    patterns = [loc.get("numbers.percent"), loc.get("numbers.bp"), *(t["pattern"] for t in loc.get("numbers.usd_bn"))]
    patterns += [p for p in loc.get("dates").values() if isinstance(p, str)]
    extra = loc.charts.get("wrap", {}).get("number_units", [])
    if isinstance(extra, str) or not (isinstance(extra, Sequence) and all(isinstance(u, str) and u for u in extra)):
        raise BuildError(f"{loc.charts_path}: 'wrap.number_units' must be a list of units")
    units = set(extra)
    for pattern in patterns:
        parts = list(string.Formatter().parse(str(pattern))) + [("", None, None, None)]
        for (_, name, _, _), (after, following, _, _) in zip(parts, parts[1:]):
            unit = re.match(r"\S*", after)
            if name in _NUMERIC_FIELDS and following in (None, *_NUMERIC_FIELDS) and unit and re.match(f"[{_CJK}]", unit.group()):
                units.add(unit.group())
    return tuple(sorted(units, key=lambda u: (-len(u), u)))


def _tokens(loc: Locale) -> re.Pattern[str]:
    """Unbreakable pieces of text: a signed number with its unit, one CJK character, a Latin word, spaces."""
    units = number_units(loc)
    marks = "|".join(re.escape(str(loc.get(k))) for k in ("numbers.group", "numbers.decimal"))
    number = f"(?:{re.escape(str(loc.get('numbers.minus')))}|[+-])?[0-9](?:[0-9]|{marks})*(?:{'|'.join(map(re.escape, units))})"
    return re.compile((f"{number}|" if units else "") + f"[{_CJK}]|[^\\s{_CJK}]+|\\s+")


def wrap(text: str, size_pt: float, width_in: float, loc: Locale) -> str:
    """Break ``text`` into lines no wider than ``width_in``: CJK between characters (a number
    keeps its sign and the unit the pack writes after it), Latin at spaces."""
    tokens, lines = _tokens(loc), []
    for para in text.split("\n"):
        line, width = "", 0.0
        for token in tokens.findall(para):
            w = text_width(token, size_pt)
            if (line and width + w > width_in and not token.isspace() and token not in _NO_LINE_START
                    and line[-1] not in _NO_LINE_END):  # fmt: skip
                lines.append(line.rstrip())
                line, width = "", 0.0
            if line or not token.isspace():
                line, width = line + token, width + w
        lines.append(line.rstrip())
    return "\n".join(lines)


def fill(template: str, values: Mapping[str, str], **extra: str) -> str:
    """``template`` with its fields filled (names were checked when the pack's text was read)."""
    return template.format_map({**values, **extra})


# ---------------------------------------------------------------- axes


def series_with_gaps(values: Mapping[str, float], gaps: Sequence[tuple[str, str]] = (),
                     max_step_days: int = 7) -> tuple[list[date], list[float]]:  # fmt: skip
    """Dates and values in order, with NaN wherever observations are missing, so lines never bridge.

    A NaN goes at the first week of each listed gap, and the day after any observation
    followed by a step of more than ``max_step_days``.
    """
    points = {date.fromisoformat(d): float(v) for d, v in values.items()}
    for first, _last in gaps:
        points.setdefault(date.fromisoformat(first), math.nan)
    days = sorted(points)
    for prev, cur in zip(days, days[1:]):
        if (cur - prev).days > max_step_days and not (math.isnan(points[prev]) or math.isnan(points[cur])):
            points[prev + timedelta(days=1)] = math.nan
    days = sorted(points)
    return days, [points[d] for d in days]


def gap_spans(days: Sequence[date], vals: Sequence[float], end: date | None = None) -> list[tuple[date, date]]:
    """(last observation, next observation) around each run of NaN; and (last observation,
    ``end``) when ``end`` is later than it, for missing weeks after the last observation."""
    ok = [d for d, v in zip(days, vals) if not math.isnan(v)]
    spans = [(a, b) for a, b in zip(ok, ok[1:]) if any(a < d < b for d, v in zip(days, vals) if math.isnan(v))]
    return spans + ([(ok[-1], end)] if ok and end is not None and end > ok[-1] else [])


def _ticks(lo: float, hi: float) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    return [float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]


def nice_max(value: float, headroom: float = 1.1) -> float:
    """An upper limit at least ``value × headroom``, on a 1-2-2.5-5 step."""
    return _ticks(0, value * headroom)[-1]


def nice_floor(value: float, hi: float, headroom: float = 1.15) -> float:
    """A lower limit for a negative ``value``: the tick below ``value × headroom`` on the step of 0..hi."""
    return min(_ticks(value * headroom, hi))


def value_axis(ax: Axes, lo: float, hi: float, loc: Locale, axis: str = "y") -> None:
    """Limits, gridlines and tick labels (through fmt) of a value axis spanning lo..hi."""
    ticks = [t for t in _ticks(lo, hi) if lo - 1e-9 <= t <= hi + 1e-9]
    digits = next((d for d in range(4) if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 3)
    setter, limits = (ax.set_yticks, ax.set_ylim) if axis == "y" else (ax.set_xticks, ax.set_xlim)
    setter(ticks, labels=[fmt.number(t, loc, digits) for t in ticks])
    limits(lo, hi)
    (ax.yaxis if axis == "y" else ax.xaxis).grid(True, color=_GRID, linewidth=0.5)


def date_num(d: date) -> float:
    """Matplotlib's number for a date."""
    import matplotlib.dates

    return float(matplotlib.dates.date2num(d))


def time_axis(ax: Axes, first: date, last: date, loc: Locale) -> None:
    """Year ticks (half-years for spans under ~2.5 years) labelled through fmt."""
    jan = date(first.year, 1, 1)
    start = jan if (first - jan).days <= 45 else first
    if (last - start).days > 900:
        step = 1 + (last.year - start.year) // 10
        marks = [date(y, 1, 1) for y in range(start.year, last.year + 1, step) if date(y, 1, 1) >= start]
        labels = [fmt.year(d.year, loc) for d in marks]
    else:
        marks = [date(y, m, 1) for y in range(start.year, last.year + 1) for m in (1, 7) if start <= date(y, m, 1) <= last]
        labels = [fmt.month_short(d.isoformat()[:7], loc) for d in marks]
    ax.set_xticks([date_num(d) for d in marks], labels=labels)
    ax.set_xlim(date_num(start - timedelta(days=10)), date_num(last + timedelta(days=10)))


# ---------------------------------------------------------------- frame: titles, notes, panels, fonts


def _text_block(fig: Figure, y_in: float, text: str, size: float, **kw: Any) -> float:
    """Draw left-aligned ``text`` with its top at ``y_in``; return the height left below it."""
    if not text:
        return y_in
    fig.text(PAD / fig.get_figwidth(), y_in / fig.get_figheight(), text, fontsize=size, va="top", ha="left", linespacing=_LINE, **kw)
    return y_in - (text.count("\n") + 1) * size * _LINE / 72


def frame(chart: Chart) -> tuple[float, float]:
    """Title and subtitle on top, note and source at the bottom; return the plot's (top, bottom) in inches."""
    fig, loc = chart.fig, chart.loc
    width = fig.get_figwidth() - 2 * PAD - 0.12
    title, subtitle = (wrap(chart.words(k), SIZE[k], width, loc) for k in ("title", "subtitle"))
    y = _text_block(fig, fig.get_figheight() - PAD, title, SIZE["title"], fontweight="bold", color=INK)
    y = _text_block(fig, y - 0.03, subtitle, SIZE["subtitle"], color=MUTED)
    foot = "\n".join(wrap(chart.words(k), SIZE["small"], width, loc) for k in ("note", "source") if getattr(chart.text, k))
    foot_h = (foot.count("\n") + 1) * SIZE["small"] * _LINE / 72 if foot else 0.0
    _text_block(fig, PAD + foot_h, foot, SIZE["small"], color=MUTED)
    return y - 0.1, PAD + foot_h + 0.32 + (0.2 if chart.text.x_label else 0.0)


def place_panels(chart: Chart, panels: Sequence[Panel], top: float, bottom: float) -> None:
    """Stack the panels between top and bottom (inches), each under its unit and readout row;
    the x-axis label goes under the lowest; then each panel's labels are arranged."""
    fig, x_label = chart.fig, chart.words("x_label")
    w, h = fig.get_figwidth(), fig.get_figheight()
    labels = [t.get_text() for p in panels for t in p.ax.get_yticklabels()]
    left = PAD + max(text_width(t, SIZE["body"]) for t in labels) + 0.08
    heads = [0.24 if p.unit or p.readout else 0.0 for p in panels]
    gaps = 0.2 * (len(panels) - 1)
    shares = (0.4, 0.6) if len(panels) == 2 else (1.0,)
    y = top
    for panel, head, share in zip(panels, heads, shares):
        height = (top - bottom - sum(heads) - gaps) * share
        y -= head
        panel.ax.set_position((left / w, (y - height) / h, (w - left - RIGHT) / w, height / h))
        for x, text, ha in ((PAD, panel.unit, "left"), (w - RIGHT, panel.readout, "right")):
            fig.text(x / w, (y + 0.07) / h, text, fontsize=SIZE["body"], color=MUTED, ha=ha, va="bottom")
        y -= height + 0.2
    if x_label:
        fig.text(1 - RIGHT / w, (bottom - 0.24) / h, x_label, fontsize=SIZE["body"], color=MUTED, ha="right", va="top")
    for panel in panels:
        if panel.arrange is not None:
            panel.arrange()


def set_face(t: Text) -> None:
    """Give ``t`` the brief's CJK face (bold where bold was asked for), keeping its size."""
    from matplotlib.font_manager import FontPath, FontProperties

    bold = t.get_fontweight() in ("bold", "semibold", "heavy", 600, 700, 800)
    face = fonts.cjk_face("bold" if bold else "regular")
    t.set_fontproperties(
        FontProperties(
            family=face.family,
            weight="bold" if bold else "normal",  # named so in SVG text
            fname=FontPath(str(face.path), face.index),
            size=t.get_fontsize(),
        )
    )


def renderer(fig: Figure | SubFigure) -> RendererAgg:
    """The renderer of ``fig``, to measure text extents."""
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas every figure here is drawn on


def apply_fonts(fig: Figure) -> None:
    """Give every text of ``fig`` the brief's CJK face."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        set_face(t)


# ---------------------------------------------------------------- style


@contextmanager
def style() -> Iterator[None]:
    """Matplotlib's own defaults plus the brief's fixed settings, whatever the user's matplotlibrc says."""
    import matplotlib

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)  # type: ignore[arg-type]  # _RC's keys are rc names; the stubs want each as a Literal
        yield
