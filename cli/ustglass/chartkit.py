"""The charts' machinery: text measured and wrapped in the brief's font, fields filled, value
and time axes, labels placed clear of data, the frame (titles, notes, panels), fonts and style.

No chart of its own: :mod:`ustglass.charts` draws the four charts with these helpers. Every
number printed goes through :mod:`ustglass.fmt`; every text gets the brief's CJK font
(:mod:`ustglass.fonts`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import matplotlib
import matplotlib.colors
import matplotlib.dates
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontPath, FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from ustglass import fmt, fonts
from ustglass.chartspec import LangText
from ustglass.keyfigures import KeyFigures
from ustglass.locale import Locale

_RC: dict[str, Any] = {
    "font.size": 8.0, "axes.linewidth": 0.6, "axes.edgecolor": "#4d4d4d", "axes.spines.top": False,
    "axes.spines.right": False, "axes.axisbelow": True, "xtick.color": "#333333", "ytick.color": "#333333",
    "xtick.labelsize": 8.0, "ytick.labelsize": 8.0, "xtick.major.size": 3.0, "ytick.major.size": 0.0,
    "xtick.major.width": 0.6, "legend.frameon": False, "legend.fontsize": 8.0, "text.parse_math": False,
    "figure.facecolor": "white", "savefig.facecolor": "white", "path.simplify": False, "hatch.linewidth": 0.7,
}  # fmt: skip
_SIZE = {"title": 11.5, "subtitle": 9.0, "body": 8.0, "small": 7.0}
_PAD, _RIGHT, _LINE = 0.15, 0.25, 1.35  # margins (in), right margin (in), line spacing
_INK, _MUTED, _GRID = "#1a1a1a", "#555555", "#dedede"
_HALO: dict[str, Any] = {"facecolor": "white", "edgecolor": "none", "pad": 0.8}
_OUTLINE = [patheffects.withStroke(linewidth=2.2, foreground="white")]


# ---------------------------------------------------------------- text: measure, wrap, fill


@lru_cache(maxsize=4)
def _metrics_font(face: fonts.CjkFace) -> FT2Font:
    """The brief's font at 100 pt and 72 dpi, to measure advances (1 pt = 1 px)."""
    font = FT2Font(str(face.path), face_index=face.index)
    font.set_size(100, 72)
    return font


@lru_cache(maxsize=8192)
def _advance(ch: str, face: fonts.CjkFace) -> float:
    """Advance width of ``ch`` in ems of the brief's font."""
    return float(_metrics_font(face).load_char(ord(ch)).linearHoriAdvance) / 65536 / 100


def text_width(text: str, size_pt: float) -> float:
    """Width in inches of the widest line of ``text`` set in the brief's font at ``size_pt``."""
    face = fonts.cjk_face("regular")
    return max(sum(_advance(c, face) for c in line) for line in text.split("\n")) * size_pt / 72


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# A number keeps its sign (fmt prints a true minus, U+2212) and its Chinese unit: "−1.2万亿美元",
# "2019财年" and "10月" stay whole; other CJK breaks between characters, Latin at spaces.
_NUMBER = "[\u2212+-]?[0-9][0-9.,]*(?:万亿美元|亿美元|万亿|财年|个基点|[年月日亿万])"
_TOKEN = re.compile(f"{_NUMBER}|[{_CJK}]|[^\\s{_CJK}]+|\\s+")
_NO_LINE_START = "，。；：、！？）》」』”’)"  # closing punctuation never starts a line
_NO_LINE_END = "（《「『“‘("  # opening punctuation never ends one


def wrap(text: str, size_pt: float, width_in: float) -> str:
    """Break ``text`` into lines no wider than ``width_in``: CJK between characters, Latin at spaces."""
    lines = []
    for para in text.split("\n"):
        line, width = "", 0.0
        for token in _TOKEN.findall(para):
            w = text_width(token, size_pt)
            if (line and width + w > width_in and not token.isspace() and token not in _NO_LINE_START
                    and line[-1] not in _NO_LINE_END):  # fmt: skip
                lines.append(line.rstrip())
                line, width = "", 0.0
            if line or not token.isspace():
                line, width = line + token, width + w
        lines.append(line.rstrip())
    return "\n".join(lines)


def _fill(template: str, values: Mapping[str, str], **extra: str) -> str:
    """``template`` with its fields filled (names were checked when the spec was loaded)."""
    return template.format_map({**values, **extra})


