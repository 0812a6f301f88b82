"""The brief's charts: key figures + language + figure spec -> a matplotlib Figure.

Pure construction: the only file read is the figure spec (``figures/<id>.toml``, where
editors keep every word and colour of a chart); no pyplot and no global state beyond an
``rc_context`` around each call. Every number printed on a chart goes through
:mod:`ustglass.fmt`; every text uses the brief's CJK font (:mod:`ustglass.fonts`), so a
chart looks the same on every machine. :func:`save_png` writes byte-identical files for
identical inputs.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib
import matplotlib.colors
import matplotlib.dates
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontPath, FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from ustglass import fmt, fonts
from ustglass.chartspec import ANNOTATIONS, FIGURE_IDS, FigureSpec, LangText, load_spec  # noqa: F401 (re-exported)
from ustglass.errors import BuildError
from ustglass.keyfigures import KeyFigures

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
_HALO = {"facecolor": "white", "edgecolor": "none", "pad": 0.8}
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


def _context(figure_id: str, kf: KeyFigures, lang: str) -> dict[str, str]:
    """The values of a chart's fields, formatted for the reader."""
    if figure_id == "deficits":
        f = kf.fiscal
        return {"as_of": fmt.fiscal_year(f.latest_fy, lang), "first_fy": fmt.fiscal_year(f.first_fy, lang),
                "latest_fy": fmt.fiscal_year(f.latest_fy, lang), "average": fmt.usd_bn(f.average_deficit_usd_bn, lang),
                "vintage": fmt.date(f.vintage, lang)}  # fmt: skip
    if figure_id == "holders":
        h, est = kf.holders, kf.holders.cayman_estimate_usd_bn
        return {"as_of": fmt.month(h.as_of, lang), "year_earlier": fmt.month(h.year_earlier, lang),
                "estimate_as_of": fmt.date(est.as_of, lang) if est else ""}  # fmt: skip
    if figure_id == "basis":
        weeks = sorted(kf.basis.lev_short_usd_bn)
        return {"as_of": fmt.day(weeks[-1], lang), "first_week": fmt.day(weeks[0], lang),
                "weeks_missing": fmt.number(kf.basis.weeks_missing, lang)}  # fmt: skip
    days = sorted(d for series in kf.funding.history.values() for d in series)
    return {"as_of": fmt.day(days[-1], lang), "first_day": fmt.day(days[0], lang)}


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


