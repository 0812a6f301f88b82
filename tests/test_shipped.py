"""The snapshots shipped in data_snapshots/: verified, reproducible from the official files,
and turned into the brief's key figures exactly as an independent recomputation says."""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import metrics, snapshot
from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
EDITIONS = ("2025-12-31", "2026-10-06")
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
        assert snap.manifest["datasets"]["cftc_tff_ust"]["last"] <= edition


@pytest.mark.parametrize("edition", EDITIONS)
def test_shipped_snapshot_is_what_fetch_writes(raw_dir: Path, tmp_path: Path, edition: str) -> None:
    result = runner.invoke(app, ["fetch", "--from-dir", str(raw_dir), *EXCLUDE, "--as-of", edition, "--snapshots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fresh = json.loads((tmp_path / edition / "manifest.json").read_text())["datasets"]
    shipped = json.loads((SHIPPED / edition / "manifest.json").read_text())["datasets"]
    assert {k: v["sha256"] for k, v in fresh.items()} == {k: v["sha256"] for k, v in shipped.items()}


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
    assert kf["debt"]["bills_share_pct"] == {"value": round(bills / total * 100, 1), "as_of": last, "unit": "percent",
                                              "source": "Treasury MSPD Table 1"}


def test_gap_weeks_stay_gaps_in_the_shipped_data() -> None:
    snap = snapshot.load(SHIPPED / "2026-10-06")
    kf = metrics.key_figures(snap.tables, snap.manifest)
    weeks = kf.basis.lev_short_usd_bn
    # weeks with fewer than six contracts reported are absent, and each absence is a listed gap
    assert all(d not in weeks for gap in kf.basis.gaps for d in gap)
    assert kf.basis.weeks_missing > 0


def test_report_defaults_to_the_newest_shipped_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, ["report", "--lang", "en", "--format", "md", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "brief built from snapshot 2026-10-06" in result.output
    kf = json.loads((tmp_path / "key_figures.json").read_text())
    assert kf["snapshot"] == "2026-10-06"


def test_edition_with_stale_futures_data_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--lang", "all", "--format", "md", "--snapshot", str(SHIPPED / "2025-12-31"),
                                 "--out", str(tmp_path)])
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
