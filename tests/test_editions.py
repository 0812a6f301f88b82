"""The brief is true in every edition: editions built from the official files at several dates,
each interpretive sentence checked against the data of its own edition, in both languages,
and each seen both ways across the editions.

Every edition is made by ``fetch --from-dir ../shared/raw --as-of D``, as an editor would make
it; an edition from before a dataset that fetch requires begins (2020-06-30: no IORB, SOFR,
reserves or TGA yet) is cut from the newest snapshot by the same rule. The conditions are
worked out here from the snapshot's CSV tables, not read from the key figures. Skipped,
visibly, without ../shared/raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import editions
from conftest import RAW
from ustglass import fmt, locale, metrics, pipeline, snapshot
from ustglass.app import app
from ustglass.config import Format, ReportConfig
from ustglass.keyfigures import KeyFigures

# "": the newest the data allow; 2023-01-03 holds ON RRP's peak and a year end as its latest day (the 30th, published
# on the next business day), 2026-01-10 the basis trade's peak week (2026-01-06, published that Friday)
DATES = ("2020-06-30", "2022-12-31", "2023-01-03", "2024-06-30", "2025-12-31", "2026-01-10", "")
EXCLUDE = ("--exclude", "originals/*", "--exclude", "samples/*")
LANGS = ("en", "zh")
runner = CliRunner()


@dataclass(frozen=True)
class Edition:
    date: str
    tables: dict[str, pd.DataFrame]
    kf: KeyFigures
    md: dict[str, str]


def _fetch(root: Path, as_of: str) -> Path | None:
    args = ["fetch", "--from-dir", str(RAW), *EXCLUDE, "--snapshots", str(root)] + (["--as-of", as_of] if as_of else [])
    result = runner.invoke(app, args)
    if result.exit_code != 0:
        assert "no observation of" in result.stderr, result.output  # only a dataset that begins later may stop it
        return None
    return snapshot.list_snapshots(root)[-1]


def _build(path: Path, out: Path, figures: tuple[str, ...] | None) -> dict[str, str]:
    """Each language's brief without the analysis sections: the sentences checked here."""
    cfg = ReportConfig(langs=LANGS, formats=(Format.md,), snapshots_root=path.parent, out_dir=out, snapshot=str(path), figures=figures)
    files = pipeline.build(cfg).files
    return {lang: own_sections(files[f"brief.{lang}.md"].decode("utf-8"), lang) for lang in LANGS}


ANALYSIS = ("scorecard", "scenarios", "changes", "claims", "analysis_methods")  # sections of other engines


def own_sections(md: str, lang: str) -> str:
    """The brief without the analysis sections (scorecard, scenarios, what changed, claim check and
    their methods), whose sentences their own tests check."""
    loc = locale.load(lang)
    headings = {"## " + loc.text(f"brief.{key}.heading") for key in ANALYSIS}
    parts = md.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if ("## " + p.split("\n", 1)[0]) not in headings]
    return "\n## ".join(kept)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Edition]:
    if not RAW.is_dir():
        pytest.skip("../shared/raw not present: editions are built from the full official files")
    root = tmp_path_factory.mktemp("editions")
    out: dict[str, Edition] = {}
    newest = _fetch(root / "fetched" / "newest", "")
    for date in DATES:
        path = _fetch(root / "fetched" / (date or "newest"), date) if date else newest
        if path is None:  # fetch refuses: cut the edition from the newest snapshot by fetch's own rule
            path = editions.cut(newest, date, root / "cut")
        snap = snapshot.load(path)
        figures = None if date == DATES[0] else ()  # the earliest edition draws every chart: series may be missing
        md = _build(path, root / "out" / snap.id, figures)
        out[date or "newest"] = Edition(snap.id, snap.tables, metrics.key_figures(snap.tables, snap.manifest), md)
    return out


# ---------------------------------------------------------------- the data, worked out here


def series(t: dict[str, pd.DataFrame], dataset_id: str) -> pd.Series | None:
    frame = t.get(dataset_id)
    if frame is None:
        return None
    s = frame.groupby("date")["value"].sum(min_count=1).dropna().sort_index()
    return s if len(s) else None


