"""Treasury Fiscal Data: MSPD Table 1 and the DTS operating cash balance (TGA).

Both come as the site's CSV download (pretty labels, UTF-8 BOM) or as pages of the JSON API
(``{"data": [...], "meta": ..., "links": ...}``, every value a string, amounts maybe
``"null"``). Rows are numbered by CSV line, or by 1-based record index across JSON pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from types import MappingProxyType
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from ..datasets import DTS_TGA, MSPD
from ..errors import InputError
from ._text import LINE, check_unique, column_index, csv_records, decode_text, to_dates, to_float, with_lines
from .base import PAGES, Download, FileKind, Mirror, Source, first_line, names, unexpected_header

WHAT_MSPD = "Fiscal Data MSPD Table 1 CSV download"
WHAT_DTS = "Fiscal Data DTS operating cash balance CSV download"
WHAT_JSON = "Fiscal Data API response"
NULLS = ("", "null")

MSPD_LABELS: dict[str, str] = {  # API field -> CSV label
    "record_date": "Record Date",
    "security_type_desc": "Security Type Description",
    "security_class_desc": "Security Class Description",
    "debt_held_public_mil_amt": "Debt Held by the Public (in Millions)",
    "intragov_hold_mil_amt": "Intragovernmental Holdings (in Millions)",
    "total_mil_amt": "Total Public Debt Outstanding (in Millions)",
}
MSPD_ROUNDING = 5.0  # millions of USD: how far the published total may be from the sum of its parts (seen: 2)
MSPD_AMOUNTS = {"public_usd_mn": "debt_held_public_mil_amt", "intragov_usd_mn": "intragov_hold_mil_amt", "total_usd_mn": "total_mil_amt"}
DTS_LABELS: dict[str, str] = {"record_date": "Record Date", "account_type": "Type of Account", "open_today_bal": "Opening Balance Today"}

TGA_CLOSE = "Treasury General Account (TGA) Closing Balance"
TGA_OPEN = "Treasury General Account (TGA) Opening Balance"
OLD_OPEN = ("Federal Reserve Account", "Treasury General Account (TGA)")  # before 2022-04-18: opening only

DTS_YEARS = 5  # the live fetch asks for the DTS cash balance of this many calendar years before the as-of year

Columns = dict[str, list[str]]


def _csv_columns(data: bytes, name: str, labels: dict[str, str], what: str) -> tuple[Columns, list[int], dict[str, str]]:
    """Read a site CSV download into API-field-keyed columns, row numbers and field->label names."""
    records = csv_records(decode_text(data, name, what), name)
    header_line, header = records[0]
    index = column_index(header, labels.values(), name, row=header_line)
    body = records[1:]
    for line, fields in body:
        if len(fields) != len(header):
            raise InputError(name, f"expected {len(header)} fields, found {len(fields)}", row=line)
    columns = {api: [f[index[label]] for _, f in body] for api, label in labels.items()}
    return columns, [line for line, _ in body], dict(labels)


def _json_columns(pages: Sequence[bytes], name: str, fields: Sequence[str]) -> tuple[Columns, list[int], dict[str, str]]:
    """Read Fiscal Data API pages into columns keyed by field, with 1-based record numbers."""
    columns: Columns = {f: [] for f in fields}
    count = 0
    for page_no, page in enumerate(pages, start=1):
        try:
            doc = json.loads(page.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InputError(name, f"page {page_no} is not a {WHAT_JSON}: not JSON") from None
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list):
            raise InputError(name, f"page {page_no} is not a {WHAT_JSON}: no 'data' list")
        for record in data:
            count += 1
            if not isinstance(record, dict):
                raise InputError(name, "record is not an object", row=count)
            for f in fields:
                if f not in record:
                    raise InputError(name, "missing field", row=count, field=f)
                value = record[f]
                columns[f].append("null" if value is None else str(value))
    return columns, list(range(1, count + 1)), {f: f for f in fields}


def _text_column(values: list[str], rows: list[int], name: str, field: str) -> list[str]:
    """Stripped labels; an empty one is an error."""
    out = [v.strip() for v in values]
    for value, row in zip(out, rows):
        if not value or value == "null":
            raise InputError(name, "empty value", row=row, field=field)
    return out


def _check_total(frame: pd.DataFrame, name: str, labels: dict[str, str]) -> None:
    """Total = held by the public + intragovernmental, to the rounding MSPD shows (a value cut
    short, as the unterminated last line of a download can be, breaks it)."""
    gap = (frame["public_usd_mn"] + frame["intragov_usd_mn"] - frame["total_usd_mn"]).abs()
    lost = frame["total_usd_mn"].isna() & frame["public_usd_mn"].notna() & frame["intragov_usd_mn"].notna()
    bad = np.flatnonzero(((gap > MSPD_ROUNDING) | lost).to_numpy(dtype=bool))  # NaN (a missing part) compares False
    if bad.size:
        i = int(bad[0])
        public, intragov, total = (float(frame[c].iloc[i]) for c in ("public_usd_mn", "intragov_usd_mn", "total_usd_mn"))
        raise InputError(
            name,
            f"total {total:g} is not held by the public + intragovernmental ({public:g} + {intragov:g})",
            row=int(frame[LINE].iloc[i]),
            field=labels["total_mil_amt"],
        )


def _mspd_frame(columns: Columns, rows: list[int], labels: dict[str, str], name: str) -> pd.DataFrame:
    """The mspd_table1 frame from columns keyed by API field."""
    frame = pd.DataFrame(
        {
            "record_date": to_dates(columns["record_date"], rows, name, labels["record_date"]),
            "security_type": pd.array(_text_column(columns["security_type_desc"], rows, name, labels["security_type_desc"]), dtype="str"),
            "security_class": pd.array(
                _text_column(columns["security_class_desc"], rows, name, labels["security_class_desc"]), dtype="str"
            ),
            **{out: to_float(columns[api], rows, name, labels[api], NULLS) for out, api in MSPD_AMOUNTS.items()},
            LINE: rows,
        }
    )
    check_unique(frame[["record_date", "security_type", "security_class"]], rows, name, labels["record_date"])
    _check_total(frame, name, labels)
    frame = frame.sort_values("record_date", kind="mergesort").reset_index(drop=True)
    fields = {
        "record_date": labels["record_date"],
        "security_type": labels["security_type_desc"],
        "security_class": labels["security_class_desc"],
        **{out: labels[api] for out, api in MSPD_AMOUNTS.items()},
    }
    return with_lines(frame, MSPD.columns, name, fields)


def parse_mspd_table1_csv(data: bytes, name: str) -> pd.DataFrame:
    """Parse MSPD_SumSecty_*.csv into the mspd_table1 frame (millions of USD)."""
    return _mspd_frame(*_csv_columns(data, name, MSPD_LABELS, WHAT_MSPD), name)


def parse_mspd_table1_json(pages: list[bytes], name: str) -> pd.DataFrame:
    """Parse pages of /v1/debt/mspd/mspd_table_1 into the mspd_table1 frame."""
    return _mspd_frame(*_json_columns(pages, name, list(MSPD_LABELS)), name)


Cell = tuple[float, int]  # a balance and the row it was read from
# The next statement comes within 5 days (a weekend and a holiday, or the closures around Christmas);
# after a longer gap the file lacks statements, and the next one's opening is not this day's close.
NEXT_STATEMENT = np.timedelta64(5, "D")


def _tga_close(dates: np.ndarray, accounts: list[str], values: np.ndarray, rows: list[int]) -> dict[np.datetime64, Cell]:
    """Closing balance per day: given from 2022-04-18, else the next day's opening balance."""
    close: dict[np.datetime64, Cell] = {}
    opening: dict[np.datetime64, Cell] = {}
    old_days: list[np.datetime64] = []
    for day, account, value, row in zip(dates, accounts, values, rows):
        if account == TGA_CLOSE:
            close[day] = (value, row)
        elif account == TGA_OPEN:
            opening[day] = (value, row)
        elif account in OLD_OPEN:
            opening[day] = (value, row)
            old_days.append(day)
    days = sorted(opening)
    following = dict(zip(days[:-1], days[1:]))
    for day in old_days:
        nxt = following.get(day)
        if day not in close and nxt is not None and nxt - day <= NEXT_STATEMENT:
            close[day] = opening[nxt]
    return close


