"""Where ustglass finds its templates, figure specs and shipped snapshots.

In a source checkout they are the repository's top-level folders; in an installed wheel
they are bundled inside the package under ``_bundled/``.
"""

from __future__ import annotations

from pathlib import Path

from ustglass.errors import BuildError

PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The directory ``name`` ("templates", "figures", "data_snapshots") shipped with ustglass."""
    for candidate in (PACKAGE / "_bundled" / name, PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise BuildError(f"{name}/ not found: ustglass is not installed completely")


def snapshots_root(explicit: Path | None = None) -> Path:
    """``--snapshots`` if given, else ``./data_snapshots`` if present, else the shipped ones."""
    if explicit is not None:
        return explicit
    local = Path("data_snapshots")
    return local if local.is_dir() else bundled("data_snapshots")