def spread(t: dict[str, pd.DataFrame]) -> pd.Series | None:
    sofr, iorb = series(t, "fred_sofr"), series(t, "fred_iorb")
    if sofr is None or iorb is None:
        return None
    both = pd.concat([sofr, iorb], axis=1, keys=["s", "i"], sort=True).dropna()
    return (both["s"] - both["i"]) * 100


def last_days(s: pd.Series, days: int) -> pd.Series:
    return s[s.index > s.index[-1] - pd.Timedelta(days=days)]


def median_above(t) -> bool | None:
    s = spread(t)
    return None if s is None else round(float(last_days(s, 30).median()), 1) > 0


def rose_above_while_calm(t) -> bool | None:
    s = spread(t)
    return None if s is None or median_above(t) else round(float(last_days(s, 90).max()), 1) > 0


def period_end(t) -> str | None:
    s = spread(t)
    if s is None:
        return None
    day = s.index[-1]
    following = day + pd.offsets.BDay(1)  # the next weekday
    if following.quarter == day.quarter:
        return ""
    return "year" if following.year != day.year else "quarter"


def funding_buffer(t) -> str:
    """Where drains come from: ON RRP while it holds $250 billion or more; else bank reserves, read as
    abundant from $3.5 trillion, and not judged at all when the edition holds no reserve data."""
    if float(series(t, "fred_rrpontsyd").iloc[-1]) >= 250.0:
        return "rrp"
    reserves = series(t, "fred_wresbal")
    if reserves is None:
        return "unknown"
    return "abundant" if float(reserves.iloc[-1]) / 1000 >= 3500.0 else "scarce"


def before_iorb(t) -> bool:
    """The edition's data end before July 29, 2021, the first day the Fed paid IORB."""
    return bool(pd.Timestamp(series(t, "fred_rrpontsyd").index[-1]) < pd.Timestamp("2021-07-29"))


def bills_position(t) -> str:
    """Bills' share of marketable debt on the latest record date against TBAC's 15–20% range."""
    mspd = t["mspd_table1"]
    last = mspd[mspd["record_date"] == mspd["record_date"].max()]
    bills = last.loc[last["security_class"] == "Bills", "total_usd_mn"].sum()
    share = round(float(bills / last.loc[last["security_type"] == "Total Marketable", "total_usd_mn"].sum() * 100), 1)
    return "above" if share > 20 else ("below" if share < 15 else "within")


def note_published(t) -> bool:
    return bool((t["research_estimates"]["id"] == "cayman_hf_ust_undercount").any())


def two_fiscal_years(t) -> bool:
    fy = series(t, "fred_fyfsd")
    return int((fy.index.year >= 2019).sum()) >= 2


def deficit_fell(t) -> bool | None:
    fy = series(t, "fred_fyfsd")
    fy = fy[fy.index.year >= 2019]
    return None if len(fy) < 2 else -fy.iloc[-1] < -fy.iloc[-2]


def gross(t) -> pd.Series:
    tff = t["cftc_tff_ust"]
    face = {"042601": 2e5, "044601": 1e5, "043602": 1e5, "043607": 1e5, "020601": 1e5, "020604": 1e5}
    rows = tff[tff["contract_code"].isin(face) & tff["lev_short"].notna()]
    usd = rows["lev_short"].astype(float) * rows["contract_code"].map(face)
    weeks = pd.DataFrame({"d": rows["report_date"], "c": rows["contract_code"], "u": usd}).groupby("d")
    return (weeks["u"].sum()[weeks["c"].nunique() == 6] / 1e9).sort_index()


def peak_state(t) -> str:
    g = gross(t)
    if g.index[-1] == g.idxmax():
        return "peak"
    return "near" if round((g.iloc[-1] / g.max() - 1) * 100, 1) == 0 else "below"


def above_article_week(t) -> bool:
    g = gross(t)
    return bool(g.iloc[-1] > g[pd.Timestamp("2020-03-24")])


def rrp_at_peak(t) -> bool:
    r = series(t, "fred_rrpontsyd")
    return r.index[-1] == r.idxmax()


def srf_used(t) -> bool | None:
    s = series(t, "nyfed_srf")
    return None if s is None else float(s.iloc[-1]) > 0


