"""Snapshots for tests of the brief at several dates and with the newer datasets.

``NEW_DATASETS`` describes the datasets the brief reads when a snapshot holds them: nominal
GDP, the 10-year term premium, the 2- and 10-year yields and their spread (FRED), and the
Standing Repo Facility's daily operations (New York Fed). ``register`` adds to
``ustglass.datasets.ALL`` those of them the package does not declare yet, for one test, so
that ``fetch --from-dir`` reads their FRED files and snapshots may hold them; a spec the
package declares is left as it is.

``with_datasets`` writes a copy of a snapshot with more datasets (CSV and manifest entry, as
``fetch`` writes them); ``cut`` writes the edition of an earlier date from a newer snapshot,
cut the way ``fetch --as-of`` cuts (for dates before a dataset ``fetch`` requires begins).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from ustglass import datasets, snapshot
from ustglass.datasets import DatasetSpec, Frequency, amount, date_column

NEW_DATASETS: dict[str, DatasetSpec] = {s.id: s for s in (
    datasets._fred("GDP", "billions of USD", Frequency.QUARTERLY, required=False),
    datasets._fred("THREEFYTP10", "percent", Frequency.DAILY, required=False),
    datasets._fred("DGS2", "percent", Frequency.DAILY, required=False),
    datasets._fred("DGS10", "percent", Frequency.DAILY, required=False),
    datasets._fred("T10Y2Y", "percent", Frequency.DAILY, required=False),
    DatasetSpec(id="nyfed_srf", source="nyfed", source_name="Federal Reserve Bank of New York, Markets API: repo operations",
                units="billions of USD", frequency=Frequency.DAILY, url="https://markets.newyorkfed.org/api/rp/results/search.json",
                date_column="date", schema=(date_column("date"), amount("value", "billions of USD")), key=("date",),
                required=False),
)}  # fmt: skip


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declare the new datasets the package does not declare yet, for the current test."""
    for dataset_id, spec in NEW_DATASETS.items():
        if dataset_id not in datasets.ALL:
            monkeypatch.setitem(datasets.ALL, dataset_id, spec)


@contextmanager
def registered() -> Iterator[None]:
    """``register`` for a block (module-scoped fixtures have no monkeypatch of their own)."""
    with pytest.MonkeyPatch.context() as mp:
        register(mp)
        yield


def srf_frame(operations_json: bytes) -> pd.DataFrame:
    """The NY Fed API's ``{"repo": {"operations": [...]}}``: amount accepted per day, USD billions."""
    ops = json.loads(operations_json)["repo"]["operations"]
    frame = pd.DataFrame({"date": pd.to_datetime([o["operationDate"] for o in ops]),
                          "value": [float(o["totalAmtAccepted"]) / 1e9 for o in ops]})
    return frame.groupby("date", as_index=False)["value"].sum().sort_values("date").reset_index(drop=True)


def _records(snap: snapshot.Snapshot) -> list[snapshot.DatasetRecord]:
    out = []
    for dataset_id, frame in snap.tables.items():
        meta = snap.manifest["datasets"][dataset_id]
        origins = tuple(snapshot.Origin(o["file"], o["sha256"], o["retrieved"]) for o in meta.get("original", []))
        out.append(snapshot.DatasetRecord(datasets.ALL[dataset_id], frame, origins, bool(meta.get("carried_forward", False))))
    return out


def with_datasets(path: Path, extra: Mapping[str, pd.DataFrame], root: Path) -> Path:
    """``root/<id>``: the snapshot at ``path`` with ``extra`` datasets (id -> frame) added, each cut at
    the snapshot's date; one that has no observation by then is left out, as fetch leaves it out."""
    snap = snapshot.load(path)
    as_of = pd.Timestamp(snap.as_of).date()
    records = [r for r in _records(snap) if r.spec.id not in extra]
    for dataset_id, frame in extra.items():
        spec = datasets.ALL[dataset_id]
        cut = snapshot.cut_as_of(spec, frame, as_of)
        if len(cut):
            records.append(snapshot.DatasetRecord(spec, cut, (snapshot.Origin(f"{dataset_id}.test", "", ""),)))
    return snapshot.write_snapshot(root, snap.id, records, created=str(snap.manifest.get("created", "")))


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
