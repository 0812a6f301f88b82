"""New York Fed Markets API: repo operation results, the Standing Repo Facility's daily use.

``/api/rp/results/search.json?startDate=..&endDate=..`` answers ``{"repo": {"operations": [...]}}``,
newest first, one object per operation with (among others) ``operationDate`` (``YYYY-MM-DD``),
``operationType`` (``"Repo"``: the Standing Repo Facility; ``"Reverse Repo"``: ON RRP, not read),
``term`` and ``totalAmtAccepted`` (US dollars, a JSON number). A saved answer is recognised by its
name (``rp_results_*.json``) or by that envelope.

The ``nyfed_srf`` dataset has one row per operation day: the day's ``totalAmtAccepted`` summed over
its "Repo" operations (two a day since 2025, overnight and the occasional term one), divided by
1,000,000,000 (billions of USD); a day whose operations accepted nothing is a row of 0. Rows in
messages are operations: row N is the N-th element of ``repo.operations``. An operation listed
twice is refused where the answer carries ``operationId`` (the API does; a saved field subset may not).
"""

from __future__ import annotations

import json
import math
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pandas as pd

from ..datasets import NYFED_SRF
from ..errors import InputError
from ..releases import nth_business_day
from ._text import LINE, decode_text, to_dates, with_lines
from .base import Download, FileKind, Mirror, Source, names

WHAT = "NY Fed repo operations response (rp/results/search.json)"
ENVELOPE = '{"repo": {"operations": [...]}}'
DATE, TYPE, ACCEPTED, OPERATION_ID = "operationDate", "operationType", "totalAmtAccepted", "operationId"
REPO, REVERSE_REPO = "Repo", "Reverse Repo"
USD_PER_BN = 1_000_000_000
YEARS_BEFORE = 1  # the live fetch asks for the operations of the as-of year and of this many years before