def _context(figure_id: str, kf: KeyFigures, loc: Locale) -> dict[str, str]:
    """The values of a chart's fields, formatted for the reader."""
    if figure_id == "deficits":
        f = kf.fiscal
        return {"as_of": fmt.fiscal_year(f.latest_fy, loc), "first_fy": fmt.fiscal_year(f.first_fy, loc),
                "latest_fy": fmt.fiscal_year(f.latest_fy, loc), "average": fmt.usd_bn(f.average_deficit_usd_bn, loc),
                "vintage": fmt.date(f.vintage, loc)}  # fmt: skip
    if figure_id == "holders":
        h, est = kf.holders, kf.holders.cayman_estimate_usd_bn
        return {"as_of": fmt.month(h.as_of, loc), "year_earlier": fmt.month(h.year_earlier, loc),
                "estimate_as_of": fmt.date(est.as_of, loc) if est else ""}  # fmt: skip
    if figure_id == "basis":
        weeks = sorted(kf.basis.lev_short_usd_bn)
        return {"as_of": fmt.day(weeks[-1], loc), "first_week": fmt.day(weeks[0], loc),
                "weeks_missing": fmt.number(kf.basis.weeks_missing, loc)}  # fmt: skip
    days = sorted(d for series in kf.funding.history.values() for d in series)
    return {"as_of": fmt.day(days[-1], loc), "first_day": fmt.day(days[0], loc)}


# ---------------------------------------------------------------- axes helpers


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


def _gap_spans(days: Sequence[date], vals: Sequence[float], end: date | None = None) -> list[tuple[date, date]]:
    """(last observation, next observation) around each run of NaN; and (last observation,
    ``end``) when ``end`` is later than it, for missing weeks after the last observation."""
    ok = [d for d, v in zip(days, vals) if not math.isnan(v)]
    spans = [(a, b) for a, b in zip(ok, ok[1:]) if any(a < d < b for d, v in zip(days, vals) if math.isnan(v))]
    return spans + ([(ok[-1], end)] if ok and end is not None and end > ok[-1] else [])


def _iso_or_none(text: str) -> date | None:
    """The date ``text`` starts with, or None when it starts with none."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _nice_max(value: float, headroom: float = 1.1) -> float:
    """An upper limit at least ``value × headroom``, on a 1-2-2.5-5 step."""
    return float(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0, value * headroom)[-1])


def _value_axis(ax: Axes, lo: float, hi: float, loc: Locale, axis: str = "y") -> None:
    """Limits, gridlines and tick labels (through fmt) of a value axis spanning lo..hi."""
    ticks = [float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]
    ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    digits = next((d for d in range(4) if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 3)
    setter, limits = (ax.set_yticks, ax.set_ylim) if axis == "y" else (ax.set_xticks, ax.set_xlim)
    setter(ticks, labels=[fmt.number(t, loc, digits) for t in ticks])
    limits(lo, hi)
    (ax.yaxis if axis == "y" else ax.xaxis).grid(True, color=_GRID, linewidth=0.5)


def _num(d: date) -> float:
    """Matplotlib's number for a date."""
    return float(matplotlib.dates.date2num(d))


def _time_axis(ax: Axes, first: date, last: date, loc: Locale) -> None:
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
    ax.set_xticks([_num(d) for d in marks], labels=labels)
    ax.set_xlim(_num(start - timedelta(days=10)), _num(last + timedelta(days=10)))


def _note(ax: Axes, x: float, y: float, text: str, dy: float = 0.0, dx: float = 0.0, **kw: Any) -> Text:
    """A small label offset (dx, dy) points from a data point, on a white halo unless ``bbox=None``."""
    kw.setdefault("bbox", _HALO)
    kw.setdefault("va", "bottom" if dy > 0 else "top" if dy < 0 else "center")
    kw.setdefault("ha", "left" if dx > 0 else "right" if dx < 0 else "center")
    return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=_SIZE["small"], zorder=6, **kw)


# ---------------------------------------------------------------- frame: titles, notes, panels, fonts


class Panel(NamedTuple):
    """One plotting area: its axes, the unit shown above it (left) and a readout (right).

    ``arrange``, when given, runs once the axes have their final place and size, to put
    labels where they hide no data (it measures real text extents).
    """

    ax: Axes
    unit: str
    readout: str = ""
    arrange: Callable[[], None] | None = None


def _text_block(fig: Figure, y_in: float, text: str, size: float, **kw: Any) -> float:
    """Draw left-aligned ``text`` with its top at ``y_in``; return the height left below it."""
    if not text:
        return y_in
    fig.text(_PAD / fig.get_figwidth(), y_in / fig.get_figheight(), text, fontsize=size, va="top", ha="left", linespacing=_LINE, **kw)
    return y_in - (text.count("\n") + 1) * size * _LINE / 72


def _frame(fig: Figure, words: LangText, ctx: Mapping[str, str]) -> tuple[float, float]:
    """Title and subtitle on top, note and source at the bottom; return the plot's (top, bottom) in inches."""
    width = fig.get_figwidth() - 2 * _PAD - 0.12
    title, subtitle = (wrap(_fill(t, ctx), _SIZE[k], width) for t, k in ((words.title, "title"), (words.subtitle, "subtitle")))
    y = _text_block(fig, fig.get_figheight() - _PAD, title, _SIZE["title"], fontweight="bold", color=_INK)
    y = _text_block(fig, y - 0.03, subtitle, _SIZE["subtitle"], color=_MUTED)
    foot = "\n".join(wrap(_fill(t, ctx), _SIZE["small"], width) for t in (words.note, words.source) if t)
    foot_h = (foot.count("\n") + 1) * _SIZE["small"] * _LINE / 72 if foot else 0.0
    _text_block(fig, _PAD + foot_h, foot, _SIZE["small"], color=_MUTED)
    return y - 0.1, _PAD + foot_h + 0.32 + (0.2 if words.x_label else 0.0)


