"""The snapshots shipped in data_snapshots/: verified, reproducible from the official files,
holding only what was published by their date, and turned into the brief's key figures
exactly as an independent recomputation says."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from official_dir import DATASETS
from ustglass import metrics, releases, snapshot
from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
# The article's edition, and the newest the data allow: the CFTC report of Tuesday 2026-10-06 came out
# on Friday 2026-10-09, the last release any of the official files holds.
EDITIONS = ("2025-12-31", "2026-10-09")
EXCLUDE = ("--exclude", "originals/*", "--exclude", "samples/*")
runner = CliRunner()


def rows(snap: Path, name: str) -> list[dict[str, str]]:
    with open(snap / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_shipped_snapshots_verify() -> None:
    assert [p.name for p in snapshot.list_snapshots(SHIPPED)] == list(EDITIONS)
    for edition in EDITIONS:
        snap = snapshot.load(SHIPPED / edition)
        assert snap.as_of == edition
        assert set(snap.manifest["datasets"]) == DATASETS
        assert snap.manifest["datasets"]["cftc_tff_ust"]["last"] <= edition
        assert snap.manifest["datasets"]["tic_mfh"]["release"] == {"rule": "tic_18th", "lag_days": 49, "stale_after_days": 94}


@pytest.mark.parametrize("edition", EDITIONS)
def test_shipped_snapshot_is_what_fetch_writes(raw_dir: Path, tmp_path: Path, edition: str) -> None:
    result = runner.invoke(app, ["fetch", "--from-dir", str(raw_dir), *EXCLUDE, "--as-of", edition, "--snapshots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fresh = json.loads((tmp_path / edition / "manifest.json").read_text())["datasets"]
    shipped = json.loads((SHIPPED / edition / "manifest.json").read_text())["datasets"]
    assert {k: v["sha256"] for k, v in fresh.items()} == {k: v["sha256"] for k, v in shipped.items()}
    for csv_file in sorted((SHIPPED / edition).glob("*.csv")):
        assert (tmp_path / edition / csv_file.name).read_bytes() == csv_file.read_bytes(), csv_file.name


def test_the_newest_snapshot_is_dated_by_the_newest_release(raw_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["fetch", "--from-dir", str(raw_dir), *EXCLUDE, "--snapshots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in snapshot.list_snapshots(tmp_path)] == ["2026-10-09"]
    manifest = snapshot.read_manifest(tmp_path / "2026-10-09")["datasets"]
    assert manifest["cftc_tff_ust"]["last"] == "2026-10-06"
    assert manifest["fred_threefytp10"]["last"] == "2026-09-25"  # the newest file, yet released on 2026-09-29


def last(snap: Path, name: str, column: str) -> str:
    return max(r[column] for r in rows(snap, name))


def test_an_edition_holds_only_what_was_published_by_its_date(raw_dir: Path, tmp_path: Path) -> None:
    """Issue 7's example: as of 2024-06-30, TIC had published April 2024 (on 18 June), BEA the first
    estimate of 2024 Q1 (end of April) and its third (27 June, when FRED adds the quarter to debt/GDP),
    the MSPD May 2024 (4th business day of June)."""
    result = runner.invoke(app, ["fetch", "--from-dir", str(raw_dir), *EXCLUDE, "--as-of", "2024-06-30", "--snapshots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    snap = tmp_path / "2024-06-30"
    meta = snapshot.read_manifest(snap)["datasets"]
    assert (meta["tic_mfh"]["last"], last(snap, "tic_mfh", "month")) == ("2024-04", "2024-04")
    assert meta["fred_gfdegdq188s"]["last"] == meta["fred_gdp"]["last"] == "2024-01-01"  # 2024 Q1
    assert (meta["mspd_table1"]["last"], last(snap, "mspd_table1", "record_date")) == ("2024-05-31", "2024-05-31")
    assert meta["fred_fyfsd"]["last"] == "2023-09-30"
    assert meta["fred_sofr"]["last"] == "2024-06-27"  # Friday's SOFR comes on Monday 1 July
    assert meta["cftc_tff_ust"]["last"] == "2024-06-25"  # released Friday 28 June
    assert "nyfed_srf" not in meta  # the copy of the NY Fed's operations starts in March 2025
    assert meta["research_estimates"]["rows"] == 0  # the FEDS Note came out in October 2025


def test_the_articles_edition_uses_the_releases_of_2025() -> None:
    snap = SHIPPED / "2025-12-31"
    meta = snapshot.read_manifest(snap)["datasets"]
    assert meta["tic_mfh"]["last"] == "2025-10"  # published mid-December; November came in January
    assert meta["fred_gfdegdq188s"]["last"] == meta["fred_gdp"]["last"] == "2025-07-01"  # 2025 Q3
    assert meta["mspd_table1"]["last"] == "2025-11-30"
    assert meta["fred_sofr"]["last"] == "2025-12-30"  # the year-end SOFR came out on 2 January
    srf = {r["date"]: float(r["value"]) for r in rows(snap, "nyfed_srf")}
    assert (max(srf), srf["2025-12-31"], srf["2025-10-31"]) == ("2025-12-31", 74.6, 50.35)  # operations: the same day
    assert max(srf, key=lambda day: srf[day]) == "2025-12-31"


@pytest.mark.parametrize(
    ("edition", "stale"),
    [
        ("2025-12-31", ["cftc_tff_ust"]),
        (
            "2026-10-09",
            [
                "dts_tga",
                "fred_dgs10",
                "fred_dgs2",
                "fred_iorb",
                "fred_rrpontsyd",
                "fred_sofr",
                "fred_t10y2y",
                "fred_wresbal",
                "mspd_table1",
                "nyfed_srf",
                "tic_mfh",
            ],
        ),
    ],
)
def test_freshness_of_the_shipped_editions(edition: str, stale: list[str]) -> None:
    snap = snapshot.load(SHIPPED / edition)
    found = releases.freshness(snap.tables, snap.manifest)
    assert set(found) == DATASETS
    assert sorted(ds for ds, f in found.items() if f.stale) == stale
    assert found["tic_mfh"].to_dict() == (
        {"last_observation": "2025-10", "known_since": "2025-12-18", "stale": False}
        if edition == "2025-12-31"
        else {"last_observation": "2025-12", "known_since": "2026-02-18", "stale": True}
    )


def independent_lev_short(snap: Path) -> dict[str, float]:
    """Six-contract gross short notional per week, recomputed with the csv module."""
    face = {"042601": 200_000, "044601": 100_000, "043602": 100_000, "043607": 100_000, "020601": 100_000, "020604": 100_000}
    weeks: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows(snap, "cftc_tff_ust"):
        if r["lev_short"]:
            weeks[r["report_date"]][r["contract_code"]] = int(r["lev_short"])
    return {d: half_up(sum(n * face[c] for c, n in w.items()) / 1e9) for d, w in weeks.items() if set(w) == set(face)}


def half_up(value: float) -> float:
    """Rounded to 0.1 half-up on the decimal value, as the brief rounds (603.15 -> 603.2)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("edition", EDITIONS)
