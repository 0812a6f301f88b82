"""A small directory of official files, laid out as a user who downloaded them would have it.

Real excerpts (tests/fixtures/official) for CFTC, TIC, Fiscal Data and the NY Fed, and short
FRED graph CSVs written here in FRED's exact layout, so fetch, metrics and the brief can run
end to end on known numbers without the full official files. Every dataset is covered, the
optional ones too (THREEFYTP10, the NY Fed's SRF operations), except RPONTSYD.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

# Every dataset a complete snapshot holds: what fetch writes from these files, and what is shipped.
DATASETS = {
    "cftc_tff_ust",
    "dts_tga",
    "fred_dgs10",
    "fred_dgs2",
    "fred_fyfsd",
    "fred_gdp",
    "fred_gfdegdq188s",
    "fred_iorb",
    "fred_rrpontsyd",
    "fred_sofr",
    "fred_t10y2y",
    "fred_threefytp10",
    "fred_wresbal",
    "mspd_table1",
    "nyfed_srf",
    "research_estimates",
    "tic_mfh",
}

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "official"

# FRED series: (observation date, value as FRED writes it); "" is a missing observation.
FRED = {
    "FYFSD": [
        ("2019-09-30", "-983588"),
        ("2020-09-30", "-3132456"),
        ("2021-09-30", "-2775300"),
        ("2022-09-30", "-1375900"),
        ("2023-09-30", "-1693700"),
        ("2024-09-30", "-1815377"),
        ("2025-09-30", "-1774684"),
    ],
    "GFDEGDQ188S": [
        ("2025-01-01", "120.47718"),
        ("2025-04-01", "120.91211"),
        ("2025-07-01", "121.52119"),
        ("2025-10-01", "122.56815"),
        ("2026-01-01", "122.59387"),
    ],
    "SOFR": [("2026-06-17", "3.63"), ("2026-06-18", "3.62"), ("2026-06-19", ""), ("2026-06-22", "3.61"), ("2026-06-23", "3.72")],
    "IORB": [("2026-06-17", "3.65"), ("2026-06-18", "3.65"), ("2026-06-19", "3.65"), ("2026-06-22", "3.65"), ("2026-06-23", "3.65")],
    "RRPONTSYD": [("2022-12-30", "2553.716"), ("2026-06-22", "4.1"), ("2026-06-23", "2.55")],
    "WRESBAL": [("2025-06-18", "3400000"), ("2026-06-10", "3080723"), ("2026-06-17", "3033444")],
    "GDP": [
        ("2025-01-01", "30171.979"),
        ("2025-04-01", "30630.174"),
        ("2025-07-01", "31180.493"),
        ("2025-10-01", "31462.523"),
        ("2026-01-01", "31906.274"),
    ],
    "DGS2": [("2026-06-17", "4.2"), ("2026-06-18", "4.19"), ("2026-06-19", ""), ("2026-06-22", "4.24"), ("2026-06-23", "4.16")],
    "DGS10": [("2026-06-17", "4.49"), ("2026-06-18", "4.46"), ("2026-06-19", ""), ("2026-06-22", "4.51"), ("2026-06-23", "4.5")],
    "T10Y2Y": [("2026-06-17", "0.29"), ("2026-06-18", "0.27"), ("2026-06-19", ""), ("2026-06-22", "0.27"), ("2026-06-23", "0.34")],
    "THREEFYTP10": [
        ("2026-06-17", "0.7666"),
        ("2026-06-18", "0.7519"),
        ("2026-06-19", ""),
        ("2026-06-22", "0.7647"),
        ("2026-06-23", "0.7568"),
    ],
}
NYFED = "rp_results_2025-12-29_2026-01-02.json"


def fred_csv(series: str, rows: list[tuple[str, str]]) -> str:
    return f"observation_date,{series}\n" + "".join(f"{d},{v}\n" for d, v in rows)


# The 2024 block of TIC's mfhhis01.txt (a few of its rows), inserted after the 2025 block.
TIC_2024_BLOCK = "\n".join(
    [
        "\t" * 13,
        "\tDec\tNov\tOct\tSep\tAug\tJul\tJun\tMay\tApr\tMar\tFeb\tJan\t",
        "Country" + "\t2024" * 12 + "\t",
        "\t" + "------\t" * 12,
        "Japan\t1061.5\t1087.1\t1101.5\t1095.5\t1106\t1093.5\t1091.4\t1106\t1126.1\t1167\t1147.6\t1140.6\t",
        '"China, Mainland"\t759\t768.6\t760.1\t772\t774.6\t776.5\t780.2\t768.3\t770.7\t767.4\t775\t797.7\t',
        "United Kingdom\t722.8\t766.9\t746.5\t769.3\t749.2\t733.5\t746.5\t728.6\t714.6\t736.4\t711.5\t701.8\t",
        "Cayman Islands\t423\t405.3\t418.3\t424.6\t424.2\t380.1\t326.3\t342.7\t326\t310.8\t309.9\t327.9\t",
        "All Other\t669.5\t662.5\t669.3\t657.9\t650.8\t642.5\t632.1\t588.3\t583.3\t573.2\t561.8\t548.3\t",
        "Grand Total\t8619.3\t8723.3\t8693.5\t8766.3\t8611.4\t8428.2\t8299.3\t8130.7\t8036.2\t8107.9\t7999.3\t7953.8\t",
        "\t" * 13,
        "",
    ]
)


def tic_history() -> bytes:
    """The fixture's mfhhis01.txt with the 2024 block added after the 2025 one."""
    text = (FIXTURES / "mfhhis01.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    end = next(i for i, line in enumerate(lines) if line.startswith("T-Bonds & Notes")) + 1
    return "\n".join(lines[:end] + [TIC_2024_BLOCK.rstrip("\n")] + lines[end:]).encode("utf-8")


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
    (root / "tic" / "mfhhis01.txt").write_bytes(tic_history())
    (root / "fiscaldata").mkdir()
    for name in ("MSPD_SumSecty_20260430_20260531.csv", "DTS_OpCashBal_20220414_20260623.csv"):
        shutil.copy(FIXTURES / name, root / "fiscaldata" / name)
    (root / "nyfed").mkdir()
    shutil.copy(FIXTURES / NYFED, root / "nyfed" / NYFED)
    (root / "README.md").write_text("Official files downloaded for ustglass.\n", encoding="utf-8")
    return root