def _place(fig: Figure, panels: Sequence[Panel], top: float, bottom: float, x_label: str) -> None:
    """Stack the panels between top and bottom (inches), each under its unit and readout row."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    labels = [t.get_text() for p in panels for t in p.ax.get_yticklabels()]
    left = _PAD + max(text_width(t, _SIZE["body"]) for t in labels) + 0.08
    heads = [0.24 if p.unit or p.readout else 0.0 for p in panels]
    gaps = 0.2 * (len(panels) - 1)
    shares = (0.4, 0.6) if len(panels) == 2 else (1.0,)
    y = top
    for panel, head, share in zip(panels, heads, shares):
        height = (top - bottom - sum(heads) - gaps) * share
        y -= head
        panel.ax.set_position((left / w, (y - height) / h, (w - left - _RIGHT) / w, height / h))
        for x, text, ha in ((_PAD, panel.unit, "left"), (w - _RIGHT, panel.readout, "right")):
            fig.text(x / w, (y + 0.07) / h, text, fontsize=_SIZE["body"], color=_MUTED, ha=ha, va="bottom")
        y -= height + 0.2
    if x_label:
        fig.text(1 - _RIGHT / w, (bottom - 0.24) / h, x_label, fontsize=_SIZE["body"], color=_MUTED, ha="right", va="top")


def _set_face(t: Text) -> None:
    """Give ``t`` the brief's CJK face (bold where bold was asked for), keeping its size."""
    face = fonts.cjk_face("bold" if t.get_fontweight() in ("bold", "semibold", "heavy", 600, 700, 800) else "regular")
    t.set_fontproperties(FontProperties(fname=FontPath(str(face.path), face.index), size=t.get_fontsize()))


def _apply_fonts(fig: Figure) -> None:
    """Give every text of ``fig`` the brief's CJK face."""
    for t in fig.findobj(Text):
        _set_face(t)


# ---------------------------------------------------------------- labels: colours, extents, free spots


def _dark(color: Any) -> bool:
    """Whether ``color`` is dark enough to need white text on it."""
    r, g, b, _ = matplotlib.colors.to_rgba(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


def _extent(t: Text, renderer: Any, pad_pt: float = 0.0) -> Bbox:
    """The window extent of ``t`` in the brief's font, grown by ``pad_pt`` points each side."""
    _set_face(t)
    box = t.get_window_extent(renderer)
    pad = pad_pt * t.figure.dpi / 72
    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def _clear(box: Bbox, taken: Sequence[Bbox]) -> bool:
    """Whether ``box`` overlaps none of ``taken``."""
    return not any(box.x0 < t.x1 and t.x0 < box.x1 and box.y0 < t.y1 and t.y0 < box.y1 for t in taken)


Box = tuple[float, float, float, float]  # left, right, bottom, top in data units


def _free_label(ax: Axes, size_in: tuple[float, float], points: Sequence[tuple[float, float]], avoid: list[Box],
                text: str, spots: Sequence[tuple[float, float, float, float]], **kw: Any) -> None:  # fmt: skip
    """Label ``text`` at the spot (x, y, dx pt, dy pt) whose box stays inside the axes and covers
    the fewest data points and no box in ``avoid``; the chosen box is added to ``avoid``."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xu, yu = (x1 - x0) / size_in[0] / 72, (y1 - y0) / size_in[1] / 72  # data units per point
    w, h = text_width(text, _SIZE["small"]) * 72 * xu, _SIZE["small"] * 1.4 * yu

    def box(x: float, y: float, dx: float, dy: float) -> Box:
        left = x + dx * xu - (w if dx < 0 else 0 if dx > 0 else w / 2)
        bottom = y + dy * yu - (h if dy < 0 else 0)
        return left, left + w, bottom, bottom + h

    def cost(spot: tuple[float, float, float, float]) -> tuple[int, int]:
        lo, hi, bot, top = box(*spot)
        clash = lo < x0 or hi > x1 or bot < y0 or top > y1 or any(lo < ar and al < hi and bot < at and ab < top for al, ar, ab, at in avoid)
        return int(clash), sum(lo <= px <= hi and bot <= py <= top for px, py in points)

    best = min(spots, key=cost)
    avoid.append(box(*best))
    # A white outline round the glyphs rather than a white box, which would cut into the gap shading.
    _note(ax, best[0], best[1], text, dx=best[2], dy=best[3], bbox=None, path_effects=_OUTLINE, **kw)


# ---------------------------------------------------------------- style


@contextmanager
def _style() -> Iterator[None]:
    """Matplotlib's own defaults plus the brief's fixed settings, whatever the user's matplotlibrc says."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)  # type: ignore[arg-type]  # _RC's keys are rc names; the stubs want each as a Literal
        yield
