"""Parsers of the official files, on short excerpts in the official layout and on broken copies."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ustglass import datasets
from ustglass.errors import InputError
from ustglass.sources import KINDS, identify, parse_file
from ustglass.sources.cftc import CONTRACTS, parse_socrata_levmoney_csv, parse_tff_txt, parse_tff_xls, parse_tff_zip, tff_from_sheet
from ustglass.sources.fiscaldata import parse_dts_cash_csv, parse_dts_cash_json, parse_mspd_table1_csv, parse_mspd_table1_json
from ustglass.sources.fred import parse_fred_csv
from ustglass.sources.nyfed import parse_rp_results
from ustglass.sources.tic import parse_mfhhis01, parse_slt_table5
from ustglass.sources.validate import check_frame

FIX = Path(__file__).parent / "fixtures" / "official"
HTML = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"
MSPD_CSV = "MSPD_SumSecty_20260430_20260531.csv"
DTS_CSV = "DTS_OpCashBal_20220414_20260623.csv"
SOCRATA = "socrata_gpe5-46if_levmoney_2020_gapweeks.csv"
NYFED = "rp_results_2025-12-29_2026-01-02.json"


def fixture(name: str) -> bytes:
    return (FIX / name).read_bytes()


def error_of(func, *args) -> str:
    with pytest.raises(InputError) as info:
        func(*args)
    return str(info.value)


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# ---------------------------------------------------------------- FRED
def test_fred_native_file():
    series, df = parse_fred_csv(fixture("FYFSD.csv"), "FYFSD.csv")
    assert series == "FYFSD"
    assert list(df.columns) == list(datasets.FRED_SERIES["FYFSD"].columns)
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "float64"]
    assert len(df) == 6
    assert df.set_index("date").loc[day("2024-09-30"), "value"] == -1815377.0


def test_fred_missing_values_kept_as_nan_rows():
    _, df = parse_fred_csv(fixture("SOFR.csv"), "SOFR.csv")
    assert len(df) == 5 and np.isnan(df.set_index("date").loc[day("2026-06-19"), "value"])
    dotted = fixture("FYFSD.csv").replace(b"-1374171", b".")
    _, df = parse_fred_csv(dotted, "FYFSD.csv")
    assert np.isnan(df["value"].iloc[2]) and len(df) == 6


def test_fred_old_headers_bom_and_crlf():
    series, df = parse_fred_csv(b"\xef\xbb\xbf" + fixture("FDHBFIN.csv"), "FDHBFIN.csv")
    assert series == "FDHBFIN" and df["value"].tolist() == [6284.8, 6280.0, 6154.9, 6003.9]
    series, _ = parse_fred_csv(fixture("FYFSD.csv").replace(b"observation_date", b"DATE"), "x.csv")
    assert series == "FYFSD"


FYFSD_BROKEN = [
    (
        b"observation_date,FYFSD",
        b"date,value",
        "FYFSD.csv, row 1, field 'observation_date': is not a FRED graph CSV file: the header is 'date,value', expected 'observation_date,<SERIES>'",
    ),
    (b"observation_date,FYFSD", b"observation_date", "FYFSD.csv, row 1: expected 2 columns (date and one series), found 1"),
    (b"-1687467", b"-1687x467", "FYFSD.csv, row 5, field 'FYFSD': not a number: '-1687x467'"),
    (b"2022-09-30", b"2022-09-31", "FYFSD.csv, row 4, field 'observation_date': not a date (YYYY-MM-DD): '2022-09-31'"),
    (b"2023-09-30", b"2022-09-30", "FYFSD.csv, row 5, field 'observation_date': duplicate observation for 2022-09-30 (first at row 4)"),
    (b"2021-09-30", b"2019-09-30", "FYFSD.csv, row 3, field 'observation_date': dates not ascending: 2019-09-30 comes after 2020-09-30"),
    (b"-2773594", b"-2773594,5", "FYFSD.csv, row 3: expected 2 fields, found 3"),
    (b"-2773594", b"\xe9", "FYFSD.csv, row 3: is not UTF-8 text: byte 0xE9 cannot be decoded"),
]


@pytest.mark.parametrize("old,new,expected", FYFSD_BROKEN)
def test_fred_broken(old, new, expected):
    assert error_of(parse_fred_csv, fixture("FYFSD.csv").replace(old, new), "FYFSD.csv") == expected


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"", "FYFSD.csv, row 1: the file is empty"),
        (b"\x00\x01\x02\x03garbage", "FYFSD.csv, row 1: is not a FRED graph CSV file: binary content (NUL byte)"),
        (HTML, "FYFSD.csv, row 1: is not a FRED graph CSV file: it is an HTML page"),
    ],
)
def test_fred_not_a_csv(data, expected):
    assert error_of(parse_fred_csv, data, "FYFSD.csv") == expected


def test_fred_date_value_needs_series_in_name():
    assert error_of(parse_fred_csv, fixture("FDHBFIN.csv"), "download.csv") == (
        "download.csv, row 1, field 'VALUE': the header 'DATE,VALUE' does not name the series and the file name does not either"
    )


@pytest.mark.parametrize(
    "name,header,expected",
    [
        (
            "fred/IORB.csv",
            b"observation_date,IORBX",
            "fred/IORB.csv, row 1, field 'IORBX': the column names series IORBX but the file is named after IORB",
        ),
        (
            "IORB.csv",
            b"observation_date,DGS10",
            "IORB.csv, row 1, field 'DGS10': the column names series DGS10 but the file is named after IORB",
        ),
    ],
)
def test_fred_file_named_after_another_series(name, header, expected):
    data = fixture("SOFR.csv").replace(b"observation_date,SOFR", header)
    assert error_of(parse_fred_csv, data, name) == expected
    assert error_of(parse_file, name, data) == expected


@pytest.mark.parametrize("name", ["fredgraph.csv", "fredgraph (1).csv", "SOFR_2026H1_window.csv", "sofr.csv", "fred/SOFR.csv"])
def test_fred_series_from_header_when_the_name_allows(name):
    series, df = parse_fred_csv(fixture("SOFR.csv"), name)
    assert series == "SOFR" and len(df) == 5
    series, _ = parse_fred_csv(fixture("FDHBFIN.csv"), "FDHBFIN.csv")  # DATE,VALUE: the series is the file name
    assert series == "FDHBFIN"


def test_parsed_frames_remember_file_lines_and_fields():
    _, df = parse_fred_csv(fixture("SOFR.csv"), "fred/SOFR.csv")
    assert df.attrs["file"] == "fred/SOFR.csv" and df.attrs["lines"] == (2, 3, 4, 5, 6)
    assert df.attrs["fields"] == {"date": "observation_date", "value": "SOFR"}
    tff = parse_tff_zip(zipped(**{"FinFutYY.txt": fixture("FinFutYY.txt")}), "fut_fin_txt_2026.zip")
    assert tff.attrs["file"] == "fut_fin_txt_2026.zip:FinFutYY.txt" and len(tff.attrs["lines"]) == len(tff)
    assert tff.attrs["fields"]["lev_short"] == "Lev_Money_Positions_Short_All"


# ---------------------------------------------------------------- CFTC
def test_tff_txt_six_contracts():
    df = parse_tff_txt(fixture("FinFutYY.txt"), "FinFutYY.txt")
    assert list(df.columns) == list(datasets.CFTC_TFF.columns)
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "str", "str"] + ["Int64"] * 8
    assert df["contract_code"].tolist() == sorted(CONTRACTS)
    bond = df.set_index("contract_code").loc["020601"]
    assert bond["report_date"] == day("2026-08-04") and bond["market_name"] == "UST BOND - CHICAGO BOARD OF TRADE"
    assert (bond["open_interest"], bond["lev_long"], bond["lev_short"], bond["lev_spread"]) == (1869874, 140141, 516367, 17835)
    two = df.set_index("contract_code").loc["042601"]
    assert (two["dealer_long"], two["dealer_short"], two["asset_mgr_long"], two["asset_mgr_short"]) == (106316, 608461, 2363985, 670696)
    assert (CONTRACTS["042601"].short, CONTRACTS["042601"].face_usd, CONTRACTS["020604"].face_usd) == ("2Y", 200_000, 100_000)


def test_tff_txt_suppressed_headerless_and_crlf():
    good = parse_tff_txt(fixture("FinFutYY.txt"), "FinFutYY.txt")
    dotted = parse_tff_txt(fixture("FinFutYY.txt").replace(b",  516367,   17835,", b",  516367,       .,"), "FinFutYY.txt")
    assert dotted.set_index("contract_code").loc["020601", "lev_spread"] is pd.NA
    headerless = b"\n".join(fixture("FinFutYY.txt").split(b"\n")[1:])
    pd.testing.assert_frame_equal(parse_tff_txt(headerless, "FinFutWk.txt"), good)
    pd.testing.assert_frame_equal(parse_tff_txt(fixture("FinFutYY.txt").replace(b"\n", b"\r\n"), "FinFutYY.txt"), good)


BOND_ROW = fixture("FinFutYY.txt").split(b"\n")[2]
TFF_BROKEN = [
    (
        b'"Lev_Money_Positions_Short_All"',
        b'"Lev_Money_Short"',
        "FinFutYY.txt, row 1, field 'Lev_Money_Positions_Short_All': missing column",
    ),
    (b",  516367,", b",  51636x,", "FinFutYY.txt, row 3, field 'Lev_Money_Positions_Short_All': not a number: '51636x'"),
    (
        b"2026-08-04,020601",
        b"2026-08-34,020601",
        "FinFutYY.txt, row 3, field 'Report_Date_as_YYYY-MM-DD': not a date (YYYY-MM-DD): '2026-08-34'",
    ),
    (
        b"2026-08-04,020604",
        b"2026-08-04,020605",
        "FinFutYY.txt, row 4, field 'CFTC_Contract_Market_Code': unknown contract code '020605' for U.S. Treasury future 'ULTRA UST BOND - CHICAGO BOARD OF TRADE'",
    ),
    (b"CANADIAN", b"CANAD\xc9AN", "FinFutYY.txt, row 2: is not UTF-8 text: byte 0xC9 cannot be decoded"),
    (b',"FutOnly"\n"UST 2Y', b',"FutOnly",\n"UST 2Y', "FinFutYY.txt, row 4: expected 87 fields, found 88"),
]


@pytest.mark.parametrize("old,new,expected", TFF_BROKEN)
def test_tff_txt_broken(old, new, expected):
    data = fixture("FinFutYY.txt")
    assert old in data
    assert error_of(parse_tff_txt, data.replace(old, new, 1), "FinFutYY.txt") == expected


@pytest.mark.parametrize(
    "data,expected",
    [
        (
            fixture("FinFutYY.txt") + BOND_ROW + b"\n",
            "FinFutYY.txt, row 9, field 'Report_Date_as_YYYY-MM-DD': duplicate observation for 2026-08-04 / 020601 (first at row 3)",
        ),
        (
            b"\n".join(fixture("FinFutYY.txt").split(b"\n")[:2]) + b"\n",
            "FinFutYY.txt: has no rows for the six U.S. Treasury futures contracts",
        ),
        (
            b"\n".join(fixture("FinFutYY.txt").split(b"\n")[:2]),
            "FinFutYY.txt, row 2: the last line has no line end: the file was cut short",
        ),
        (b"", "FinFutYY.txt, row 1: the file is empty"),
        (HTML, "FinFutYY.txt, row 1: is not a CFTC Traders in Financial Futures text file: it is an HTML page"),
        (b"\x00PK\x03garbage", "FinFutYY.txt, row 1: is not a CFTC Traders in Financial Futures text file: binary content (NUL byte)"),
        (
            fixture("FYFSD.csv"),
            "FinFutYY.txt, row 1: is not a CFTC Traders in Financial Futures text file: "
            "the first line is neither the TFF header nor an 87-column TFF row",
        ),
    ],
)
def test_tff_txt_not_usable(data, expected):
    assert error_of(parse_tff_txt, data, "FinFutYY.txt") == expected


def zipped(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, payload in members.items():
            archive.writestr(member, payload)
    return buf.getvalue()


def test_tff_zip():
    good = parse_tff_txt(fixture("FinFutYY.txt"), "FinFutYY.txt")
    pd.testing.assert_frame_equal(parse_tff_zip(zipped(**{"FinFutYY.txt": fixture("FinFutYY.txt")}), "fut_fin_txt_2026.zip"), good)
    broken = zipped(**{"FinFutYY.txt": fixture("FinFutYY.txt").replace(b",  516367,", b",  51636x,")})
    assert error_of(parse_tff_zip, broken, "fut_fin_txt_2026.zip") == (
        "fut_fin_txt_2026.zip:FinFutYY.txt, row 3, field 'Lev_Money_Positions_Short_All': not a number: '51636x'"
    )


@pytest.mark.parametrize(
    "data,expected",
    [
        (
            zipped(**{"FinFutYY.txt": fixture("FinFutYY.txt")})[:900],
            "fut_fin_txt_2026.zip: is not a readable zip archive (truncated or corrupt)",
        ),
        (
            zipped(**{"FinFutYY.txt": b"x", "extra.txt": b"y"}),
            "fut_fin_txt_2026.zip: expected exactly one FinFutYY.txt in the archive, found: FinFutYY.txt, extra.txt",
        ),
        (zipped(**{"readme.pdf": b"x"}), "fut_fin_txt_2026.zip: expected exactly one FinFutYY.txt in the archive, found: readme.pdf"),
        (HTML, "fut_fin_txt_2026.zip, row 1: is not a CFTC Traders in Financial Futures zip archive: it is an HTML page"),
        (b"", "fut_fin_txt_2026.zip, row 1: the file is empty"),
    ],
)
def test_tff_zip_broken(data, expected):
    assert error_of(parse_tff_zip, data, "fut_fin_txt_2026.zip") == expected


XLS_HEADER = [
    "Market_and_Exchange_Names",
    "As_of_Date_In_Form_YYMMDD",
    "Report_Date_as_MM_DD_YYYY",
    "CFTC_Contract_Market_Code",
    "CFTC_Market_Code",
    "CFTC_Region_Code",
    "CFTC_Commodity_Code",
    "Open_Interest_All",
    "Dealer_Positions_Long_All",
    "Dealer_Positions_Short_All",
    "Dealer_Positions_Spread_All",
    "Asset_Mgr_Positions_Long_All",
    "Asset_Mgr_Positions_Short_All",
    "Asset_Mgr_Positions_Spread_All",
    "Lev_Money_Positions_Long_All",
    "Lev_Money_Positions_Short_All",
    "Lev_Money_Positions_Spread_All",
]
XLS_ROWS = [  # cell values as the Excel reader returns them (FinFutYY.xls, report of 2023-10-31)
    [
        "CANADIAN DOLLAR - CHICAGO MERCANTILE EXCHANGE",
        231031.0,
        45230.0,
        "090741",
        "CME ",
        "00",
        "090 ",
        198528.0,
        93353.0,
        23251.0,
        613.0,
        29054.0,
        69389.0,
        6539.0,
        21550.0,
        53097.0,
        3580.0,
    ],
    [
        "UST BOND - CHICAGO BOARD OF TRADE",
        231031.0,
        45230.0,
        "020601",
        "CBT ",
        "00",
        "020 ",
        1377938.0,
        38470.0,
        168607.0,
        6927.0,
        760601.0,
        302294.0,
        188520.0,
        68052.0,
        431516.0,
        40022.0,
    ],
    [
        "UST 2Y NOTE - CHICAGO BOARD OF TRADE",
        231031.0,
        45230.0,
        "042601",
        "CBT ",
        "00",
        "042 ",
        4188473.0,
        127029.0,
        360777.0,
        13581.0,
        1936950.0,
        513575.0,
        263854.0,
        1030098.0,
        2627509.0,
        70015.0,
    ],
]


def xls_cells(row: int | None = None, col: int | None = None, value: object = None) -> list[list[object]]:
    cells = [list(XLS_HEADER)] + [list(r) for r in XLS_ROWS]
    if row is not None and col is not None:
        cells[row - 1][col] = value
    return cells


def test_tff_xls_sheet():
    df = tff_from_sheet(xls_cells(), 0, "FinFutYY.xls")
    assert list(df.columns) == list(datasets.CFTC_TFF.columns)
    assert df["contract_code"].tolist() == ["020601", "042601"]
    assert df["report_date"].tolist() == [day("2023-10-31")] * 2
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "str", "str"] + ["Int64"] * 8
    assert df.set_index("contract_code").loc["020601", "lev_short"] == 431516
    blank = tff_from_sheet(xls_cells(3, 16, ""), 0, "FinFutYY.xls")
    assert blank.set_index("contract_code").loc["020601", "lev_spread"] is pd.NA
    numeric_code = tff_from_sheet(xls_cells(3, 3, 20601.0), 0, "FinFutYY.xls")
    assert numeric_code["contract_code"].tolist() == ["020601", "042601"]


@pytest.mark.parametrize(
    "row,col,value,expected",
    [
        (3, 2, "x", "FinFutYY.xls, row 3, field 'Report_Date_as_MM_DD_YYYY': not an Excel date: 'x'"),
        (3, 15, "many", "FinFutYY.xls, row 3, field 'Lev_Money_Positions_Short_All': not a number: 'many'"),
        (4, 7, 12.5, "FinFutYY.xls, row 4, field 'Open_Interest_All': not a whole number: '12.5'"),
        (1, 9, "Dealer_Short", "FinFutYY.xls, row 1, field 'Dealer_Positions_Short_All': missing column"),
        (
            4,
            3,
            "042609",
            "FinFutYY.xls, row 4, field 'CFTC_Contract_Market_Code': unknown contract code '042609' for U.S. Treasury future 'UST 2Y NOTE - CHICAGO BOARD OF TRADE'",
        ),
    ],
)
def test_tff_xls_sheet_broken(row, col, value, expected):
    assert error_of(tff_from_sheet, xls_cells(row, col, value), 0, "FinFutYY.xls") == expected


def test_tff_xls_duplicate_names_the_date_field():
    cells = xls_cells() + [list(XLS_ROWS[1])]
    assert error_of(tff_from_sheet, cells, 0, "FinFutYY.xls") == (
        "FinFutYY.xls, row 5, field 'Report_Date_as_MM_DD_YYYY': duplicate observation for 2023-10-31 / 020601 (first at row 3)"
    )


@pytest.mark.parametrize(
    "data,expected",
    [
        (HTML, "FinFutYY.xls, row 1: is not a CFTC Traders in Financial Futures Excel file: it is an HTML page"),
        (
            b"Market,Code\n",
            "FinFutYY.xls, row 1: is not a CFTC Traders in Financial Futures Excel file: it does not start with the Excel (OLE2) signature",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "FinFutYY.xls: is not a readable Excel workbook (truncated or corrupt)"),
        (b"", "FinFutYY.xls, row 1: the file is empty"),
    ],
)
def test_tff_xls_not_a_workbook(data, expected):
    assert error_of(parse_tff_xls, data, "FinFutYY.xls") == expected


def test_socrata_levmoney():
    df = parse_socrata_levmoney_csv(fixture(SOCRATA), SOCRATA)
    assert list(df.columns) == ["report_date", "contract_code", "lev_long", "lev_short", "open_interest"]
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "str", "Int64", "Int64", "Int64"]
    assert df["contract_code"].tolist() == ["020601", "042601", "043602"] * 2
    bond = df[(df.contract_code == "020601") & (df.report_date == day("2020-12-08"))].iloc[0]
    assert (bond["lev_long"], bond["lev_short"], bond["open_interest"]) == (58279, 489977, 1161288)


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (b"UST BOND,68751", b"UST 3Y NOTE,68751", f"{SOCRATA}, row 6, field 'contract_market_name': unknown contract 'UST 3Y NOTE'"),
        (b"open_interest_all", b"oi", f"{SOCRATA}, row 1, field 'open_interest_all': missing column"),
        (b"327094", b"327O94", f"{SOCRATA}, row 2, field 'lev_money_positions_long': not a number: '327O94'"),
        (
            b"2020-12-08T00:00:00.000,UST 2Y",
            b"2020-12-01T00:00:00.000,UST 2Y",
            f"{SOCRATA}, row 3, field 'report_date_as_yyyy_mm_dd': duplicate observation for 2020-12-01 / 042601 (first at row 2)",
        ),
        (
            b"2020-12-01T00:00:00.000,UST 2Y",
            b"12/01/2020,UST 2Y",
            f"{SOCRATA}, row 2, field 'report_date_as_yyyy_mm_dd': not a date (ISO8601): '12/01/2020'",
        ),
    ],
)
def test_socrata_broken(old, new, expected):
    assert error_of(parse_socrata_levmoney_csv, fixture(SOCRATA).replace(old, new, 1), SOCRATA) == expected


# ---------------------------------------------------------------- TIC
def value_of(df: pd.DataFrame, month: str, country: str) -> float:
    hit = df[(df.month == month) & (df.country == country)]["value"].tolist()
    assert len(hit) == 1, (month, country, hit)
    return hit[0]


def test_mfhhis01_blocks_and_series_break():
    df = parse_mfhhis01(fixture("mfhhis01.txt"), "mfhhis01.txt")
    assert list(df.columns) == list(datasets.TIC_MFH.columns)
    assert df.dtypes.astype(str).tolist() == ["str", "str", "float64"]
    assert len(df) == 10 * 12 + 8 * 12 and df["month"].iloc[0] == "2011-01" and df["month"].iloc[-1] == "2025-12"
    assert value_of(df, "2025-12", "Cayman Islands") == 421.2
    assert value_of(df, "2025-12", "China, Mainland") == 683.5
    assert value_of(df, "2011-06", "China, Mainland") == 1307.0  # the new series, not the 1165.5 comparison
    assert value_of(df, "2011-05", "China, Mainland") == 1159.8
    assert value_of(df, "2011-06", "United Kingdom") == 135.7
    assert value_of(df, "2011-12", "For. Official") == 3620.6
    assert value_of(df, "2025-01", "T-Bonds & Notes") == 3445.3
    assert {"Grand Total", "All Other", "Treasury Bills", "Korea, South"} <= set(df.country)


def test_mfhhis01_skips_blank_and_na_cells():
    for cell in (b"", b"n.a."):
        df = parse_mfhhis01(fixture("mfhhis01.txt").replace(b"Cayman Islands\t421.2\t", b"Cayman Islands\t" + cell + b"\t"), "mfhhis01.txt")
        assert df[(df.country == "Cayman Islands") & (df.month == "2025-12")].empty
        assert value_of(df, "2025-11", "Cayman Islands") == 427.6


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (b"Cayman Islands\t421.2", b"Cayman Islands\t421,2", "mfhhis01.txt, row 13, field '2025-12': not a number: '421,2'"),
        (
            b"\t2011",
            b"\t2025",
            "mfhhis01.txt, row 30, field '2025-12': duplicate observation for 2025-12 / China, Mainland (first at row 12)",
        ),
        (
            b"Country\t",
            b"Nation\t",
            "mfhhis01.txt: is not a TIC Major Foreign Holders history file (mfhhis01.txt): no 'Country' header row",
        ),
        (
            b"\tDec\tNov\tOct\tSep\tAug\tJul\tJun\tMay",
            b"\tDez\tNov\tOct\tSep\tAug\tJul\tJun\tMay",
            "mfhhis01.txt, row 7, field '2025': cannot tell the month of column 2 ('' '2025')",
        ),
    ],
)
def test_mfhhis01_broken(old, new, expected):
    assert error_of(parse_mfhhis01, fixture("mfhhis01.txt").replace(old, new), "mfhhis01.txt") == expected


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"", "mfhhis01.txt, row 1: the file is empty"),
        (HTML, "mfhhis01.txt, row 1: is not a TIC Major Foreign Holders history file (mfhhis01.txt): it is an HTML page"),
        (b"Country\t2025\nJapan\t\xff\xfe\n", "mfhhis01.txt, row 2: is not UTF-8 text: byte 0xFF cannot be decoded"),
    ],
)
def test_mfhhis01_not_text(data, expected):
    assert error_of(parse_mfhhis01, data, "mfhhis01.txt") == expected


def head(data: bytes, lines: int) -> bytes:
    return b"\n".join(data.split(b"\n")[:lines]) + b"\n"


@pytest.mark.parametrize(
    "lines,expected",
    [
        (30, "mfhhis01.txt, row 28, field 'Grand Total': block for 2011 has no 'Grand Total' row; the file is incomplete"),
        (15, "mfhhis01.txt, row 7, field 'Grand Total': block for 2025 has no 'Grand Total' row; the file is incomplete"),
        (8, "mfhhis01.txt, row 7, field 'Grand Total': block for 2025 has no 'Grand Total' row; the file is incomplete"),
    ],
)
def test_mfhhis01_truncated_file_is_refused(lines, expected):
    assert error_of(parse_mfhhis01, head(fixture("mfhhis01.txt"), lines), "mfhhis01.txt") == expected
    assert len(parse_mfhhis01(head(fixture("mfhhis01.txt"), 36), "mfhhis01.txt")) > 0  # both blocks complete


def test_slt_table5_without_grand_total_is_refused():
    data = fixture("slt_table5.txt")
    cut = data[: data.index(b"Grand Total")]
    assert error_of(parse_slt_table5, cut, "slt_table5.txt") == (
        "slt_table5.txt, row 4, field 'Grand Total': block for 2025 has no 'Grand Total' row; the file is incomplete"
    )
    spanning = data.replace(b"2025-10", b"2024-12").replace(b"Grand Total\t", b"Total\t")
    assert error_of(parse_slt_table5, spanning, "slt_table5.txt") == (
        "slt_table5.txt, row 4, field 'Grand Total': block for 2024-12 to 2025-12 has no 'Grand Total' row; the file is incomplete"
    )


def test_slt_table5():
    df = parse_slt_table5(fixture("slt_table5.txt"), "slt_table5.txt")
    assert list(df.columns) == list(datasets.TIC_MFH.columns) and len(df) == 21
    assert value_of(df, "2025-12", "Cayman Islands") == 421.2
    assert value_of(df, "2025-10", "For. Official") == 3875.8  # "Of Which: Foreign Official", named as in the history
    assert error_of(parse_slt_table5, fixture("slt_table5.txt").replace(b"889\t", b"88 9\t"), "slt_table5.txt") == (
        "slt_table5.txt, row 7, field '2025-11': not a number: '88 9'"
    )


# ---------------------------------------------------------------- Fiscal Data
def test_mspd_csv_and_json():
    df = parse_mspd_table1_csv(fixture(MSPD_CSV), MSPD_CSV)
    assert list(df.columns) == list(datasets.MSPD.columns) and len(df) == 7
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "str", "str", "float64", "float64", "float64"]
    bills = df[(df.record_date == day("2026-05-31")) & (df.security_class == "Bills")].iloc[0]
    assert (bills["security_type"], bills["public_usd_mn"], bills["intragov_usd_mn"], bills["total_usd_mn"]) == (
        "Marketable",
        6758273.6707,
        504.915,
        6758778.5857,
    )
    from_api = parse_mspd_table1_json([fixture("mspd_table_1_page1.json"), fixture("mspd_table_1_page2.json")], "mspd_table_1")
    wanted = df[
        (df.record_date == day("2026-05-31"))
        & df.security_class.isin(["Bills", "Notes", "_"])
        & (df.security_type != "Total Public Debt Outstanding")
    ]
    pd.testing.assert_frame_equal(from_api, wanted.reset_index(drop=True))


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (
            b"Total Public Debt Outstanding (in Millions)",
            b"Total (in Millions)",
            f"{MSPD_CSV}, row 1, field 'Total Public Debt Outstanding (in Millions)': missing column",
        ),
        (b"6758778.5857", b"6,758,778.5857", f"{MSPD_CSV}, row 4: expected 6 fields, found 8"),
        (b"6758778.5857", b"n/a", f"{MSPD_CSV}, row 4, field 'Total Public Debt Outstanding (in Millions)': not a number: 'n/a'"),
        (
            b"2026-05-31,Marketable,Notes",
            b"2026-05-32,Marketable,Notes",
            f"{MSPD_CSV}, row 5, field 'Record Date': not a date (YYYY-MM-DD): '2026-05-32'",
        ),
        (
            b"Marketable,Notes",
            b"Marketable,Bills",
            f"{MSPD_CSV}, row 5, field 'Record Date': duplicate observation for 2026-05-31 / Marketable / Bills (first at row 4)",
        ),
    ],
)
def test_mspd_csv_broken(old, new, expected):
    assert error_of(parse_mspd_table1_csv, fixture(MSPD_CSV).replace(old, new, 1), MSPD_CSV) == expected


def test_mspd_json_null_and_broken():
    page1, page2 = json.loads(fixture("mspd_table_1_page1.json")), json.loads(fixture("mspd_table_1_page2.json"))
    page2["data"][0]["intragov_hold_mil_amt"] = "null"
    df = parse_mspd_table1_json([json.dumps(page1).encode(), json.dumps(page2).encode()], "mspd_table_1")
    assert np.isnan(df["intragov_usd_mn"].iloc[2])
    page2["data"][0]["total_mil_amt"] = "abc"
    assert error_of(parse_mspd_table1_json, [json.dumps(page1).encode(), json.dumps(page2).encode()], "mspd_table_1") == (
        "mspd_table_1, row 3, field 'total_mil_amt': not a number: 'abc'"
    )
    del page1["data"][1]["security_class_desc"]
    assert (
        error_of(parse_mspd_table1_json, [json.dumps(page1).encode()], "mspd_table_1")
        == "mspd_table_1, row 2, field 'security_class_desc': missing field"
    )
    assert error_of(parse_mspd_table1_json, [HTML], "mspd_table_1") == "mspd_table_1: page 1 is not a Fiscal Data API response: not JSON"
    assert (
        error_of(parse_mspd_table1_json, [b'{"error": "bad"}'], "mspd_table_1")
        == "mspd_table_1: page 1 is not a Fiscal Data API response: no 'data' list"
    )


def test_dts_closing_balance_across_formats():
    df = parse_dts_cash_csv(fixture(DTS_CSV), DTS_CSV)
    assert list(df.columns) == list(datasets.DTS_TGA.columns)
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "float64"]
    assert df["date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-04-14", "2022-04-15", "2022-04-18", "2026-06-23"]
    assert df["value"].tolist() == [602292.0, 578473.0, 841253.0, 925876.0]
    old = parse_dts_cash_csv(fixture("DTS_OpCashBal_20210929_20211001.csv"), "DTS_OpCashBal_20210929_20211001.csv")
    assert old["date"].dt.strftime("%Y-%m-%d").tolist() == ["2021-09-29", "2021-09-30"]  # 2021-10-01 has no next day
    assert old["value"].tolist() == [173745.0, 215160.0]


def test_dts_json():
    df = parse_dts_cash_json([fixture("operating_cash_balance_page1.json")], "operating_cash_balance")
    assert df["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-06-22", "2026-06-23"]
    assert df["value"].tolist() == [942815.0, 925876.0]


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (b"Opening Balance Today", b"Opening Today", f"{DTS_CSV}, row 1, field 'Opening Balance Today': missing column"),
        (
            b"(TGA) Closing Balance,925876",
            b"(TGA) Closing Balance,92587x",
            f"{DTS_CSV}, row 5, field 'Opening Balance Today': not a number: '92587x'",
        ),
        (b"2022-04-14,Treasury", b"2022-4-14,Treasury", f"{DTS_CSV}, row 13, field 'Record Date': not a date (YYYY-MM-DD): '2022-4-14'"),
        (
            b"2022-04-14,Treasury General Account (TGA),",
            b"2022-04-15,Treasury General Account (TGA),",
            f"{DTS_CSV}, row 13, field 'Record Date': duplicate observation for 2022-04-15 / Treasury General Account (TGA) (first at row 10)",
        ),
    ],
)
def test_dts_broken(old, new, expected):
    data = fixture(DTS_CSV)
    assert old in data
    assert error_of(parse_dts_cash_csv, data.replace(old, new, 1), DTS_CSV) == expected


def test_dts_without_tga_rows():
    lines = [line for line in fixture(DTS_CSV).split(b"\n") if b"Treasury General Account" not in line]
    assert error_of(parse_dts_cash_csv, b"\n".join(lines), DTS_CSV) == f"{DTS_CSV}: has no Treasury General Account rows"


# ---------------------------------------------------------------- NY Fed repo operations
def rp(*operations: dict) -> bytes:
    return json.dumps({"repo": {"operations": list(operations)}}).encode("utf-8")


def op(day: str = "2026-01-02", amount: object = 3_000_000_000, kind: object = "Repo", **extra: object) -> dict:
    return {
        "operationDate": day,
        "totalAmtAccepted": amount,
        "totalAmtSubmitted": amount,
        "operationType": kind,
        "term": "Overnight",
        **extra,
    }


def test_nyfed_day_totals_in_billions_without_reverse_repos():
    df = parse_rp_results(fixture(NYFED), NYFED)
    assert list(df.columns) == list(datasets.NYFED_SRF.columns)
    assert df.dtypes.astype(str).tolist() == ["datetime64[ns]", "float64"]
    # two Repo operations a day, summed; the ON RRP ("Reverse Repo") operation of each day left out
    assert df.set_index("date")["value"].to_dict() == {
        day("2025-12-29"): 25.95,
        day("2025-12-30"): 3.0,
        day("2025-12-31"): 74.6,
        day("2026-01-02"): 22.8,
    }
    assert df.attrs["lines"] == (10, 7, 4, 1)  # each day's first operation, as the API lists them (newest first)
    assert df.attrs["latest_read"] == ("2026-01-02", 1)


def test_nyfed_keeps_days_that_accepted_nothing_and_term_operations():
    df = parse_rp_results(rp(op("2025-08-21", 61_000_000, term="Term"), op("2025-08-21", 0), op("2025-08-20", 0)), "r.json")
    assert df["value"].tolist() == [0.0, 0.061]
    assert parse_rp_results(rp(op(kind="Reverse Repo")), "r.json").empty
    with pytest.raises(InputError, match="^r.json: no observations$"):
        check_frame(datasets.NYFED_SRF, parse_rp_results(rp(), "r.json"), "r.json")


@pytest.mark.parametrize(
    "data,message",
    [
        (
            rp(op(), op(kind="Outright")),
            "r.json, row 2, field 'operationType': unknown operation type \"Outright\" (expected 'Repo' or 'Reverse Repo')",
        ),
        (rp(op(), {k: v for k, v in op().items() if k != "totalAmtAccepted"}), "r.json, row 2, field 'totalAmtAccepted': missing field"),
        (rp({k: v for k, v in op().items() if k != "operationDate"}), "r.json, row 1, field 'operationDate': missing field"),
        (rp(op(amount="3000000000")), "r.json, row 1, field 'totalAmtAccepted': not a number: \"3000000000\""),
        (rp(op(amount=True)), "r.json, row 1, field 'totalAmtAccepted': not a number: true"),
        (rp(op(amount=None)), "r.json, row 1, field 'totalAmtAccepted': not a number: null"),
        (rp(op(amount=-1)), "r.json, row 1, field 'totalAmtAccepted': implausible value -1 (expected between 0 and 1e+14 US dollars)"),
        (
            rp(op(amount=1e308)),
            "r.json, row 1, field 'totalAmtAccepted': implausible value 1e+308 (expected between 0 and 1e+14 US dollars)",
        ),
        (rp(op(), op("2026-13-02")), "r.json, row 2, field 'operationDate': not a date (YYYY-MM-DD): '2026-13-02'"),
        (rp(op(day=20260102)), "r.json, row 1, field 'operationDate': not a date (YYYY-MM-DD): '20260102'"),
        (rp(op(), ["2026-01-02", 1]), 'r.json, row 2: operation is not an object but ["2026-01-02", 1]'),
        (
            rp(op(operationId="RP 081"), op(operationId="RP 082"), op(operationId="RP 081")),
            "r.json, row 3, field 'operationId': duplicate operation \"RP 081\" (first at row 1)",
        ),
        (
            b'{"repo": {"operations": [',
            "r.json: is not a NY Fed repo operations response (rp/results/search.json): not valid JSON (Expecting value, line 1 column 26)",
        ),
        (
            b'{"repo": {"operations": [{"operationDate": "2026-01-02", "totalAmtAccepted": NaN, "operationType": "Repo"}]}}',
            "r.json, row 1, field 'totalAmtAccepted': not a finite number: nan",
        ),
        (
            b'{"refRates": []}',
            "r.json, field 'repo': is not a NY Fed repo operations response (rp/results/search.json): "
            'no \'repo\' object (expected {"repo": {"operations": [...]}})',
        ),
        (
            b'{"repo": {"operations": {}}}',
            "r.json, field 'repo.operations': is not a NY Fed repo operations response "
            '(rp/results/search.json): no \'repo.operations\' list (expected {"repo": {"operations": [...]}})',
        ),
        (HTML, "r.json, row 1: is not a NY Fed repo operations response (rp/results/search.json): it is an HTML page"),
    ],
)
def test_nyfed_errors_name_the_operation_and_field(data, message):
    assert error_of(parse_rp_results, data, "r.json") == message


def test_nyfed_day_total_beyond_the_plausible_range_names_the_day():
    many = rp(*(op("2026-01-02", 9e13) for _ in range(2)))
    with pytest.raises(InputError) as err:
        check_frame(datasets.NYFED_SRF, parse_rp_results(many, "r.json"), "r.json")
    assert str(err.value) == (
        "r.json, row 1, field 'totalAmtAccepted': implausible value 180000 on 2026-01-02 (expected between 0 and 100,000 billions of USD)"
    )


def test_nyfed_future_operation_is_refused_even_of_another_type():
    data = rp(op("2026-01-03", 0, "Reverse Repo"), op("2026-01-02"))
    with pytest.raises(InputError) as err:
        check_frame(datasets.NYFED_SRF, parse_rp_results(data, "r.json"), "r.json", now=pd.Timestamp("2026-01-02").date())
    assert str(err.value) == "r.json, row 1, field 'operationDate': 2026-01-03 is in the future (today is 2026-01-02)"


# ---------------------------------------------------------------- identify / registry
@pytest.mark.parametrize(
    "name,data,kind",
    [
        ("FYFSD.csv", fixture("FYFSD.csv"), "fred_csv"),
        ("fred/FDHBFIN.csv", fixture("FDHBFIN.csv"), "fred_csv"),
        ("WTREGEN_2026H1_window.csv", fixture("SOFR.csv"), "fred_csv"),
        ("fredgraph.csv", fixture("SOFR.csv"), "fred_csv"),
        ("fut_fin_txt_2026.zip", zipped(**{"FinFutYY.txt": fixture("FinFutYY.txt")}), "cftc_zip"),
        ("FinFutYY.txt", fixture("FinFutYY.txt"), "cftc_txt"),
        ("FinFut18.txt", fixture("FinFutYY.txt")[:512], "cftc_txt"),
        ("FinFutWk.txt", b"\n".join(fixture("FinFutYY.txt").split(b"\n")[1:]), "cftc_txt"),
        ("fut_fin_xls_2023_FinFutYY.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cftc_xls"),
        (SOCRATA, fixture(SOCRATA), "cftc_socrata_csv"),
        ("mfhhis01.txt", fixture("mfhhis01.txt"), "tic_mfh"),
        ("slt_table5.txt", fixture("slt_table5.txt"), "tic_slt_table5"),
        (MSPD_CSV, fixture(MSPD_CSV), "mspd_table1"),
        (DTS_CSV, fixture(DTS_CSV), "dts_cash"),
        (NYFED, fixture(NYFED), "nyfed_rp_results"),
        ("search.json", b'\xef\xbb\xbf{"repo":{"operations":[]}}', "nyfed_rp_results"),  # recognised by its envelope too
        ("mspd_table_1_page1.json", fixture("mspd_table_1_page1.json"), None),
        ("README.md", b"# Official raw data\n", None),
        ("DTS_PubDebtTrans_20210624_20260623.csv", b"\xef\xbb\xbfRecord Date,Transaction Type,Security Market\n", None),
        ("sofr_records.json", b'[{"effectiveDate": "2026-04-23"}]', None),
        ("notes.csv", b"a,b\n1,2\n", None),
    ],
)
def test_identify(name, data, kind):
    assert identify(name, data[:4096]) == kind


@pytest.mark.parametrize(
    "name,head,expected",
    [
        ("FYFSD.csv", HTML, "FYFSD.csv, row 1: is not a FRED graph CSV file: it is an HTML page"),
        (
            "FinFutYY.txt",
            fixture("FYFSD.csv"),
            "FinFutYY.txt, row 1: is not a CFTC Traders in Financial Futures text file: unexpected header 'observation_date,FYFSD'",
        ),
        (
            "fut_fin_txt_2026.zip",
            fixture("FinFutYY.txt"),
            "fut_fin_txt_2026.zip, row 1: is not a CFTC Traders in Financial Futures zip archive: it does not start with the zip signature",
        ),
        ("FinFutYY.xls", HTML, "FinFutYY.xls, row 1: is not a CFTC Traders in Financial Futures Excel file: it is an HTML page"),
        (
            "mfhhis01.txt",
            b"\x00\x01\x02\x03",
            "mfhhis01.txt, row 1: is not a TIC Major Foreign Holders history file (mfhhis01.txt): binary content (NUL byte)",
        ),
        (
            MSPD_CSV,
            b"Record Date,Security \xe9 Type\n" + b"x" * 10,
            f"{MSPD_CSV}, row 1: is not a Fiscal Data MSPD Table 1 CSV download: not UTF-8 text (byte 0xE9)",
        ),
        (
            DTS_CSV,
            fixture(MSPD_CSV),
            f"{DTS_CSV}, row 1: is not a Fiscal Data DTS operating cash balance CSV download: unexpected header "
            "'Record Date,Security Type Description,Se'… (187 characters)",
        ),
        ("SOFR.csv", b"", "SOFR.csv, row 1: is not a FRED graph CSV file: the file is empty"),
        (
            "rp_results_x.json",
            fixture("mspd_table_1_page1.json"),
            "rp_results_x.json, row 1: is not a NY Fed repo operations response "
            '(rp/results/search.json): unexpected start \'{"data":[{"record_date":"2026-05-31","se\' (blanks left out; '
            'expected {"repo": {"operations": [...]}})',
        ),
    ],
)
def test_identify_rejects_impostors(name, head, expected):
    assert error_of(identify, name, head) == expected


def test_parsers_registry_and_dataset_ids():
    assert set(KINDS) == {
        "fred_csv",
        "cftc_zip",
        "cftc_txt",
        "cftc_xls",
        "cftc_socrata_csv",
        "tic_mfh",
        "tic_slt_table5",
        "mspd_table1",
        "dts_cash",
        "nyfed_rp_results",
    }
    for name in ("FYFSD.csv", "FinFutYY.txt", "mfhhis01.txt", "slt_table5.txt", MSPD_CSV, DTS_CSV, NYFED):
        kind, dataset_id, frame = parse_file(name, fixture(name))
        assert KINDS[kind].dataset_of(frame) == dataset_id
        assert list(frame.columns) == list(datasets.get(dataset_id).columns)
    assert parse_file("FYFSD.csv", fixture("FYFSD.csv"))[1] == "fred_fyfsd"
    assert parse_file("README.md", b"hello") is None
