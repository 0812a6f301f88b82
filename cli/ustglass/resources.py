"""Where ustglass finds its templates, figure specs and shipped snapshots, and how it reads its TOML files.

In a source checkout they are the repository's top-level folders; in an installed wheel
they are bundled inside the package under ``_bundled/``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

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


def read_toml(path: Path) -> dict[str, Any]:
    """The table in the TOML file ``path``; BuildError naming the file when it cannot be read or parsed."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: {exc}") from None
    except OSError as exc:
        raise BuildError(f"{path}: cannot read ({exc.strerror})") from None
