"""Language packs: one folder per language under ``templates/locales/<code>/``.

A pack holds everything that differs between languages: ``locale.toml`` (words, units,
number and date rules, dataset, source and country names, page title, the brief's
labels), ``charts.toml`` (every chart's text) and the prose templates. ``load(code)``
reads a pack into one frozen :class:`Locale`, which formatting, templates and charts
receive; no other module knows which languages exist. A key missing from a pack is a
build error naming the pack and the key, never a silent fallback.

Adding a language is adding a folder (see docs/languages.md).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ustglass.errors import BuildError
from ustglass.resources import bundled, read_toml

PACK_FILE = "locale.toml"
CHARTS_FILE = "charts.toml"
BRIEF_TEMPLATE = "brief.md.j2"  # each pack's prose, filling the blocks of templates/brief.md.j2
DEFAULT = "zh"  # the language `ustglass report` builds when none is named
ALL = "all"  # `--lang all`: every pack found


def _frozen(value: Any) -> Any:
    """Nested TOML tables as read-only mappings, arrays as tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _dotted(path: Iterable[str]) -> str:
    """A key path as TOML writes it: ``units."millions of USD"``."""
    return ".".join(p if p.replace("_", "").replace("-", "").isalnum() else f'"{p}"' for p in path)


def _fill(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with its ``{name}`` fields filled; plain names only (no ``{a.b}``, no ``{a[0]}``)."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        if spec or conversion or name not in fields:
            raise KeyError(name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else ""))
        out.append(str(fields[name]))
    return "".join(out)


@dataclass(frozen=True)
class Locale:
    """One language pack, as loaded: its code, folder and every string it defines."""

    code: str
    root: Path
    strings: Mapping[str, Any]
    charts: Mapping[str, Any]
    charts_file: Path | None = None  # where `charts` was read from, when not the pack's own folder

    @property
    def charts_path(self) -> Path:
        """The ``charts.toml`` the chart text came from (an editor's pack may lack one: the shipped one's)."""
        return self.charts_file or self.root / CHARTS_FILE

    def get(self, key: str, *names: str) -> Any:
        """The value at dotted ``key`` (``"dates.day"``), then at each of ``names`` taken literally
        (``get("units", "millions of USD")``); a missing key is a BuildError naming the pack."""
        node: Any = self.strings
        path = [*key.split("."), *names]
        for i, part in enumerate(path):
            if not isinstance(node, Mapping) or part not in node:
                raise BuildError(f"{self.root / PACK_FILE}: missing key '{_dotted(path[: i + 1])}'")
            node = node[part]
        return node

    def text(self, key: str, *names: str, **fields: Any) -> str:
        """The string at ``key`` with its ``{field}`` fields filled from ``fields``."""
        value = self.get(key, *names)
        where = f"{self.root / PACK_FILE}: key '{_dotted([*key.split('.'), *names])}'"
        if not isinstance(value, str):
            raise BuildError(f"{where} is not a string")
        try:
            return _fill(value, fields)
        except KeyError as exc:
            known = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "none"
            raise BuildError(f"{where}: unknown field {{{exc.args[0]}}} (known here: {known})") from None
        except ValueError as exc:
            raise BuildError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from None

    def name_of(self, table: str, name: str) -> str:
        """A name translated by ``[<table>]`` (countries, units ...), or as written when not listed."""
        names = self.strings.get(table, {})
        return str(names.get(name, name))

    @property
    def html_lang(self) -> str:
        return str(self.get("html_lang"))

    @property
    def brief_template(self) -> str:
        """The name (for the template loader) of this pack's prose template."""
        return f"locales/{self.code}/{BRIEF_TEMPLATE}"


def search_path(override: Path | None = None) -> list[Path]:
    """The folders holding packs: an editor's ``<templates>/locales`` first, then the shipped one."""
    dirs = [override / "locales"] if override is not None and (override / "locales").is_dir() else []
    return [*dirs, bundled("templates") / "locales"]


def available(dirs: Iterable[Path] | None = None) -> tuple[str, ...]:
    """The codes of every language pack found, sorted."""
    found = {p.parent.name for d in (dirs or search_path()) if d.is_dir() for p in d.glob(f"*/{PACK_FILE}")}
    return tuple(sorted(found))


def choose(text: str, dirs: Iterable[Path] | None = None) -> tuple[str, ...]:
    """The languages a ``--lang`` value names: one pack's code, or ``all`` (the default first).

    Raises ValueError listing the available codes when ``text`` names no pack.
    """
    codes = available(dirs)
    if text == ALL:
        return tuple(sorted(codes, key=lambda c: (c != DEFAULT, c)))
    if text in codes:
        return (text,)
    raise ValueError(f"no language pack {text!r}; choose from {', '.join(codes) or '(none)'} or {ALL}")


def load(code: str, dirs: Iterable[Path] | None = None) -> Locale:
    """The pack ``code`` from the first folder that has it."""
    dirs = list(dirs or search_path())
    for d in dirs:
        root = d / code
        if (root / PACK_FILE).is_file():  # each file of a pack from the first folder that has it
            found = next((p for p in (x / code / CHARTS_FILE for x in dirs) if p.is_file()), None)
            charts = read_toml(found) if found is not None else {}
            return Locale(
                code=code,
                root=root,
                strings=_frozen(read_toml(root / PACK_FILE)),
                charts=_frozen(charts),
                charts_file=found if found is not None and found.parent != root else None,
            )
    choices = ", ".join(available(dirs)) or "none"
    raise BuildError(f"no language pack {code!r} (templates/locales/{code}/{PACK_FILE}); available: {choices}")
