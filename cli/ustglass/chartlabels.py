"""Labels placed clear of the data: at bar ends, at the ends of a line, or at the free spot
among a few candidates. Helpers that measure real text extents run once the axes have their
final place (a :class:`~ustglass.chartkit.Panel`'s ``arrange``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ustglass.chartkit import HALO, INK, SIZE, renderer, set_face, text_width

if TYPE_CHECKING:  # matplotlib is imported where labels are placed, so the figure registry loads without it
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox


def annotate(ax: Axes, x: float, y: float, text: str, dy: float = 0.0, dx: float = 0.0, **kw: Any) -> Text:
    """A small label offset (dx, dy) points from a data point, on a white halo unless ``bbox=None``."""
    kw.setdefault("bbox", HALO)
    kw.setdefault("va", "bottom" if dy > 0 else "top" if dy < 0 else "center")
    kw.setdefault("ha", "left" if dx > 0 else "right" if dx < 0 else "center")
    return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=SIZE["small"], zorder=6, **kw)


def is_dark(color: Any) -> bool:
    """Whether ``color`` is dark enough to need white text on it."""
    import matplotlib.colors

    r, g, b, _ = matplotlib.colors.to_rgba(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


def extent(t: Text, rend: Any, pad_pt: float = 0.0) -> Bbox:
    """The window extent of ``t`` in the brief's font, grown by ``pad_pt`` points each side."""
    from matplotlib.transforms import Bbox

    set_face(t)
    box = t.get_window_extent(rend)
    pad = pad_pt * t.figure.dpi / 72
    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def clear(box: Bbox, taken: Sequence[Bbox]) -> bool:
    """Whether ``box`` overlaps none of ``taken``."""
    return not any(box.x0 < t.x1 and t.x0 < box.x1 and box.y0 < t.y1 and t.y0 < box.y1 for t in taken)


def _bar_label(ax: Axes, rect: Rectangle, text: str, where: str, line_y: float | None, clearance_pt: float) -> Text:
    """Bar ``rect``'s label just beyond its end ("out"), inside its end ("in", white on a dark
    bar), or just past the line at ``line_y`` ("past")."""
    x, end = rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height()
    out = 2.5 if rect.get_height() >= 0 else -2.5
    if where == "in":
        return annotate(ax, x, end, text, -out, color="white" if is_dark(rect.get_facecolor()) else INK, bbox=None)
    if where == "past" and line_y is not None:
        return annotate(ax, x, line_y, text, out + math.copysign(clearance_pt, out), color=INK)
    return annotate(ax, x, end, text, out, color=INK)


def label_bars(ax: Axes, bars: Sequence[Rectangle], texts: Sequence[str], line_y: float | None = None,
               clearance_pt: float = 2.0) -> list[Text]:  # fmt: skip
    """A label at the end of each bar, inside the axes and clear of a horizontal line at
    ``line_y`` (data units) by ``clearance_pt``; call once the axes have their final place.

    All labels sit just beyond their bar ends, unless that puts one on the line or outside
    the axes; then all sit inside the bar ends so they look alike (white on dark bars), a bar
    too short for its label keeps it beyond its end, and one that fits neither way goes just
    past the line (and where nothing fits, beyond its end after all).
    """
    from matplotlib.transforms import Bbox

    rend = renderer(ax.figure)
    frame, pad = ax.get_window_extent(rend), clearance_pt * ax.figure.dpi / 72
    line = [] if line_y is None else [ax.transData.transform((0.0, line_y))[1]]
    band = [Bbox.from_extents(frame.x0, y - pad, frame.x1, y + pad) for y in line]

    def place(rect: Rectangle, text: str, where: str) -> Text | None:
        """The label at ``where`` if it is clear of the line, inside the axes (and inside the bar for "in"); else None."""
        label = _bar_label(ax, rect, text, where, line_y, clearance_pt)
        b, room = extent(label, rend, HALO["pad"]), rect.get_window_extent(rend) if where == "in" else frame
        if room.y0 <= b.y0 and b.y1 <= room.y1 and clear(b, band) and frame.y0 <= b.y0 and b.y1 <= frame.y1:
            return label
        label.remove()
        return None

    labels = [place(r, t, "out") for r, t in zip(bars, texts)]
    if None in labels:
        for label in labels:
            if label is not None:
                label.remove()
        labels = [place(r, t, "in") or place(r, t, "out") or place(r, t, "past") for r, t in zip(bars, texts)]
    return [label or _bar_label(ax, r, t, "out", line_y, clearance_pt) for r, t, label in zip(bars, texts, labels)]


def label_line_end(ax: Axes, y: float, text: str, avoid: Sequence[Bbox], **kw: Any) -> Text | None:
    """A label on a horizontal line at ``y`` (data units): at its right end, then its left end,
    above then below the line, the first spot inside the axes and clear of ``avoid`` (window
    boxes); None when no spot is (the caller then keys the line in a legend)."""
    rend = renderer(ax.figure)
    box = ax.get_window_extent(rend)
    for x, dx in ((ax.get_xlim()[1], -3.0), (ax.get_xlim()[0], 3.0)):
        for dy in (3.0, -3.0):
            label = annotate(ax, x, y, text, dy, dx, **kw)
            b = extent(label, rend, HALO["pad"] + 0.5)
            if clear(b, avoid) and box.x0 <= b.x0 and b.x1 <= box.x1 and box.y0 <= b.y0 and b.y1 <= box.y1:
                return label
            label.remove()
    return None


Box = tuple[float, float, float, float]  # left, right, bottom, top in data units


def free_label(ax: Axes, size_in: tuple[float, float], points: Sequence[tuple[float, float]], avoid: list[Box],
               text: str, spots: Sequence[tuple[float, float, float, float]], **kw: Any) -> Text:  # fmt: skip
    """Label ``text`` at the spot (x, y, dx pt, dy pt) whose box stays inside the axes and covers
    the fewest data points and no box in ``avoid``; the chosen box is added to ``avoid``.

    Works before the axes have their place: ``size_in`` is the expected size of the axes.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xu, yu = (x1 - x0) / size_in[0] / 72, (y1 - y0) / size_in[1] / 72  # data units per point
    w, h = text_width(text, SIZE["small"]) * 72 * xu, SIZE["small"] * 1.4 * yu

    def box(x: float, y: float, dx: float, dy: float) -> Box:
        left = x + dx * xu - (w if dx < 0 else 0 if dx > 0 else w / 2)
        bottom = y + dy * yu - (h if dy < 0 else 0)
        return left, left + w, bottom, bottom + h

    def cost(spot: tuple[float, float, float, float]) -> tuple[int, int]:
        lo, hi, bot, top = box(*spot)
        clash = lo < x0 or hi > x1 or bot < y0 or top > y1 or any(lo < ar and al < hi and bot < at and ab < top for al, ar, ab, at in avoid)
        return int(clash), sum(lo <= px <= hi and bot <= py <= top for px, py in points)

    from matplotlib import patheffects

    best = min(spots, key=cost)
    avoid.append(box(*best))
    # A white outline round the glyphs rather than a white box, which would cut into the gap shading.
    outline = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    return annotate(ax, best[0], best[1], text, dx=best[2], dy=best[3], bbox=None, path_effects=outline, **kw)