def srf_at_peak(t) -> bool | None:
    s = series(t, "nyfed_srf")
    return None if s is None else bool(s.index[-1] == s.idxmax())


def curve_inverted(t) -> bool | None:
    s = series(t, "fred_t10y2y")
    return None if s is None else float(s.iloc[-1]) < 0


def public_debt_quarter(t) -> bool:
    gdp, mspd = series(t, "fred_gdp"), t["mspd_table1"]
    if gdp is None:
        return False
    ends = mspd.loc[(mspd["security_type"] == "Total Public Debt Outstanding") & mspd["record_date"].dt.is_quarter_end, "record_date"]
    return any(pd.Period(d, "Q").start_time in gdp.index for d in ends)


@dataclass(frozen=True)
class Check:
    """A sentence that turns with the data: the text written in each state of ``condition``
    (None: the edition's data cannot say, and neither text is written)."""

    name: str
    condition: Callable[[dict[str, pd.DataFrame]], object]
    texts: dict[object, dict[str, str]]  # state -> language -> text that appears only in that state
    both_ways_here: bool = True  # False: every edition of the official files is in one state (the other is tested elsewhere)


CHECKS = [
    Check(
        "funding regime from the recent median",
        median_above,
        {
            True: {"en": "Repo trading above IORB on a typical recent day signals", "zh": "近期大多数交易日回购利率高于IORB"},
            False: {"en": "Repo trading at or below IORB on a typical recent day suggests", "zh": "近期大多数交易日回购利率不高于IORB"},
        },
    ),
    Check(
        "the spread rose above IORB in the window",
        rose_above_while_calm,
        {
            True: {
                "en": "that the spread rose above zero within the last 90 days shows how quickly that can change",
                "zh": "但过去90天内利差曾升至零以上",
            },
            False: {
                "en": "Repo trading at or below IORB on a typical recent day suggests that reserves are still ample at the margin.",
                "zh": "说明边际上准备金仍算充裕。",
            },
        },
    ),
    Check(
        "a quarter or year end is named",
        period_end,
        {
            "year": {"en": "That day was the last business day of the year", "zh": "这一天是当年最后一个工作日"},
            "quarter": {"en": "That day was the last business day of a quarter", "zh": "这一天是季度最后一个工作日"},
            "": {"en": "", "zh": ""},
        },
    ),  # only the absence of the other two
    Check(
        "drains come out of ON RRP, or out of reserves as they are (or not judged without reserve data)",
        funding_buffer,
        {
            "rrp": {"en": "comes out of ON RRP first, which cushions bank reserves", "zh": "会先从隔夜逆回购中流出"},
            "unknown": {"en": "this edition's data hold no reserve balances", "zh": "本期数据不含准备金余额"},
            "abundant": {"en": "reserves were abundant, with room to absorb drains", "zh": "十分充裕，仍有余地吸收抽离"},
            "scarce": {"en": "little is left to absorb drains", "zh": "已难以吸收流动性抽离"},
        },
    ),  # "abundant" is in no edition of the official files: tests/test_conditions.py renders it
    Check(
        "no IORB named before IORB existed",
        before_iorb,
        {
            True: {
                "en": "At this date the Fed paid interest on excess reserves (IOER); interest on reserve balances (IORB), the rate this brief measures SOFR against, did not yet exist",
                "zh": "本期日期时美联储支付的是超额准备金利率（IOER），本文用以衡量SOFR的准备金余额利率（IORB）尚未设立",
            },
            False: {
                "en": "The repo–IORB spread is where funding stress shows first.",
                "zh": "回购利率相对IORB的利差是融资压力最先显现之处。",
            },
        },
    ),
    Check(
        "rollover needs high only above TBAC's range",
        bills_position,
        {
            "above": {
                "en": "above the 15–20% range that Treasury's borrowing committee (TBAC) has long recommended, keep gross issuance and rollover needs high",
                "zh": "高于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间，总发行与滚动续发需求将持续居高",
            },
            "within": {
                "en": "were within the 15–20% range that Treasury's borrowing committee (TBAC) has long recommended, so rollover needs were not high",
                "zh": "处于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间之内，相对债务规模而言，滚动续发需求并不算高",
            },
            "below": {"en": "were below the 15–20% range", "zh": "低于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间，"},
        },
    ),  # "below" is in no edition: tests/test_conditions.py renders it
    Check(
        "the Cayman note published by the edition's date",
        note_published,
        {
            True: {"en": "Policy that relies on TIC alone misses much of this exposure", "zh": "只看TIC数据的政策会低估这部分风险敞口"},
            False: {
                "en": "No research estimate of Cayman hedge funds' holdings had been published",
                "zh": "尚无关于开曼对冲基金持仓的研究估计发表",
            },
        },
    ),
    Check(
        "a change on the prior fiscal year needs one",
        two_fiscal_years,
        {
            True: {"en": "a year, a pace financed mostly by selling new Treasury securities", "zh": "这一规模主要靠发行新国债来融资"},
            False: {"en": ", financed mostly by selling new Treasury securities.", "zh": "，主要靠发行新国债来融资"},
        },
    ),
    Check(
        "the deficit fell or rose",
        deficit_fell,
        {
            True: {"en": "less than the", "zh": "re:财年的[^，。；]*美元减少"},
            False: {"en": "more than the", "zh": "re:财年的[^，。；]*美元增加"},
        },
    ),
    Check(
        "the gross short against its peak",
        peak_state,
        {
            "peak": {"en": "The gross short was at its highest in the data that week.", "zh": "当周的总空头为数据中的最高水平。"},
            "near": {"en": "The gross short was marginally below its peak", "zh": "的峰值"},
            "below": {"en": "re:\\d% below its peak of", "zh": "的峰值"},
        },
    ),
    Check(
        "above or below the article's week",
        above_article_week,
        {
            True: {"en": "above its level of March 24, 2020", "zh": "re:它比2020年3月24日的水平（[^）]*）高"},
            False: {"en": "below its level of March 24, 2020", "zh": "re:它比2020年3月24日的水平（[^）]*）低"},
        },
    ),
    Check(
        "ON RRP at its peak",
        rrp_at_peak,
        {
            True: {"en": "That was its highest in the data.", "zh": "这是数据中的最高水平。"},
            False: {"en": "At its peak, on", "zh": "其峰值出现在"},
        },
    ),
    Check(
        "the Standing Repo Facility used or not",
        srf_used,
        {
            True: {"en": "to banks and dealers, lent", "zh": "日融出"},
            False: {"en": "to banks and dealers, was not used on", "zh": "无人使用"},
        },
    ),
    Check(
        "the Standing Repo Facility's latest day its largest",
        srf_at_peak,
        {
            True: {"en": ", its largest use in the data.", "zh": "，为数据中的单日最大使用量"},
            False: {"en": "; its largest use in the data was", "zh": "；数据中单日最大使用量为"},
        },
    ),
    Check(
        "the curve inverted",
        curve_inverted,
        {
            True: {"en": "the curve was inverted", "zh": "收益率曲线倒挂"},
            False: {"en": "above the 2-year yield on", "zh": "高于2年期收益率"},
        },
    ),
    Check(
        "debt held by the public when GDP allows",
        public_debt_quarter,
        {
            True: {"en": "Debt held by the public — Treasury securities held outside", "zh": "公众持有的联邦债务（联邦信托基金"},
            False: {
                "en": "Total public debt, including the Treasury securities held in federal trust funds, stood at",
                "zh": "联邦政府债务总额（含联邦信托基金等政府账户所持国债）占GDP的",
            },
        },
        both_ways_here=False,
    ),  # GDP is in every edition; tests/test_new_datasets.py builds one without it
]
# texts of one state that may also stand in another state's brief (shared words): not checked as absent there
SHARED = {("the gross short against its peak", "zh")}


