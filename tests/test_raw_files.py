"""Every real official file in shared/raw parses, and a few known values come out right.

Runs only where the raw copies exist (``../shared/raw`` beside the repository, or the
folder named by USTGLASS_RAW_DIR); skipped elsewhere.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from ustglass import datasets
from ustglass.errors import InputError
from ustglass.sources import SOCRATA_LEVMONEY_ID, identify, parse_file
from ustglass.sources.cftc import parse_socrata_levmoney_csv, parse_tff_xls, parse_tff_zip
from ustglass.sources.fiscaldata import parse_dts_cash_csv, parse_mspd_table1_csv
from ustglass.sources.fred import parse_fred_csv
from ustglass.sources.nyfed import parse_rp_results
from ustglass.sources.tic import parse_mfhhis01

RAW = Path(os.environ.get("USTGLASS_RAW_DIR") or Path(__file__).resolve().parents[2] / "shared" / "raw")
if not RAW.is_dir():
    pytest.skip("../shared/raw not present", allow_module_level=True)

# Third-party re-saves with a non-FRED header ("date,value"): kept for provenance, not input.
RESAVED = RAW / "originals" / "fred" / "variants"


def raw(relative: str) -> bytes:
    return (RAW / relative).read_bytes()


def real_files() -> list[Path]:
    return sorted(p for p in RAW.rglob("*") if p.is_file() and RESAVED not in p.parents)


def test_every_real_file_parses():
    kinds: Counter[str] = Counter()
    for path in real_files():
        result = parse_file(path.name, path.read_bytes())
        if result is None:
            continue
        kind, dataset_id, frame = result
        kinds[kind] += 1
        assert len(frame) > 0, path
        if dataset_id == SOCRATA_LEVMONEY_ID:
            continue
        spec = datasets.ALL.get(dataset_id)  # FRED series the brief does not use have no spec
        columns, key = (spec.columns, spec.key) if spec else (("date", "value"), ("date",))
        assert list(frame.columns) == list(columns), path
        assert not frame.duplicated(list(key)).any(), path
    assert kinds["fred_csv"] >= 15 and kinds["cftc_zip"] == 10 and kinds["cftc_txt"] == 12
    assert kinds["cftc_xls"] == 2 and kinds["cftc_socrata_csv"] == 8 and kinds["tic_mfh"] == 1
    assert kinds["mspd_table1"] == 1 and kinds["dts_cash"] == 1 and kinds["nyfed_rp_results"] == 1


def test_unused_files_are_left_alone():
    for relative in (
        "README.md",
        "fiscaldata/DTS_PubDebtTrans_20210624_20260623.csv",
        "samples/nyfed_sofr_records_EXCERPT_not_live_envelope.json",
    ):
        assert identify(relative, raw(relative)[:8192]) is None


def test_resaved_fred_copies_are_rejected():
    for path in sorted(RESAVED.rglob("*.csv")):
        with pytest.raises(InputError, match=r"row 1: is not a FRED graph CSV file: unexpected header 'date,"):
            identify(path.name, path.read_bytes()[:8192])


def test_fred_known_values():
    series, df = parse_fred_csv(raw("fred/FYFSD.csv"), "FYFSD.csv")
    assert series == "FYFSD" and df.set_index("date").loc[pd.Timestamp("2024-09-30"), "value"] == -1815377.0
    _, sofr = parse_fred_csv(raw("fred/SOFR.csv"), "SOFR.csv")
    assert sofr["date"].max() == pd.Timestamp("2026-06-23") and sofr["value"].isna().sum() == 58
    series, old = parse_fred_csv(raw("originals/fred/native/FDHBFIN_to2016Q4.csv"), "FDHBFIN_to2016Q4.csv")
    assert series == "FDHBFIN" and old["value"].iloc[-1] == 6003.9


def test_new_fred_series_known_values():
    _, gdp = parse_fred_csv(raw("fred/GDP.csv"), "GDP.csv")
    assert gdp["date"].min() == pd.Timestamp("1947-01-01") and gdp.set_index("date").loc[pd.Timestamp("2026-04-01"), "value"] == 32563.03
    _, tp = parse_fred_csv(raw("fred/THREEFYTP10.csv"), "THREEFYTP10.csv")
    assert (len(tp), tp["date"].max(), tp["value"].iloc[-1]) == (2610, pd.Timestamp("2026-09-25"), 1.0203)
    for series, last in (("DGS2", "2026-07-28"), ("DGS10", "2026-07-28"), ("T10Y2Y", "2026-07-29")):
        _, df = parse_fred_csv(raw(f"fred/{series}.csv"), f"{series}.csv")
        assert df["date"].max() == pd.Timestamp(last), series
        spec = datasets.FRED_SERIES[series]
        assert df["value"].between(spec.column("value").low, spec.column("value").high).all()


def test_nyfed_known_values():
    name = "nyfed/rp_results_repo_2025-03-06_2026-04-24.json"
    srf = parse_rp_results(raw(name), name).set_index("date")["value"]
    assert (srf.index.min(), srf.index.max(), len(srf)) == (pd.Timestamp("2025-03-06"), pd.Timestamp("2026-04-24"), 284)
    assert srf[pd.Timestamp("2025-10-31")] == 50.35 and srf[pd.Timestamp("2025-12-31")] == 74.6
    assert srf.idxmax() == pd.Timestamp("2025-12-31")
    assert srf[pd.Timestamp("2025-08-21")] == 0.062  # the one term operation (61 million) and two overnight ones (1 million, 0)


def test_tic_known_values():
    df = parse_mfhhis01(raw("tic/mfhhis01.txt"), "mfhhis01.txt").set_index(["month", "country"])["value"]
    assert df[("2024-12", "Cayman Islands")] == 423.0 and df[("2025-12", "Cayman Islands")] == 421.2
    assert df.index.get_level_values("month").min() == "2000-03" and df.index.get_level_values("month").nunique() == 310
    assert df[("2000-03", "Japan")] == 307.6  # series II, not the series I comparison column


def test_tic_truncated_history_is_refused():
    cut = b"".join(raw("tic/mfhhis01.txt").splitlines(keepends=True)[:30])  # head -30
    with pytest.raises(InputError) as err:
        parse_mfhhis01(cut, "tic/mfhhis01.txt")
    assert str(err.value) == "tic/mfhhis01.txt, row 7, field 'Grand Total': block for 2025 has no 'Grand Total' row; the file is incomplete"


def test_cftc_known_values_and_speed():
    started = time.perf_counter()
    df = parse_tff_zip(raw("cftc/fut_fin_txt_2026.zip"), "fut_fin_txt_2026.zip")
    assert time.perf_counter() - started < 1.0
    assert df["report_date"].max() == pd.Timestamp("2026-08-04") and len(df) == 31 * 6
    last = df[df.report_date == df.report_date.max()].set_index("contract_code")
    assert last.loc["020601", "lev_short"] == 516367


def test_cftc_excel_agrees_with_text_file():
    text = parse_tff_zip(raw("cftc/fut_fin_txt_2023.zip"), "fut_fin_txt_2023.zip")
    excel = parse_tff_xls(raw("cftc/supplements/fut_fin_xls_2023_FinFutYY.xls"), "fut_fin_xls_2023_FinFutYY.xls")
    assert excel["report_date"].max() == pd.Timestamp("2023-10-31")
    overlap = excel[excel.report_date <= text.report_date.max()].reset_index(drop=True)
    pd.testing.assert_frame_equal(overlap, text)


def test_socrata_gap_weeks_agree_with_excel():
    socrata = parse_socrata_levmoney_csv(raw("cftc/supplements/socrata_gpe5-46if_levmoney_2023_gapweeks.csv"), "socrata_2023.csv")
    excel = parse_tff_xls(raw("cftc/supplements/fut_fin_xls_2023_FinFutYY.xls"), "FinFutYY.xls")
    both = socrata.merge(excel, on=["report_date", "contract_code"], suffixes=("", "_xls"))
    assert len(both) == 9  # 2023-10-17, -24, -31 for 2Y, 10Y, Bond
    for column in ("lev_long", "lev_short", "open_interest"):
        assert (both[column] == both[f"{column}_xls"]).all()


def test_fiscaldata_known_values():
    mspd = parse_mspd_table1_csv(raw("fiscaldata/MSPD_SumSecty_20010131_20260531.csv"), "MSPD.csv")
    bills = mspd[(mspd.record_date == pd.Timestamp("2026-05-31")) & (mspd.security_class == "Bills")]
    assert bills["total_usd_mn"].tolist() == [6758778.5857]
    tga = parse_dts_cash_csv(raw("fiscaldata/DTS_OpCashBal_20210624_20260623.csv"), "DTS.csv").set_index("date")["value"]
    assert tga[pd.Timestamp("2026-06-23")] == 925876.0
    assert tga[pd.Timestamp("2022-04-15")] == 578473.0  # closed by the first new-format opening balance
    assert tga[pd.Timestamp("2021-09-30")] == 215160.0
    assert tga.index.min() == pd.Timestamp("2021-06-24") and tga.index.is_monotonic_increasing
