"""`ustglass fetch --from-dir`: snapshots from official files, atomic, with exact errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from official_dir import DATASETS
from ustglass import snapshot
from ustglass.app import app

runner = CliRunner()
# The official files' newest observation is the CFTC report of Tuesday 2026-08-04, released on Friday
# 2026-08-07: the newest date any observation was known, so the newest snapshot's id.
NEWEST = "2026-08-07"


def fetch(*args: str):
    return runner.invoke(app, ["fetch", *args])


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_snapshot_from_official_files(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    result = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert result.exit_code == 0, result.output
    assert entries(snaps) == [NEWEST]  # the CFTC report of 2026-08-04, released on 2026-08-07
    manifest = json.loads((snaps / NEWEST / "manifest.json").read_text())
    ds = manifest["datasets"]
    assert set(ds) == DATASETS
    sofr = ds["fred_sofr"]
    assert (sofr["rows"], sofr["first"], sofr["last"], sofr["units"]) == (5, "2026-06-17", "2026-06-23", "percent")
    assert sofr["url"] == "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
    assert sofr["original"][0]["file"] == "fred/SOFR.csv"
    assert sofr["original"][0]["sha256"] == snapshot.sha256_bytes((official / "fred" / "SOFR.csv").read_bytes())
    assert sofr["sha256"] == snapshot.sha256_bytes((snaps / NEWEST / "fred_sofr.csv").read_bytes())
    assert ds["cftc_tff_ust"]["rows"] == 12  # six contracts x two weeks; the non-Treasury row is dropped
    assert "README.md: not an official file ustglass reads" in manifest["inputs_not_used"]
    snap = snapshot.load(snaps / NEWEST)
    tff = snap.table("cftc_tff_ust")
    assert tff.loc[(tff.contract_code == "020601") & (tff.report_date == "2026-08-04"), "lev_short"].item() == 516367


def test_as_of_keeps_what_was_published_by_then(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps), "--as-of", "2026-06-20").exit_code == 0
    snap = snapshot.load(snaps / "2026-06-20")
    # Saturday 20 June: SOFR of Wednesday 17 June came on the 18th; the 18th's comes on Monday 22 June,
    # the next business day after the Juneteenth holiday
    assert snap.table("fred_sofr")["date"].max() == pd.Timestamp("2026-06-17")
    # the term premium of that week comes on Tuesday 23 June: none was known yet, and the optional dataset is left out
    assert "fred_threefytp10" not in snap.tables
    assert snap.table("fred_fyfsd")["date"].max() == pd.Timestamp("2025-09-30")
    # Q1 2026 ended 2026-03-31: GDP's first estimate came about 30 days later, FRED's debt/GDP ratio
    # only with the third estimate, 88 days later (Monday 29 June)
    assert snap.table("fred_gdp")["date"].max() == pd.Timestamp("2026-01-01")
    assert snap.table("fred_gfdegdq188s")["date"].max() == pd.Timestamp("2025-10-01")
    assert snap.table("cftc_tff_ust")["report_date"].max() == pd.Timestamp("2020-11-24")
    # MSPD for May 2026 came out on the 4th business day of June
    assert snap.table("mspd_table1")["record_date"].max() == pd.Timestamp("2026-05-31")
    assert snap.table("nyfed_srf")["date"].max() == pd.Timestamp("2026-01-02")
    assert snap.manifest["datasets"]["cftc_tff_ust"]["last"] == "2020-11-24"
    assert snap.manifest["datasets"]["fred_sofr"]["release"] == {"rule": "next_business_day", "lag_days": 1, "stale_after_days": 8}


@pytest.mark.parametrize(
    ("dataset_id", "periods", "day", "kept"),
    [
        # MSPD for May 2026: the 4th business day of June is Thursday 4 June
        ("mspd_table1", ["2026-04-30", "2026-05-31"], "2026-06-03", 1),
        ("mspd_table1", ["2026-04-30", "2026-05-31"], "2026-06-04", 2),
        # TIC November 2025 around 18 January 2026: a Sunday, then Martin Luther King Day: Tuesday 20 January
        ("tic_mfh", ["2025-10", "2025-11"], "2026-01-19", 1),
        ("tic_mfh", ["2025-10", "2025-11"], "2026-01-20", 2),
        # CFTC positions of Tuesday 2026-08-04 on Friday 2026-08-07
        ("cftc_tff_ust", ["2026-07-28", "2026-08-04"], "2026-08-06", 1),
        ("cftc_tff_ust", ["2026-07-28", "2026-08-04"], "2026-08-07", 2),
        # H.4.1 of the week ending Wednesday 2025-11-26: Thursday is Thanksgiving, so Friday 28 November
        ("fred_wresbal", ["2025-11-19", "2025-11-26"], "2025-11-27", 1),
        ("fred_wresbal", ["2025-11-19", "2025-11-26"], "2025-11-28", 2),
        # FY2026's deficit with the September MTS: the 8th business day of October 2026 (Columbus Day on the 12th)
        ("fred_fyfsd", ["2025-09-30", "2026-09-30"], "2026-10-12", 1),
        ("fred_fyfsd", ["2025-09-30", "2026-09-30"], "2026-10-13", 2),
        # the SRF's operations the same day, the DTS the next business day
        ("nyfed_srf", ["2025-12-30", "2025-12-31"], "2025-12-31", 2),
        ("dts_tga", ["2025-12-30", "2025-12-31"], "2025-12-31", 1),
        ("dts_tga", ["2025-12-30", "2025-12-31"], "2026-01-02", 2),
    ],
)
def test_an_observation_enters_on_its_release_date_not_at_its_period_end(dataset_id: str, periods: list[str], day: str, kept: int) -> None:
    from datetime import date

    from ustglass import datasets

    spec = datasets.get(dataset_id)
    column = spec.date_column
    values = periods if spec.column(column).dtype is datasets.Dtype.TEXT else pd.to_datetime(periods)
    frame = pd.DataFrame({column: values})
    assert len(snapshot.cut_as_of(spec, frame, date.fromisoformat(day))) == kept


def test_research_estimates_enter_only_once_published() -> None:
    from datetime import date

    from ustglass import datasets, ingest

    research, _ = ingest.research_estimates()
    row = research.set_index("id").loc["cayman_hf_ust_undercount"]
    assert (row["published"], row["as_of"], row["doi"]) == ("2025-10-15", "2024-12", "10.17016/2380-7172.3939")
    assert snapshot.cut_as_of(datasets.RESEARCH, research, date(2025, 10, 14)).empty
    assert len(snapshot.cut_as_of(datasets.RESEARCH, research, date(2025, 10, 15))) == 1


def test_quarter_known_a_month_after_its_end_and_debt_to_gdp_at_the_third_estimate() -> None:
    from datetime import date

    from ustglass import datasets

    frame = pd.DataFrame({"date": pd.to_datetime(["2025-10-01", "2026-01-01"]), "value": [1.0, 2.0]})
    gdp, ratio = datasets.FRED_SERIES["GDP"], datasets.FRED_SERIES["GFDEGDQ188S"]
    assert snapshot.cut_as_of(gdp, frame, date(2026, 4, 29))["value"].tolist() == [1.0]
    assert snapshot.cut_as_of(gdp, frame, date(2026, 4, 30))["value"].tolist() == [1.0, 2.0]
    assert snapshot.cut_as_of(ratio, frame, date(2026, 6, 28))["value"].tolist() == [1.0]
    assert snapshot.cut_as_of(ratio, frame, date(2026, 6, 29))["value"].tolist() == [1.0, 2.0]


def test_existing_snapshot_is_never_overwritten(official: Path, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps)).exit_code == 0
    before = {p.name: p.read_bytes() for p in (snaps / NEWEST).iterdir()}
    same = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert same.exit_code == 0, same.output
    assert same.stdout.strip() == f"snapshot unchanged: {snaps / NEWEST} already holds these data"
    assert {p.name: p.read_bytes() for p in (snaps / NEWEST).iterdir()} == before
    break_file(official, "fred/SOFR.csv", b"2026-06-18,3.62", b"2026-06-18,3.64")
    other = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert other.exit_code == 1
    assert other.stderr.strip() == (
        f"Error: {snaps / NEWEST}: a snapshot {NEWEST} with different data already exists (a revision without newer "
        "observations); snapshots are never overwritten: move it away or choose another --as-of"
    )
    assert {p.name: p.read_bytes() for p in (snaps / NEWEST).iterdir()} == before
    assert entries(snaps) == [NEWEST]


def break_file(official: Path, rel: str, old: bytes, new: bytes) -> None:
    path = official / rel
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize(
    ("rel", "old", "new", "message"),
    [
        ("fred/SOFR.csv", b"2026-06-18,3.62", b"2026-06-18,3.6x", "fred/SOFR.csv, row 3, field 'SOFR': not a number: '3.6x'"),
        (
            "fred/SOFR.csv",
            b"2026-06-18,3.62",
            b"2026-18-06,3.62",
            "fred/SOFR.csv, row 3, field 'observation_date': not a date (YYYY-MM-DD): '2026-18-06'",
        ),
        (
            "fred/IORB.csv",
            b"2026-06-18,3.65",
            b"2026-06-17,3.65",
            "fred/IORB.csv, row 3, field 'observation_date': duplicate observation for 2026-06-17 (first at row 2)",
        ),
        (
            "fred/WRESBAL.csv",
            b"observation_date,WRESBAL",
            b"observation_date,",
            "fred/WRESBAL.csv, row 1: expected 2 columns (date and one series), found 1",
        ),
        (
            "fiscaldata/MSPD_SumSecty_20260430_20260531.csv",
            b"Security Class Description",
            b"Security Class",
            "fiscaldata/MSPD_SumSecty_20260430_20260531.csv, row 1, field 'Security Class Description': missing column",
        ),
        (
            "fred/IORB.csv",
            b"observation_date,IORB",
            b"observation_date,IORBX",
            "fred/IORB.csv, row 1, field 'IORBX': the column names series IORBX but the file is named after IORB",
        ),
        (
            "fred/IORB.csv",
            b"observation_date,IORB",
            b"observation_date,DGS10",
            "fred/IORB.csv, row 1, field 'DGS10': the column names series DGS10 but the file is named after IORB",
        ),
        (
            "fred/WRESBAL.csv",
            b"2026-06-10,3080723",
            b"2026-06-10,-99",
            "fred/WRESBAL.csv, row 3, field 'WRESBAL': implausible value -99 on 2026-06-10 (expected between 0 and 100,000,000 millions of USD)",
        ),
        (
            "fred/SOFR.csv",
            b"2026-06-22,3.61",
            b"2026-06-22,361",
            "fred/SOFR.csv, row 5, field 'SOFR': implausible value 361 on 2026-06-22 (expected between -5 and 30 percent)",
        ),
        (
            "fiscaldata/DTS_OpCashBal_20220414_20260623.csv",
            b"(TGA) Closing Balance,925876",
            b"(TGA) Closing Balance,-925876",
            (
                "fiscaldata/DTS_OpCashBal_20220414_20260623.csv, row 5, field 'Opening Balance Today': implausible value -925876 "
                "on 2026-06-23 (expected between 0 and 100,000,000 millions of USD)"
            ),
        ),
        (
            "tic/mfhhis01.txt",
            b"Grand Total\t8619.3",
            b"Total\t8619.3",
            "tic/mfhhis01.txt, row 24, field 'Grand Total': block for 2024 has no 'Grand Total' row; the file is incomplete",
        ),
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


def test_negative_positions_name_the_member_row_and_field(official: Path, tmp_path: Path) -> None:
    from official_dir import cftc_zip

    txt = zipfile.ZipFile(official / "cftc" / "fut_fin_txt_2026.zip").read("FinFutYY.txt")
    (official / "cftc" / "fut_fin_txt_2026.zip").write_bytes(cftc_zip(txt.replace(b",  516367,", b",  -516367,", 1)))
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: cftc/fut_fin_txt_2026.zip:FinFutYY.txt, row 3, field 'Lev_Money_Positions_Short_All': "
        "implausible value -516367 on 2026-08-04 (expected between 0 and 100,000,000 contracts)"
    )
    assert entries(tmp_path / "s") == []


def test_truncated_tic_history_is_refused(official: Path, tmp_path: Path) -> None:
    path = official / "tic" / "mfhhis01.txt"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:30]))  # head -30
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: tic/mfhhis01.txt, row 24, field 'Grand Total': block for 2024 has no 'Grand Total' row; the file is incomplete"
    )
    assert entries(tmp_path / "s") == []


# --- several files for one dataset ------------------------------------------------------


def sofr_copy(official: Path, rows: list[tuple[str, str]], name: str = "SOFR_copy.csv") -> None:
    from official_dir import fred_csv

    (official / "fred" / name).write_text(fred_csv("SOFR", rows), encoding="utf-8")


def notes_of(snaps: Path, dataset: str) -> list[str]:
    return json.loads((snaps / NEWEST / "manifest.json").read_text())["datasets"][dataset]["notes"]


def test_conflicting_copies_are_refused(official: Path, tmp_path: Path) -> None:
    sofr_copy(official, [("2026-06-12", "3.60"), ("2026-06-15", "3.61"), ("2026-06-16", "3.62"), ("2026-06-17", "9.99")])
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: fred/SOFR_copy.csv, row 5, field 'SOFR': 9.99 on 2026-06-17 differs from fred/SOFR.csv (3.63); "
        "two files give different values for the same observation"
    )
    assert entries(tmp_path / "s") == []


def test_a_missing_value_against_a_value_is_a_conflict(official: Path, tmp_path: Path) -> None:
    from official_dir import FRED

    sofr_copy(official, [(d, "3.5" if d == "2026-06-19" else v) for d, v in FRED["SOFR"]], "SOFR_v2.csv")
    result = fetch("--from-dir", str(official), "--snapshots", str(tmp_path / "s"))
    assert result.stderr.strip() == (
        "Error: fred/SOFR_v2.csv, row 4, field 'SOFR': 3.5 on 2026-06-19 differs from fred/SOFR.csv (missing); "
        "two files give different values for the same observation"
    )


def test_identical_copies_are_fine_and_the_note_says_why(official: Path, tmp_path: Path) -> None:
    from official_dir import FRED

    sofr_copy(official, FRED["SOFR"])  # the same observations, the missing 2026-06-19 included
    (official / "sub").mkdir()
    (official / "sub" / "WRESBAL.csv").write_bytes((official / "fred" / "WRESBAL.csv").read_bytes())
    sofr_copy(official, [("2026-06-10", "3.58")] + FRED["SOFR"][:3], "SOFR_early.csv")
    snaps = tmp_path / "s"
    result = fetch("--from-dir", str(official), "--snapshots", str(snaps))
    assert result.exit_code == 0, result.output
    assert notes_of(snaps, "fred_sofr") == [
        (
            "not used: fred/SOFR_early.csv (reaches less far than fred/SOFR.csv; it also holds 1 observation(s) that "
            "fred/SOFR.csv lacks, left out)"
        ),
        "not used: fred/SOFR_copy.csv (covers the same observations as fred/SOFR.csv)",
    ]
    assert notes_of(snaps, "fred_wresbal") == ["not used: sub/WRESBAL.csv (covers the same observations as fred/WRESBAL.csv)"]
    manifest = json.loads((snaps / NEWEST / "manifest.json").read_text())
    assert manifest["datasets"]["fred_sofr"]["original"][0]["file"] == "fred/SOFR.csv"


def test_a_shorter_copy_reaches_less_far(official: Path, tmp_path: Path) -> None:
    from official_dir import FRED

    sofr_copy(official, FRED["SOFR"][:2])
    snaps = tmp_path / "s"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps)).exit_code == 0
    assert notes_of(snaps, "fred_sofr") == ["not used: fred/SOFR_copy.csv (reaches less far than fred/SOFR.csv)"]


def test_wtregen_is_not_used_by_the_brief(official: Path, tmp_path: Path) -> None:
    from official_dir import fred_csv

    (official / "fred" / "WTREGEN.csv").write_text(fred_csv("WTREGEN", [("2025-11-19", "941926")]), encoding="utf-8")
    snaps = tmp_path / "s"
    assert fetch("--from-dir", str(official), "--snapshots", str(snaps)).exit_code == 0
    manifest = json.loads((snaps / NEWEST / "manifest.json").read_text())
    assert "fred/WTREGEN.csv: fred_wtregen is not used by the brief" in manifest["inputs_not_used"]
    assert "fred_wtregen" not in manifest["datasets"]