def _dts_frame(columns: Columns, rows: list[int], labels: dict[str, str], name: str) -> pd.DataFrame:
    """The dts_tga frame (TGA closing balance, millions of USD) from columns keyed by API field."""
    dates = to_dates(columns["record_date"], rows, name, labels["record_date"])
    accounts = [a.strip() for a in columns["account_type"]]
    check_unique(pd.DataFrame({"date": dates, "account": accounts}), rows, name, labels["record_date"])
    wanted = np.array([a in (TGA_CLOSE, TGA_OPEN, *OLD_OPEN) for a in accounts], dtype=bool)
    if not wanted.any():
        raise InputError(name, "has no Treasury General Account rows")
    picked_rows = [r for r, keep in zip(rows, wanted) if keep]
    picked_values = [v for v, keep in zip(columns["open_today_bal"], wanted) if keep]
    values = to_float(picked_values, picked_rows, name, labels["open_today_bal"], NULLS)
    close = _tga_close(dates[wanted], [a for a, keep in zip(accounts, wanted) if keep], values, picked_rows)
    days = sorted(close)
    frame = pd.DataFrame(
        {
            "date": np.array(days, dtype="datetime64[ns]"),
            "value": np.array([close[d][0] for d in days], dtype="float64"),
            LINE: [close[d][1] for d in days],
        }
    )
    out = with_lines(frame, DTS_TGA.columns, name, {"date": labels["record_date"], "value": labels["open_today_bal"]})
    newest = int(np.argmax(dates)) if len(dates) else 0  # a later statement may only lend its opening balance
    out.attrs["latest_read"] = (pd.Timestamp(dates[newest]).strftime("%Y-%m-%d"), rows[newest]) if len(dates) else None
    return out