def _value_axis(ax: Axes, lo: float, hi: float, lang: str, axis: str = "y") -> None:
    """Limits, gridlines and tick labels (through fmt) of a value axis spanning lo..hi."""
    ticks = [float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]
    ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    digits = next((d for d in range(4) if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 3)
    setter, limits = (ax.set_yticks, ax.set_ylim) if axis == "y" else (ax.set_xticks, ax.set_xlim)
    setter(ticks, labels=[fmt.number(t, lang, digits) for t in ticks])
    limits(lo, hi)
    (ax.yaxis if axis == "y" else ax.xaxis).grid(True, color=_GRID, linewidth=0.5)


def _num(d: date) -> float:
    """Matplotlib's number for a date."""
    return float(matplotlib.dates.date2num(d))


def _time_axis(ax: Axes, first: date, last: date, lang: str) -> None:
    """Year ticks (half-years for spans under ~2.5 years) labelled through fmt."""
    jan = date(first.year, 1, 1)
    start = jan if (first - jan).days <= 45 else first
    if (last - start).days > 900:
        step = 1 + (last.year - start.year) // 10
        marks = [date(y, 1, 1) for y in range(start.year, last.year + 1, step) if date(y, 1, 1) >= start]
        labels = [fmt.year(d.year, lang) for d in marks]
    else:
        marks = [date(y, m, 1) for y in range(start.year, last.year + 1) for m in (1, 7) if start <= date(y, m, 1) <= last]
        labels = [fmt.month_short(d.isoformat()[:7], lang) for d in marks]
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


# ---------------------------------------------------------------- the four charts

CAYMAN = "Cayman Islands"
Draw = Callable[[Figure, KeyFigures, str, FigureSpec, Mapping[str, str]], list[Panel]]


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


def _deficits(fig: Figure, kf: KeyFigures, lang: str, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Bars of the federal deficit by fiscal year, each labelled, with the period's average.

    Value labels sit above each bar, or inside its top where the dashed average line would
    run through them; the average's label goes at an end of the line where it covers no
    bar and no value label, else above the plot as a key.
    """
    f, words, c = kf.fiscal, spec.text[lang], spec.colors
    years = sorted(y for y in f.deficit_usd_bn if f.first_fy <= y <= f.latest_fy)
    vals = [f.deficit_usd_bn[y] * words.scale for y in years]
    ax = fig.add_axes((0, 0, 1, 1))
    bars = ax.bar(range(len(vals)), vals, width=0.62, color=[c["bar"]] * (len(vals) - 1) + [c["highlight"]], zorder=2)
    avg = f.average_deficit_usd_bn * words.scale
    avg_line = ax.axhline(avg, color=c["average"], linewidth=1.0, linestyle=(0, (4, 2)), zorder=3)
    average = _fill(words.labels["average"], ctx)
    digits = 1 if max(abs(v) for v in vals) < 10 else 0
    ax.set_xticks(range(len(years)), labels=[fmt.fiscal_year(y, lang) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    hi = _nice_max(max(vals))
    # A surplus (negative) year: the axis goes down to the tick below it, on the same step as above zero.
    lo = min(float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(min(vals) * 1.15, hi)) if min(vals) < 0 else 0.0
    _value_axis(ax, lo, hi, lang)
    if lo < 0:
        ax.axhline(0, color="#808080", linewidth=0.6, zorder=2)

    def arrange() -> None:
        renderer = fig.canvas.get_renderer()
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
                label = _note(ax, x, v, fmt.number(v, lang, digits), -out, color=color, bbox=None)
            else:
                y, dy = (v, out) if where == "out" else (avg, out + math.copysign(clearance, out))
                label = _note(ax, x, y, fmt.number(v, lang, digits), dy, color=_INK)
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
            label = label or _note(ax, i, vals[i], fmt.number(vals[i], lang, digits), 2.5 if vals[i] >= 0 else -2.5, color=_INK)
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


def _holders(fig: Figure, kf: KeyFigures, lang: str, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Horizontal bars: top holders now and a year earlier, plus the hatched Cayman estimate row."""
    h, est, words, c = kf.holders, kf.holders.cayman_estimate_usd_bn, spec.text[lang], spec.colors
    rows = list(h.ranking[: spec.top_n]) + ([CAYMAN] if est and CAYMAN not in h.ranking[: spec.top_n] else [])
    ax, s, bar = fig.add_axes((0, 0, 1, 1)), words.scale, 0.38
    names: list[str] = []
    ends: list[tuple[float, str]] = []
    for country in rows:
        y, value = float(len(names)), h.usd_bn[country] * s
        ax.barh(y - bar / 2, value, height=bar, color=c["latest"], zorder=2)
        if country in h.usd_bn_year_earlier:
            ax.barh(y + bar / 2, h.usd_bn_year_earlier[country] * s, height=bar, color=c["year_earlier"], zorder=2)
        ends.append((value, fmt.usd_bn(h.usd_bn[country], lang)))
        _note(ax, value, y - bar / 2, ends[-1][1], dx=3, color=_INK)
        names.append(words.countries.get(country, country))
        if est and country == CAYMAN:
            y, value = y + 1, est.value * s
            ax.barh(y, value, height=bar * 1.6, facecolor="white", edgecolor=c["estimate"], hatch="////", linewidth=0.8, zorder=2)
            ends.append((value, _fill(words.labels["estimate_value"], ctx, value=fmt.usd_bn(est.value, lang, 2), date=fmt.date(est.as_of, lang))))
            _note(ax, value, y, ends[-1][1], dx=3, color=c["estimate"], fontweight="bold")
            names.append(_fill(words.labels["estimate_row"], ctx))
    ax.set_yticks(range(len(names)), labels=names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    axes_in = spec.width_in - _PAD - _RIGHT - 0.1 - max(text_width(n, _SIZE["body"]) for n in names)
    _value_axis(ax, 0.0, _nice_max(_holders_max(ends, axes_in), 1.0), lang, axis="x")
    handles = [Patch(color=c["latest"]), Patch(color=c["year_earlier"])]
    handles += [Patch(facecolor="white", edgecolor=c["estimate"], hatch="////")] if est else []
    keys = ["latest", "year_earlier"] + (["estimate"] if est else [])
    ax.legend(handles, [_fill(words.labels[k], ctx) for k in keys], loc="lower right")
    return [Panel(ax, _fill(words.y_label, ctx))]


Box = tuple[float, float, float, float]  # left, right, bottom, top in data units


def _dated(point: Any) -> tuple[str, float]:
    """(ISO date, value) of a key-figures point, whether it names its date ``date`` or ``as_of``."""
    return str(getattr(point, "date", None) or point.as_of), float(point.value)


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
        l, r, b, t = box(*spot)
        clash = l < x0 or r > x1 or b < y0 or t > y1 or any(l < ar and al < r and b < at and ab < t for al, ar, ab, at in avoid)
        return int(clash), sum(l <= px <= r and b <= py <= t for px, py in points)

    best = min(spots, key=cost)
    avoid.append(box(*best))
    # A white outline round the glyphs rather than a white box, which would cut into the gap shading.
    _note(ax, best[0], best[1], text, dx=best[2], dy=best[3], bbox=None, path_effects=_OUTLINE, **kw)


def _basis(fig: Figure, kf: KeyFigures, lang: str, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Weekly line with gaps left open and shaded; the 2020 average, peak and latest marked."""
    b, words, c, s = kf.basis, spec.text[lang], spec.colors, spec.text[lang].scale
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
    _time_axis(ax, days[0], end, lang)
    _value_axis(ax, 0.0, _nice_max(max(v for v in vals if not math.isnan(v)) * s, 1.2), lang)
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
        text = _fill(words.labels["peak"], ctx, value=fmt.usd_bn(peak, lang), date=fmt.day_short(peak_day, lang))
        spots = [(_num(date.fromisoformat(peak_day)), peak * s, dx, dy) for dy in (6.0, -6.0) for dx in (0.0, -4.0, 4.0)]
        _free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    if b.level_2020 is not None:
        lvl = b.level_2020.value * s
        ax.axhline(lvl, color=c["marker"], linewidth=0.9, linestyle=(0, (4, 2)), zorder=2)
        text = _fill(words.labels["level_2020"], ctx, value=fmt.usd_bn(b.level_2020.value, lang), date=fmt.year(2020, lang))
        spots = [(x, lvl, dx, dy) for dy in (3.0, -3.0) for x, dx in ((x0, 3.0), (x1, -3.0), ((x0 + x1) / 2, 0.0))]
        _free_label(ax, size, points, avoid, text, spots, color=c["marker"])
    readout = _fill(words.labels["latest"], ctx, value=fmt.usd_bn(last, lang), date=fmt.day_short(last_day, lang))
    return [Panel(ax, _fill(words.y_label, ctx), readout)]


def _funding(fig: Figure, kf: KeyFigures, lang: str, spec: FigureSpec, ctx: Mapping[str, str]) -> list[Panel]:
    """Top: SOFR minus IORB (bp). Bottom: ON RRP, reserves and TGA (USD bn in the reader's unit)."""
    hist, words, c = kf.funding.history, spec.text[lang], spec.colors
    top = fig.add_axes((0, 0.5, 1, 0.5))
    bottom = fig.add_axes((0, 0, 1, 0.5), sharex=top)
    days, spread = series_with_gaps(hist["sofr_iorb_bp"], (), 14)
    top.plot([_num(d) for d in days], spread, color=c["spread"], linewidth=1.1, zorder=3)
    top.axhline(0, color="#808080", linewidth=0.6, zorder=2)
    last = max(hist["sofr_iorb_bp"])
    top.plot([_num(date.fromisoformat(last))], [hist["sofr_iorb_bp"][last]], "o", markersize=3.5, color=c["spread"], zorder=5)
    readout = _fill(words.labels["latest_spread"], ctx, value=fmt.bp(hist["sofr_iorb_bp"][last], lang, sign=True), date=fmt.day_short(last, lang))
    finite = [v for v in spread if not math.isnan(v)]
    _value_axis(top, min(0.0, min(finite)) * 1.1 - 1, max(0.0, max(finite)) * 1.1 + 1, lang)
    peak = 0.0
    for key, series in (("rrp", "rrp_usd_bn"), ("reserves", "reserves_usd_bn"), ("tga", "tga_usd_bn")):
        d, v = series_with_gaps(hist[series], (), 14)
        bottom.plot([_num(x) for x in d], [x * words.scale for x in v], color=c[key], linewidth=1.2, label=words.labels[key], zorder=3)
        peak = max(peak, max(hist[series].values()) * words.scale)
    bottom.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, borderaxespad=0.2, handlelength=1.5, columnspacing=1.2)
    _value_axis(bottom, 0.0, _nice_max(peak, 1.08), lang)
    every = sorted(d for series in hist.values() for d in series)
    _time_axis(bottom, date.fromisoformat(every[0]), date.fromisoformat(every[-1]), lang)
    top.tick_params(labelbottom=False)
    return [Panel(top, _fill(words.y_label, ctx), readout), Panel(bottom, _fill(words.labels["y2_label"], ctx))]


_DRAW: dict[str, Draw] = {"deficits": _deficits, "holders": _holders, "basis": _basis, "funding": _funding}


# ---------------------------------------------------------------- public entry points


@contextmanager
def _style() -> Iterator[None]:
    """Matplotlib's own defaults plus the brief's fixed settings, whatever the user's matplotlibrc says."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)
        yield


def build_figure(figure_id: str, kf: KeyFigures, lang: str, spec: FigureSpec) -> Figure:
    """The chart ``figure_id`` in language ``lang``, drawn from ``kf`` as ``spec`` describes."""
    if figure_id != spec.id or figure_id not in _DRAW:
        raise BuildError(f"{spec.path}: spec of figure {spec.id!r} used for figure {figure_id!r}")
    if lang not in spec.text:
        raise BuildError(f"{spec.path}: no text for language {lang!r}")
    words, ctx = spec.text[lang], _context(figure_id, kf, lang)
    with _style():
        fig = Figure(figsize=(spec.width_in, spec.height_in), dpi=100)
        FigureCanvasAgg(fig)
        top, bottom = _frame(fig, words, ctx)
        panels = _DRAW[figure_id](fig, kf, lang, spec, ctx)
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
