"""The brief's analysis sections: the scorecard, the claim check, the stress scenarios and what
changed, in key_figures.json (checked against the engines) and in both languages' Markdown (the
numbers as each pack writes them); the methods appendix generated from the tables; the previous
edition for "what changed" (default and --since); the new figures."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.text import Text
from typer.testing import CliRunner

from kf_factory import make_key_figures
from ustglass import analysis, changes, charts, claims, fmt, locale, metrics, pipeline, scenarios, scorecard, snapshot
from ustglass.app import app
from ustglass.config import Format, ReportConfig
from ustglass.errors import BuildError
from ustglass.figures.amounts import exact_digits, fraction, indicator_value
from ustglass.keyfigures import Changes, DatasetChange, Revision, SignalChange

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
EDITION, NEWEST = "2025-12-31", "2026-10-09"
FY2024_FIRST_PUBLISHED = -1_832_816.0  # FRED FYFSD for FY2024 before its revision to -1,815,377
runner = CliRunner()


def build(snapshot_id: str, since: str | None = None, root: Path = SHIPPED) -> dict[str, str]:
    cfg = ReportConfig(
        langs=("en", "zh"),
        formats=(Format.md,),
        snapshots_root=root,
        out_dir=Path("unused"),
        snapshot=snapshot_id,
        figures=(),
        since=since,
        cache=False,  # tests here patch the code in-process, which the cache's code version cannot see
    )
    return {name: data.decode("utf-8") for name, data in pipeline.build(cfg).files.items()}


@pytest.fixture(scope="module")
def edition() -> dict[str, str]:
    return build(EDITION)


@pytest.fixture(scope="module")
def newest() -> dict[str, str]:
    return build(NEWEST)


@pytest.fixture(scope="module")
def snaps() -> dict[str, snapshot.Snapshot]:
    return {sid: snapshot.load(SHIPPED / sid) for sid in (EDITION, NEWEST)}


CHANGES = {code: locale.load(code).text("brief.changes.heading") for code in ("en", "zh")}  # "What changed"'s heading


def section(md: str, heading: str) -> str:
    """The text of the section under ``heading`` (a level-2 heading), up to the next one."""
    start = md.index(f"\n## {heading}\n")
    end = md.find("\n## ", start + 1)
    return md[start:] if end < 0 else md[start:end]


def plain(obj):
    return json.loads(json.dumps(dataclasses.asdict(obj)))


# ---------------------------------------------------------------- key_figures.json


def test_key_figures_carry_the_engines_results(edition, snaps) -> None:
    kf = json.loads(edition["key_figures.json"])
    tables = snaps[EDITION].tables
    assert kf["scorecard"] == plain(scorecard.key_figures(scorecard.evaluate(tables, snapshot=EDITION)))
    assert kf["claims"] == plain(claims.key_figures(claims.check_claims(tables, EDITION)))
    base = metrics.key_figures(tables, snaps[EDITION].manifest)
    assert kf["scenarios"] == plain(scenarios.brief_scenarios(base, scenarios.shipped_table()))
    assert "changes" not in kf  # no snapshot older than the edition's is shipped
    # spot checks by hand: the values the engines' own tests work out
    gross = next(r for r in kf["scorecard"]["indicators"] if r["id"] == "lev_gross_short")
    assert (gross["value"], gross["as_of"], gross["signal"], gross["percentile"]) == (1251.6, "2025-04-29", "stressed", 99.6)
    fy = next(c for c in kf["claims"]["claims"] if c["id"] == "deficit-fy2025")
    assert (fy["metric"], fy["value"], fy["difference"], fy["verdict"], fy["needs"]) == ("deficit", 1774.7, -25.3, "supported", [])
    tariffs = next(c for c in kf["claims"]["claims"] if c["id"] == "tariffs")
    assert (tariffs["verdict"], tariffs["reason_code"], tariffs["needs"]) == ("cannot_check", "missing_dataset", ["mts_receipts"])
    like_2020 = next(o for o in kf["scenarios"]["named"] if o["name"] == "2020-like")
    assert (like_2020["basis_usd_bn"], like_2020["unwind_share"], like_2020["inputs"]["margin_mult"]) == (751.0, 0.2, 1.5)
    assert [o["name"] for o in kf["scenarios"]["named"]] == ["mild", "2020-like", "severe"]


def test_key_figures_are_language_neutral(edition) -> None:
    text = edition["key_figures.json"]
    for words in ("Leveraged funds' gross short", "supported\u201d", "杠杆", "Mild", "calm\u201d", "not supported"):
        assert words not in text, words


def test_changes_against_the_previous_snapshot(newest, snaps) -> None:
    kf = json.loads(newest["key_figures.json"])
    old, new = snaps[EDITION], snaps[NEWEST]
    assert kf["changes"] == plain(changes.compare(old.id, old.tables, new.id, new.tables))
    moved = {s["id"]: (s["before"], s["after"]) for s in kf["changes"]["signals_changed"]}
    assert moved["lev_gross_short"] == ("stressed", "watch") and moved["sofr_iorb"] == ("watch", "calm")


# ---------------------------------------------------------------- the sections, in both languages


def test_scorecard_section(edition) -> None:
    en, zh = edition["brief.en.md"], edition["brief.zh.md"]
    # as published by 2025-12-31: H.4.1 to the week of December 24, MSPD to November 30
    assert "| Bank reserves | $2.96 trillion | December 24, 2025 | −$47 billion over 3 months | 4 | stressed |" in en
    assert "| 银行准备金 | 2.96万亿美元 | 2025年12月24日 | 近3个月−470亿美元 | 4 | 紧张 |" in zh
    assert ("| Bills' share of marketable debt | 22.3% | November 30, 2025 | −0.4 pp over 1 year | 85 | watch |") in en
    # the term premium of the week of December 26, out on Tuesday 30 December
    assert "| 10-year term premium | 0.56% | December 26, 2025 | +11 bp over 4 weeks | 94 | watch |" in en
    assert "| 10年期期限溢价 | 0.56% | 2025年12月26日 | 近4周+11个基点 | 94 | 关注 |" in zh
    # each date at its indicator's own frequency, as Table 1 writes it
    assert "| Debt held by the public / GDP | 97.1% | Q3 2025 |" in en and "| 公众持有债务占GDP比例 | 97.1% | 2025年第三季度 |" in zh
    assert "| Federal deficit / GDP | 5.8% | FY2025 |" in en and "| 联邦赤字占GDP比例 | 5.8% | 2025财年 |" in zh
    assert (
        "| Cayman Islands' share of foreign holdings | 4.5% | October 2025 |" in en
        and "| 开曼群岛占海外持有比例 | 4.5% | 2025年10月 |" in zh
    )
    assert "| 2s10s curve (10-year − 2-year) | 0.69 pp | December 30, 2025 | +11 bp over 4 weeks |" in en
    assert "| 10-year Treasury yield | 4.14% | December 30, 2025 | +5 bp over 4 weeks |" in en
    # the labels' numbers come from the table's constants
    assert "| SOFR − IORB, 5-day average |" in en and "| Standing Repo Facility use, 4-week high |" in en
    assert (
        "**Crowding flag: not set.**" in en
        and "at percentile 100 of its trailing 3 years" in en
        and "The flag needs both above the 80th percentile and the spread above 0 bp (funding strain means repo trading above IORB): "
        "positions are there, funding is not."
        in en
    )
    assert (
        "**拥挤度标志：未触发。**" in zh
        and "触发标志需要两者均高于第80百分位，且利差高于0个基点（回购利率高于IORB才算融资压力）；目前持仓已达到，融资尚未达到。" in zh
    )


def test_scenario_section(edition) -> None:
    en, zh = edition["brief.en.md"], edition["brief.zh.md"]
    assert "| 2020-like | 0% | ×1.5 | $751 billion | $150 billion | 20% | 0.15 |" in en
    assert "| 类2020年 | 0% | 1.5倍 | 7,510亿美元 | 1,500亿美元 | 20% | 0.15天 |" in zh  # rounded as the English $150 billion
    assert "| Severe | 2% | ×2 | $751 billion | $472 billion | 63% | 0.47 |" in en
    assert (
        "the basis position is a share β = 60% of leveraged funds' gross short N ($1.25 trillion in the week of "
        "April 29, 2025), B = β × N = $751 billion"
    ) in en
    assert "U = B × max(0, 1 − C(1 + b)/C′)" in en and "U = B × max(0, 1 − C(1 + b)/C′)" in zh
    assert "the forced unwind is $347 billion: 46% of the position, or 0.35 days of cash Treasury trading" in en
    assert (
        "- **2020-like**: As in March 2020: repo haircuts broadly unchanged, futures margins up to 1.5 times their level; this unwinds 20% of the position"
        in en
    )


def test_what_changed_without_a_previous_edition(edition) -> None:
    assert "There is no previous edition to compare with: no snapshot older than this one (2025-12-31) is in the archive." in section(
        edition["brief.en.md"], CHANGES["en"]
    )
    assert "没有可供比较的上期" in section(edition["brief.zh.md"], CHANGES["zh"])


def test_what_changed_since_the_previous_edition(newest) -> None:
    en, zh = (section(newest[f"brief.{c}.md"], CHANGES[c]) for c in ("en", "zh"))
    assert "Compared with the previous edition (snapshot 2025-12-31), 15 datasets have new or changed data" in en
    assert (
        "| Traders in Financial Futures: six U.S. Treasury futures contracts | changed | 198 | January 6, 2026 – October 6, 2026 | 0 | 0 |"
    ) in en
    assert (
        "| Leveraged funds' gross short, UST futures | stressed ($1.25 trillion, April 29, 2025) | "
        "watch ($1.08 trillion, October 6, 2026) |"
    ) in en
    assert "| 杠杆基金国债期货总空头 | 紧张（1.25万亿美元，2025年4月29日） | 关注（1.08万亿美元，2026年10月6日） |" in zh
    assert "No earlier observation was revised." in en and "没有既有观测值被修订。" in zh


def test_claim_appendix(edition) -> None:
    en, zh = (section(edition[f"brief.{c}.md"], h) for c, h in (("en", "Appendix A. Claim check"), ("zh", "附录一　论断核对")))
    assert (
        "| The FY2025 federal deficit came to about $1.8 trillion (FY2025) | FY2025 deficit: $1.77 trillion (FY2025), "
        "−$25 billion against the claim | supported |"
    ) in en
    assert "| 2025财年联邦赤字约为1.8万亿美元（2025财年） | 2025财年赤字：1.77万亿美元（2025财年），与原文相差−250亿美元 | 成立 |" in zh
    assert (
        "| Customs duties reached a record of roughly $195 billion (FY2025) | customs duties, FY2025: needs the Monthly Treasury "
        "Statement's receipts, which this snapshot does not hold | cannot be checked with this snapshot — needs the Monthly "
        "Treasury Statement's receipts |"
    ) in en
    assert "| 本数据快照无法核对——需要月度国库报表的财政收入 |" in zh
    assert "| cannot be checked with this snapshot — needs CBO's estimate of the FY2025 deficit |" in en
    # reader-facing names, never dataset or entry ids
    for dataset_id in ("mts_receipts", "ofr_nccbr", "fred_walcl", "mspd_table3", "research_estimates", "cbo_fy2025_deficit", "nyfed_srf"):
        assert dataset_id not in en and dataset_id not in zh, dataset_id
    assert "needs the OFR's data on non-centrally cleared bilateral repo" in en and "needs the Fed's total assets (FRED WALCL)" in en
    assert "needs the Monthly Statement of the Public Debt, Table 3 (marketable securities by maturity)" in en
    assert "| not supported |" in en and "total public debt / GDP: 121.0% (Sep 30, 2025), +21.00 pp against the claim" in en
    assert "debt held by the public / GDP: 97.1% (Sep 30, 2025), −2.90 pp against the claim" in en
    assert en.count("\n| ") == 1 + len(claims.load_claims())  # the head and one row per claim


# The brief's level-2 headings in reading order, by their key in the language pack: the existing
# sections, the scorecard and the scenarios after funding, what changed after the outlook, then
# the methodology and the two appendices.
READING_ORDER = (
    "brief.sections.summary",
    "brief.sections.deficits",
    "brief.sections.holders",
    "brief.sections.funding",
    "brief.scorecard.heading",
    "brief.scenarios.heading",
    "brief.sections.outlook",
    "brief.changes.heading",
    "brief.sections.methods",
    "brief.claims.heading",
    "brief.analysis_methods.heading",
)


def test_sections_stand_in_reading_order_in_both_languages(edition) -> None:
    for code in ("en", "zh"):
        pack = locale.load(code)
        found = [line[3:] for line in edition[f"brief.{code}.md"].splitlines() if line.startswith("## ")]
        assert found == [pack.text(key) for key in READING_ORDER], code
    en, zh = ([locale.load(code).text(key) for key in READING_ORDER] for code in ("en", "zh"))
    assert [h.split(".")[0] for h in en[1:9]] == [str(n) for n in range(1, 9)]  # numbered as they stand
    assert en[9].startswith("Appendix A.") and en[10].startswith("Appendix B.")
    assert [h[0] for h in zh[1:9]] == list("一二三四五六七八") and zh[9].startswith("附录一") and zh[10].startswith("附录二")


# ---------------------------------------------------------------- data differ, results differ


def test_signals_differ_where_the_data_differ(edition, newest) -> None:
    row = "| Leveraged funds' gross short, UST futures | {} |"
    assert row.format("$1.25 trillion | April 29, 2025 | +$31 billion over 3 months | 100 | stressed") in edition["brief.en.md"]
    assert row.format("$1.08 trillion | October 6, 2026 | −$42 billion over 3 months | 83 | watch") in newest["brief.en.md"]
    assert "| 隔夜逆回购（ON RRP） | 26亿美元 | 2026年7月29日 | 近3个月+18亿美元 | 28 | 紧张 |" in newest["brief.zh.md"]
    assert "| 隔夜逆回购（ON RRP） | 130亿美元 | 2025年12月30日 | 近3个月−370亿美元 | 37 | 紧张 |" in edition["brief.zh.md"]


def test_claims_are_judged_at_their_own_dates(edition, newest) -> None:
    """Both shipped snapshots hold the same data for the claims' own dates, so the verdicts agree."""
    verdicts = [{c["id"]: c["verdict"] for c in json.loads(files["key_figures.json"])["claims"]["claims"]} for files in (edition, newest)]
    assert verdicts[0] == verdicts[1]