def test_key_figures_match_an_independent_recomputation(edition: str) -> None:
    path = SHIPPED / edition
    snap = snapshot.load(path)
    kf = metrics.key_figures(snap.tables, snap.manifest).to_dict()
    fyfsd = {r["date"][:4]: float(r["value"]) for r in rows(path, "fred_fyfsd") if r["value"] and r["date"] >= "2019"}
    assert kf["fiscal"]["deficit_usd_bn"] == {fy: round(-v / 1000, 1) for fy, v in fyfsd.items()}
    lev = independent_lev_short(path)
    assert kf["basis"]["lev_short_usd_bn"] == dict(sorted(lev.items()))
    latest = max(lev)
    assert kf["basis"]["latest"] == {"value": lev[latest], "as_of": latest, "unit": "billions of USD", "source": "CFTC TFF"}
    tic = rows(path, "tic_mfh")
    month = max(r["month"] for r in tic)
    cayman = {r["month"]: float(r["value"]) for r in tic if r["country"] == "Cayman Islands"}
    assert kf["holders"]["as_of"] == month
    assert kf["holders"]["usd_bn"]["Cayman Islands"] == cayman[month]
    research = rows(path, "research_estimates")
    est = kf["holders"]["cayman_estimate_usd_bn"]
    note = next(r for r in research if r["id"] == "cayman_hf_ust_undercount")
    # our calculation: TIC at the note's month + its undercount ("around $1.4 trillion"), to the note's $100 billion
    assert est["value"] == round(cayman[note["as_of"]] + float(note["value"]), -2)
    mspd = rows(path, "mspd_table1")
    last = max(r["record_date"] for r in mspd)
    bills = sum(float(r["total_usd_mn"]) for r in mspd if r["record_date"] == last and r["security_class"] == "Bills")
    total = sum(float(r["total_usd_mn"]) for r in mspd if r["record_date"] == last and r["security_type"] == "Total Marketable")
    assert kf["debt"]["bills_share_pct"] == {
        "value": round(bills / total * 100, 1),
        "as_of": last,
        "unit": "percent",
        "source": "Treasury MSPD Table 1",
    }


def test_gap_weeks_stay_gaps_in_the_shipped_data() -> None:
    snap = snapshot.load(SHIPPED / "2026-10-09")
    kf = metrics.key_figures(snap.tables, snap.manifest)
    weeks = kf.basis.lev_short_usd_bn
    # weeks with fewer than six contracts reported are absent, and each absence is a listed gap
    assert all(d not in weeks for gap in kf.basis.gaps for d in gap)
    assert kf.basis.weeks_missing > 0


def test_report_defaults_to_the_newest_shipped_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, ["report", "--lang", "en", "--format", "md", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "brief built from snapshot 2026-10-09" in result.output
    kf = json.loads((tmp_path / "key_figures.json").read_text())
    assert kf["snapshot"] == "2026-10-09"


def test_edition_with_stale_futures_data_says_so(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--lang", "all", "--format", "md", "--snapshot", str(SHIPPED / "2025-12-31"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    kf = json.loads((tmp_path / "key_figures.json").read_text())
    basis = kf["basis"]
    # the last complete six-contract week is months before the edition date: a trailing gap up to it
    assert basis["latest"]["as_of"] < "2025-12-01" and basis["weeks_since_latest"] > 0
    assert basis["gaps"][-1][0] > basis["latest"]["as_of"] and basis["gaps"][-1][1] <= "2025-12-31"
    en = (tmp_path / "brief.en.md").read_text(encoding="utf-8")
    zh = (tmp_path / "brief.zh.md").read_text(encoding="utf-8")
    assert f"the {basis['weeks_since_latest']} weekly reports due since then are missing from the data" in en
    assert f"此后应发布的{basis['weeks_since_latest']}期周报不在数据中" in zh
    # the FRED copy was retrieved after 2025-12-31: the brief says revisions since are included
    assert kf["fiscal"]["vintage_after_as_of"] is True
    assert "after this edition's date, so they include revisions published since" in en
