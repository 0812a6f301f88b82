"""CFTC Traders in Financial Futures (futures only): the six U.S. Treasury futures contracts.

Readers for the annual text file ``FinFutYY.txt`` (also inside ``fut_fin_txt_YYYY.zip``, and
the weekly ``FinFutWk.txt``, which may come without its header), the annual Excel file
``FinFutYY.xls``, and the leveraged-funds subset exported from the CFTC Socrata dataset
gpe5-46if. Contracts are matched on the CFTC contract code, never on the market name
(the names changed in 2022).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import PurePath

import numpy as np
import pandas as pd

from ..datasets import CFTC_TFF, UST_FUTURES, Contract
from ..errors import InputError
from ._text import (
    LINE,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    check_unique,
    column_index,
    csv_records,
    decode_text,
    looks_like_html,
    to_dates,
    to_int,
    with_lines,
)
from .base import Download, FileKind, Mirror, Source, first_line, names, unexpected_header

CONTRACTS: dict[str, Contract] = {c.code: c for c in UST_FUTURES}
SOCRATA_NAMES: dict[str, str] = {c.socrata: c.code for c in UST_FUTURES}
# Dataset id of the Socrata leveraged-funds subset: a different shape from cftc_tff_ust, not used by the brief.
SOCRATA_LEVMONEY_ID = "cftc_tff_ust_levmoney"
FIRST_YEAR = 2018  # the live fetch downloads the yearly files from this year on
WHAT_TXT = "CFTC Traders in Financial Futures text file"
WHAT_ZIP = "CFTC Traders in Financial Futures zip archive"
WHAT_XLS = "CFTC Traders in Financial Futures Excel file"
WHAT_SOCRATA = "CFTC Socrata (gpe5-46if) CSV export"

NAME, CODE, KIND = "Market_and_Exchange_Names", "CFTC_Contract_Market_Code", "FutOnly_or_Combined"
TXT_DATE, XLS_DATE = "Report_Date_as_YYYY-MM-DD", "Report_Date_as_MM_DD_YYYY"
POSITIONS: dict[str, str] = {
    "open_interest": "Open_Interest_All",
    "dealer_long": "Dealer_Positions_Long_All",
    "dealer_short": "Dealer_Positions_Short_All",
    "asset_mgr_long": "Asset_Mgr_Positions_Long_All",
    "asset_mgr_short": "Asset_Mgr_Positions_Short_All",
    "lev_long": "Lev_Money_Positions_Long_All",
    "lev_short": "Lev_Money_Positions_Short_All",
    "lev_spread": "Lev_Money_Positions_Spread_All",
}
TXT_WIDTH = 87
# Column positions in the 87-column text layout, used when the weekly file comes without a header.
HEADERLESS_INDEX: dict[str, int] = {
    NAME: 0,
    TXT_DATE: 2,
    CODE: 3,
    "Open_Interest_All": 7,
    "Dealer_Positions_Long_All": 8,
    "Dealer_Positions_Short_All": 9,
    "Asset_Mgr_Positions_Long_All": 11,
    "Asset_Mgr_Positions_Short_All": 12,
    "Lev_Money_Positions_Long_All": 14,
    "Lev_Money_Positions_Short_All": 15,
    "Lev_Money_Positions_Spread_All": 16,
    KIND: 86,
}
SOCRATA_FIELDS = (
    "report_date_as_yyyy_mm_dd",
    "contract_market_name",
    "lev_money_positions_long",
    "lev_money_positions_short",
    "open_interest_all",
)
LEVMONEY_COLUMNS = ("report_date", "contract_code", "lev_long", "lev_short", "open_interest")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_TREASURY_NAME = re.compile(r"TREASURY|\bUST\s|T-NOTE|T-BOND")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError, OSError)  # RuntimeError covers unsupported compression


def _keep_row(code: str, market: str, name: str, row: int) -> bool:
    """True for one of the six contracts; an unknown Treasury-looking contract is an error."""
    if code in CONTRACTS:
        return True
    if _TREASURY_NAME.search(market.upper()):
        raise InputError(name, f"unknown contract code {code!r} for U.S. Treasury future {market!r}", row=row, field=CODE)
    return False


def _check_futures_only(kinds: Sequence[str], rows: Sequence[int], name: str) -> None:
    """Reject futures-and-options combined rows: the dataset is the futures-only report."""
    for kind, row in zip(kinds, rows):
        if kind.strip() not in ("FutOnly", ""):
            raise InputError(
                name, f"is futures-and-options combined data ({kind.strip()!r}); expected the futures-only report", row=row, field=KIND
            )


def _frame(
    markets: Sequence[str],
    codes: Sequence[str],
    dates: np.ndarray,
    cells: Mapping[str, Sequence[object]],
    rows: list[int],
    name: str,
    date_field: str,
) -> pd.DataFrame:
    """Assemble the cftc_tff_ust frame from the kept rows, checked and sorted."""
    data: dict[str, object] = {
        "report_date": dates.astype("datetime64[ns]"),
        "contract_code": pd.array(list(codes), dtype="str"),
        "market_name": pd.array([m.strip() for m in markets], dtype="str"),
    }
    for out, src in POSITIONS.items():
        data[out] = to_int([str(v) for v in cells[src]], rows, name, src).array
    frame = pd.DataFrame({**data, LINE: rows})
    check_unique(frame[["report_date", "contract_code"]], rows, name, date_field)
    frame = frame.sort_values(["report_date", "contract_code"], kind="mergesort").reset_index(drop=True)
    fields = {"report_date": date_field, "contract_code": CODE, "market_name": NAME, **POSITIONS}
    return with_lines(frame, CFTC_TFF.columns, name, fields)


def _txt_layout(records: list[tuple[int, list[str]]], name: str) -> tuple[dict[str, int], int, list[tuple[int, list[str]]]]:
    """Column positions, expected width and data records: with the quoted header or without it."""
    first_line, first = records[0]
    if first[0].strip() == NAME:
        wanted = [NAME, TXT_DATE, CODE, *POSITIONS.values()]
        index = column_index(first, wanted, name, row=first_line)
        if KIND in [h.strip() for h in first]:
            index[KIND] = [h.strip() for h in first].index(KIND)
        return index, len(first), records[1:]
    if len(first) == TXT_WIDTH:
        return dict(HEADERLESS_INDEX), TXT_WIDTH, records
    raise InputError(name, f"is not a {WHAT_TXT}: the first line is neither the TFF header nor an 87-column TFF row", row=first_line)


def parse_tff_txt(data: bytes, name: str) -> pd.DataFrame:
    """Parse FinFutYY.txt / FinFutWk.txt text into the cftc_tff_ust frame (six UST contracts)."""
    records = csv_records(decode_text(data, name, WHAT_TXT), name, line_end=True)
    index, width, body = _txt_layout(records, name)
    kept: list[tuple[int, list[str]]] = []
    for line, fields in body:
        if len(fields) != width:
            raise InputError(name, f"expected {width} fields, found {len(fields)}", row=line)
        if _keep_row(fields[index[CODE]].strip(), fields[index[NAME]].strip(), name, line):
            kept.append((line, fields))
    if not kept:
        raise InputError(name, "has no rows for the six U.S. Treasury futures contracts")
    rows = [line for line, _ in kept]

    def col(c: str) -> list[str]:
        return [f[index[c]] for _, f in kept]

    if KIND in index:
        _check_futures_only(col(KIND), rows, name)
    dates = to_dates(col(TXT_DATE), rows, name, TXT_DATE)
    cells = {src: list(col(src)) for src in POSITIONS.values()}
    return _frame(col(NAME), [c.strip() for c in col(CODE)], dates, cells, rows, name, TXT_DATE)


def _single_member(data: bytes, name: str, pattern: str, expected: str, what: str) -> tuple[str, bytes]:
    """The one file inside a CFTC zip archive whose name matches ``pattern``."""
    if not data:
        raise InputError(name, "the file is empty", row=1)
    if looks_like_html(data[:512].decode("latin-1")):
        raise InputError(name, f"is not a {what}: it is an HTML page", row=1)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = [info for info in archive.infolist() if not info.is_dir()]
            names = [info.filename for info in files]
            if len(files) != 1 or not re.fullmatch(pattern, PurePath(names[0]).name, re.IGNORECASE):
                raise InputError(name, f"expected exactly one {expected} in the archive, found: {', '.join(names) or 'nothing'}")
            with archive.open(files[0]) as member:  # read no more than the cap, whatever the header claims
                payload = member.read(MAX_FILE_BYTES + 1)
            if len(payload) > MAX_FILE_BYTES:
                raise InputError(name, f"{names[0]} inflates to more than {MAX_FILE_MB} MB; no official file is that large")
            return names[0], payload
    except _ZIP_ERRORS:
        raise InputError(name, "is not a readable zip archive (truncated or corrupt)") from None


def parse_tff_zip(data: bytes, name: str) -> pd.DataFrame:
    """Parse fut_fin_txt_YYYY.zip (one FinFutYY.txt inside) into the cftc_tff_ust frame."""
    member, payload = _single_member(data, name, r"FinFut\w*\.txt", "FinFutYY.txt", WHAT_ZIP)
    return parse_tff_txt(payload, f"{name}:{member}")


def _open_sheet(data: bytes, name: str) -> tuple[list[list[object]], int]:
    """All cell values of the first worksheet and the workbook's date mode."""
    import xlrd

    if not data:
        raise InputError(name, "the file is empty", row=1)
    if not data.startswith(OLE2_SIGNATURE):
        why = "it is an HTML page" if looks_like_html(data[:512].decode("latin-1")) else "it does not start with the Excel (OLE2) signature"
        raise InputError(name, f"is not a {WHAT_XLS}: {why}", row=1)
    try:
        book = xlrd.open_workbook(file_contents=data)
        sheet = book.sheet_by_index(0)
        return [sheet.row_values(i) for i in range(sheet.nrows)], book.datemode
    except Exception:  # xlrd raises many kinds on damaged workbooks
        raise InputError(name, "is not a readable Excel workbook (truncated or corrupt)") from None