def first_published(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with FY2024's deficit as first published, before FRED's revision."""
    fy = tables["fred_fyfsd"].copy()
    fy.loc[fy["date"] == pd.Timestamp("2024-09-30"), "value"] = FY2024_FIRST_PUBLISHED
    return {**tables, "fred_fyfsd": fy}


@pytest.fixture
def unrevised_edition(monkeypatch: pytest.MonkeyPatch):
    """Loading the 2025-12-31 snapshot gives FY2024's deficit as first published."""
    real = snapshot.load

    def load(path: Path) -> snapshot.Snapshot:
        snap = real(path)
        return dataclasses.replace(snap, tables=first_published(snap.tables)) if snap.id == EDITION else snap

    monkeypatch.setattr(snapshot, "load", load)


def test_claim_verdicts_differ_where_the_data_differ(unrevised_edition, edition) -> None:
    files = build(EDITION)
    row = "| FY2025's deficit was a little smaller than FY2024's, by some 2–3% (FY2025 vs FY2024) | "
    assert (
        row + "change from FY2024: −$41 billion (FY2025); change from FY2024, percent: −2.2% (FY2025) | supported |"
        in edition["brief.en.md"]
    )
    assert (
        row
        + "change from FY2024: −$58 billion (FY2025); change from FY2024, percent: −3.2% (FY2025), −0.17 pp against the claim | partly supported |"
        in files["brief.en.md"]
    )
    verdict = next(c for c in json.loads(files["key_figures.json"])["claims"]["claims"] if c["id"] == "deficit-fell")
    assert (verdict["verdict"], verdict["checks"][1]["value"]) == ("partly", -3.17)


def test_revisions_are_listed_with_old_and_new_values(unrevised_edition) -> None:
    files = build(NEWEST)
    en = section(files["brief.en.md"], CHANGES["en"])
    assert "- Federal surplus or deficit, 2024-09-30, value: −1,832,816 → −1,815,377" in en
    assert "| Federal surplus or deficit | changed | 0 | – | 1 | 0 |" in en
    assert "联邦财政盈余或赤字，2024-09-30，数值：−1,832,816 → −1,815,377" in files["brief.zh.md"]  # the column in the pack's word
    kf = json.loads(files["key_figures.json"])["changes"]
    fy = next(d for d in kf["datasets"] if d["dataset"] == "fred_fyfsd")
    assert fy["revisions"] == [{"key": "2024-09-30", "column": "value", "old": FY2024_FIRST_PUBLISHED, "new": -1_815_377.0}]


def test_many_revisions_are_counted_beyond_the_first_few() -> None:
    revs = tuple(Revision(f"2025-0{m}-01", "value", float(m), float(m) + 0.5) for m in range(1, 9))
    found = Changes(
        "a",
        "b",
        (DatasetChange("fred_sofr", "changed", revised=8, revisions=revs),),
        (SignalChange("on_rrp", None, "calm", None, 300.0, None, "2025-12-31"),),
    )
    card = make_key_figures().scorecard
    ctx = analysis.changes_context(found, card, locale.load("en"))
    assert ctx["revisions"][0] == "Secured Overnight Financing Rate, 2025-01-01, value: 1 → 1.5"
    assert (
        len(ctx["revisions"]) == analysis.REVISIONS_SHOWN + 1
        and ctx["revisions"][-1] == "Secured Overnight Financing Rate: 3 more revisions"
    )
    assert ctx["signals"] == [
        {"name": "Overnight reverse repo (ON RRP)", "before": "not available", "after": "calm ($300 billion, December 31, 2025)"}
    ]


# ---------------------------------------------------------------- the methods appendix comes from the tables


def methods_lines(md: str) -> list[str]:
    part = md[md.index("\n## Appendix B.") :] if "\n## Appendix B." in md else md[md.index("\n## 附录二") :]
    return [line for line in part.splitlines() if line.startswith("- **")]


def test_methods_list_every_threshold_and_parameter_as_in_the_tables(edition) -> None:
    for code in ("en", "zh"):
        loc, lines = locale.load(code), methods_lines(edition[f"brief.{code}.md"])
        rows, table = scorecard.methods_rows(), scenarios.shipped_table()
        assert len(lines) == len(rows) + len(table.parameters) + len(table.margins)
        for row, line in zip(rows, lines):
            assert line.startswith(f"- **{analysis.indicator_name(loc, row.id)}**")
            t = row.thresholds
            shown = [
                indicator_value(x, row.unit, exact_digits(x), loc) if t.basis == "level" else fmt.ordinal(int(x), loc)
                for x in (t.watch, t.stressed)
            ]
            assert all(s in line for s in shown), (row.id, shown, line)
            assert loc.text("scorecard.periods", row.change_period) in line
        for spec, line in zip(table.parameters, lines[len(rows) :]):
            assert f"`{spec.option}`" in line and f"**{spec.symbol}" in line
            assert all(c.authors in line and c.locator in line for c in spec.citations)
        for m, line in zip(table.margins, lines[len(rows) + len(table.parameters) :]):
            assert fraction(m.value, loc) in line and all(c.url in line for c in m.citations)
    en = methods_lines(edition["brief.en.md"])
    assert "watch at or above 0 bp, stressed at or above 10 bp" in en[4]  # SOFR − IORB
    assert "watch at or below $250 billion, stressed at or below $50 billion" in en[5]  # ON RRP
    assert "watch at or above the 80th percentile, stressed at or above the 95th" in en[0]
    assert "(`--beta`): 60%." in en[len(scorecard.ALL)] and "(`--daily-volume`): $1.0 trillion." in en[len(scorecard.ALL) + 6]
    assert (
        "(`--margin`): the contract margins below, averaged with the weights of leveraged funds' short notional"
        in en[len(scorecard.ALL) + 2]
    )
    assert "(1.63% for this edition)" in en[len(scorecard.ALL) + 2]


def test_a_threshold_and_a_parameter_changed_in_the_tables_change_the_brief(monkeypatch) -> None:
    """Nothing is typed twice: the appendix and the results follow the tables."""
    sofr = scorecard.BY_ID["sofr_iorb"]
    moved = dataclasses.replace(sofr, thresholds=scorecard.Thresholds("level", 7, 70))
    monkeypatch.setattr(scorecard, "ALL", tuple(moved if i is sofr else i for i in scorecard.ALL))
    real = scenarios.shipped_table

    def table() -> scenarios.ParameterTable:
        t = real()
        params = tuple(dataclasses.replace(p, value=0.5) if p.id == "beta" else p for p in t.parameters)
        return dataclasses.replace(t, parameters=params)

    monkeypatch.setattr(scenarios, "shipped_table", table)
    files = build(EDITION)
    en = files["brief.en.md"]
    assert "watch at or above 7 bp, stressed at or above 70 bp" in methods_lines(en)[4]
    assert "| SOFR − IORB, 5-day average | 6.2 bp | December 30, 2025 | −10.0 bp over 4 weeks | 98 | calm |" in en  # 6.2 is under 7
    assert "(`--beta`): 50%." in en and "B = β × N = $626 billion" in en
    assert json.loads(files["key_figures.json"])["scenarios"]["defaults"]["inputs"]["beta"] == 0.5


# ---------------------------------------------------------------- the previous edition


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """The shipped snapshots plus a copy of the edition's as an earlier one."""
    for sid in (EDITION, NEWEST):
        shutil.copytree(SHIPPED / sid, tmp_path / sid)
    shutil.copytree(SHIPPED / EDITION, tmp_path / "2025-06-30")
    manifest = tmp_path / "2025-06-30" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "snapshot": "2025-06-30", "as_of": "2025-06-30"}), encoding="utf-8")
    return tmp_path