def found(text: str, md: str) -> bool:
    """``text`` is in ``md``: literally, or as a regular expression when it starts with ``re:``."""
    return re.search(text[3:], md) is not None if text.startswith("re:") else text in md


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
@pytest.mark.parametrize("date", [d or "newest" for d in DATES])
def test_each_sentence_follows_its_editions_data(built: dict[str, Edition], date: str, check: Check) -> None:
    edition = built[date]
    state = check.condition(edition.tables)
    for lang in LANGS:
        md = edition.md[lang]
        if state is not None and check.texts[state][lang]:
            assert found(check.texts[state][lang], md), f"{edition.date} {lang}: {check.name} = {state!r}"
        for other, texts in check.texts.items():
            same = texts[lang] == check.texts.get(state, {}).get(lang)
            if other != state and texts[lang] and not same and (check.name, lang) not in SHARED:
                assert not found(texts[lang], md), f"{edition.date} {lang}: {check.name} = {state!r}, yet {texts[lang]!r}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_each_sentence_is_seen_both_ways(built: dict[str, Edition], check: Check) -> None:
    if not check.both_ways_here:
        pytest.skip(f"{check.name}: its other state is tested in tests/test_new_datasets.py")
    states = {check.condition(e.tables) for e in built.values()} - {None}
    assert len(states) >= 2, f"{check.name}: every edition reads {states}"


