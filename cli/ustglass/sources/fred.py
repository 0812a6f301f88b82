"""FRED graph CSV downloads (fredgraph.csv): one series, one observation per line.

Header ``observation_date,<SERIES>`` (current), ``DATE,<SERIES>`` (older), or ``DATE,VALUE``
(older still; the series id then comes from the file name, e.g. ``FDHBFIN.csv``).
A file named exactly like a series (``IORB.csv``) must hold that series.
A missing observation is an empty field or ``.``; it is kept as a NaN row.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath

import numpy as np
import pandas as pd

from ..datasets import FRED_SERIES
from ..errors import InputError
from ._text import LINE, check_unique, csv_records, decode_text, to_dates, to_float, with_lines
from .base import Download, FileKind, Mirror, Source, first_line, names, unexpected_header

WHAT = "FRED graph CSV file"
DATE_HEADERS = ("observation_date", "DATE")
_SERIES_ID = re.compile(r"[A-Z0-9]+")


def series_from_file_name(name: str) -> str | None:
    """The FRED series id a file name carries: ``FDHBFIN.csv`` or ``FDHBFIN_to2016Q4.csv`` -> FDHBFIN."""
    stem = PurePath(name).name.split(".")[0].split("_")[0]
    return stem if _SERIES_ID.fullmatch(stem) else None


def _series_from_header(header: list[str], name: str) -> str:
    """Check the two-column header and return the series id it names."""
    if not header or header[0].strip() not in DATE_HEADERS:
        raise InputError(
            name,
            f"is not a {WHAT}: the header is {','.join(header)!r}, expected 'observation_date,<SERIES>'",
            row=1,
            field="observation_date",
        )
    if len(header) != 2 or not header[1].strip():
        raise InputError(name, f"expected 2 columns (date and one series), found {len([h for h in header if h.strip()])}", row=1)
    series = header[1].strip()
    if series.upper() == "VALUE":
        named = series_from_file_name(name)
        if named is None:
            raise InputError(
                name, "the header 'DATE,VALUE' does not name the series and the file name does not either", row=1, field=series
            )
        return named
    if not _SERIES_ID.fullmatch(series):
        raise InputError(name, f"not a FRED series id: {series!r}", row=1, field=series)
    stem = PurePath(name).stem
    if _SERIES_ID.fullmatch(stem) and stem != series:
        raise InputError(name, f"the column names series {series} but the file is named after {stem}", row=1, field=series)
    return series


def _check_order(dates: np.ndarray, rows: list[int], name: str, field: str) -> None:
    """Dates must be unique and strictly ascending."""
    check_unique(pd.DataFrame({field: dates}), rows, name, field)
    back = np.flatnonzero(np.diff(dates) <= np.timedelta64(0, "ns"))
    if back.size:
        i = int(back[0]) + 1
        now = pd.Timestamp(dates[i]).strftime("%Y-%m-%d")
        before = pd.Timestamp(dates[i - 1]).strftime("%Y-%m-%d")
        raise InputError(name, f"dates not ascending: {now} comes after {before}", row=rows[i], field=field)


def parse_fred_csv(data: bytes, name: str) -> tuple[str, pd.DataFrame]:
    """Parse a FRED graph CSV into (SERIES id, DataFrame[date datetime64[ns], value float64])."""
    records = csv_records(decode_text(data, name, WHAT), name, line_end=True)
    header = records[0][1]
    series = _series_from_header(header, name)
    date_field, value_field = header[0].strip(), header[1].strip()
    body = records[1:]
    for line, fields in body:
        if len(fields) != 2:
            raise InputError(name, f"expected 2 fields, found {len(fields)}", row=line)
    rows = [line for line, _ in body]
    dates = to_dates([f[0] for _, f in body], rows, name, date_field)
    values = to_float([f[1] for _, f in body], rows, name, value_field)
    _check_order(dates, rows, name, date_field)
    frame = pd.DataFrame({"date": dates, "value": values, LINE: rows})
    frame = frame.astype({"date": "datetime64[ns]", "value": "float64"})
    return series, with_lines(frame, ["date", "value"], name, {"date": date_field, "value": value_field})


# --- the source ----------------------------------------------------------------------------


def _header(head: bytes) -> str | None:
    return None if first_line(head).split(",")[0].strip() in DATE_HEADERS else unexpected_header(head)


def _frame(data: bytes, name: str) -> pd.DataFrame:
    """The FRED frame, carrying its series id in ``attrs["series"]``."""
    series, frame = parse_fred_csv(data, name)
    frame.attrs["series"] = series
    return frame


def _dataset(frame: pd.DataFrame) -> str:
    return "fred_" + str(frame.attrs["series"]).lower()


def _plan(as_of: date, mirror: Mirror) -> list[Download]:
    return [
        Download("fred", f"fred/{series}.csv", mirror(spec.url), spec.id, "fred_csv", not spec.required)
        for series, spec in FRED_SERIES.items()
    ]


CSV = FileKind(
    "fred_csv", WHAT, names(r"fredgraph.*\.csv") + names(r"[A-Z0-9]+\.csv", case=True), _frame, _dataset, header=_header, sniff=True
)
SOURCE = Source("fred", (CSV,), tuple(FRED_SERIES.values()), _plan)