def test_the_previous_edition_is_the_snapshot_before_unless_since_names_one(three: Path) -> None:
    default = json.loads(build(NEWEST, root=three)["key_figures.json"])["changes"]
    assert (default["previous"], default["current"]) == (EDITION, NEWEST)
    named = build(NEWEST, since="2025-06-30", root=three)
    assert json.loads(named["key_figures.json"])["changes"]["previous"] == "2025-06-30"
    assert "Compared with the previous edition (snapshot 2025-06-30)" in named["brief.en.md"]
    same = json.loads(build(EDITION, root=three)["key_figures.json"])["changes"]
    assert same["previous"] == "2025-06-30" and same["signals_changed"] == []  # the same data: nothing moved
    assert all(d["status"] == "unchanged" for d in same["datasets"])


def test_since_must_be_an_older_snapshot(three: Path) -> None:
    with pytest.raises(BuildError) as err:
        build(EDITION, since=NEWEST, root=three)
    assert str(err.value) == f"{NEWEST}: the previous edition's snapshot must be older than this edition's ({EDITION})"


def test_report_since_on_the_command_line(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["report", "--lang", "en", "--format", "md", "--snapshots", str(three), "--snapshot", NEWEST, "--out", str(out)]
    result = runner.invoke(app, [*args, "--since", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert "Compared with the previous edition (snapshot 2025-06-30)" in (out / "brief.en.md").read_text(encoding="utf-8")
    first = (out / "brief.en.md").read_bytes(), (out / "key_figures.json").read_bytes()
    again = runner.invoke(app, [*args, "--since", "2025-06-30"])
    assert again.exit_code == 0 and ((out / "brief.en.md").read_bytes(), (out / "key_figures.json").read_bytes()) == first
    bad = runner.invoke(app, [*args, "--since", "1999-01-01"])
    assert (bad.exit_code, bad.stderr) == (1, f"Error: 1999-01-01: no such snapshot (looked in {three})\n")


# ---------------------------------------------------------------- the figures


def test_the_new_figures_are_registered_and_worded_in_every_pack() -> None:
    from ustglass import figures

    assert figures.IDS[-2:] == ("scorecard", "scenario_grid")
    for code in locale.available():
        texts = charts.chart_texts(locale.load(code), ("scorecard", "scenario_grid"))
        assert texts["scorecard"].title and texts["scenario_grid"].source
        loc = locale.load(code)
        assert loc.text("brief.figures.scorecard") and loc.text("brief.figures.scenario_grid")


def drawn(fid: str, kf, code: str) -> list[str]:
    spec = charts.load_spec(REPO / "figures" / f"{fid}.toml")
    fig = charts.build_figure(fid, kf, locale.load(code), spec)
    return [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def test_scorecard_figure_shows_each_row_from_the_key_figures() -> None:
    kf = make_key_figures()
    en, zh = drawn("scorecard", kf, "en"), drawn("scorecard", kf, "zh")
    assert "$1.08 trillion, Oct 6, 2026" in en and "1.08万亿美元，2026年10月6日" in zh
    assert "flag not set, Jun 30, 2026" in en and "未触发，2026年6月30日" in zh
    assert en.count("not in this snapshot") == kf.scorecard.signal_counts["not_available"]
    assert "Leveraged funds' gross short" in en and "杠杆基金总空头" in zh


def test_scenario_grid_labels_every_cell_with_its_share() -> None:
    kf = make_key_figures()
    texts = drawn("scenario_grid", kf, "en")
    g = kf.scenarios.grid
    cells = [fmt.pct(x * 100, locale.load("en"), 0) for row in g.unwind_share for x in row]
    assert all(texts.count(c) >= cells.count(c) for c in set(cells))
    assert ["×1", "×1.25", "×1.5", "×2", "×2.5", "×3"] == [t for t in texts if t.startswith("×")]
    assert analysis_marked(kf) == [(0, 1), (0, 2), (3, 0), (3, 3)]  # mild, 2020-like, the default, severe


def analysis_marked(kf) -> list[tuple[int, int]]:
    from ustglass.figures import scenario_grid

    return scenario_grid.marked_cells(kf)
