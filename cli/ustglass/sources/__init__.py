"""Readers for the official files ustglass uses, and the rule that tells which file is which.

``identify(name, head)`` names the kind of an official file from its file name and first
bytes; ``PARSERS[kind](data, name)`` reads it into a checked DataFrame; ``dataset_for``
tells which dataset of ``ustglass.datasets`` the frame belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath

import pandas as pd

from ..errors import InputError
from . import cftc, fiscaldata, fred, tic
from ._text import looks_like_html

KIND_DESCRIPTIONS: dict[str, str] = {
    "fred_csv": fred.WHAT,
    "cftc_zip": cftc.WHAT_ZIP,
    "cftc_txt": cftc.WHAT_TXT,
    "cftc_xls": cftc.WHAT_XLS,
    "cftc_socrata_csv": cftc.WHAT_SOCRATA,
    "tic_mfh": tic.WHAT_MFH,
    "tic_slt_table5": tic.WHAT_SLT,
    "mspd_table1": fiscaldata.WHAT_MSPD,
    "dts_cash": fiscaldata.WHAT_DTS,
}
# Dataset id of the Socrata leveraged-funds subset: a different shape from cftc_tff_ust.
SOCRATA_LEVMONEY_ID = "cftc_tff_ust_levmoney"

_NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"fut_fin_txt_\d{4}.*\.zip", "cftc_zip"),
    (r"(finfut(\d{2}|yy)|fut_fin_xls_\d{4}).*\.(xls|zip)", "cftc_xls"),
    (r"finfut(\d{2}|yy|wk).*\.txt", "cftc_txt"),
    (r"socrata_gpe5-46if.*\.csv", "cftc_socrata_csv"),
    (r"mfhhis\d*.*\.txt", "tic_mfh"),
    (r"slt_table5.*\.txt", "tic_slt_table5"),
    (r"mspd_sumsecty_.*\.csv", "mspd_table1"),
    (r"dts_opcashbal_.*\.csv", "dts_cash"),
    (r"fredgraph.*\.csv", "fred_csv"),
)
_OTHER_FISCAL = re.compile(r"(dts|mspd|mts)_.*", re.IGNORECASE)
_FRED_NAME = re.compile(r"[A-Z0-9]+\.csv")
OLE2_SIGNATURE = cftc.OLE2_SIGNATURE


def _kind_from_name(base: str) -> str | None:
    """The kind a file name claims, or None."""
    for pattern, kind in _NAME_RULES:
        if re.fullmatch(pattern, base, re.IGNORECASE):
            return kind
    if _FRED_NAME.fullmatch(base):
        return "fred_csv"
    return None


def _first_line(head: bytes) -> str:
    """The first line of the head as text (a multi-byte character cut at the end is ignored)."""
    line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf")
    return line.decode("utf-8", errors="replace").strip()


def _text_problem(head: bytes) -> str | None:
    """Why ``head`` is not the start of a text file, or None."""
    if b"\x00" in head:
        return "binary content (NUL byte)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return f"not UTF-8 text (byte 0x{head[exc.start]:02X})"
    if looks_like_html(head.decode("utf-8", errors="replace").removeprefix("\ufeff")):
        return "it is an HTML page"
    return None


def _binary_problem(kind: str, head: bytes) -> str | None:
    """Why ``head`` is not the start of a zip archive or an Excel workbook, or None."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return None
    if kind == "cftc_xls" and head.startswith(OLE2_SIGNATURE):
        return None
    if looks_like_html(head.decode("latin-1")):
        return "it is an HTML page"
    return "it does not start with the zip signature" if kind == "cftc_zip" else "it does not start with the Excel (OLE2) signature"


