"""What a figure declares, and the checks of the two files that describe it.

A figure's layout, the same in every language (size, colours, ``top_n``), is in
``figures/<id>.toml``; its words (title, subtitle, axis labels, source line, note, legend
and annotation labels) and ``scale`` are in each language pack's ``charts.toml``, table
``[<id>]``. Both are checked against the figure's :class:`FigureDef` (registered in
:mod:`ustglass.figures`), the text for the language being built, so a new pack needs no
Python; every problem of a file is reported at once.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass.errors import BuildError
from ustglass.locale import CHARTS_FILE, Locale

TEXT_KEYS = ("title", "subtitle", "x_label", "y_label", "source", "note")
LAYOUT_KEYS = ("width_in", "height_in", "top_n", "colors")


@dataclass(frozen=True)
class FigureDef:
    """One figure of the brief, complete: what its spec file and its text must hold, the key
    figures it reads, how its fields are filled and how it is drawn. Adding a figure is adding
    one of these to the registry (:mod:`ustglass.figures`), its ``figures/<id>.toml`` and its text."""

    id: str
    reads: tuple[str, ...]  # the KeyFigures sections the figure reads (a test holds it to them)
    colors: tuple[str, ...]  # keys of the spec's [colors]
    labels: tuple[str, ...]  # keys of the text's [<id>.labels]
    fields: tuple[str, ...]  # the fields any of its texts may use
    context: Callable[[Any, Any], Mapping[str, str]]  # (key figures, locale) -> each field, formatted
    draw: Callable[[Any], Sequence[Any]]  # chartkit.Chart -> its chartkit.Panels
    annotations: tuple[str, ...] = ()  # labels that also get {value} and {date}


@dataclass(frozen=True)
class ChartText:
    """The words of a chart in one language; ``scale`` turns USD bn into the axis unit."""

    title: str
    subtitle: str
    x_label: str
    y_label: str
    source: str
    note: str
    labels: Mapping[str, str]
    scale: float = 1.0


@dataclass(frozen=True)
class FigureSpec:
    """A chart's layout, as read from ``figures/<id>.toml``."""

    id: str
    path: str
    width_in: float
    height_in: float
    colors: Mapping[str, str]
    top_n: int = 10


def display(path: Path) -> str:
    """``path`` relative to the working directory when inside it, for error messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- layout: figures/<id>.toml


def _layout_problems(figure: FigureDef, raw: dict[str, Any]) -> list[str]:
    """Every problem of a parsed spec, so an editor can fix them all at once."""
    problems = [f"missing key '{k}'" for k in ("width_in", "height_in") if not isinstance(raw.get(k), (int, float))]
    colors = raw.get("colors", {}) if isinstance(raw.get("colors", {}), dict) else {}
    problems += [f"missing key 'colors.{k}' (a colour such as \"#1f4e79\")" for k in figure.colors
                 if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(colors.get(k, "")))]  # fmt: skip
    problems += [f"unknown key 'colors.{k}'" for k in sorted(set(colors) - set(figure.colors))]
    if not isinstance(raw.get("top_n", 10), int) or raw.get("top_n", 10) < 1:
        problems.append("'top_n' must be a positive whole number")
    for key in sorted(set(raw) - set(LAYOUT_KEYS)):
        hint = f" (a chart's words belong in the language packs: templates/locales/<code>/{CHARTS_FILE}, table [{figure.id}])"
        problems.append(f"unknown key '{key}'" + (hint if isinstance(raw[key], dict) else ""))
    return problems


def load_spec(path: str | os.PathLike[str], figure: FigureDef) -> FigureSpec:
    """Read ``figures/<id>.toml`` and check it against the figure's definition; raise BuildError naming every problem."""
    path = Path(path)
    shown = display(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{shown}: {exc}") from exc
    problems = _layout_problems(figure, raw)
    if problems:
        raise BuildError(f"{shown}: " + "; ".join(problems))
    return FigureSpec(figure.id, shown, float(raw["width_in"]), float(raw["height_in"]),
                      dict(raw["colors"]), int(raw.get("top_n", 10)))  # fmt: skip


# ---------------------------------------------------------------- words: <pack>/charts.toml [<id>]


def _field_problems(figure: FigureDef, key: str, text: str) -> list[str]:
    """Fields in ``text`` (at ``key`` of the figure's table) that the chart cannot fill."""
    annotation = key.startswith("labels.") and key.removeprefix("labels.") in figure.annotations
    allowed = set(figure.fields) | ({"value", "date"} if annotation else set())
    try:
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
    except ValueError as exc:
        return [f"bad field in '{key}': {exc}"]
    return [f"unknown field {{{n}}} in '{key}'" for n in sorted(names - allowed)]


def _text_problems(figure: FigureDef, table: Mapping[str, Any]) -> list[str]:
    """What is missing or wrong in a figure's table of a pack."""
    labels = table["labels"] if isinstance(table.get("labels"), Mapping) else {}
    texts = {**{k: table.get(k) for k in TEXT_KEYS}, **{f"labels.{k}": labels.get(k) for k in figure.labels}}
    problems = [f"missing key '{k}'" for k, v in texts.items() if not isinstance(v, str)]
    problems += [f"unknown key '{k}'" for k in sorted(set(table) - {*TEXT_KEYS, "labels", "scale"})]
    problems += [f"unknown key 'labels.{k}'" for k in sorted(set(labels) - set(figure.labels))]
    for key, text in texts.items():
        problems += _field_problems(figure, key, text) if isinstance(text, str) else []
    scale = table.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        problems.append("'scale' must be a positive number")
    return problems


def _text_or_problem(loc: Locale, figure: FigureDef) -> ChartText | str:
    where = f"{display(loc.charts_path)}, figure '{figure.id}'"
    table = loc.charts.get(figure.id)
    if not isinstance(table, Mapping):
        return f"{where}: missing table [{figure.id}]"
    problems = _text_problems(figure, table)
    if problems:
        return f"{where}: " + "; ".join(problems)
    return ChartText(**{k: table[k] for k in TEXT_KEYS}, labels=dict(table.get("labels", {})),
                     scale=float(table.get("scale", 1.0)))  # fmt: skip


def chart_texts(loc: Locale, figures: Iterable[FigureDef]) -> dict[str, ChartText]:
    """The words of each figure in the language of ``loc``; one BuildError naming the pack
    file, the figure and the key of every problem found."""
    found = {f.id: _text_or_problem(loc, f) for f in figures}
    problems = [p for p in found.values() if isinstance(p, str)]
    if problems:
        raise BuildError("; ".join(problems))
    return {k: v for k, v in found.items() if isinstance(v, ChartText)}
