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

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ustglass.errors import BuildError
from ustglass.resources import bundled

PACK_FILE = "locale.toml"
CHARTS_FILE = "charts.toml"
DEFAULT = "zh"  # the language `ustglass report` builds when none is named


def _frozen(value: Any) -> Any:
    """Nested TOML tables as read-only mappings, arrays as tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class Locale:
    """One language pack, as loaded: its code, folder and every string it defines."""

    code: str
    root: Path
    strings: Mapping[str, Any]
    charts: Mapping[str, Any]

    def get(self, key: str) -> Any:
        """The value at dotted ``key`` (``"dates.day"``); a missing key is a BuildError."""
        node: Any = self.strings
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise BuildError(f"{self.root / PACK_FILE}: missing key {key!r}")
            node = node[part]
        return node

    def name_of(self, table: str, name: str) -> str:
        """A name translated by ``[<table>]`` (countries, units ...), or as written when not listed."""
        names = self.strings.get(table, {})
        return str(names.get(name, name))

    @property
    def html_lang(self) -> str:
        return str(self.get("html_lang"))


def search_path(override: Path | None = None) -> list[Path]:
    """The folders holding packs: an editor's ``<templates>/locales`` first, then the shipped one."""
    dirs = [override / "locales"] if override is not None and (override / "locales").is_dir() else []
    return [*dirs, bundled("templates") / "locales"]


def available(dirs: Iterable[Path] | None = None) -> tuple[str, ...]:
    """The codes of every language pack found, sorted."""
    found = {p.parent.name for d in (dirs or search_path()) if d.is_dir() for p in d.glob(f"*/{PACK_FILE}")}
    return tuple(sorted(found))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: {exc}") from None
    except OSError as exc:
        raise BuildError(f"{path}: cannot read ({exc.strerror})") from None


def load(code: str, dirs: Iterable[Path] | None = None) -> Locale:
    """The pack ``code`` from the first folder that has it."""
    dirs = list(dirs or search_path())
    for d in dirs:
        root = d / code
        if (root / PACK_FILE).is_file():
            charts = _read(root / CHARTS_FILE) if (root / CHARTS_FILE).is_file() else {}
            return Locale(code=code, root=root, strings=_frozen(_read(root / PACK_FILE)), charts=_frozen(charts))
    choices = ", ".join(available(dirs)) or "none"
    raise BuildError(f"no language pack {code!r} (templates/locales/{code}/{PACK_FILE}); available: {choices}")