def _header_problem(kind: str, head: bytes) -> str | None:
    """Why the first line of a text file is not the header of ``kind``, or None."""
    line = _first_line(head)
    if kind == "fred_csv":
        ok = line.split(",")[0].strip() in fred.DATE_HEADERS
    elif kind == "cftc_txt":
        ok = line.startswith(f'"{cftc.NAME}"') or (line.startswith('"') and line.count(",") >= cftc.TXT_WIDTH - 1)
    elif kind == "cftc_socrata_csv":
        ok = all(f in line for f in ("report_date_as_yyyy_mm_dd", "contract_market_name"))
    elif kind in ("tic_mfh", "tic_slt_table5"):
        text = head.decode("utf-8", errors="replace")
        ok = "\t" in text and ("foreign holders" in text.lower() or "\nCountry\t" in text)
        return None if ok else "no tab-delimited Major Foreign Holders table"
    elif kind == "mspd_table1":
        ok = all(label in line for label in ("Record Date", "Security Type Description"))
    else:  # dts_cash
        ok = all(label in line for label in ("Record Date", "Type of Account"))
    return None if ok else f"unexpected header {line[:60]!r}"


def identify(name: str, head: bytes) -> str | None:
    """The kind of official file ``name`` is, from its name and first bytes (pass >= 4 KiB).

    Returns None for files ustglass does not use. Raises InputError when the name claims a
    known kind but the content is clearly something else (a web page, another header, binary).
    """
    base = PurePath(name).name
    kind = _kind_from_name(base)
    if kind is None:
        if base.lower().endswith(".csv") and not _OTHER_FISCAL.match(base) and _header_problem("fred_csv", head) is None and not _text_problem(head):
            return "fred_csv"
        return None
    what = KIND_DESCRIPTIONS[kind]
    if not head.strip():
        raise InputError(name, f"is not a {what}: the file is empty", row=1)
    if kind in ("cftc_zip", "cftc_xls"):
        problem = _binary_problem(kind, head)
    else:
        problem = _text_problem(head) or _header_problem(kind, head)
    if problem:
        raise InputError(name, f"is not a {what}: {problem}", row=1)
    return kind


def _fred_frame(data: bytes, name: str) -> pd.DataFrame:
    """FRED frame carrying its series id in ``attrs["series"]``."""
    series, frame = fred.parse_fred_csv(data, name)
    frame.attrs["series"] = series
    return frame


PARSERS: dict[str, Callable[[bytes, str], pd.DataFrame]] = {
    "fred_csv": _fred_frame,
    "cftc_zip": cftc.parse_tff_zip,
    "cftc_txt": cftc.parse_tff_txt,
    "cftc_xls": cftc.parse_tff_xls,
    "cftc_socrata_csv": cftc.parse_socrata_levmoney_csv,
    "tic_mfh": tic.parse_mfhhis01,
    "tic_slt_table5": tic.parse_slt_table5,
    "mspd_table1": fiscaldata.parse_mspd_table1_csv,
    "dts_cash": fiscaldata.parse_dts_cash_csv,
}
_DATASETS = {
    "cftc_zip": "cftc_tff_ust",
    "cftc_txt": "cftc_tff_ust",
    "cftc_xls": "cftc_tff_ust",
    "cftc_socrata_csv": SOCRATA_LEVMONEY_ID,
    "tic_mfh": "tic_mfh",
    "tic_slt_table5": "tic_mfh",
    "mspd_table1": "mspd_table1",
    "dts_cash": "dts_tga",
}


def dataset_for(kind: str, df: pd.DataFrame) -> str:
    """The dataset id a parsed frame belongs to (FRED: ``fred_<series>`` from ``df.attrs``)."""
    if kind == "fred_csv":
        return "fred_" + str(df.attrs["series"]).lower()
    return _DATASETS[kind]


def parse_file(name: str, data: bytes) -> tuple[str, str, pd.DataFrame] | None:
    """Identify and parse one file: (kind, dataset id, frame), or None for files not used."""
    kind = identify(name, data[:8192])
    if kind is None:
        return None
    frame = PARSERS[kind](data, name)
    return kind, dataset_for(kind, frame), frame
