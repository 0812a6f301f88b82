"""`ustglass fetch --from-dir`: snapshots from official files, atomic, with exact errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ustglass import snapshot
from ustglass.app import app

runner = CliRunner()


def fetch(*args: str):
    return runner.invoke(app, ["fetch", *args])


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_snapshot_from_official_files(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    result = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert result.exit_code == 0, result.output
    assert entries(snaps) == ["2026-08-04"]  # newest observation: the CFTC report of 2026-08-04
    manifest = json.loads((snaps / "2026-08-04" / "manifest.json").read_text())
    ds = manifest["datasets"]
    assert set(ds) == {"cftc_tff_ust", "dts_tga", "fred_fyfsd", "fred_gfdegdq188s", "fred_iorb", "fred_rrpontsyd",
                       "fred_sofr", "fred_wresbal", "fred_wtregen", "mspd_table1", "research_estimates", "tic_mfh"}
    sofr = ds["fred_sofr"]
    assert (sofr["rows"], sofr["first"], sofr["last"], sofr["units"]) == (5, "2026-06-17", "2026-06-23", "percent")
    assert sofr["url"] == "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
    assert sofr["original"][0]["file"] == "fred/SOFR.csv"
    assert sofr["original"][0]["sha256"] == snapshot.sha256_bytes((official / "fred" / "SOFR.csv").read_bytes())
    assert sofr["sha256"] == snapshot.sha256_bytes((snaps / "2026-08-04" / "fred_sofr.csv").read_bytes())
    assert ds["cftc_tff_ust"]["rows"] == 12  # six contracts x two weeks; the non-Treasury row is dropped
    assert "README.md: not an official file ustglass reads" in manifest["inputs_not_used"]
    snap = snapshot.load(snaps / "2026-08-04")
    tff = snap.table("cftc_tff_ust")
    assert tff.loc[(tff.contract_code == "020601") & (tff.report_date == "2026-08-04"), "lev_short"].item() == 516367


def test_as_of_cuts_every_dataset(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps), "--as-of", "2026-06-20").exit_code == 0
    snap = snapshot.load(snaps / "2026-06-20")
    assert snap.table("fred_sofr")["date"].max() == pd.Timestamp("2026-06-19")
    assert snap.table("fred_fyfsd")["date"].max() == pd.Timestamp("2025-09-30")
    # a quarter is dated at its start but known only once it has ended: Q1 2026 ended 2026-03-31
    assert snap.table("fred_gfdegdq188s")["date"].max() == pd.Timestamp("2026-01-01")
    assert snap.table("cftc_tff_ust")["report_date"].max() == pd.Timestamp("2020-11-24")
    assert snap.table("mspd_table1")["record_date"].max() == pd.Timestamp("2026-05-31")
    assert snap.manifest["datasets"]["cftc_tff_ust"]["last"] == "2020-11-24"


def test_research_estimates_enter_only_once_published() -> None:
    from datetime import date

    from ustglass import datasets, ingest

    research, _ = ingest.research_estimates()
    row = research.set_index("id").loc["cayman_hf_ust_undercount"]
    assert (row["published"], row["as_of"], row["doi"]) == ("2025-10-15", "2024-12", "10.17016/2380-7172.3939")
    assert snapshot.cut_as_of(datasets.RESEARCH, research, date(2025, 10, 14)).empty
    assert len(snapshot.cut_as_of(datasets.RESEARCH, research, date(2025, 10, 15))) == 1


def test_quarter_known_at_its_end() -> None:
    from datetime import date

    from ustglass import datasets

    frame = pd.DataFrame({"date": pd.to_datetime(["2025-10-01", "2026-01-01"]), "value": [1.0, 2.0]})
    spec = datasets.FRED_SERIES["GFDEGDQ188S"]
    assert snapshot.cut_as_of(spec, frame, date(2026, 3, 30))["value"].tolist() == [1.0]
    assert snapshot.cut_as_of(spec, frame, date(2026, 3, 31))["value"].tolist() == [1.0, 2.0]


def test_existing_snapshot_is_never_overwritten(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps)).exit_code == 0
    before = (snaps / "2026-08-04" / "manifest.json").read_bytes()
    result = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {snaps / '2026-08-04'}: snapshot already exists; snapshots are never overwritten"
    assert (snaps / "2026-08-04" / "manifest.json").read_bytes() == before
    assert entries(snaps) == ["2026-08-04"]


def break_file(official: Path, rel: str, old: bytes, new: bytes) -> None:
    path = official / rel
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize(
    ("rel", "old", "new", "message"),
    [
        ("fred/SOFR.csv", b"2026-06-18,3.62", b"2026-06-18,3.6x",
         "fred/SOFR.csv, row 3, field 'SOFR': not a number: '3.6x'"),
        ("fred/SOFR.csv", b"2026-06-18,3.62", b"2026-18-06,3.62",
         "fred/SOFR.csv, row 3, field 'observation_date': not a date (YYYY-MM-DD): '2026-18-06'"),
        ("fred/IORB.csv", b"2026-06-18,3.65", b"2026-06-17,3.65",
         "fred/IORB.csv, row 3, field 'observation_date': duplicate observation for 2026-06-17 (first at row 2)"),
        ("fred/WRESBAL.csv", b"observation_date,WRESBAL", b"observation_date,",
         "fred/WRESBAL.csv, row 1: expected 2 columns (date and one series), found 1"),
        ("fiscaldata/MSPD_SumSecty_20260430_20260531.csv", b"Security Class Description", b"Security Class",
         "fiscaldata/MSPD_SumSecty_20260430_20260531.csv, row 1, field 'Security Class Description': missing column"),
    ],
)
def test_bad_input_names_file_row_field_and_writes_nothing(official: Path, tmp_path: Path, rel, old, new, message) -> None:
    break_file(official, rel, old, new)
    snaps = tmp_path / "snaps"
    result = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {message}"
    assert entries(snaps) == []


def test_empty_file_and_html_page(official: Path, tmp_path: Path) -> None:
    (official / "fred" / "SOFR.csv").write_bytes(b"")
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: fred/SOFR.csv, row 1: is not a FRED graph CSV file: the file is empty"
    (official / "fred" / "SOFR.csv").write_bytes(b"<!DOCTYPE html><html><body>Service unavailable</body></html>")
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.stderr.strip() == "Error: fred/SOFR.csv, row 1: is not a FRED graph CSV file: it is an HTML page"
    assert entries(tmp_path / "s") == []


def test_truncated_zip(official: Path, tmp_path: Path) -> None:
    path = official / "cftc" / "fut_fin_txt_2026.zip"
    path.write_bytes(path.read_bytes()[:200])
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cftc/fut_fin_txt_2026.zip")
    assert entries(tmp_path / "s") == []


def test_unknown_contract_code(official: Path, tmp_path: Path) -> None:
    from official_dir import cftc_zip

    txt = zipfile.ZipFile(official / "cftc" / "fut_fin_txt_2026.zip").read("FinFutYY.txt")
    (official / "cftc" / "fut_fin_txt_2026.zip").write_bytes(cftc_zip(txt.replace(b",020604,", b",020699,", 1)))
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert "unknown contract code '020699'" in result.stderr
    assert result.stderr.startswith("Error: cftc/fut_fin_txt_2026.zip:FinFutYY.txt, row ")


def test_missing_dataset_is_named(official: Path, tmp_path: Path) -> None:
    (official / "fred" / "IORB.csv").unlink()
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: input: no official file found for dataset(s): fred_iorb"


def test_not_a_directory(tmp_path: Path) -> None:
    result = fetch("--from-dir", str(tmp_path / "nope"), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'nope'}: not a directory"


def test_bad_as_of_is_a_usage_error(official: Path, tmp_path: Path) -> None:
    result = fetch("--from-dir", str(official), "--as-of", "2025-13-01", "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert "'2025-13-01' is not a date YYYY-MM-DD" in result.output
