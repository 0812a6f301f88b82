"""Missing data are said to be missing: key figures hold None ("not available"), never a made-up 0,
and the brief says "not available" / "暂无数据" in both languages."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

import official_dir
from ustglass.app import app

runner = CliRunner()


def build(official: Path, tmp_path: Path) -> tuple[dict, str, str]:
    snaps = tmp_path / "snaps"
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps)])
    assert result.exit_code == 0, result.output
    return report(snaps, tmp_path / "out")


def report(snaps: Path, out: Path) -> tuple[dict, str, str]:
    result = runner.invoke(app, ["report", "--lang", "all", "--format", "md", "--snapshots", str(snaps), "--out", str(out)])
    assert result.exit_code == 0, result.output
    kf = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    return kf, (out / "brief.en.md").read_text(encoding="utf-8"), (out / "brief.zh.md").read_text(encoding="utf-8")


def test_fetch_refuses_tic_without_the_cayman_row(official: Path, tmp_path: Path) -> None:
    path = official / "tic" / "mfhhis01.txt"
    lines = path.read_bytes().decode("utf-8").split("\n")
    del lines[next(i for i, line in enumerate(lines) if line.startswith("Cayman Islands"))]  # the 2025 block's row
    path.write_bytes("\n".join(lines).encode("utf-8"))
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "snaps")])
    assert (result.exit_code, result.output.strip()) == (
        1,
        "Error: tic/mfhhis01.txt, field 'country': no row for 'Cayman Islands' in 2025-12, the newest period; the brief reads it",
    )
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())


def drop_rows(snapshot_dir: Path, dataset: str, keep: Callable[[str], bool]) -> None:
    """Remove CSV rows of one dataset in a written snapshot, keeping its manifest true (sha256, rows)."""
    csv = snapshot_dir / f"{dataset}.csv"
    header, *rows = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [r for r in rows if keep(r)]
    csv.write_text(header + "".join(kept), encoding="utf-8")
    manifest = json.loads((snapshot_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"][dataset].update(sha256=hashlib.sha256(csv.read_bytes()).hexdigest(), rows=len(kept))
    (snapshot_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_missing_cayman_row_is_not_available(official: Path, tmp_path: Path) -> None:
    """A snapshot (written by other means) without a Cayman Islands row for the latest month: no $0, no rank 0, and the brief says so."""
    snaps = tmp_path / "snaps"
    assert runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps)]).exit_code == 0
    (snapshot_dir,) = snaps.iterdir()
    drop_rows(snapshot_dir, "tic_mfh", lambda row: not row.startswith("2025-12,Cayman Islands,"))
    kf, en, zh = report(snaps, tmp_path / "out")
    h = kf["holders"]
    assert (h["as_of"], h["cayman_official"], h["cayman_rank"]) == ("2025-12", None, None)
    assert "Cayman Islands" not in h["ranking"]
    assert "| Cayman Islands, official TIC | not available | December 2025 (older than usual) |" in en  # TIC stale by August
    assert "Official TIC data for the Cayman Islands are not available for December 2025." in en
    assert "| 开曼群岛，TIC官方数据 | 暂无数据 | 2025年12月（更新滞后） |" in zh
    assert "2025年12月开曼群岛的TIC官方数据暂无。" in zh
    # no amount of zero dollars stands for the missing row; the one zero the brief states is a true one: the
    # claim check's difference for the undercount, which is the Federal Reserve note's own figure
    zeros = [c for claim in kf["claims"]["claims"] for c in claim["checks"] if c["difference"] == 0 and c["unit"] == "USD bn"]
    assert [c["id"] for c in zeros] == ["undercount"]
    for text, zero_usd, true_zero in (
        (en, r"\$0(?:\.0+)?(?![\d.,])", "$0 against the claim"),
        (zh, r"(?<![\d.,])0(?:\.0+)?(?:万亿|亿)?美元", "与原文相差0美元"),
    ):
        assert text.count(true_zero) == len(zeros)
        assert re.findall(zero_usd, text.replace(true_zero, "")) == []
    assert not re.search(r"(?<![\d.])0th\b", en) and not re.search(r"第0(?![\d.])", zh)  # no rank 0 (the 80th percentile is fine)


def test_one_fiscal_year_has_no_change_on_the_prior_year(official: Path, tmp_path: Path) -> None:
    """FYFSD holding one fiscal year since FY2019: no prior year, so no change and no direction."""
    rows = [("2018-09-30", "-779137"), ("2025-09-30", "-1774684")]
    (official / "fred" / "FYFSD.csv").write_text(official_dir.fred_csv("FYFSD", rows), encoding="utf-8")
    kf, en, zh = build(official, tmp_path)
    f = kf["fiscal"]
    assert (f["latest_fy"], f["prior_fy"], f["change_vs_prior_usd_bn"], f["direction_vs_prior"]) == ("2025", None, None, None)
    # one year: no change on a prior year and no average over a one-year span (FY2025–FY2025)
    assert "The federal deficit was $1.8 trillion in FY2025. " in en and "FY2025–FY2025" not in en.split("\n| Indicator")[0]
    assert (
        "The federal government ran a deficit of $1.8 trillion in FY2025" in en
        and ", financed mostly by selling new Treasury securities." in en
    )
    assert "2025财年联邦赤字为1.8万亿美元。" in zh


def test_no_year_earlier_value_means_no_direction(official: Path, tmp_path: Path) -> None:
    """Without a year-earlier observation the direction is not available, not 'unchanged'."""
    official_dir_rows = [("2026-06-10", "3080723"), ("2026-06-17", "3033444")]
    (official / "fred" / "WRESBAL.csv").write_text(official_dir.fred_csv("WRESBAL", official_dir_rows), encoding="utf-8")
    kf, en, _ = build(official, tmp_path)
    assert (kf["funding"]["reserves_year_earlier_usd_bn"], kf["funding"]["reserves_direction"]) == (None, None)
    assert (kf["debt"]["bills_share_year_earlier"], kf["debt"]["bills_share_direction"]) == (None, None)  # MSPD: two months only
    assert "Reserve balances were $3.0 trillion in the week to June 17, 2026." in en and "a year earlier" not in en.split("## 1.")[0]