def parse_dts_cash_csv(data: bytes, name: str) -> pd.DataFrame:
    """Parse DTS_OpCashBal_*.csv into DataFrame[date, value]: the TGA closing balance per day."""
    return _dts_frame(*_csv_columns(data, name, DTS_LABELS, WHAT_DTS), name)


def parse_dts_cash_json(pages: list[bytes], name: str) -> pd.DataFrame:
    """Parse pages of /v1/accounting/dts/operating_cash_balance into the dts_tga frame."""
    return _dts_frame(*_json_columns(pages, name, list(DTS_LABELS)), name)


# --- the source ----------------------------------------------------------------------------


def _header_with(*labels: str) -> Callable[[bytes], str | None]:
    def check(head: bytes) -> str | None:
        line = first_line(head)
        return None if all(label in line for label in labels) else unexpected_header(head)

    return check


def _plan(as_of: date, mirror: Mirror) -> list[Download]:
    """The two API endpoints, fetched in pages; the DTS from DTS_YEARS years before the as-of year."""
    dts_from = {"filter": f"record_date:gte:{as_of.year - DTS_YEARS}-01-01"}
    out = []
    for spec, name, labels, extra in ((MSPD, "mspd_table_1", MSPD_LABELS, {}), (DTS_TGA, "operating_cash_balance", DTS_LABELS, dts_from)):
        query = urlencode({"fields": ",".join(labels), "sort": "record_date", **extra})
        out.append(Download("fiscaldata", f"fiscaldata/{name}.json", mirror(f"{spec.url}?{query}"), spec.id, PAGES))
    return out


MSPD_CSV = FileKind(
    "mspd_table1",
    WHAT_MSPD,
    names(r"mspd_sumsecty_.*\.csv"),
    parse_mspd_table1_csv,
    MSPD.id,
    header=_header_with("Record Date", "Security Type Description"),
)
DTS_CSV = FileKind(
    "dts_cash",
    WHAT_DTS,
    names(r"dts_opcashbal_.*\.csv"),
    parse_dts_cash_csv,
    DTS_TGA.id,
    header=_header_with("Record Date", "Type of Account"),
)
SOURCE = Source(
    "fiscaldata",
    (MSPD_CSV, DTS_CSV),
    (MSPD, DTS_TGA),
    _plan,
    pages=MappingProxyType({MSPD.id: parse_mspd_table1_json, DTS_TGA.id: parse_dts_cash_json}),
    ignores=names(r"(dts|mspd|mts)_.*"),
)
