"""A small directory of official files, laid out as a user who downloaded them would have it.

Real excerpts (tests/fixtures/official) for CFTC, TIC and Fiscal Data, and short FRED graph
CSVs written here in FRED's exact layout, so fetch, metrics and the brief can run end to
end on known numbers without the full official files.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "official"

# FRED series: (observation date, value as FRED writes it); "" is a missing observation.
FRED = {
    "FYFSD": [("2019-09-30", "-983588"), ("2020-09-30", "-3132456"), ("2021-09-30", "-2775300"),
              ("2022-09-30", "-1375900"), ("2023-09-30", "-1693700"), ("2024-09-30", "-1815377"),
              ("2025-09-30", "-1774684")],
    "GFDEGDQ188S": [("2025-01-01", "120.47718"), ("2025-04-01", "120.91211"), ("2025-07-01", "121.52119"),
                    ("2025-10-01", "122.56815"), ("2026-01-01", "122.59387")],
    "SOFR": [("2026-06-17", "3.63"), ("2026-06-18", "3.62"), ("2026-06-19", ""), ("2026-06-22", "3.61"),
             ("2026-06-23", "3.72")],
    "IORB": [("2026-06-17", "3.65"), ("2026-06-18", "3.65"), ("2026-06-19", "3.65"), ("2026-06-22", "3.65"),
             ("2026-06-23", "3.65")],
    "RRPONTSYD": [("2022-12-30", "2553.716"), ("2026-06-22", "4.1"), ("2026-06-23", "2.55")],
    "WRESBAL": [("2025-06-18", "3400000"), ("2026-06-10", "3080723"), ("2026-06-17", "3033444")],
    "WTREGEN": [("2025-11-12", "953816"), ("2025-11-19", "941926")],
}


def fred_csv(series: str, rows: list[tuple[str, str]]) -> str:
    return f"observation_date,{series}\n" + "".join(f"{d},{v}\n" for d, v in rows)


def cftc_zip(txt: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("FinFutYY.txt", date_time=(2026, 8, 7, 0, 0, 0))
        zf.writestr(info, txt)
    return buf.getvalue()


def write(root: Path) -> Path:
    """Write the directory under ``root`` and return it."""
    (root / "fred").mkdir(parents=True)
    for series, rows in FRED.items():
        (root / "fred" / f"{series}.csv").write_text(fred_csv(series, rows), encoding="utf-8")
    (root / "cftc").mkdir()
    week = (FIXTURES / "FinFutYY.txt").read_bytes()
    (root / "cftc" / "fut_fin_txt_2026.zip").write_bytes(cftc_zip(week))
    # the same six rows reported for a 2020 week, so the brief has its 2020 reference level
    week_2020 = week.replace(b",260804,2026-08-04,", b",201124,2020-11-24,")
    (root / "cftc" / "fut_fin_txt_2020.zip").write_bytes(cftc_zip(week_2020))
    (root / "tic").mkdir()
    shutil.copy(FIXTURES / "mfhhis01.txt", root / "tic" / "mfhhis01.txt")
    (root / "fiscaldata").mkdir()
    for name in ("MSPD_SumSecty_20260430_20260531.csv", "DTS_OpCashBal_20220414_20260623.csv"):
        shutil.copy(FIXTURES / name, root / "fiscaldata" / name)
    (root / "README.md").write_text("Official files downloaded for ustglass.\n", encoding="utf-8")
    return root
