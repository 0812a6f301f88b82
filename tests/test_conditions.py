"""Interpretive sentences turn with their flags, both ways, in both languages: the shipped
2025-12-31 edition's key figures with one flag changed at a time, rendered through the packs'
templates. (tests/test_editions.py checks the same sentences against the data of real editions;
these cover the states no edition of the official files is in.)"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ustglass import alttext, analysis, claims, fmt, locale, metrics, pipeline, render, scorecard, snapshot
from ustglass.keyfigures import KeyFigures, Point
from ustglass.resources import bundled

SHIPPED = Path(__file__).resolve().parents[1] / "data_snapshots" / "2025-12-31"
LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def kf() -> KeyFigures:
    snap = snapshot.load(SHIPPED)
    return analysis.gather(metrics.key_figures(snap.tables, snap.manifest), snap, None)


def brief(kf: KeyFigures, lang: str) -> str:
    loc = locale.load(lang)
    env = render.environment([bundled("templates")], loc)
    return render.render_brief(env, loc.brief_template, pipeline.context(kf, loc, {}, claims.wording(lang, None), {}))


def both(kf: KeyFigures) -> dict[str, str]:
    return {lang: brief(kf, lang) for lang in LANGS}


def with_funding(kf: KeyFigures, **changes) -> KeyFigures:
    return dataclasses.replace(kf, funding=dataclasses.replace(kf.funding, **changes))


def with_crowding(kf: KeyFigures, **changes) -> KeyFigures:
    card = kf.scorecard
    return dataclasses.replace(kf, scorecard=dataclasses.replace(card, crowding=dataclasses.replace(card.crowding, **changes)))


# ---------------------------------------------------------------- the crowding flag

CROWDING = {
    "set": {"en": "(funding strain means repo trading above IORB): both are.", "zh": "；目前两者均已达到。"},
    "below_iorb": {
        "en": "positions are there; funding is not, for the spread is high in its own history but repo still traded below IORB.",
        "zh": "目前持仓已达到，融资尚未达到：利差在其自身历史中偏高，但回购利率仍低于IORB。",
    },
    "positions": {
        "en": "(funding strain means repo trading above IORB): positions are there, funding is not.",
        "zh": "；目前持仓已达到，融资尚未达到。",
    },
}


@pytest.mark.parametrize(
    ("state", "funding_bp", "funding_pct", "flag"),
    [("set", 3.0, 92.0, True), ("below_iorb", -8.0, 92.0, False), ("positions", -8.0, 50.0, False)],
)
def test_the_crowding_sentence_needs_repo_above_iorb(kf: KeyFigures, state: str, funding_bp: float, funding_pct: float, flag: bool) -> None:
    md = both(with_crowding(kf, flag=flag, net_short_percentile=100.0, funding_bp=funding_bp, funding_percentile=funding_pct))
    for lang in LANGS:
        assert CROWDING[state][lang] in md[lang], (state, lang)
        for other, texts in CROWDING.items():
            if other != state:
                assert texts[lang] not in md[lang], (state, other, lang)
    assert ("**Crowding flag: set.**" in md["en"]) is flag and ("**拥挤度标志：已触发。**" in md["zh"]) is flag


def test_the_crowding_rule_and_its_methods_text_come_from_one_table() -> None:
    assert scorecard.funding_strained(92.0, -8.0) is False and scorecard.funding_strained(92.0, 0.5) is True
    assert scorecard.funding_strained(79.0, 5.0) is False and scorecard.positions_crowded(80.5) is True
    row = next(r for r in scorecard.methods_rows() if r.id == "crowding")
    en, zh = (analysis.indicator_method(row, locale.load(code)) for code in LANGS)
    assert "the flag is set when both are above the 80th percentile and SOFR − IORB is above 0 bp" in en
    assert "funding counts only while SOFR − IORB is above 0 bp" in en
    assert "且SOFR − IORB高于0个基点" in zh and "融资分项仅在SOFR − IORB高于0个基点时计入" in zh


# ---------------------------------------------------------------- funding buffers: ON RRP and reserves

BUFFERS = {
    "rrp": {"en": "comes out of ON RRP first, which cushions bank reserves", "zh": "会先从隔夜逆回购中流出"},
    "unknown": {"en": "this edition's data hold no reserve balances", "zh": "本期数据不含准备金余额"},
    "abundant": {"en": "reserves were abundant, with room to absorb drains", "zh": "十分充裕，仍有余地吸收抽离"},
    "scarce": {"en": "little is left to absorb drains", "zh": "已难以吸收流动性抽离"},
}


@pytest.mark.parametrize(
    ("state", "absorbs", "abundant"),
    [("rrp", True, False), ("unknown", False, None), ("abundant", False, True), ("scarce", False, False)],
)
def test_the_funding_buffer_sentence_follows_on_rrp_and_reserves(kf: KeyFigures, state: str, absorbs: bool, abundant: bool | None) -> None:
    changes = {"rrp_absorbs_drains": absorbs, "reserves_abundant": abundant}
    if abundant is None:
        changes.update(reserves_usd_bn=None, reserves_year_earlier_usd_bn=None, reserves_direction=None)
    md = both(with_funding(kf, **changes))
    for lang in LANGS:
        assert BUFFERS[state][lang] in md[lang], (state, lang)
        assert all(texts[lang] not in md[lang] for other, texts in BUFFERS.items() if other != state), (state, lang)
    if state == "abundant":  # each figure with its own date
        r = kf.funding.reserves_usd_bn
        en = locale.load("en")
        assert f"at {fmt.usd_bn(r.value, en)} in the week to {fmt.day(r.as_of, en)}, reserves were abundant" in md["en"]


def test_reserves_are_abundant_by_the_rule_table(kf: KeyFigures) -> None:
    rule = metrics.RULES["reserves_abundant_usd_bn"].value
    assert kf.funding.reserves_usd_bn.value < rule and kf.funding.reserves_abundant is False  # $2.96 trillion: not abundant
    assert kf.rules["reserves_abundant_usd_bn"]["value"] == rule


# ---------------------------------------------------------------- IORB only from its first day

IORB_SPREAD = {"en": "The repo–IORB spread is where funding stress shows first.", "zh": "回购利率相对IORB的利差是融资压力最先显现之处。"}
IORB_BEFORE = {
    "en": "At this date the Fed paid interest on excess reserves (IOER); interest on reserve balances (IORB), the rate this brief measures SOFR against, did not yet exist",
    "zh": "本期日期时美联储支付的是超额准备金利率（IOER），本文用以衡量SOFR的准备金余额利率（IORB）尚未设立",
}


def test_no_iorb_sentence_before_iorb_existed(kf: KeyFigures) -> None:
    early = with_funding(
        kf, sofr_iorb_bp=None, sofr_iorb_direction=None, sofr_pct=None, iorb_pct=None, sofr_iorb_median_bp=None, iorb_before_start=True
    )
    md, now = both(early), both(kf)
    for lang in LANGS:
        assert IORB_BEFORE[lang] in md[lang] and IORB_SPREAD[lang] not in md[lang]
        assert IORB_BEFORE[lang] not in now[lang] and IORB_SPREAD[lang] in now[lang]
    assert "SOFR and IORB are not both in this edition's data" not in md["en"]


def test_iorb_before_its_first_day_is_a_flag_of_the_edition_date() -> None:
    snap = snapshot.load(SHIPPED)
    tables = {k: v for k, v in snap.tables.items() if k not in ("fred_iorb", "fred_sofr")}
    assert metrics.funding(tables, "2020-06-30").iorb_before_start is True
    assert metrics.funding(tables, "2021-07-29").iorb_before_start is False
    assert metrics.funding(tables, "").iorb_before_start is False


# ---------------------------------------------------------------- bills against TBAC's range

BILLS = {
    "above": {"en": "above the 15–20% range that Treasury's borrowing committee (TBAC) has long recommended, keep gross issuance and rollover needs high", "zh": "高于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间，总发行与滚动续发需求将持续居高"},
    "within": {"en": "were within the 15–20% range", "zh": "处于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间之内"},
    "below": {"en": "were below the 15–20% range", "zh": "低于财政部借款咨询委员会（TBAC）长期建议的15%至20%区间，"},
}  # fmt: skip


@pytest.mark.parametrize("state", ["above", "within", "below"])
def test_the_rollover_sentence_follows_the_bills_share_range(kf: KeyFigures, state: str) -> None:
    md = both(dataclasses.replace(kf, debt=dataclasses.replace(kf.debt, bills_share_position=state)))
    for lang in LANGS:
        assert BILLS[state][lang] in md[lang]
        assert all(texts[lang] not in md[lang] for other, texts in BILLS.items() if other != state), (state, lang)
    if state != "above":
        assert "rollover needs high" not in md["en"] and "滚动续发需求将持续居高" not in md["zh"]


def test_the_bills_range_has_one_home() -> None:
    low, high = metrics.RULES["bills_share_range_pct"].value
    assert scorecard.BY_ID["bills_share"].thresholds.watch == high
    assert [metrics.range_position(x, [low, high]) for x in (15.9, 20.0, 20.04, 20.06, 14.96)] == [
        "within",
        "within",
        "within",
        "above",
        "within",
    ]
    assert metrics.range_position(14.94, [low, high]) == "below"
    row = next(r for r in scorecard.methods_rows() if r.id == "bills_share")
    assert "the top of the 15–20% range" in analysis.indicator_method(row, locale.load("en"))


# ---------------------------------------------------------------- labels, dates and zero amounts


def test_scorecard_labels_take_their_numbers_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    en, zh = locale.load("en"), locale.load("zh")
    assert analysis.indicator_name(en, "sofr_iorb") == f"SOFR − IORB, {scorecard.SPREAD_MEAN_OBS}-day average"
    assert analysis.indicator_name(zh, "srf") == "常设回购便利使用量（4周内单日最高）"
    srf = dataclasses.replace(scorecard.BY_ID["srf"], method_fields={"days": 21, "weeks": 3})
    monkeypatch.setitem(scorecard.BY_ID, "srf", srf)
    assert analysis.indicator_name(en, "srf") == "Standing Repo Facility use, 3-week high"


def test_scorecard_dates_at_each_indicators_frequency() -> None:
    en = locale.load("en")
    assert analysis.indicator_date("debt_public_gdp", "2026-03-31", en) == "Q1 2026"
    assert analysis.indicator_date("deficit_gdp", "2025-09-30", en) == "FY2025"
    assert analysis.indicator_date("cayman_share", "2025-12-31", en) == "December 2025"
    assert analysis.indicator_date("bills_share", "2025-11-30", en) == "November 30, 2025"


def test_nothing_lent_reads_zero_dollars(kf: KeyFigures) -> None:
    md = both(with_funding(kf, srf_usd_bn=Point(0.0, "2026-04-24", "billions of USD", "NY Fed"), srf_used=False))
    assert "| Standing Repo Facility, amount lent | $0 | April 24, 2026 |" in md["en"]
    assert "0美元 | 2026年4月24日 |" in md["zh"]
    assert "$0.0 billion" not in md["en"] and re.search(r"(?<![\d,.])0(?:\.0+)?亿美元", md["zh"]) is None


def test_the_deficits_alt_text_has_a_one_year_form(kf: KeyFigures) -> None:
    one = dataclasses.replace(kf, fiscal=dataclasses.replace(kf.fiscal, prior_fy=None, first_fy=kf.fiscal.latest_fy))
    en, zh = locale.load("en"), locale.load("zh")
    assert alttext.alt_text("deficits", one, en).startswith("Bar chart of the federal budget deficit in FY2025, the one fiscal year")
    assert alttext.alt_text("deficits", one, zh).startswith("柱状图：2025财年的联邦财政赤字为")
    assert "from FY2025 to FY2025" not in alttext.alt_text("deficits", one, en)
    assert "from FY2019 to FY2025" in alttext.alt_text("deficits", kf, en)


# ---------------------------------------------------------------- ON RRP's stressed signal needs scarce reserves

NEWEST = SHIPPED.parent / "2026-10-09"


def _rrp_tables(rrp_bn: float, reserves_bn: float | None, reserves_day: str = "2026-07-22") -> dict:
    import pandas as pd

    days = pd.bdate_range("2025-01-01", "2026-07-29")
    tables = {"fred_rrpontsyd": pd.DataFrame({"date": days, "value": [300.0] * (len(days) - 1) + [rrp_bn]})}
    if reserves_bn is not None:  # WRESBAL is in millions
        tables["fred_wresbal"] = pd.DataFrame({"date": pd.to_datetime([reserves_day]), "value": [reserves_bn * 1000]})
    return tables


@pytest.mark.parametrize(
    ("reserves_bn", "reserves_day", "expected"),
    [
        (3000.0, "2026-07-22", scorecard.STRESSED),  # known and below the abundant level: stressed
        (3499.0, "2026-06-03", scorecard.STRESSED),  # 56 days (eight weeks) earlier is still known
        (3500.0, "2026-07-22", scorecard.WATCH),  # abundant (at the level): watch at most
        (3000.0, "2026-06-02", scorecard.WATCH),  # 57 days earlier: too old to say how reserves stand
        (3000.0, "2026-07-30", scorecard.WATCH),  # a week after the reading: not known at its date
        (None, "", scorecard.WATCH),  # no reserve data at all
    ],
)
def test_on_rrp_reads_stressed_only_while_reserves_are_known_and_not_abundant(reserves_bn, reserves_day, expected) -> None:
    r = scorecard.evaluate_one(scorecard.BY_ID["on_rrp"], _rrp_tables(2.6, reserves_bn, reserves_day))
    assert (r.value, r.as_of, r.signal) == (2.6, "2026-07-29", expected)
    assert r.components["gate_open"] is (expected == scorecard.STRESSED)
    # the cap stops at watch and never lifts a reading: above $50 billion the level alone says watch, above $250 billion calm
    assert scorecard.evaluate_one(scorecard.BY_ID["on_rrp"], _rrp_tables(120.0, reserves_bn, reserves_day)).signal == scorecard.WATCH
    assert scorecard.evaluate_one(scorecard.BY_ID["on_rrp"], _rrp_tables(400.0, reserves_bn, reserves_day)).signal == scorecard.CALM


def test_on_rrp_in_2020_after_qe_is_not_stressed_and_in_2026_it_is(tmp_path: Path) -> None:
    import editions

    old = snapshot.load(editions.cut(NEWEST, "2020-06-30", tmp_path))
    r = scorecard.evaluate(old.tables).get("on_rrp")
    assert "fred_wresbal" not in old.tables  # reserves begin in June 2021 in these files
    assert (r.as_of, fmt.usd_bn(r.value, locale.load("en")), r.signal) == ("2020-06-29", "$0.3 billion", scorecard.WATCH)
    assert (r.components["gate_open"], r.components["gate_value"]) == (False, None)
    new = scorecard.evaluate(snapshot.load(NEWEST).tables).get("on_rrp")
    assert new.value <= 50 and new.signal == scorecard.STRESSED  # reserves of six weeks before, below $3.5 trillion
    assert new.components["gate_open"] is True and new.components["gate_value"] < metrics.RULES["reserves_abundant_usd_bn"].value


def test_the_on_rrp_cap_is_in_the_indicator_table_and_the_methods_text() -> None:
    gate = scorecard.BY_ID["on_rrp"].thresholds.stressed_only_if
    assert (gate.on, gate.below, gate.max_lag.days) == ("reserves", metrics.RULES["reserves_abundant_usd_bn"].value, 56)
    row = next(r for r in scorecard.methods_rows() if r.id == "on_rrp")
    en, zh = (analysis.indicator_method(row, locale.load(code)) for code in LANGS)
    assert (
        "watch at or below $250 billion, stressed at or below $50 billion; stressed only while bank reserves (their latest week, "
        "at most 56 days earlier) are known and below $3.5 trillion, the level at which they are read as abundant; "
        "with abundant or unknown reserves, watch at most;"
    ) in en.replace("\u00a0", " ")
    assert "但仅当银行准备金（最近一周，至多早56天）已知且低于3.5万亿美元（视为充裕的水平）时才为紧张；准备金充裕或未知时，至多为关注" in zh
    other = next(r for r in scorecard.methods_rows() if r.id == "reserves")
    assert "stressed only while" not in analysis.indicator_method(other, locale.load("en"))


# ---------------------------------------------------------------- stale figures marked in Table 1 and on the cover

STALE_MARK = {"en": " (older than usual)", "zh": "（更新滞后）"}


def with_stale(kf: KeyFigures, **stale: bool) -> KeyFigures:
    return dataclasses.replace(
        kf, freshness={**kf.freshness, **{d: dataclasses.replace(kf.freshness[d], stale=s) for d, s in stale.items()}}
    )


def key_rows(md: str) -> dict[str, str]:
    """Table 1's rows: indicator -> As-of cell."""
    table = md.split("\n\n|", 1)[1].split("\n\n", 1)[0]
    cells = [ln.strip("|").split(" | ") for ln in ("|" + table).splitlines()[2:]]
    return {c[0].strip(): c[-1].strip() for c in cells}


