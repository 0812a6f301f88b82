"""Figure specs: the editable description of each chart, read from ``figures/<id>.toml``.

Editors keep every word, label and colour of a chart in its TOML file; ``load_spec``
validates it as a whole and reports every problem at once.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ustglass import locale
from ustglass.errors import BuildError

TEXT_KEYS = ("title", "subtitle", "x_label", "y_label", "source", "note")


@dataclass(frozen=True)
class FigureDef:
    """One figure of the brief, complete: what its spec file and its text must hold, the key
    figures it reads, how its fields are filled and how it is drawn. Adding a figure is adding
    one of these to the registry (:mod:`ustglass.figures`), its ``figures/<id>.toml`` and its text."""

    id: str
    reads: tuple[str, ...]  # the KeyFigures sections the figure reads (a test holds it to them)
    colors: tuple[str, ...]  # keys of the spec's [colors]
    labels: tuple[str, ...]  # keys of the text's [labels]
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
    countries: Mapping[str, str] = field(default_factory=dict)
    scale: float = 1.0


@dataclass(frozen=True)
class FigureSpec:
    """A chart's editable description, as read from ``figures/<id>.toml``."""

    id: str
    path: str
    width_in: float
    height_in: float
    colors: Mapping[str, str]
    text: Mapping[str, ChartText]
    top_n: int = 10


# ---------------------------------------------------------------- spec loading


def display(path: Path) -> str:
    """``path`` relative to the working directory when inside it, for error messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _field_problems(figure: FigureDef, key: str, text: str, where: str) -> list[str]:
    """Fields in ``text`` (at ``key`` of the figure's text) that the chart cannot fill."""
    annotation = key.startswith("labels.") and key[len("labels."):] in figure.annotations
    allowed = set(figure.fields) | ({"value", "date"} if annotation else set())
    try:
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
    except ValueError as exc:
        return [f"bad field in '{where}': {exc}"]
    return [f"unknown field {{{n}}} in '{where}'" for n in sorted(names - allowed)]


def _lang_problems(figure: FigureDef, lang: str, table: Any) -> list[str]:
    """What is missing or wrong in one language table of a spec."""
    if not isinstance(table, dict):
        return [f"missing table [{lang}]"]
    labels = table.get("labels") if isinstance(table.get("labels"), dict) else {}
    texts = {**{k: table.get(k) for k in TEXT_KEYS}, **{f"labels.{k}": labels.get(k) for k in figure.labels}}
    problems = [f"missing key '{lang}.{k}'" for k, v in texts.items() if not isinstance(v, str)]
    for key, text in texts.items():
        problems += _field_problems(figure, key, text, f"{lang}.{key}") if isinstance(text, str) else []
    if not isinstance(table.get("scale", 1.0), (int, float)) or table.get("scale", 1.0) <= 0:
        problems.append(f"'{lang}.scale' must be a positive number")
    if not isinstance(table.get("countries", {}), dict):
        problems.append(f"'{lang}.countries' must be a table")
    return problems


def _spec_problems(figure: FigureDef, raw: dict[str, Any]) -> list[str]:
    """Every problem of a parsed spec, so an editor can fix them all at once."""
    problems = [f"missing key '{k}'" for k in ("width_in", "height_in") if not isinstance(raw.get(k), (int, float))]
    colors = raw.get("colors", {})
    problems += [f"missing key 'colors.{k}' (a colour such as \"#1f4e79\")" for k in figure.colors
                 if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(colors.get(k, "")))]  # fmt: skip
    if not isinstance(raw.get("top_n", 10), int) or raw.get("top_n", 10) < 1:
        problems.append("'top_n' must be a positive whole number")
    return problems + [p for lang in locale.available() for p in _lang_problems(figure, lang, raw.get(lang))]


def load_spec(path: str | os.PathLike[str], figure: FigureDef) -> FigureSpec:
    """Read ``figures/<id>.toml`` and check it against the figure's definition; raise BuildError naming every problem."""
    path = Path(path)
    shown = display(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{shown}: {exc}") from exc
    problems = _spec_problems(figure, raw)
    if problems:
        raise BuildError(f"{shown}: " + "; ".join(problems))
    text = {
        lang: ChartText(**{k: raw[lang][k] for k in TEXT_KEYS}, labels=dict(raw[lang]["labels"]),
                        countries=dict(raw[lang].get("countries", {})), scale=float(raw[lang].get("scale", 1.0)))
        for lang in locale.available()
    }  # fmt: skip
    return FigureSpec(figure.id, shown, float(raw["width_in"]), float(raw["height_in"]),
                      dict(raw["colors"]), text, int(raw.get("top_n", 10)))  # fmt: skip
