"""GDP, the term premium, Treasury yields and the Standing Repo Facility, from official-layout
files to the brief, and the brief without them.

The files are written in FRED's graph-CSV layout and the New York Fed API's
``{"repo": {"operations": [...]}}`` layout, with real values (``../shared/raw``), and read by
``fetch --from-dir`` like every official file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import official_dir
from ustglass import locale, snapshot
from ustglass.app import app

runner = CliRunner()
FRED = {
    "GDP": [
        ("2024-10-01", "29929.552"),
        ("2025-01-01", "30171.979"),
        ("2025-04-01", "30630.174"),
        ("2025-07-01", "31180.493"),
        ("2025-10-01", "31462.523"),
        ("2026-01-01", "31906.274"),
        ("2026-04-01", "32563.030"),
    ],
    "THREEFYTP10": [("2025-07-28", "0.5445"), ("2026-07-28", "0.7998")],
    "DGS10": [("2025-07-28", "4.42"), ("2026-07-28", "4.61")],
    "DGS2": [("2025-07-28", "3.91"), ("2026-07-28", "4.26")],
    "T10Y2Y": [("2025-07-28", "0.51"), ("2026-07-28", "0.35"), ("2026-07-29", "0.45")],
}
# accepted at the Standing Repo Facility, USD; two operations a day
OPERATIONS = [
    ("2026-04-24", 0),
    ("2026-04-24", 0),
    ("2025-12-31", 74_600_000_000),
    ("2025-12-31", 0),
    ("2025-10-31", 20_350_000_000),
    ("2025-10-31", 30_000_000_000),
    ("2025-10-30", 1_000_000),
]
# MSPD table 1 of 2026-03-31 (the quarter end the fixture's April and May lack), as Fiscal Data writes it
MSPD_MARCH = [
    "2026-03-31,Marketable,Bills,6819223.9222,339.189,6819563.1112",
    "2026-03-31,Total Marketable,_,30825661.7803857,20628.29175235,30846290.0721381",
    "2026-03-31,Total Public Debt Outstanding,_,31431182.2436005,7634239.00512988,39065421.2487304",
]


def nyfed_json() -> str:
    ops = [
        {"operationDate": d, "totalAmtAccepted": a, "totalAmtSubmitted": a, "operationType": "Repo", "term": "Overnight"}
        for d, a in OPERATIONS
    ]
    return json.dumps({"repo": {"operations": ops}}, indent=2)


def write_official(root: Path) -> Path:
    """The test suite's official directory, with the newer files and a quarter end in MSPD."""
    official = official_dir.write(root)
    for series, rows in FRED.items():
        (official / "fred" / f"{series}.csv").write_text(official_dir.fred_csv(series, rows), encoding="utf-8")
    shutil.rmtree(official / "nyfed")  # the suite's own NY Fed excerpt gives way to these operations
    (official / "nyfed").mkdir()
    (official / "nyfed" / "rp_results_repo_2025-10-30_2026-04-24.json").write_text(nyfed_json(), encoding="utf-8")
    old = official / "fiscaldata" / "MSPD_SumSecty_20260430_20260531.csv"
    header, *rows = old.read_text(encoding="utf-8-sig").splitlines()
    old.unlink()
    (official / "fiscaldata" / "MSPD_SumSecty_20260331_20260531.csv").write_text(
        "\ufeff" + "\n".join([header, *MSPD_MARCH, *rows]) + "\n", encoding="utf-8"
    )
    return official


def drop_datasets(snap: Path, ids: tuple[str, ...]) -> None:
    """Take datasets out of a written snapshot (CSV and manifest entry), as an older snapshot would lack them."""
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    for dataset_id in ids:
        (snap / manifest["datasets"].pop(dataset_id)["file"]).unlink()
    (snap / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def report(snaps: Path, out: Path) -> tuple[dict, str, str]:
    result = runner.invoke(app, ["report", "--lang", "all", "--format", "md", "--snapshots", str(snaps), "--out", str(out)])
    assert result.exit_code == 0, result.output
    kf = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    return kf, (out / "brief.en.md").read_text(encoding="utf-8"), (out / "brief.zh.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def with_new(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, str]:
    root = tmp_path_factory.mktemp("new")
    official = write_official(root / "official")
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(root / "fetched")])
    assert result.exit_code == 0, result.output
    path = snapshot.list_snapshots(root / "fetched")[-1]
    assert {"fred_gdp", "fred_threefytp10", "fred_dgs2", "fred_dgs10", "fred_t10y2y", "nyfed_srf"} <= set(snapshot.load(path).tables)
    return report(root / "fetched", root / "out")