def test_the_gross_short_is_called_an_upper_bound_with_net_and_asset_managers_beside_it(built: dict[str, Edition]) -> None:
    for e in built.values():
        b, en, zh = e.kf.basis, e.md["en"], e.md["zh"]
        en_loc, zh_loc = locale.load("en"), locale.load("zh")
        assert "That is an upper bound for their basis positions: the gross short also holds the short legs of curve" in en
        assert "这只是其基差交易规模的上限：总空头还包括曲线交易和其他相对价值交易的空头" in zh
        net, am = gross_minus(e.tables, "lev_long"), notional(e.tables, "asset_mgr_long")
        day = b.latest.as_of
        assert f"leveraged funds were short {fmt.usd_bn(net, en_loc)} that week" in en
        assert f"asset managers were long {fmt.usd_bn(am, en_loc)}" in en
        assert f"杠杆基金当周的净空头为{fmt.usd_bn(net, zh_loc)}" in zh
        assert f"was {fmt.usd_bn(b.latest.value, en_loc)} on {fmt.day(day, en_loc)}" in en


def notional(t, column: str) -> float:
    tff = t["cftc_tff_ust"]
    face = {"042601": 2e5, "044601": 1e5, "043602": 1e5, "043607": 1e5, "020601": 1e5, "020604": 1e5}
    last = gross(t).index[-1]
    rows = tff[(tff["report_date"] == last) & tff["contract_code"].isin(face)]
    return float((rows[column].astype(float) * rows["contract_code"].map(face)).sum() / 1e9)


def gross_minus(t, column: str) -> float:
    return notional(t, "lev_short") - notional(t, column)


def test_every_figure_of_the_funding_summary_names_its_own_date(built: dict[str, Edition]) -> None:
    en = locale.load("en")
    for e in built.values():
        fu = e.kf.funding
        summary = e.md["en"].split("\n## ", 2)[1]
        rrp = series(e.tables, "fred_rrpontsyd")
        assert f"ON RRP held {fmt.usd_bn(float(rrp.iloc[-1]), en)} on {fmt.day(rrp.index[-1].strftime('%Y-%m-%d'), en)}" in summary
        s = spread(e.tables)
        if s is not None:
            assert f"IORB on {fmt.day(s.index[-1].strftime('%Y-%m-%d'), en)}" in summary
            assert f"the median over the 30 days to then was {fmt.bp(float(last_days(s, 30).median()), en, sign=True)}" in summary
        res = series(e.tables, "fred_wresbal")
        if res is not None:
            assert f"in the week to {fmt.day(res.index[-1].strftime('%Y-%m-%d'), en)}" in summary
        else:
            assert "Reserve balances" not in summary and fu.reserves_usd_bn is None