def cover(kf: KeyFigures, lang: str) -> str:
    loc = locale.load(lang)
    env = render.environment([bundled("templates")], loc)
    page = {"lead": "", "body": "", "contents": [], "kf": kf, "css": "", "organisation": "Desk", "author": "", "created": "",
            "extra_css": "", "medium": "print", "html_lang": lang, "editions": [], "fonts_css": ""}  # fmt: skip
    html = render.render_template(env, "page.html.j2", page)
    return html[html.index('<section class="glance"') : html.index("</section>")]


def test_table_1_and_the_cover_mark_the_figures_of_stale_datasets(kf: KeyFigures) -> None:
    assert kf.freshness["cftc_tff_ust"].stale and not kf.freshness["fred_fyfsd"].stale  # the 2025-12-31 edition: no CFTC since April
    for lang in LANGS:
        loc, mark = locale.load(lang), STALE_MARK[lang]
        april, basis = fmt.day("2025-04-29", loc), loc.text("brief.key_table", "basis")
        fy = fmt.fiscal_year(kf.fiscal.latest_fy, loc)
        for case, flipped in (("as is", kf), ("flipped", with_stale(kf, cftc_tff_ust=False, fred_fyfsd=True))):
            rows, glance = key_rows(brief(flipped, lang)), cover(flipped, lang)
            cftc_stale = case == "as is"
            assert rows[basis] == april + (mark if cftc_stale else ""), (lang, case)
            assert rows[loc.text("brief.key_table", "net_short")] == april + (mark if cftc_stale else "")
            assert rows[loc.text("brief.key_table", "deficit", latest_fy=fy)] == fy + ("" if cftc_stale else mark)
            assert (f'<dd class="as-of">{april}{mark}</dd>' in glance) is cftc_stale, (lang, case)
            assert (f'<dd class="as-of">{fy}{mark}</dd>' in glance) is not cftc_stale
            assert sum(cell.endswith(mark) for cell in rows.values()) == (2 if cftc_stale else 3)  # the deficit, its GDP share, the average
            assert glance.count(mark) == 1


