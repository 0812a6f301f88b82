"""TIC Major Foreign Holders of Treasury Securities: the history file and the current table.

``mfhhis01.txt`` is tab-delimited with one block per calendar year, newest first: a row of
month names (``Dec Nov ... Jan``) above a ``Country<TAB>YYYY...`` row. At a series break a
month appears twice; the first column is the new series and the second, "shown for
comparison only", is dropped. ``slt_table5.txt`` has one ``Country<TAB>YYYY-MM...`` header.
Values are billions of USD; blank and ``n.a.`` cells are skipped. Every block must end in a
``Grand Total`` row: a block without one means the file was cut short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..datasets import TIC_MFH
from ..errors import InputError, excerpt
from ._text import LINE, YEARS, csv_records, cut_short, decode_text, strip_footnote, with_lines
from .base import Download, FileKind, Mirror, Source, names

WHAT_MFH = "TIC Major Foreign Holders history file (mfhhis01.txt)"
WHAT_SLT = "TIC SLT Table 5 file (slt_table5.txt)"
MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
SKIPPED = ("", "n.a.")
# Rows the current table names differently from the history file: one name per row in the dataset.
ALIASES = {"Of Which: Foreign Official": "For. Official"}
GRAND_TOTAL = "Grand Total"
SLT_URL = TIC_MFH.url.rsplit("/", 1)[0] + "/slt_table5.txt"
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})\b.*")


@dataclass
class _Table:
    """Values collected so far, with the row each (month, country) came from."""

    name: str
    months: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, month: str, country: str, value: float, row: int) -> None:
        """Record one cell; the same (month, country) twice is an error."""
        first = self.seen.get((month, country))
        if first is not None:
            raise InputError(self.name, f"duplicate observation for {month} / {country} (first at row {first})", row=row, field=month)
        self.seen[(month, country)] = row
        self.months.append(month)
        self.countries.append(country)
        self.values.append(value)
        self.lines.append(row)

    def frame(self) -> pd.DataFrame:
        """The tic_mfh frame, by month (oldest first), countries in file order."""
        frame = pd.DataFrame(
            {
                "month": pd.array(self.months, dtype="str"),
                "country": pd.array(self.countries, dtype="str"),
                "value": pd.array(self.values, dtype="float64"),
                LINE: self.lines,
            }
        )
        frame = frame.sort_values("month", kind="mergesort").reset_index(drop=True)
        out = with_lines(frame, list(TIC_MFH.columns), self.name)
        months = tuple(frame["month"])  # a value's field in the file is its month's column
        out.attrs["row_fields"] = {"month": months, "value": months}
        return out


@dataclass(frozen=True)
class _Block:
    """One ``Country`` header with its months: where it starts, and what it covers."""

    row: int
    label: str


def _block(columns: dict[int, str], row: int) -> _Block:
    """The block a header opens, labelled by its year (or its first and last month)."""
    months = sorted(columns.values())
    if not months:
        return _Block(row, "no month")
    years = {m[:4] for m in months}
    label = months[0][:4] if len(years) == 1 else f"{months[0]} to {months[-1]}"
    return _Block(row, label)


def _check_total(block: _Block | None, has_total: bool, name: str) -> None:
    """A block must end in a ``Grand Total`` row; without one the file is incomplete."""
    if block is not None and not has_total:
        raise InputError(
            name, f"block for {block.label} has no {GRAND_TOTAL!r} row; the file is incomplete", row=block.row, field=GRAND_TOTAL
        )


def _is_month_row(cells: list[str]) -> bool:
    """A row with an empty first cell and only month abbreviations after it."""
    words = [c.strip() for c in cells[1:] if c.strip()]
    return not cells[0].strip() and bool(words) and all(w in MONTHS for w in words)


def _columns(header: list[str], month_row: list[str] | None, name: str, row: int) -> dict[int, str]:
    """Column position -> "YYYY-MM" for one block; a repeated month keeps its first column."""
    out: dict[int, str] = {}
    for j, cell in enumerate(header[1:], start=1):
        cell = cell.strip()
        if not cell:
            continue
        match = _YEAR_MONTH.fullmatch(cell)
        if match:
            month = f"{match.group(1)}-{match.group(2)}"
        else:
            name_of_month = month_row[j].strip() if month_row is not None and j < len(month_row) else ""
            if not re.fullmatch(r"\d{4}", cell) or name_of_month not in MONTHS:
                raise InputError(name, f"cannot tell the month of column {j + 1} ({name_of_month!r} {cell!r})", row=row, field=cell)
            month = f"{cell}-{MONTHS[name_of_month]:02d}"
        if not (1 <= int(month[5:]) <= 12 and YEARS[0] <= int(month[:4]) < YEARS[1]):
            raise InputError(name, f"not a month: {cell!r}", row=row, field=cell)
        if month not in out.values():
            out[j] = month
    return out


def _read_values(cells: list[str], columns: dict[int, str], country: str, table: _Table, row: int) -> None:
    """Add the non-blank cells of one country row."""
    for j, month in columns.items():
        raw = cells[j].strip() if j < len(cells) else ""
        if raw in SKIPPED:
            continue
        if not _NUMBER.fullmatch(raw):
            raise InputError(table.name, f"not a number: {excerpt(raw)}", row=row, field=month)
        table.add(month, country, float(raw), row)


def _has_values(cells: list[str]) -> bool:
    return any(c.strip() for c in cells[1:])


def _parse_tables(data: bytes, name: str, what: str) -> pd.DataFrame:
    """Walk the tab-delimited rows block by block and collect every country value.

    A country row has as many cells as its block's header; a file that ends inside a country
    row (no line end after it) was cut short."""
    text = decode_text(data, name, what)
    records = csv_records(text, name, delimiter="\t")
    table = _Table(name)
    month_row: list[str] | None = None
    columns: dict[int, str] | None = None
    block: _Block | None = None
    has_total, width = False, 0
    for row, cells in records:
        label = cells[0].strip()
        if _is_month_row(cells):
            month_row = cells
        elif label == "Country":
            _check_total(block, has_total, name)
            columns = _columns(cells, month_row, name, row)
            block, has_total, month_row, width = _block(columns, row), False, None, len(cells)
        elif columns is not None and label and _has_values(cells):
            if len(cells) < width:
                raise InputError(name, f"expected {width} fields, found {len(cells)}", row=row)
            if row == records[-1][0] and cut_short(text):
                raise InputError(name, "the last line has no line end: the file was cut short", row=row)
            country = strip_footnote(label)
            country = ALIASES.get(country, country)
            has_total = has_total or country == GRAND_TOTAL
            _read_values(cells, columns, country, table, row)
    if columns is None:
        raise InputError(name, f"is not a {what}: no 'Country' header row")
    _check_total(block, has_total, name)
    return table.frame()


def parse_mfhhis01(data: bytes, name: str) -> pd.DataFrame:
    """Parse mfhhis01.txt into DataFrame[month str "YYYY-MM", country str, value float64]."""
    return _parse_tables(data, name, WHAT_MFH)


def parse_slt_table5(data: bytes, name: str) -> pd.DataFrame:
    """Parse slt_table5.txt (current months) into the same frame as ``parse_mfhhis01``."""
    return _parse_tables(data, name, WHAT_SLT)


# --- the source ----------------------------------------------------------------------------


def _header(head: bytes) -> str | None:
    text = head.decode("utf-8", errors="replace")
    ok = "\t" in text and ("foreign holders" in text.lower() or "\nCountry\t" in text)
    return None if ok else "no tab-delimited Major Foreign Holders table"


def _plan(as_of: date, mirror: Mirror) -> list[Download]:
    """The history file and the current table."""
    return [
        Download("tic", "tic/mfhhis01.txt", mirror(TIC_MFH.url), TIC_MFH.id, "tic_mfh"),
        Download("tic", "tic/slt_table5.txt", mirror(SLT_URL), TIC_MFH.id, "tic_slt_table5"),
    ]


HISTORY = FileKind("tic_mfh", WHAT_MFH, names(r"mfhhis\d*.*\.txt"), parse_mfhhis01, TIC_MFH.id, header=_header)
CURRENT = FileKind("tic_slt_table5", WHAT_SLT, names(r"slt_table5.*\.txt"), parse_slt_table5, TIC_MFH.id, header=_header)
SOURCE = Source("tic", (HISTORY, CURRENT), (TIC_MFH,), _plan)