def _number(value: object, row: int, name: str) -> int | float:
    """An accepted amount: a finite, non-negative JSON number of US dollars within the dataset's range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, f"not a number: {json.dumps(value)[:40]}", row=row, field=ACCEPTED)
    if not math.isfinite(value):
        raise InputError(name, f"not a finite number: {value}", row=row, field=ACCEPTED)
    high = (NYFED_SRF.column("value").high or math.inf) * USD_PER_BN
    if value < 0 or value > high:
        raise InputError(name, f"implausible value {value:g} (expected between 0 and {high:g} US dollars)", row=row, field=ACCEPTED)
    return value


def _operations(data: bytes, name: str) -> list[object]:
    """The ``repo.operations`` list of a response; raises InputError naming what is missing."""
    text = decode_text(data, name, WHAT)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"is not a {WHAT}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})", row=None) from None
    repo = doc.get("repo") if isinstance(doc, dict) else None
    if not isinstance(repo, dict):
        raise InputError(name, f"is not a {WHAT}: no 'repo' object (expected {ENVELOPE})", field="repo")
    operations = repo.get("operations")
    if not isinstance(operations, list):
        raise InputError(name, f"is not a {WHAT}: no 'repo.operations' list (expected {ENVELOPE})", field="repo.operations")
    return operations


def parse_rp_results(data: bytes, name: str) -> pd.DataFrame:
    """Parse a repo operations response into the nyfed_srf frame: DataFrame[date, value (billions of USD)]."""
    days: list[str] = []
    rows: list[int] = []
    repo: list[tuple[int, int | float]] = []  # (index into days, amount) of each "Repo" operation
    ids: dict[str, int] = {}  # operationId -> row, where the answer carries it
    for row, op in enumerate(_operations(data, name), start=1):
        if not isinstance(op, dict):
            raise InputError(name, f"operation is not an object but {json.dumps(op)[:40]}", row=row)
        for field in (DATE, TYPE, ACCEPTED):
            if field not in op:
                raise InputError(name, "missing field", row=row, field=field)
        if OPERATION_ID in op:
            key = json.dumps(op[OPERATION_ID])
            if key in ids:
                raise InputError(name, f"duplicate operation {key[:40]} (first at row {ids[key]})", row=row, field=OPERATION_ID)
            ids[key] = row
        kind = op[TYPE]
        if kind not in (REPO, REVERSE_REPO):
            raise InputError(
                name, f"unknown operation type {json.dumps(kind)[:40]} (expected 'Repo' or 'Reverse Repo')", row=row, field=TYPE
            )
        days.append(op[DATE] if isinstance(op[DATE], str) else json.dumps(op[DATE]))
        rows.append(row)
        if kind == REPO:
            repo.append((len(days) - 1, _number(op[ACCEPTED], row, name)))
    dates = to_dates(days, rows, name, DATE)
    totals: dict[np.datetime64, int | float] = {}
    first_row: dict[np.datetime64, int] = {}
    for index, amount in repo:
        day = dates[index]
        totals[day] = totals.get(day, 0) + amount
        first_row.setdefault(day, rows[index])
    ordered = sorted(totals)
    frame = pd.DataFrame(
        {
            "date": np.array(ordered, dtype="datetime64[ns]"),
            "value": np.array([totals[d] / USD_PER_BN for d in ordered], dtype="float64"),
            LINE: [first_row[d] for d in ordered],
        }
    )
    out = with_lines(frame, list(NYFED_SRF.columns), name, {"date": DATE, "value": ACCEPTED})
    if len(dates):  # the newest operation read, of either type, may not lie in the future either
        newest = int(np.argmax(dates))
        out.attrs["latest_read"] = (pd.Timestamp(dates[newest]).strftime("%Y-%m-%d"), rows[newest])
    return out


# --- the source ----------------------------------------------------------------------------


def _header(head: bytes) -> str | None:
    """The envelope must open the file: ``{"repo": {"operations": [``, blanks allowed between."""
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    squeezed = "".join(text.split())
    if squeezed.startswith('{"repo":{"operations":['):
        return None
    return f"unexpected start {squeezed[:40]!r} (blanks left out; expected {ENVELOPE})"


def window_url(start: date, end: date) -> str:
    """The official URL of the "Repo" operation results from ``start`` to ``end`` (both included)."""
    query = urlencode({"startDate": start.isoformat(), "endDate": end.isoformat(), "operationTypes": REPO})
    return f"{NYFED_SRF.url}?{query}"


def _plan(as_of: date, mirror: Mirror) -> list[Download]:
    """One request per calendar year, from YEARS_BEFORE years before the as-of year to the as-of date;
    the as-of year's window once its first business day has passed (before, it cannot hold an operation)."""
    out = []
    for year in range(as_of.year - YEARS_BEFORE, as_of.year + 1):
        start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
        if year == as_of.year and as_of <= nth_business_day(year, 1, 1):
            continue
        name = f"nyfed/rp_results_repo_{start.isoformat()}_{end.isoformat()}.json"
        out.append(Download("nyfed", name, mirror(window_url(start, end)), NYFED_SRF.id, "nyfed_rp_results", not NYFED_SRF.required))
    return out


def _check(download: Download, frame: pd.DataFrame) -> str | None:
    """A window's answer may hold only days of that window."""
    query = parse_qs(urlsplit(download.url).query)
    start, end = (pd.Timestamp(query[k][0]) for k in ("startDate", "endDate"))
    outside = frame.loc[((frame["date"] < start) | (frame["date"] > end)).to_numpy(dtype=bool), "date"]
    if outside.empty:
        return None
    return (
        f"holds operations of {outside.iloc[0].strftime('%Y-%m-%d')}, outside the window asked for "
        f"({start.strftime('%Y-%m-%d')} to {end.strftime('%Y-%m-%d')})"
    )


RP_RESULTS = FileKind(
    "nyfed_rp_results",
    WHAT,
    names(r"rp_results_.*\.json"),
    parse_rp_results,
    NYFED_SRF.id,
    header=_header,
    sniff=True,
    sniff_suffix=".json",
)
SOURCE = Source("nyfed", (RP_RESULTS,), (NYFED_SRF,), _plan, check=_check)
