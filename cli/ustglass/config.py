"""Frozen run configuration built by the CLI (or by any caller of the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ustglass import locale


class Format(str, Enum):
    md = "md"
    md_inline = "md-inline"  # Markdown with the figures inside it as data: URIs, for pasting
    html = "html"
    pdf = "pdf"


class Verbosity(str, Enum):
    """How much a command prints besides errors and warnings: -q, default, -v."""

    quiet = "quiet"
    normal = "normal"
    verbose = "verbose"

    @classmethod
    def of(cls, quiet: bool, verbose: bool) -> Verbosity:
        if quiet and verbose:
            raise ValueError("choose --quiet or --verbose, not both")
        return cls.quiet if quiet else cls.verbose if verbose else cls.normal


ALL_FORMATS = (Format.md, Format.html, Format.pdf)  # what a build makes when none is named
FORMAT_ORDER = (Format.md, Format.md_inline, Format.html, Format.pdf)


class FigureFormat(str, Enum):
    png = "png"  # raster, at FIGURE_DPI
    svg = "svg"  # vector, text kept as text


FIGURE_FORMATS = (FigureFormat.png, FigureFormat.svg)
FIGURE_DPI = 300  # `ustglass figures` PNGs: 2100 × 1260 px for a 7 × 4.2 in chart, print resolution
BRIEF_FIGURE_DPI = 200  # the Markdown brief's PNGs: 1400 px wide, sharp on a high-density screen


@dataclass(frozen=True)
class ReportConfig:
    langs: tuple[str, ...]
    formats: tuple[Format, ...]
    snapshots_root: Path
    out_dir: Path
    snapshot: str | None = None  # id or path; None = newest
    templates_dir: Path | None = None  # editor overrides, searched before the shipped templates
    figures_dir: Path | None = None  # editor overrides of figure specs
    strict: bool = True  # a file in templates_dir / figures_dir that ustglass does not know is an error (else a warning)
    figures: tuple[str, ...] | None = None  # ids of the figures to build; None: every registered figure
    since: str | None = None  # the previous edition's snapshot (id or path); None: the one before `snapshot`
    organisation: str = "ustglass"  # who publishes the brief: the PDF's cover and its Author, the page's author
    author: str | None = None  # a person named on the cover and in the metadata as well, if any
    cache: bool = True  # take unchanged work from the cache (ustglass.cache) and keep what is built
    jobs: int | None = None  # languages built at once, each in a process; None: one per core


def _choose(text: str, order: tuple[Enum, ...], what: str) -> tuple:
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - {f.value for f in order})
    if unknown or not wanted:
        choices = ", ".join(str(f.value) for f in order)
        raise ValueError(f"unknown {what}(s): {', '.join(unknown) or '(none)'}; choose from {choices}")
    return tuple(f for f in order if f.value in wanted)


def parse_formats(text: str) -> tuple[Format, ...]:
    """``"md,html,pdf"`` -> formats, in the canonical order; raises ValueError on unknown ones."""
    return _choose(text, FORMAT_ORDER, "format")


def parse_figure_formats(text: str) -> tuple[FigureFormat, ...]:
    """``"png,svg"`` -> figure formats, in the canonical order; raises ValueError on unknown ones."""
    return _choose(text, FIGURE_FORMATS, "format")


def parse_langs(text: str, templates_dir: Path | None = None) -> tuple[str, ...]:
    """``--lang``: a language pack's code or ``all``, among the packs found (editor overrides
    included); raises ValueError naming the available codes otherwise."""
    return locale.choose(text.strip(), locale.search_path(templates_dir))
