"""Figure specs: the editable description of each chart, read from ``figures/<id>.toml``.

Editors keep every word, label and colour of a chart in its TOML file; ``load_spec``
validates it as a whole and reports every problem at once.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ustglass import locale
from ustglass.errors import BuildError

FIGURE_IDS = ("deficits", "holders", "basis", "funding")
TEXT_KEYS = ("title", "subtitle", "x_label", "y_label", "source", "note")
LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "deficits": ("average",),
    "holders": ("latest", "year_earlier", "estimate", "estimate_row", "estimate_value"),
    "basis": ("series", "gaps", "level_2020", "peak", "latest"),
    "funding": ("y2_label", "spread", "rrp", "reserves", "tga", "latest_spread"),
}
COLOR_KEYS: dict[str, tuple[str, ...]] = {
    "deficits": ("bar", "highlight", "average"),
    "holders": ("latest", "year_earlier", "estimate"),
    "basis": ("line", "gap", "marker"),
    "funding": ("spread", "rrp", "reserves", "tga"),
}
# Fields any text of a chart may use; the labels in ANNOTATIONS also get {value} and {date}.
FIELDS: dict[str, frozenset[str]] = {
    "deficits": frozenset({"as_of", "first_fy", "latest_fy", "average", "vintage"}),
    "holders": frozenset({"as_of", "year_earlier", "estimate_as_of"}),
    "basis": frozenset({"as_of", "first_week", "weeks_missing"}),
    "funding": frozenset({"as_of", "first_day"}),
}
ANNOTATIONS = frozenset({"estimate_value", "level_2020", "peak", "latest", "latest_spread"})


@dataclass(frozen=True)
class LangText:
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
    text: Mapping[str, LangText]
    top_n: int = 10


# ---------------------------------------------------------------- spec loading


def _display(path: Path) -> str:
    """``path`` relative to the working directory when inside it, for error messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _field_problems(figure_id: str, where: str, text: str) -> list[str]:
    """Fields in ``text`` that the chart cannot fill."""
    allowed = FIELDS[figure_id] | ({"value", "date"} if where.rsplit(".", 1)[-1] in ANNOTATIONS else set())
    try:
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
    except ValueError as exc:
        return [f"bad field in '{where}': {exc}"]
    return [f"unknown field {{{n}}} in '{where}'" for n in sorted(names - allowed)]


def _lang_problems(figure_id: str, lang: str, table: Any) -> list[str]:
    """What is missing or wrong in one language table of a spec."""
    if not isinstance(table, dict):
        return [f"missing table [{lang}]"]
    labels = table["labels"] if isinstance(table.get("labels"), dict) else {}
    texts = {**{k: table.get(k) for k in TEXT_KEYS}, **{f"labels.{k}": labels.get(k) for k in LABEL_KEYS[figure_id]}}
    problems = [f"missing key '{lang}.{k}'" for k, v in texts.items() if not isinstance(v, str)]
    for key, text in texts.items():
        problems += _field_problems(figure_id, f"{lang}.{key}", text) if isinstance(text, str) else []
    if not isinstance(table.get("scale", 1.0), (int, float)) or table.get("scale", 1.0) <= 0:
        problems.append(f"'{lang}.scale' must be a positive number")
    if not isinstance(table.get("countries", {}), dict):
        problems.append(f"'{lang}.countries' must be a table")
    return problems


def _spec_problems(figure_id: str, raw: dict[str, Any]) -> list[str]:
    """Every problem of a parsed spec, so an editor can fix them all at once."""
    problems = [f"missing key '{k}'" for k in ("width_in", "height_in") if not isinstance(raw.get(k), (int, float))]
    colors = raw.get("colors", {})
    problems += [f"missing key 'colors.{k}' (a colour such as \"#1f4e79\")" for k in COLOR_KEYS[figure_id]
                 if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(colors.get(k, "")))]  # fmt: skip
    if not isinstance(raw.get("top_n", 10), int) or raw.get("top_n", 10) < 1:
        problems.append("'top_n' must be a positive whole number")
    return problems + [p for lang in locale.available() for p in _lang_problems(figure_id, lang, raw.get(lang))]


def load_spec(path: str | os.PathLike[str]) -> FigureSpec:
    """Read and validate ``figures/<id>.toml``; raise BuildError naming every problem."""
    path = Path(path)
    shown = _display(path)
    if path.stem not in FIGURE_IDS:
        raise BuildError(f"{shown}: unknown figure {path.stem!r} (expected one of {', '.join(FIGURE_IDS)})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{shown}: {exc}") from exc
    problems = _spec_problems(path.stem, raw)
    if problems:
        raise BuildError(f"{shown}: " + "; ".join(problems))
    text = {
        lang: LangText(**{k: raw[lang][k] for k in TEXT_KEYS}, labels=dict(raw[lang]["labels"]),
                       countries=dict(raw[lang].get("countries", {})), scale=float(raw[lang].get("scale", 1.0)))
        for lang in locale.available()
    }  # fmt: skip
    return FigureSpec(path.stem, shown, float(raw["width_in"]), float(raw["height_in"]),
                      dict(raw["colors"]), text, int(raw.get("top_n", 10)))  # fmt: skip
