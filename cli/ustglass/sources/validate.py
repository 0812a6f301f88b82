"""Checks a download must pass before it joins a snapshot, and the staged commit of a snapshot.

A parsed frame must have its dataset's columns, observations, unique keys and plausible
values. A new snapshot is made in a staging directory beside the others and renamed into
place; when a snapshot with the same id and the same data already exists, it is kept as is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ..datasets import DatasetSpec
from ..errors import InputError, SnapshotError
from ..snapshot import cut_as_of, read_manifest
from ._text import located, looks_like_html

# Plausible range of every numeric column, by the dataset's units.
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "percent": (-5.0, 30.0),
    "percent of GDP": (0.0, 400.0),
    "billions of USD": (0.0, None),
    "millions of USD": (0.0, None),
    "contracts": (0.0, None),
}
SIGNED = frozenset({"fred_fyfsd"})  # a deficit is negative
STAGE_PREFIX = ".fetch-"


@dataclass(frozen=True)
class Failure:
    """A source that failed: which, at which URL, why; ``optional`` ones do not fail a fetch."""

    source: str
    url: str
    reason: str
    dataset: str
    optional: bool = False

    def __str__(self) -> str:
        return f"{self.source}: {self.url}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "url": self.url, "reason": self.reason, "dataset": self.dataset,
                "optional": self.optional}


def looks_like_page(data: bytes) -> bool:
    """True when a body is a web page (an error page served with status 200)."""
    return looks_like_html(data[:2048].decode("utf-8", errors="replace").removeprefix("\ufeff"))


def _where(spec: DatasetSpec, frame: pd.DataFrame, index: int) -> str:
    value = frame[spec.date_column].iloc[index]
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _limits(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def _check_range(spec: DatasetSpec, frame: pd.DataFrame, name: str) -> None:
    """Every numeric column within the plausible range of the dataset's units."""
    low, high = BOUNDS.get(spec.units, (None, None))
    if spec.id in SIGNED:
        low = None
    for col in spec.columns:
        if col in spec.key or not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        values = frame[col].astype("float64").to_numpy()
        bad = ((values < low) if low is not None else False) | ((values > high) if high is not None else False)
        hits = pd.Series(bad).fillna(False).to_numpy().nonzero()[0]
        if hits.size:
            i = int(hits[0])
            file, row, field = located(frame, i, col, name)
            raise InputError(file, f"implausible value {float(values[i]):g} on {_where(spec, frame, i)} "
                                   f"(expected {_limits(low, high)} {spec.units})", row=row, field=field)


def check_frame(spec: DatasetSpec, frame: pd.DataFrame, name: str) -> None:
    """Schema, content and plausible values of a parsed frame; raises InputError."""
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise InputError(name, f"schema: column(s) {', '.join(missing)} missing")
    if frame.empty:
        raise InputError(name, "no observations")
    dup = frame.duplicated(subset=list(spec.key)).to_numpy().nonzero()[0]
    if dup.size:
        file, row, field = located(frame, int(dup[0]), spec.date_column, name)
        raise InputError(file, f"duplicate observation on {_where(spec, frame, int(dup[0]))}", row=row, field=field)
    _check_range(spec, frame, name)


def last_observation(spec: DatasetSpec, frame: pd.DataFrame, as_of: date | None) -> str:
    """The newest date of ``frame`` cut at ``as_of``, written as the manifest's ``last``."""
    if as_of is not None:
        frame = cut_as_of(spec, frame, as_of)
    if frame.empty:
        return ""
    col = frame[spec.date_column]
    if pd.api.types.is_datetime64_any_dtype(col):
        return str(col.max().strftime("%Y-%m-%d"))
    return str(col.astype(str).max())


# --- committing a snapshot ---------------------------------------------------------------

def dataset_hashes(path: Path) -> dict[str, str]:
    """Dataset id -> sha256 of its CSV, from a snapshot's manifest."""
    return {ds: str(meta.get("sha256", "")) for ds, meta in read_manifest(path)["datasets"].items()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root: Path) -> None:
    """Remove staging directories left by fetches that were killed."""
    for entry in root.glob(f"{STAGE_PREFIX}*"):
        pid = entry.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if entry.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def adopt(staged: Path, root: Path) -> tuple[Path, bool]:
    """Move a staged snapshot into ``root``: (path, True), or (existing, False) if identical."""
    target = root / staged.name
    if not target.exists():
        try:
            os.rename(staged, target)
            return target, True
        except OSError:
            if not target.exists():
                raise
    if dataset_hashes(target) == dataset_hashes(staged):
        return target, False
    raise SnapshotError(f"{target}: a snapshot {staged.name} with different data already exists (a revision without newer "
                        "observations); snapshots are never overwritten: move it away or choose another --as-of")


def stage_commit(root: Path, make: Callable[[Path], Path]) -> tuple[Path, bool]:
    """Make a snapshot in a staging directory under ``root`` with ``make``, then adopt it."""
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=root))
    try:
        return adopt(make(stage), root)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