def _excel_code(value: object) -> str:
    """A contract code cell: text '020601', or a number Excel stripped of its leading zero."""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):06d}"
    return str(value).strip()


def _excel_dates(values: Sequence[object], rows: Sequence[int], datemode: int, name: str) -> np.ndarray:
    """Excel date serials (or MM/DD/YYYY text) as datetime64[ns]."""
    import xlrd

    out: list[datetime] = []
    for value, row in zip(values, rows):
        try:
            if isinstance(value, float):
                out.append(xlrd.xldate_as_datetime(value, datemode))
            else:
                out.append(datetime.strptime(str(value).strip(), "%m/%d/%Y"))
        except (ValueError, TypeError, xlrd.xldate.XLDateError):
            raise InputError(name, f"not an Excel date: {value!r}", row=row, field=XLS_DATE) from None
    return np.array(out, dtype="datetime64[ns]")


def tff_from_sheet(cells: list[list[object]], datemode: int, name: str) -> pd.DataFrame:
    """The cftc_tff_ust frame from the cell values of a FinFutYY.xls sheet (row 1 = header)."""
    if not cells:
        raise InputError(name, "the worksheet is empty", row=1)
    header = [str(h) for h in cells[0]]
    index = column_index(header, [NAME, XLS_DATE, CODE, *POSITIONS.values()], name)
    kept: list[tuple[int, list[object]]] = []
    for i, values in enumerate(cells[1:], start=2):
        if not any(str(v).strip() for v in values):
            continue
        if _keep_row(_excel_code(values[index[CODE]]), str(values[index[NAME]]).strip(), name, i):
            kept.append((i, values))
    if not kept:
        raise InputError(name, "has no rows for the six U.S. Treasury futures contracts")
    rows = [row for row, _ in kept]
    dates = _excel_dates([v[index[XLS_DATE]] for _, v in kept], rows, datemode, name)
    cell_map = {src: [v[index[src]] for _, v in kept] for src in POSITIONS.values()}
    markets = [str(v[index[NAME]]) for _, v in kept]
    return _frame(markets, [_excel_code(v[index[CODE]]) for _, v in kept], dates, cell_map, rows, name, XLS_DATE)