def test_the_cayman_calculation_is_ours_and_compared_within_its_month(built: dict[str, Edition]) -> None:
    en, zh = locale.load("en"), locale.load("zh")
    for e in built.values():
        if not note_published(e.tables):
            assert "our calculation" not in e.md["en"] and "本文测算" not in e.md["zh"]
            continue
        research = e.tables["research_estimates"].set_index("id")
        note = research.loc["cayman_hf_ust_undercount"]
        tic = e.tables["tic_mfh"]
        month = tic[tic["month"] == note["as_of"]]
        cayman = float(month.loc[month["country"] == "Cayman Islands", "value"].iloc[0])
        others = month[~month["country"].isin([*metrics.TIC_AGGREGATES, "Cayman Islands"])].sort_values("value")
        largest, largest_value = others.iloc[-1]["country"], float(others.iloc[-1]["value"])
        total = round(cayman + float(note["value"]), -2)  # stated to the note's $100 billion
        word = "above" if total > largest_value else "below"
        assert (
            f"our calculation puts these funds' holdings at about {fmt.usd_bn(total, en)}, {word} the "
            f"{fmt.usd_bn(largest_value, en)} of {largest}, the largest official holder that month"
        ) in e.md["en"]
        assert "Fed estimate" not in e.md["en"] and "美联储估计" not in e.md["zh"]
        assert f"测算这些基金的持仓约为{fmt.usd_bn(total, zh)}" in e.md["zh"]
        if "cayman_hf_ust_press_total" in research.index:
            press = float(research.loc["cayman_hf_ust_press_total", "value"])
            assert f"Press coverage of the note reported a total of about {fmt.usd_bn(press, en, step=10)}" in e.md["en"]
            agrees = abs(press - (cayman + float(note["value"]))) <= 50
            assert ("it agrees with our calculation within the note's rounding" in e.md["en"]) == agrees


def test_the_earliest_edition_leaves_out_what_its_data_do_not_hold(built: dict[str, Edition]) -> None:
    early = built[DATES[0]]
    assert "fred_sofr" not in early.tables and "dts_tga" not in early.tables
    # the prose and tables (a figure's alt text says "not available" for what it lacks)
    en, zh = ("\n".join(ln for ln in early.md[lang].splitlines() if not ln.startswith("![")) for lang in ("en", "zh"))
    # IORB began on 2021-07-29: no sentence names it as if it existed, and none claims reserves are scarce
    assert "so this edition shows no SOFR − IORB spread." in en and "因此本期不列SOFR − IORB利差。" in zh
    prose_en, prose_zh = en.split("\n## 8. ")[0], zh.split("\n## 八、")[0]  # up to the methods
    assert [s for s in re.split(r"(?<=\.)\s+", prose_en) if "IORB" in s] == [
        "At this date the Fed paid interest on excess reserves (IOER); interest on reserve balances (IORB), the rate this brief "
        "measures SOFR against, did not yet exist, so this edition shows no SOFR − IORB spread."
    ]
    assert [s for s in prose_zh.split("。") if "IORB" in s] == [
        "本期日期时美联储支付的是超额准备金利率（IOER），本文用以衡量SOFR的准备金余额利率（IORB）尚未设立，因此本期不列SOFR − IORB利差"
    ]
    assert "little is left to absorb drains" not in en and "已难以吸收流动性抽离" not in zh
    # what the data do not hold is left out (never written as zero): text, key-figures table and methods
    for absent in (
        "Treasury General Account held",
        "Reserve balances were",
        "| SOFR − IORB",
        "| Reserve balances",
        "| Treasury General",
        "The Standing Repo Facility, which lends",
    ):
        assert absent not in en, absent
    for absent in ("财政部一般账户（TGA）余额为", "准备金余额为", "| SOFR − IORB", "常设回购便利（SRF）以国债为抵押"):
        assert absent not in zh, absent
    assert early.kf.funding.reserves_usd_bn is None and early.kf.funding.sofr_iorb_bp is None and early.kf.funding.tga_usd_bn is None
    # a dataset without observations yet (no research estimate was published by 2020) says so in the list of sources
    for lang, md in (("en", en), ("zh", zh)):
        loc = locale.load(lang)
        entry = next(ln for ln in md.splitlines() if ln.startswith(f"- **{loc.text('datasets', 'research_estimates', 'title')}**"))
        assert entry.endswith(loc.text("brief.sources.semi") + loc.text("brief.sources.none") + loc.text("brief.sources.stop")), entry
        assert " – " not in entry.split(loc.text("brief.sources.unit"))[1], entry
