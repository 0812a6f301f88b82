"""What the snapshots hold, and what changed between two of them.

``list_snapshots`` summarises each snapshot from its manifest (id, when it was made, which
sources, the newest observation per dataset). ``diff`` compares two snapshots dataset by
dataset: observations added, observations removed, and revisions (same key, new value), for
instance FRED's revision of the FY2024 deficit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ustglass import datasets, snapshot
from ustglass.oserrors import os_problem

EXAMPLES = 3


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    path: Path
    created: str
    sources: tuple[str, ...]
    newest: dict[str, str]  # dataset id -> newest observation
    carried_forward: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": str(self.path),
            "created": self.created,
            "sources": list(self.sources),
            "newest": self.newest,
            "carried_forward": list(self.carried_forward),
        }


def info(path: Path) -> SnapshotInfo:
    """Summary of one snapshot, from its manifest."""
    manifest = snapshot.read_manifest(path)
    metas: dict[str, Any] = manifest["datasets"]
    sources = sorted({spec.source for ds in metas if (spec := datasets.ALL.get(ds)) is not None})
    return SnapshotInfo(
        id=str(manifest.get("snapshot", path.name)),
        path=path,
        created=str(manifest.get("created", "")),
        sources=tuple(sources),
        newest={ds: str(meta.get("last", "")) for ds, meta in sorted(metas.items())},
        carried_forward=tuple(sorted(ds for ds, meta in metas.items() if meta.get("carried_forward"))),
    )


def list_snapshots(root: Path) -> list[SnapshotInfo]:
    """Every snapshot under ``root``, oldest first."""
    try:
        return [info(path) for path in snapshot.list_snapshots(root)]
    except OSError as exc:
        raise snapshot.SnapshotError(os_problem(exc, root)) from None


def format_snapshots(infos: list[SnapshotInfo]) -> str:
    """A plain-text listing: one block per snapshot."""
    lines = []
    for item in infos:
        lines.append(f"{item.id}  created {item.created or '?'}  sources: {', '.join(item.sources)}")
        for ds, newest in item.newest.items():
            mark = "  (carried forward)" if ds in item.carried_forward else ""
            lines.append(f"    {ds:<20} {newest}{mark}")
    return "\n".join(lines)


# --- diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetDiff:
    """What changed in one dataset from snapshot A to snapshot B."""

    dataset: str
    status: str  # unchanged | changed | added | removed
    added: int = 0
    removed: int = 0
    revised: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "status": self.status,
            "added": self.added,
            "removed": self.removed,
            "revised": self.revised,
            "examples": self.examples,
        }


def _text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.15g}"
    return "" if value is None or value is pd.NA else str(value)


def _key_text(row: pd.Series, key: tuple[str, ...]) -> str:
    return " ".join(_text(row[k]) for k in key)


def _values_text(row: pd.Series, cols: list[str], suffix: str) -> str:
    return ", ".join(f"{c}={_text(row[c + suffix])}" for c in cols)


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise inequality where two missing values count as equal."""
    both_missing = a.isna() & b.isna()
    return ~(both_missing | (a == b).fillna(False).astype(bool))


def compare(spec: datasets.DatasetSpec, a: pd.DataFrame, b: pd.DataFrame, examples: int = EXAMPLES) -> DatasetDiff:
    """Added, removed and revised observations of one dataset."""
    key = list(spec.key)
    cols = [c for c in spec.columns if c not in spec.key]
    merged = a.merge(b, on=key, how="outer", suffixes=("_a", "_b"), indicator=True).sort_values(key, kind="stable")
    added = merged[merged["_merge"] == "right_only"]
    removed = merged[merged["_merge"] == "left_only"]
    both = merged[merged["_merge"] == "both"]
    changed = pd.Series(False, index=both.index)
    for col in cols:
        changed |= _differs(both[f"{col}_a"], both[f"{col}_b"])
    revised = both[changed]
    found = {
        "added": [f"{_key_text(r, spec.key)}: {_values_text(r, cols, '_b')}" for _, r in added.head(examples).iterrows()],
        "removed": [f"{_key_text(r, spec.key)}: {_values_text(r, cols, '_a')}" for _, r in removed.head(examples).iterrows()],
        "revised": [
            f"{_key_text(r, spec.key)}: {_values_text(r, cols, '_a')} -> {_values_text(r, cols, '_b')}"
            for _, r in revised.head(examples).iterrows()
        ],
    }
    status = "changed" if len(added) or len(removed) or len(revised) else "unchanged"
    return DatasetDiff(spec.id, status, len(added), len(removed), len(revised), {k: v for k, v in found.items() if v})


def diff(a: Path, b: Path, examples: int = EXAMPLES) -> list[DatasetDiff]:
    """Per dataset, what changed from snapshot ``a`` to snapshot ``b`` (both verified on reading)."""
    left, right = snapshot.load(a), snapshot.load(b)
    out = []
    for ds in sorted(set(left.tables) | set(right.tables)):
        if ds not in right.tables:
            out.append(DatasetDiff(ds, "removed", removed=len(left.tables[ds])))
        elif ds not in left.tables:
            out.append(DatasetDiff(ds, "added", added=len(right.tables[ds])))
        elif left.manifest["datasets"][ds]["sha256"] == right.manifest["datasets"][ds]["sha256"]:
            out.append(DatasetDiff(ds, "unchanged"))
        else:
            out.append(compare(datasets.get(ds), left.tables[ds], right.tables[ds], examples))
    return out


def format_diff(a_id: str, b_id: str, diffs: list[DatasetDiff]) -> str:
    """A plain-text report of a diff."""
    lines = [f"{a_id} -> {b_id}"]
    for d in diffs:
        if d.status == "unchanged":
            lines.append(f"  {d.dataset}: unchanged")
            continue
        if d.status in ("added", "removed"):
            lines.append(f"  {d.dataset}: dataset {d.status} ({d.added or d.removed} observations)")
            continue
        lines.append(f"  {d.dataset}: {d.added} new, {d.removed} removed, {d.revised} revised")
        for kind, items in d.examples.items():
            lines.extend(f"      {kind}: {item}" for item in items)
    return "\n".join(lines)