def test_the_new_datasets_reach_the_key_figures(with_new) -> None:
    kf, _, _ = with_new
    f, fu, mk = kf["fiscal"], kf["funding"], kf["markets"]
    # 31,431,182.2 mn held by the public on 2026-03-31 / GDP of 2026Q1 (31,906.274 bn SAAR)
    assert f["debt_held_by_public_to_gdp_pct"] == {
        "value": round(31431.1822436005 / 31906.274 * 100, 1),
        "as_of": "2026Q1",
        "unit": "percent of GDP",
        "source": "Treasury MSPD Table 1; FRED GDP",
    }
    assert f["debt_held_by_public_to_gdp_pct"]["value"] == 98.5
    assert f["debt_to_gdp_at_public_quarter"]["value"] == 122.6 and f["debt_to_gdp_at_public_quarter"]["as_of"] == "2026Q1"
    mean_fy2025 = (29929.552 + 30171.979 + 30630.174 + 31180.493) / 4  # 2024Q4..2025Q3
    assert f["deficit_to_gdp_pct"] == {"2025": round(1774.684 / mean_fy2025 * 100, 1)}  # the other years lack their quarters
    assert fu["srf_usd_bn"] == {
        "value": 0.0,
        "as_of": "2026-04-24",
        "unit": "billions of USD",
        "source": "Federal Reserve Bank of New York, repo operations",
    }
    assert fu["srf_peak"] == {
        "value": 74.6,
        "date": "2025-12-31",
        "unit": "billions of USD",
        "source": "Federal Reserve Bank of New York, repo operations",
    }
    assert fu["srf_used"] is False
    assert mk["ust10y_pct"]["latest"]["value"] == 4.61 and mk["ust10y_pct"]["change_bp"] == 19.0
    assert mk["term_premium_pct"]["latest"]["value"] == 0.8 and mk["term_premium_pct"]["change_bp"] == 26.0  # 79.98 - 54.45
    assert mk["curve_2s10s_bp"]["value"] == 45.0 and mk["curve_inverted"] is False


def test_the_new_datasets_reach_the_brief(with_new) -> None:
    _, en, zh = with_new
    assert (
        "Debt held by the public was 98.5% of GDP in Q1 2026; total public debt, which adds the Treasury securities held in "
        "federal trust funds, was 122.6%."
    ) in en
    assert "2026年第一季度，公众持有的联邦债务占GDP的98.5%；计入联邦信托基金等政府账户所持国债后，联邦政府债务总额占GDP的122.6%。" in zh
    assert "| Debt held by the public, % of GDP | 98.5% | Q1 2026 (older than usual) |" in en  # no Q2 GDP by August 7: stale
    assert "| 公众持有的联邦债务占GDP比例 | 98.5% | 2026年第一季度（更新滞后） |" in zh
    assert "| % of GDP | – | – | – | – | – | – | 5.8% |" in en
    assert (
        "The Standing Repo Facility, which lends cash against Treasuries to banks and dealers, was not used on April 24, 2026; "
        "its largest use in the data was $75 billion, on December 31, 2025."
    ) in en
    assert "2026年4月24日无人使用；数据中单日最大使用量为750亿美元（2025年12月31日）。" in zh
    assert "The 10-year Treasury yield was 4.61% on July 28, 2026, 19 bp above its level a year earlier (4.42%)." in en
    assert "2026年7月28日，10年期美国国债收益率为4.61%，比一年前（4.42%）高19个基点。" in zh
    assert "as estimated by the Kim–Wright model — was 0.80% on July 28, 2026, 26 bp above a year earlier (0.54%)." in en
    assert "The 10-year yield stood 45 bp above the 2-year yield on July 29, 2026." in en
    assert "2026年7月29日，10年期收益率高于2年期收益率45个基点。" in zh


def test_without_the_new_datasets_the_brief_leaves_them_out(tmp_path: Path) -> None:
    official = official_dir.write(tmp_path / "official")
    (official / "fred" / "THREEFYTP10.csv").unlink()  # optional: fetch goes on without them
    shutil.rmtree(official / "nyfed")
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "s")]).exit_code == 0
    (snap,) = (tmp_path / "s").iterdir()
    drop_datasets(snap, ("fred_gdp", "fred_dgs2", "fred_dgs10", "fred_t10y2y"))  # required by fetch: a snapshot made otherwise
    kf, en, zh = report(tmp_path / "s", tmp_path / "o")
    # the brief's own sections (the scorecard after them names what it lacks)
    en, zh = (md.split("\n## " + locale.load(code).text("brief.scorecard.heading") + "\n")[0] for md, code in ((en, "en"), (zh, "zh")))
    assert kf["fiscal"]["debt_held_by_public_to_gdp_pct"] is None and kf["fiscal"]["deficit_to_gdp_pct"] == {}
    assert kf["funding"]["srf_usd_bn"] is None and kf["funding"]["srf_peak"] is None
    assert kf["markets"] == {
        "ust10y_pct": None,
        "term_premium_pct": None,
        "ust2y_pct": None,
        "curve_2s10s_bp": None,
        "curve_inverted": None,
    }
    for absent in ("Debt held by the public", "Standing Repo Facility", "term premium", "10-year Treasury yield", "| % of GDP |"):
        assert absent not in en, absent
    for absent in ("公众持有的联邦债务", "常设回购便利", "期限溢价", "10年期美国国债收益率"):
        assert absent not in zh, absent
    assert "Total public debt, including the Treasury securities held in federal trust funds, stood at 122.6% of GDP in Q1 2026" in en