def parse_tff_xls(data: bytes, name: str) -> pd.DataFrame:
    """Parse the Excel FinFutYY.xls (or fut_fin_xls_YYYY.zip holding it) into the cftc_tff_ust frame."""
    if data.startswith(b"PK"):
        member, data = _single_member(data, name, r"FinFut\w*\.xls", "FinFutYY.xls", WHAT_XLS)
        name = f"{name}:{member}"
    cells, datemode = _open_sheet(data, name)
    return tff_from_sheet(cells, datemode, name)


def parse_socrata_levmoney_csv(data: bytes, name: str) -> pd.DataFrame:
    """Parse a Socrata gpe5-46if CSV export (leveraged funds only) into
    DataFrame[report_date, contract_code, lev_long, lev_short, open_interest]."""
    records = csv_records(decode_text(data, name, WHAT_SOCRATA), name, line_end=True)
    header_line, header = records[0]
    index = column_index(header, SOCRATA_FIELDS, name, row=header_line)
    body = records[1:]
    if not body:
        raise InputError(name, "has no data rows")
    rows, codes = [line for line, _ in body], []
    for line, fields in body:
        if len(fields) != len(header):
            raise InputError(name, f"expected {len(header)} fields, found {len(fields)}", row=line)
        market = fields[index["contract_market_name"]].strip().upper()
        if market not in SOCRATA_NAMES:
            raise InputError(name, f"unknown contract {market!r}", row=line, field="contract_market_name")
        codes.append(SOCRATA_NAMES[market])

    def col(c: str) -> list[str]:
        return [f[index[c]] for _, f in body]

    frame = pd.DataFrame(
        {
            "report_date": to_dates(
                col("report_date_as_yyyy_mm_dd"),
                rows,
                name,
                "report_date_as_yyyy_mm_dd",
                fmt="ISO8601",
                pattern=r"\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?)?",
            ),
            "contract_code": pd.array(codes, dtype="str"),
            "lev_long": to_int(col("lev_money_positions_long"), rows, name, "lev_money_positions_long").array,
            "lev_short": to_int(col("lev_money_positions_short"), rows, name, "lev_money_positions_short").array,
            "open_interest": to_int(col("open_interest_all"), rows, name, "open_interest_all").array,
            LINE: rows,
        }
    )
    check_unique(frame[["report_date", "contract_code"]], rows, name, "report_date_as_yyyy_mm_dd")
    frame = frame.sort_values(["report_date", "contract_code"], kind="mergesort").reset_index(drop=True)
    labels = {
        "report_date": "report_date_as_yyyy_mm_dd",
        "contract_code": "contract_market_name",
        "lev_long": "lev_money_positions_long",
        "lev_short": "lev_money_positions_short",
        "open_interest": "open_interest_all",
    }
    return with_lines(frame, LEVMONEY_COLUMNS, name, labels)


