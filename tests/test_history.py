"""`ustglass snapshots` and `ustglass diff`: what the snapshots hold and what changed between two."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ustglass import datasets, history, ingest
from ustglass.app import app
from ustglass.snapshot import DatasetRecord, Origin, write_snapshot

FYFSD = datasets.FRED_SERIES["FYFSD"]
SOFR = datasets.FRED_SERIES["SOFR"]


def fred(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]), "value": [v for _, v in rows]})


def write(root: Path, snapshot_id: str, frames: dict[datasets.DatasetSpec, pd.DataFrame], carried: tuple[str, ...] = ()) -> Path:
    records = [
        DatasetRecord(spec, frame, (Origin(f"fred/{spec.id}.csv", "0" * 64, "2026-11-24T00:00:00Z"),), carried_forward=spec.id in carried)
        for spec, frame in frames.items()
    ]
    return write_snapshot(root, snapshot_id, records, created=f"{snapshot_id}T12:00:00Z")


def two_vintages(root: Path) -> tuple[Path, Path]:
    """FYFSD as first published, then FRED's 2026 vintage: FY2024 revised and FY2025 added."""
    old = write(
        root,
        "2025-05-30",
        {
            FYFSD: fred([("2023-09-30", -1693700.0), ("2024-09-30", -1832816.0)]),
            SOFR: fred([("2025-05-28", 4.28), ("2025-05-29", 4.3)]),
        },
    )
    new = write(
        root,
        "2026-06-30",
        {
            FYFSD: fred([("2023-09-30", -1693700.0), ("2024-09-30", -1815377.0), ("2025-09-30", -1774684.0)]),
            SOFR: fred([("2025-05-29", 4.3), ("2026-06-23", 3.72)]),
        },
        carried=("fred_sofr",),
    )
    return old, new


def test_diff_counts_new_removed_and_revised_observations(tmp_path: Path) -> None:
    old, new = two_vintages(tmp_path)
    found = {d.dataset: d for d in history.diff(old, new)}
    fy = found["fred_fyfsd"]
    assert (fy.status, fy.added, fy.removed, fy.revised) == ("changed", 1, 0, 1)
    assert fy.examples == {"added": ["2025-09-30: value=-1774684"], "revised": ["2024-09-30: value=-1832816 -> value=-1815377"]}
    sofr = found["fred_sofr"]
    assert (sofr.added, sofr.removed, sofr.revised) == (1, 1, 0)
    assert sofr.examples["removed"] == ["2025-05-28: value=4.28"]


def test_diff_of_identical_and_missing_datasets(tmp_path: Path) -> None:
    a = write(tmp_path, "2026-01-01", {SOFR: fred([("2025-12-31", 3.9)])})
    b = write(tmp_path, "2026-01-02", {SOFR: fred([("2025-12-31", 3.9)]), FYFSD: fred([("2025-09-30", -1.0)])})
    assert [(d.dataset, d.status) for d in history.diff(a, b)] == [("fred_fyfsd", "added"), ("fred_sofr", "unchanged")]
    assert [(d.dataset, d.status) for d in history.diff(b, a)] == [("fred_fyfsd", "removed"), ("fred_sofr", "unchanged")]


def test_list_snapshots(tmp_path: Path) -> None:
    two_vintages(tmp_path)
    infos = history.list_snapshots(tmp_path)
    assert [i.id for i in infos] == ["2025-05-30", "2026-06-30"]
    latest = infos[-1]
    assert latest.created == "2026-06-30T12:00:00Z" and latest.sources == ("fred",)
    assert latest.newest == {"fred_fyfsd": "2025-09-30", "fred_sofr": "2026-06-23"}
    assert latest.carried_forward == ("fred_sofr",)
    text = history.format_snapshots(infos)
    assert "2026-06-30  created 2026-06-30T12:00:00Z  sources: fred" in text
    assert "fred_sofr            2026-06-23  (carried forward)" in text


def test_cli_snapshots_and_diff(tmp_path: Path) -> None:
    two_vintages(tmp_path)
    runner = CliRunner()
    listing = runner.invoke(app, ["snapshots", "--snapshots", str(tmp_path), "--json"])
    assert listing.exit_code == 0
    assert [s["id"] for s in json.loads(listing.stdout)] == ["2025-05-30", "2026-06-30"]
    result = runner.invoke(app, ["diff", "2025-05-30", "2026-06-30", "--snapshots", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:4] == [
        "2025-05-30 -> 2026-06-30",
        "  fred_fyfsd: 1 new, 0 removed, 1 revised",
        "      added: 2025-09-30: value=-1774684",
        "      revised: 2024-09-30: value=-1832816 -> value=-1815377",
    ]
    missing = runner.invoke(app, ["diff", "2025-05-30", "2027-01-01", "--snapshots", str(tmp_path)])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"Error: 2027-01-01: no such snapshot (looked in {tmp_path})"
    empty = runner.invoke(app, ["snapshots", "--snapshots", str(tmp_path / "none")])
    assert empty.stdout.strip() == f"no snapshots under {tmp_path / 'none'}"


def test_diff_of_snapshots_from_official_files(official: Path, tmp_path: Path) -> None:
    """Multi-column keys (CFTC: report date and contract) from the small official directory."""
    early = ingest.write(ingest.prepare(ingest.scan_dir(official), date(2026, 6, 30)), tmp_path / "s")
    late = ingest.write(ingest.prepare(ingest.scan_dir(official), None), tmp_path / "s")
    found = {d.dataset: d for d in history.diff(early, late)}
    assert (found["cftc_tff_ust"].added, found["cftc_tff_ust"].revised) == (6, 0)
    assert (
        found["cftc_tff_ust"]
        .examples["added"][0]
        .startswith("2026-08-04 020601: market_name=UST BOND - CHICAGO BOARD OF TRADE, open_interest=1869874")
    )
    assert found["mspd_table1"].status == "unchanged"
