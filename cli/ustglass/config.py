"""Frozen run configuration built by the CLI (or by any caller of the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ustglass import locale


class Format(str, Enum):
    md = "md"
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


ALL_FORMATS = (Format.md, Format.html, Format.pdf)


@dataclass(frozen=True)
class ReportConfig:
    langs: tuple[str, ...]
    formats: tuple[Format, ...]
    snapshots_root: Path
    out_dir: Path
    snapshot: str | None = None  # id or path; None = newest
    templates_dir: Path | None = None  # editor overrides, searched before the shipped templates
    figures_dir: Path | None = None  # editor overrides of figure specs
    figures: tuple[str, ...] | None = None  # ids of the figures to build; None: every registered figure
    since: str | None = None  # the previous edition's snapshot (id or path); None: the one before `snapshot`


def parse_formats(text: str) -> tuple[Format, ...]:
    """``"md,html,pdf"`` -> formats, in the canonical order; raises ValueError on unknown ones."""
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - {f.value for f in Format})
    if unknown or not wanted:
        raise ValueError(f"unknown format(s): {', '.join(unknown) or '(none)'}; choose from md, html, pdf")
    return tuple(f for f in ALL_FORMATS if f.value in wanted)


def parse_langs(text: str, templates_dir: Path | None = None) -> tuple[str, ...]:
    """``--lang``: a language pack's code or ``all``, among the packs found (editor overrides
    included); raises ValueError naming the available codes otherwise."""
    return locale.choose(text.strip(), locale.search_path(templates_dir))
