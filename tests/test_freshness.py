"""How recent the brief's data are: each dataset's freshness in key_figures.json, the header's
newest observations, the notes that flag a stale series where its figure is stated, the release
rules of the methods section; and the leftovers of the same issue (the funding chart's alt text
without SOFR − IORB, one computation of debt held by the public / GDP).

Editions: the two shipped snapshots (2025-12-31: CFTC stale, funding fresh; 2026-10-09: CFTC
fresh, funding, MSPD and TIC stale) and two cut from the newest one day apart around SOFR's
limit (2026-07-01: SOFR's newest observation, 2026-06-23, is 8 days old, its limit; 2026-07-02:
9 days, stale). Expected dates are the shipped data's; days are worked out here from them.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import editions
from conftest import SHIPPED
from ustglass import alttext, fmt, locale, metrics, pipeline, releases, scorecard, snapshot
from ustglass.config import Format, ReportConfig
from ustglass.datasets import ALL

LANGS = ("en", "zh")
NOTE_LEAD = {"en": "Older than usual: ", "zh": "需要注意，部分数据更新滞后："}


def build(root: Path, snapshot_id: str, out: Path) -> dict[str, str]:
    """The edition's Markdown in both languages and its key_figures.json, as text (no figures: fast)."""
    cfg = ReportConfig(langs=LANGS, formats=(Format.md,), snapshots_root=root, out_dir=out, snapshot=snapshot_id, figures=())
    files = pipeline.build(cfg).files
    return {name: data.decode("utf-8") for name, data in files.items()}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return {sid: build(SHIPPED, sid, tmp_path_factory.mktemp(sid)) for sid in ("2025-12-31", "2026-10-09")}


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("cut")
    for day in ("2026-07-01", "2026-07-02"):
        editions.cut(SHIPPED / "2026-10-09", day, root)
    return {day: build(root, day, tmp_path_factory.mktemp(f"out-{day}")) for day in ("2026-07-01", "2026-07-02")}


def paragraph(md: str, start: str) -> str:
    """The paragraph (or list item) of ``md`` that begins with ``start``."""
    found = [p for p in md.replace("\n- ", "\n\n- ").split("\n\n") if p.startswith(start)]
    assert len(found) == 1, (start, len(found))
    return found[0]


def days_before(as_of: str, day: str) -> int:
    return (date.fromisoformat(as_of) - date.fromisoformat(day)).days


# ---------------------------------------------------------------- key_figures.json


def test_key_figures_freshness_of_the_shipped_2025_12_31_edition(shipped: dict[str, dict[str, str]]) -> None:
    found = json.loads(shipped["2025-12-31"]["key_figures.json"])["freshness"]
    assert found["cftc_tff_ust"] == {"last_observation": "2025-04-29", "known_since": "2025-05-02", "stale": True}
    assert found["fred_sofr"] == {"last_observation": "2025-12-30", "known_since": "2025-12-31", "stale": False}
    assert found["fred_wresbal"] == {"last_observation": "2025-12-24", "known_since": "2025-12-26", "stale": False}
    assert found["tic_mfh"] == {"last_observation": "2025-10", "known_since": "2025-12-18", "stale": False}
    assert found["mspd_table1"] == {"last_observation": "2025-11-30", "known_since": "2025-12-04", "stale": False}
    assert found["fred_gdp"] == {"last_observation": "2025-07-01", "known_since": "2025-10-30", "stale": False}
    assert found["fred_fyfsd"] == {"last_observation": "2025-09-30", "known_since": "2025-10-10", "stale": False}
    assert found["nyfed_srf"] == {"last_observation": "2025-12-31", "known_since": "2025-12-31", "stale": False}
    assert [d for d, f in found.items() if f["stale"]] == ["cftc_tff_ust"]
    assert all(set(f) == {"last_observation", "known_since", "stale"} for f in found.values())  # exactly these keys
    snap = snapshot.load(SHIPPED / "2025-12-31")
    assert sorted(found) == sorted(snap.manifest["datasets"])  # every dataset the edition holds


def test_key_figures_freshness_of_the_newest_edition(shipped: dict[str, dict[str, str]]) -> None:
    found = json.loads(shipped["2026-10-09"]["key_figures.json"])["freshness"]
    assert found["cftc_tff_ust"] == {"last_observation": "2026-10-06", "known_since": "2026-10-09", "stale": False}
    assert found["fred_sofr"] == {"last_observation": "2026-06-23", "known_since": "2026-06-24", "stale": True}
    assert found["fred_rrpontsyd"] == {"last_observation": "2026-07-29", "known_since": "2026-07-30", "stale": True}
    assert found["fred_threefytp10"] == {"last_observation": "2026-09-25", "known_since": "2026-09-29", "stale": False}
    assert found["research_estimates"]["stale"] is False  # irregular: never stale