# --- the source ----------------------------------------------------------------------------


def _txt_header(head: bytes) -> str | None:
    line = first_line(head)
    ok = line.startswith(f'"{NAME}"') or (line.startswith('"') and line.count(",") >= TXT_WIDTH - 1)
    return None if ok else unexpected_header(head)


def _socrata_header(head: bytes) -> str | None:
    line = first_line(head)
    return None if all(f in line for f in ("report_date_as_yyyy_mm_dd", "contract_market_name")) else unexpected_header(head)


def _plan(as_of: date, mirror: Mirror) -> list[Download]:
    """The yearly zip of every year up to the as-of year (optional while its first report is not out)."""
    out = []
    for year in range(FIRST_YEAR, as_of.year + 1):
        early = year == as_of.year and as_of.month == 1 and as_of.day <= 14  # first report not out yet
        out.append(Download("cftc", f"cftc/fut_fin_txt_{year}.zip", mirror(CFTC_TFF.url.format(year=year)), CFTC_TFF.id, "cftc_zip", early))
    return out


def _check(download: Download, frame: pd.DataFrame) -> str | None:
    """A yearly zip holds report dates of its year only."""
    if download.kind != "cftc_zip":
        return None
    year = int(download.name[-8:-4])
    if not frame.empty and set(frame["report_date"].dt.year) != {year}:
        return f"holds report dates outside {year}"
    return None


ZIP = FileKind(
    "cftc_zip",
    WHAT_ZIP,
    names(r"fut_fin_txt_\d{4}.*\.zip"),
    parse_tff_zip,
    CFTC_TFF.id,
    signatures=ZIP_SIGNATURES,
    signature_name="the zip signature",
)
TXT = FileKind("cftc_txt", WHAT_TXT, names(r"finfut(\d{2}|yy|wk).*\.txt"), parse_tff_txt, CFTC_TFF.id, header=_txt_header)
XLS = FileKind(
    "cftc_xls",
    WHAT_XLS,
    names(r"(finfut(\d{2}|yy)|fut_fin_xls_\d{4}).*\.(xls|zip)"),
    parse_tff_xls,
    CFTC_TFF.id,
    signatures=(*ZIP_SIGNATURES, OLE2_SIGNATURE),
    signature_name="the Excel (OLE2) signature",
)
SOCRATA = FileKind(
    "cftc_socrata_csv",
    WHAT_SOCRATA,
    names(r"socrata_gpe5-46if.*\.csv"),
    parse_socrata_levmoney_csv,
    SOCRATA_LEVMONEY_ID,
    header=_socrata_header,
)
SOURCE = Source("cftc", (ZIP, TXT, XLS, SOCRATA), (CFTC_TFF,), _plan, check=_check)
