"""Shared checks for the official-file parsers: text decoding, CSV records, typed columns.

Every failure is an ``InputError`` naming the file, the 1-based row (line) and the field, so
that a user can open the file and find the offending cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, excerpt

MISSING = ("", ".")
MAX_FILE_MB = 64  # no official file ustglass reads comes near this (the largest, a year of DTS rows, is ~4 MB)
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
LINE = "_line"  # temporary column: the line (row) each observation was read from
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
YEARS = (1800, 2200)  # dates outside these years are not dates of these series (and overflow datetime64[ns])
_HTML_START = ("<!doctype html", "<html", "<head", "<body", "<?xml", "<!--")


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line number of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def looks_like_html(text: str) -> bool:
    """True when the text is a web page (an error page saved under a data file's name)."""
    return text.lstrip().lower().startswith(_HTML_START)


def decode_text(data: bytes, name: str, what: str) -> str:
    """Decode an official text file: UTF-8, optional BOM; rejects empty, binary and HTML content."""
    if not data.strip():
        raise InputError(name, "the file is empty", row=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"is not a {what}: binary content (NUL byte)", row=line_of(data, nul))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise InputError(name, f"is not UTF-8 text: byte 0x{byte:02X} cannot be decoded", row=line_of(data, exc.start)) from None
    text = text.removeprefix("\ufeff")
    if looks_like_html(text):
        raise InputError(name, f"is not a {what}: it is an HTML page", row=1)
    return text


def cut_short(text: str) -> bool:
    """True when the text's last line holds something and has no line end (the file was cut)."""
    return bool(text.rsplit("\n", 1)[-1].strip())


def csv_records(text: str, name: str, delimiter: str = ",", *, line_end: bool = False) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank CSV record of ``text``; at least one.

    ``line_end``: the format always ends its last line with a line end, so a last line
    without one means the file was cut short (``2026-06-23,3.`` read as 3.0)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                out.append((reader.line_num, fields))
    except csv.Error as exc:
        raise InputError(name, f"not readable as delimited text ({exc})", row=max(reader.line_num, 1)) from None
    if not out:
        raise InputError(name, "has no records", row=1)
    if line_end and cut_short(text):
        raise InputError(name, "the last line has no line end: the file was cut short", row=out[-1][0])
    return out


def column_index(header: Sequence[str], wanted: Iterable[str], name: str, row: int = 1) -> dict[str, int]:
    """Position of each wanted column in ``header``; a missing one is an InputError."""
    clean = [h.strip() for h in header]
    found: dict[str, int] = {}
    for col in wanted:
        if col not in clean:
            raise InputError(name, "missing column", row=row, field=col)
        found[col] = clean.index(col)
    return found


def _bad(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def to_float(values: Sequence[str], rows: Sequence[int], name: str, field: str, missing: Sequence[str] = MISSING) -> np.ndarray:
    """Numbers as float64; ``missing`` markers become NaN; anything else unreadable is an error."""
    s = pd.Series(list(values), dtype=object).map(lambda v: "" if v is None else str(v).strip())
    miss = s.isin(list(missing)).to_numpy()
    num = pd.to_numeric(s.where(~miss), errors="coerce").to_numpy(dtype="float64")
    i = _bad((np.isnan(num) & ~miss) | np.isinf(num))
    if i is not None:
        raise InputError(name, f"not a number: {excerpt(s.iloc[i])}", row=rows[i], field=field)
    return num


def to_int(values: Sequence[str], rows: Sequence[int], name: str, field: str, missing: Sequence[str] = MISSING) -> pd.Series:
    """Whole numbers as nullable Int64; ``missing`` markers become <NA>."""
    num = to_float(values, rows, name, field, missing)
    present = ~np.isnan(num)
    i = _bad(present & ((np.mod(num, 1.0) != 0) | (np.abs(num) > 2.0**53)))
    if i is not None:
        raise InputError(name, f"not a whole number: {str(values[i]).strip()!r}", row=rows[i], field=field)
    return pd.Series(num).astype("Int64")


def to_dates(
    values: Sequence[str], rows: Sequence[int], name: str, field: str, fmt: str = "%Y-%m-%d", pattern: str | None = ISO_DATE
) -> np.ndarray:
    """Dates as datetime64[ns]; an empty or unreadable date is an error."""
    s = pd.Series(list(values), dtype=object).map(lambda v: "" if v is None else str(v).strip())
    parsed = pd.to_datetime(s.where(s != ""), format=fmt, errors="coerce")
    bad = parsed.isna().to_numpy() | ~parsed.dt.year.between(*YEARS, inclusive="left").to_numpy(dtype=bool)
    if pattern is not None:
        bad = bad | ~s.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    i = _bad(bad)
    if i is not None:
        shape = "YYYY-MM-DD" if pattern == ISO_DATE else fmt
        raise InputError(name, f"not a date ({shape}): {s.iloc[i]!r}", row=rows[i], field=field)
    return parsed.to_numpy().astype("datetime64[ns]")


def check_unique(keys: pd.DataFrame, rows: Sequence[int], name: str, field: str | None = None) -> None:
    """Reject a repeated key, naming the second row and the first one."""
    dup = keys.duplicated(keep="first").to_numpy()
    i = _bad(dup)
    if i is None:
        return
    key = tuple(keys.iloc[i])
    first = _bad((keys == keys.iloc[i]).all(axis=1).to_numpy())
    shown = " / ".join(_show(k) for k in key)
    raise InputError(
        name, f"duplicate observation for {shown} (first at row {rows[i if first is None else first]})", row=rows[i], field=field
    )


def _show(value: object) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def strip_footnote(label: str) -> str:
    """A row label without leading/trailing blanks or a trailing footnote marker like ' 2/'."""
    return re.sub(r"\s+\d+/\s*$", "", label.strip()).strip()


def with_lines(frame: pd.DataFrame, columns: Sequence[str], name: str, fields: dict[str, str] | None = None) -> pd.DataFrame:
    """``frame[columns]`` remembering in ``attrs`` the file ``name`` the parser read, each row's
    line there (from column ``LINE``) and the file's name of each column, so that later checks
    can say where a bad value is."""
    out = frame.loc[:, list(columns)]
    out.attrs["file"] = name
    out.attrs["lines"] = tuple(int(n) for n in frame[LINE])
    out.attrs["fields"] = dict(fields or {})
    return out


def located(frame: pd.DataFrame, index: int, column: str, name: str) -> tuple[str, int | None, str]:
    """File, line and field of row ``index``, column ``column`` of a parsed frame: the file and line
    the parser recorded (else ``name`` and no line) and the file's name of the column (or of that
    row's cell, where the parser recorded one per row)."""
    lines = frame.attrs.get("lines")
    field = str((frame.attrs.get("fields") or {}).get(column, column))
    per_row = (frame.attrs.get("row_fields") or {}).get(column)
    if isinstance(lines, tuple) and len(lines) == len(frame):
        if isinstance(per_row, tuple) and len(per_row) == len(frame):
            field = str(per_row[index])
        return str(frame.attrs.get("file") or name), int(lines[index]), field
    return name, None, field