def test_a_stale_tic_marks_the_official_cayman_figure_but_not_the_estimate_dated_by_the_note(kf: KeyFigures) -> None:
    assert kf.holders.cayman_estimate_usd_bn is not None
    for lang in LANGS:
        loc, mark = locale.load(lang), STALE_MARK[lang]
        note_month = fmt.period(kf.holders.cayman_estimate_usd_bn.as_of, loc)
        official, estimate = loc.text("brief.key_table", "cayman"), loc.text("brief.key_table", "cayman_est")
        for tic_stale in (False, True):
            flipped = with_stale(kf, tic_mfh=tic_stale)
            rows, glance = key_rows(brief(flipped, lang)), cover(flipped, lang)
            assert rows[official].endswith(mark) is tic_stale, (lang, tic_stale)
            assert rows[estimate] == note_month, (lang, tic_stale)
            assert f'<dd class="as-of">{note_month}</dd>' in glance, (lang, tic_stale)


# ---------------------------------------------------------------- the release rules are written once, in their table

AS_OF_BULLET = {
    "en": "- **As-of rule**: an edition uses only what was published by December 31, 2025: each observation counts from the day "
    "its dataset's release rule makes it known (Table {n}). ",
    "zh": "- **截至日规则**：每期只使用截至2025年12月31日已经公布的数据：每个观测值自其数据集的发布规则所定之日起计入（表{n}）。",
}


def test_the_as_of_bullet_points_to_the_release_table_and_repeats_no_rule(kf: KeyFigures) -> None:
    from ustglass import releases

    for lang, md in both(kf).items():
        loc = locale.load(lang)
        lines = md.splitlines()
        caption = lines[lines.index(f"| {loc.text('brief.releases', 'dataset')} | {loc.text('brief.releases', 'known')} | "
                                    f"{loc.text('brief.releases', 'lag')} |") - 2]  # fmt: skip
        n = re.match(r"\*(?:Table |表)(\d+)", caption).group(1)
        bullet = next(ln for ln in lines if ln.startswith(AS_OF_BULLET[lang][:8]))
        assert bullet == AS_OF_BULLET[lang].format(n=n) + loc.text("release.business_days"), lang
        table = md[md.index(loc.text("brief.releases", "dataset")) :]
        for row in releases.methods_rows():
            rule = loc.text("release", row.key)
            assert md.count(rule) == table.count(rule) >= 1, (lang, row.key)  # in the table, and nowhere before it