def test_freshness_is_the_edition_data_after_the_as_of_cut(cut: dict[str, dict[str, str]]) -> None:
    """An edition cut at D: SOFR's newest observation is the newest known on D, stale once older than lag + margin (8 days)."""
    before, after = (json.loads(cut[d]["key_figures.json"])["freshness"]["fred_sofr"] for d in ("2026-07-01", "2026-07-02"))
    assert before == {"last_observation": "2026-06-23", "known_since": "2026-06-24", "stale": False}
    assert after == {"last_observation": "2026-06-23", "known_since": "2026-06-24", "stale": True}
    assert releases.stale_after_days(ALL["fred_sofr"]) == days_before("2026-07-01", "2026-06-23") == 8


# ---------------------------------------------------------------- the header


HEADER_2025 = {
    "en": "**Newest data in this edition.** Standing Repo Facility: December 31, 2025; SOFR, IORB, ON RRP, 2-year yield, "
    "10-year yield, 10-year minus 2-year yield, Treasury General Account: December 30, 2025; 10-year term premium: "
    "December 26, 2025; reserve balances: December 24, 2025; Treasury securities outstanding (MSPD): November 2025; "
    "foreign holdings (TIC): October 2025; research estimates: October 17, 2025; federal deficit: FY2025; total public "
    "debt/GDP, GDP: Q3 2025; Treasury futures positions (CFTC): April 29, 2025 (older than usual).",
    "zh": "**本期各数据的最新观测**：常设回购便利为2025年12月31日；SOFR、IORB、隔夜逆回购、2年期收益率、10年期收益率、"
    "10年期与2年期收益率之差、财政部一般账户为2025年12月30日；10年期期限溢价为2025年12月26日；准备金余额为2025年12月24日；"
    "未偿国债（MSPD）为2025年11月；海外持有（TIC）为2025年10月；研究估计为2025年10月17日；联邦赤字为2025财年；"
    "联邦政府债务总额占GDP比率、GDP为2025年第三季度；美国国债期货持仓（CFTC）为2025年4月29日（更新滞后）。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_header_names_each_dataset_newest_observation(shipped: dict[str, dict[str, str]], lang: str) -> None:
    md = shipped["2025-12-31"][f"brief.{lang}.md"]
    title, byline, header, summary = md.split("\n\n")[:4]
    assert header == HEADER_2025[lang]
    assert title.startswith("# ") and summary.startswith("## ")  # right under the title and byline


@pytest.mark.parametrize("lang", LANGS)
def test_the_header_writes_each_period_at_its_dataset_frequency(shipped: dict[str, dict[str, str]], lang: str) -> None:
    """Every dataset of the newest edition is named with its newest observation: a day, a month, a quarter or a
    fiscal year as the dataset is observed; stale ones marked, fresh ones not."""
    loc = locale.load(lang)
    header = shipped["2026-10-09"][f"brief.{lang}.md"].split("\n\n")[2]
    kf = json.loads(shipped["2026-10-09"]["key_figures.json"])["freshness"]
    sep, group_sep, mark = (loc.text(f"brief.freshness.{k}") for k in ("name_sep", "group_sep", "stale_mark"))
    groups = header.removeprefix(loc.text("brief.freshness.heading")).removesuffix(loc.text("brief.freshness.end")).split(group_sep)
    written = {
        "fred_fyfsd": fmt.fiscal_year("2025", loc),
        "fred_gdp": fmt.quarter("2026Q2", loc),
        "tic_mfh": fmt.month("2025-12", loc),
        "mspd_table1": fmt.month("2026-05", loc),
        "cftc_tff_ust": fmt.day("2026-10-06", loc),
        "fred_sofr": fmt.day("2026-06-23", loc),
    }
    for dataset_id, when in written.items():
        name, stale = loc.text("brief.freshness.names", dataset_id), kf[dataset_id]["stale"]
        suffix = loc.text("brief.freshness.group", names="", date=when) + (mark if stale else "")
        found = [g for g in groups if g.endswith(suffix) and name in g.removesuffix(suffix).split(sep)]
        assert len(found) == 1, (dataset_id, suffix)
    between = loc.text("brief.freshness.group", names="\0", date="\0").split("\0")[1]  # ": " / "为"
    marked = {n: g.endswith(mark) for g in groups for n in g.split(between)[0].split(sep)}
    assert marked == {loc.text("brief.freshness.names", d): f["stale"] for d, f in kf.items()}  # each dataset once, marked if stale


# ---------------------------------------------------------------- stale notes where the figure is stated


STALE_FUNDING = {
    "en": (
        "The Fed's overnight reverse repo facility (ON RRP) held",
        " Older than usual: the latest ON RRP value is from July 29, 2026, 72 days before this edition's date; reserve balances, "
        "from June 17, 2026 (114 days); Treasury General Account, from June 23, 2026 (108 days); Standing Repo Facility, "
        "from April 24, 2026 (168 days).",
    ),
    "zh": (
        "2026年7月29日，美联储隔夜逆回购工具（ON RRP）余额为",
        "需要注意，部分数据更新滞后：隔夜逆回购的最新数据为2026年7月29日，距本期日期72天；准备金余额为2026年6月17日（114天）；"
        "财政部一般账户为2026年6月23日（108天）；常设回购便利为2026年4月24日（168天）。",
    ),
}


@pytest.mark.parametrize("lang", LANGS)
def test_stale_funding_series_are_flagged_in_the_paragraph_that_states_them(shipped: dict[str, dict[str, str]], lang: str) -> None:
    start, note = STALE_FUNDING[lang]
    assert days_before("2026-10-09", "2026-07-29") == 72 and days_before("2026-10-09", "2026-04-24") == 168
    assert paragraph(shipped["2026-10-09"][f"brief.{lang}.md"], start).endswith(note)


@pytest.mark.parametrize("lang", LANGS)
def test_fresh_series_get_no_flag(shipped: dict[str, dict[str, str]], lang: str) -> None:
    """2025-12-31: funding, MSPD and TIC are fresh, so no note anywhere; only the CFTC series is stale, with its own words."""
    md = shipped["2025-12-31"][f"brief.{lang}.md"]
    assert NOTE_LEAD[lang] not in md
    newest = shipped["2026-10-09"][f"brief.{lang}.md"]
    assert NOTE_LEAD[lang] in newest
    cftc = locale.load(lang).text("brief.freshness.names", "cftc_tff_ust")
    assert all(cftc not in line for line in newest.splitlines() if NOTE_LEAD[lang] in line)  # CFTC fresh in 2026-10-09


@pytest.mark.parametrize("lang", LANGS)
def test_every_stale_dataset_is_flagged_in_the_newest_edition(shipped: dict[str, dict[str, str]], lang: str) -> None:
    """Each stale dataset the prose states (all but the CFTC's own words) is named in a note with its date and age."""
    loc = locale.load(lang)
    md = shipped["2026-10-09"][f"brief.{lang}.md"]
    notes = "\n".join(line for line in md.splitlines() if NOTE_LEAD[lang] in line)
    kf = json.loads(shipped["2026-10-09"]["key_figures.json"])["freshness"]
    stale = sorted(d for d, f in kf.items() if f["stale"])
    assert stale == sorted(
        ["dts_tga", "fred_dgs10", "fred_dgs2", "fred_iorb", "fred_rrpontsyd", "fred_sofr", "fred_t10y2y", "fred_wresbal"]
        + ["mspd_table1", "nyfed_srf", "tic_mfh"]
    )
    for dataset_id in set(stale) - {"fred_dgs2"}:  # the 2-year yield's figure is stated only through the 2s10s curve
        name = loc.text("brief.freshness.names", dataset_id)
        assert name in notes, dataset_id
    tic = paragraph(md, "- **The marginal buyer.**" if lang == "en" else "- **边际买家。**")
    first = loc.text(
        "brief.freshness.note_first", name=loc.text("brief.freshness.names", "tic_mfh"), date=fmt.month("2025-12", loc), days="282"
    )
    assert tic.endswith(NOTE_LEAD[lang] + first + loc.text("brief.freshness.note_end"))
    assert days_before("2026-10-09", "2025-12-31") == 282  # from the end of the month


NOTE_SOFR = {
    "en": (
        "The basis trade depends on cheap",
        " Older than usual: the latest SOFR value is from June 23, 2026, 9 days before this edition's date; IORB, from June 23, 2026 (9 days).",
    ),
    "zh": ("基差交易依赖廉价", "需要注意，部分数据更新滞后：SOFR的最新数据为2026年6月23日，距本期日期9天；IORB为2026年6月23日（9天）。"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_sofr_is_flagged_one_day_past_its_limit_and_not_on_it(cut: dict[str, dict[str, str]], lang: str) -> None:
    start, note = NOTE_SOFR[lang]
    assert paragraph(cut["2026-07-02"][f"brief.{lang}.md"], start).endswith(note)
    on_limit = paragraph(cut["2026-07-01"][f"brief.{lang}.md"], start)
    assert NOTE_LEAD[lang] not in on_limit
    assert "SOFR" in on_limit and fmt.day("2026-06-23", locale.load(lang)) in on_limit  # the same figure, unflagged


CFTC_MISSING = {"en": "the 34 weekly reports due since are missing", "zh": "此后应发布的34期周报缺失"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_cftc_sentence_follows_the_same_flag(shipped: dict[str, dict[str, str]], lang: str) -> None:
    stale, fresh = shipped["2025-12-31"][f"brief.{lang}.md"], shipped["2026-10-09"][f"brief.{lang}.md"]
    assert CFTC_MISSING[lang] in stale
    assert json.loads(shipped["2025-12-31"]["key_figures.json"])["freshness"]["cftc_tff_ust"]["stale"] is True
    word = {"en": "weekly reports due since", "zh": "期周报缺失"}[lang]
    assert word not in fresh


# ---------------------------------------------------------------- the methods section


@pytest.mark.parametrize("lang", LANGS)
def test_the_methods_section_lists_each_release_rule_as_an_approximation(shipped: dict[str, dict[str, str]], lang: str) -> None:
    loc = locale.load(lang)
    md = shipped["2025-12-31"][f"brief.{lang}.md"]
    held = json.loads(shipped["2025-12-31"]["key_figures.json"])["freshness"]
    for row in releases.methods_rows():
        line = f"| {loc.text('datasets', row.dataset, 'title')} | {loc.text('release', row.key)} | {row.lag_days} |"
        assert (line in md) is (row.dataset in held), row.dataset  # fred_rpontsyd is not in the edition: no row
    assert loc.text("brief.tables.releases") in md and loc.text("release.business_days") in md
    margins = {k: fmt.number(v, loc) for k, v in releases.stale_margins().items()}
    assert loc.text("release.stale", **margins) in md


# ---------------------------------------------------------------- leftovers: alt text, debt/GDP


def test_the_funding_alt_text_without_sofr_iorb_says_what_the_chart_shows(tmp_path: Path) -> None:
    root = tmp_path / "snaps"
    snap = snapshot.load(editions.cut(SHIPPED / "2026-10-09", "2020-06-30", root))  # before IORB began
    kf = metrics.key_figures(snap.tables, snap.manifest)
    assert kf.funding.sofr_iorb_bp is None and kf.funding.reserves_usd_bn is None
    en, zh = (alttext.alt_text("funding", kf, locale.load(code)) for code in LANGS)
    assert en == (
        "Two-panel chart of funding conditions from June 29, 2015 to June 29, 2020: the upper panel has no SOFR minus IORB "
        "line, because this edition's data hold no day on which both rates were published; in the lower panel, ON RRP held $0.3 billion."
    )
    assert zh.endswith("因此上栏没有两者之差的曲线；下栏中，隔夜逆回购为3亿美元。")
    assert "not available" not in en and "暂无" not in zh


def test_the_funding_alt_text_with_sofr_iorb_states_the_spread() -> None:
    snap = snapshot.load(SHIPPED / "2025-12-31")
    kf = metrics.key_figures(snap.tables, snap.manifest)
    assert alttext.alt_text("funding", kf, locale.load("en")) == (
        "Two-panel chart of funding conditions from December 30, 2020 to December 30, 2025: SOFR minus IORB was +6 bp on "
        "December 30, 2025; reserve balances were $3.0 trillion, the TGA held $826 billion and ON RRP held $13 billion."
    )


def test_debt_held_by_the_public_to_gdp_has_one_computation() -> None:
    """The scorecard's series is the key figures' own, by quarter end: the same values, and its latest is the brief's."""
    snap = snapshot.load(SHIPPED / "2025-12-31")
    ratio = metrics.debt_held_by_public_gdp(snap.tables)
    card = scorecard.debt_public_gdp(snap.tables)
    assert ratio is not None and list(card.to_numpy()) == list(ratio.to_numpy())
    assert [d.strftime("%Y-%m-%d") for d in card.index[-2:]] == ["2025-06-30", "2025-09-30"]
    kf = metrics.key_figures(snap.tables, snap.manifest)
    assert kf.fiscal.debt_held_by_public_to_gdp_pct is not None
    assert (kf.fiscal.debt_held_by_public_to_gdp_pct.as_of, kf.fiscal.debt_held_by_public_to_gdp_pct.value) == (
        "2025Q3",
        round(float(card.iloc[-1]), 1),
    )
