"""Editions for tests of the brief at several dates.

``cut`` writes the edition of an earlier date from a newer snapshot, cut the way ``fetch
--as-of`` cuts (``snapshot.cut_as_of``): for dates before a dataset that fetch requires begins.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ustglass import datasets, snapshot


def _records(snap: snapshot.Snapshot) -> list[snapshot.DatasetRecord]:
    out = []
    for dataset_id, frame in snap.tables.items():
        meta = snap.manifest["datasets"][dataset_id]
        origins = tuple(snapshot.Origin(o["file"], o["sha256"], o["retrieved"]) for o in meta.get("original", []))
        out.append(snapshot.DatasetRecord(datasets.ALL[dataset_id], frame, origins, bool(meta.get("carried_forward", False))))
    return out


def cut(path: Path, as_of: str, root: Path) -> Path:
    """``root/<as_of>``: the snapshot at ``path`` cut at ``as_of`` by ``snapshot.cut_as_of``, the rule
    fetch applies; datasets with no observation by then are left out."""
    snap = snapshot.load(path)
    day = pd.Timestamp(as_of).date()
    records = []
    for record in _records(snap):
        frame = snapshot.cut_as_of(record.spec, record.frame, day)
        if len(frame) or record.spec.id == datasets.RESEARCH.id:
            records.append(snapshot.DatasetRecord(record.spec, frame, record.origins))
    return snapshot.write_snapshot(root, as_of, records, created=str(snap.manifest.get("created", "")))
