"""The source registry, the dataset specs it points to, and the snapshot commit protocol."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ustglass import datasets, metrics, snapshot
from ustglass.datasets import Combine, Dtype
from ustglass.errors import SnapshotError
from ustglass.sources import KINDS, REGISTRY, SOURCES, cftc, fiscaldata, fred, nyfed, source, tic
from ustglass.sources.base import Source


def test_each_source_module_exports_one_source() -> None:
    for module in (fred, cftc, tic, fiscaldata, nyfed):
        exported = [v for v in vars(module).values() if isinstance(v, Source)]
        assert exported == [module.SOURCE]
    assert SOURCES == ("fred", "cftc", "tic", "fiscaldata", "nyfed")
    assert [source(name) for name in SOURCES] == list(REGISTRY)


def test_registry_covers_every_dataset_once() -> None:
    yielded = [spec.id for s in REGISTRY for spec in s.datasets]
    assert sorted(yielded) == sorted(ds for ds, spec in datasets.ALL.items() if spec.source != "research")
    for s in REGISTRY:
        assert {spec.source for spec in s.datasets} == {s.name}
        for kind in s.kinds:
            assert KINDS[kind.kind] is kind
    assert len(KINDS) == sum(len(s.kinds) for s in REGISTRY)


def test_each_plan_downloads_only_its_own_datasets_through_the_mirror() -> None:
    for s in REGISTRY:
        downloads = s.plan(date(2026, 8, 31), lambda url: "mirror:" + url)
        assert downloads and {d.source for d in downloads} == {s.name}
        assert {d.dataset for d in downloads} <= {spec.id for spec in s.datasets}
        assert all(d.url.startswith("mirror:https://") for d in downloads)
        assert all(d.kind in KINDS or d.dataset in s.pages for d in downloads)


def test_column_types_signedness_and_combine_rule_live_on_the_spec() -> None:
    fyfsd, sofr = datasets.FRED_SERIES["FYFSD"], datasets.FRED_SERIES["SOFR"]
    assert fyfsd.column("value").signed and not datasets.FRED_SERIES["WRESBAL"].column("value").signed
    assert (sofr.column("value").low, sofr.column("value").high) == (-5.0, 30.0)
    assert datasets.CFTC_TFF.column("lev_short").dtype is Dtype.INT
    assert datasets.TIC_MFH.column("month").dtype is Dtype.TEXT
    assert [s.id for s in datasets.ALL.values() if s.combine is Combine.UNION] == ["cftc_tff_ust", "tic_mfh", "nyfed_srf"]
    assert datasets.CFTC_TFF.columns[:3] == ("report_date", "contract_code", "market_name")


def test_one_contract_table_serves_parser_and_metrics() -> None:
    assert list(cftc.CONTRACTS) == [c.code for c in datasets.UST_FUTURES] == list(metrics.FACE_USD)
    assert metrics.FACE_USD["042601"] == 200_000 and metrics.CONTRACT_LABELS["042601"] == "2-Year T-Note ($200,000 face)"
    assert cftc.SOCRATA_NAMES["ULTRA UST BOND"] == "020604"


def frame_of(spec: datasets.DatasetSpec) -> pd.DataFrame:
    """Two rows of every column type, one with missing values."""
    cols: dict[str, object] = {}
    for c in spec.schema:
        if c.dtype is Dtype.DATE:
            cols[c.name] = pd.to_datetime(["2026-01-02", "2026-01-05"])
        elif c.dtype is Dtype.INT:
            cols[c.name] = pd.array([7, None], dtype="Int64")
        elif c.dtype is Dtype.FLOAT:
            cols[c.name] = [1.5, float("nan")]
        else:
            cols[c.name] = pd.array(["a", 'b, "c"'], dtype="str")
    return pd.DataFrame(cols)


@pytest.mark.parametrize("dataset_id", sorted(datasets.ALL))
def test_snapshot_csv_round_trip_keeps_the_spec_types(dataset_id: str) -> None:
    spec = datasets.get(dataset_id)
    frame = frame_of(spec)
    back = snapshot.read_csv(spec, snapshot.frame_to_csv(frame))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    expected = {Dtype.DATE: "datetime64", Dtype.INT: "Int64", Dtype.FLOAT: "float64"}
    for c in spec.schema:
        if c.dtype in expected:
            assert str(back[c.name].dtype).startswith(expected[c.dtype]), c.name


# --- committing a snapshot ----------------------------------------------------------------


def record(value: float = 3.6) -> snapshot.DatasetRecord:
    spec = datasets.FRED_SERIES["SOFR"]
    frame = pd.DataFrame({"date": pd.to_datetime(["2026-06-22", "2026-06-23"]), "value": [3.61, value]})
    return snapshot.DatasetRecord(spec, frame, (snapshot.Origin("fred/SOFR.csv", "0" * 64, ""),))


def test_commit_stages_once_and_renames_that_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    renames: list[tuple[str, str]] = []
    real_mkdtemp, real_rename = tempfile.mkdtemp, os.rename

    def mkdtemp(*args: object, **kw: object) -> str:
        made.append(real_mkdtemp(*args, **kw))  # type: ignore[arg-type]
        return made[-1]

    def rename(a: str | Path, b: str | Path) -> None:
        renames.append((str(a), str(b)))
        real_rename(a, b)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(os, "rename", rename)
    path, created = snapshot.commit(tmp_path, "2026-06-23", [record()], created="2026-06-24T00:00:00Z")
    assert created and path == tmp_path / "2026-06-23"
    assert len(made) == 1 and Path(made[0]).parent == tmp_path and Path(made[0]).name.startswith(".fetch-")
    assert renames == [(made[0], str(path))]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-06-23"]
    assert oct(path.stat().st_mode & 0o777) == "0o755"


def test_commit_keeps_an_identical_snapshot_and_refuses_different_data(tmp_path: Path) -> None:
    first, _ = snapshot.commit(tmp_path, "2026-06-23", [record()], created="2026-06-24T00:00:00Z")
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    again, created = snapshot.commit(tmp_path, "2026-06-23", [record()], created="2026-06-25T00:00:00Z")
    assert (again, created) == (first, False)
    with pytest.raises(SnapshotError, match="a snapshot 2026-06-23 with different data already exists"):
        snapshot.commit(tmp_path, "2026-06-23", [record(3.7)], created="2026-06-25T00:00:00Z")
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-06-23"]


def test_commit_removes_stale_staging_of_dead_processes_only(tmp_path: Path) -> None:
    dead = tmp_path / ".fetch-999999999-abc"
    mine = tmp_path / f".fetch-{os.getpid()}-abc"
    dead.mkdir()
    mine.mkdir()
    snapshot.commit(tmp_path, "2026-06-23", [record()], created="")
    assert not dead.exists() and mine.exists()
