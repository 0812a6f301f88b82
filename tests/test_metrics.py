"""Metrics against numbers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ustglass import metrics


def frame(rows, columns):
    return pd.DataFrame(rows, columns=columns)


def dates(*iso):
    return pd.to_datetime(list(iso))


def fred(pairs):
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in pairs]), "value": [v for _, v in pairs]})


def test_deficits_are_positive_billions_from_fy2019():
    fyfsd = fred([("2018-09-30", -779074), ("2019-09-30", -983588), ("2020-09-30", -3132456), ("2021-09-30", float("nan"))])
    assert metrics.deficits_by_fy(fyfsd) == {"2019": 983.588, "2020": 3132.456}  # unrounded: every figure built on them rounds once


def test_direction_words():
    assert metrics.direction(2.0, 1.0) == "rose"
    assert metrics.direction(1.0, 2.0) == "fell"
    assert metrics.direction(1.0, 1.0) == "unchanged"


CODES = ["042601", "044601", "043602", "043607", "020601", "020604"]


def tff_rows(report_date, shorts, longs=None, am_longs=None):
    longs, am_longs = longs or [0] * 6, am_longs or [0] * 6
    return [
        {
            "report_date": pd.Timestamp(report_date),
            "contract_code": c,
            "market_name": c,
            "open_interest": 0,
            "dealer_long": 0,
            "dealer_short": 0,
            "asset_mgr_long": a,
            "asset_mgr_short": 0,
            "lev_long": lo,
            "lev_short": s,
            "lev_spread": 0,
        }
        for c, s, lo, a in zip(CODES, shorts, longs, am_longs)
        if s is not None
    ]


def tff(*weeks):
    rows = [r for week in weeks for r in tff_rows(*week)]
    out = pd.DataFrame(rows)
    for col in ("lev_short", "lev_long", "asset_mgr_long", "open_interest"):
        out[col] = out[col].astype("Int64")
    return out


def test_lev_short_notional_uses_face_values_and_needs_all_six_contracts():
    # 2Y face is $200,000: 1,000 contracts = $0.2bn; five $100,000 contracts of 1,000 = $0.5bn
    data = tff(
        ("2020-01-07", [1000, 1000, 1000, 1000, 1000, 1000]),
        ("2020-01-14", [1000, 1000, 1000, 1000, 1000, None]),  # one contract missing: not a week
        ("2020-01-21", [2000, 0, 0, 0, 0, 10000]),
    )
    s = metrics.lev_short_notional(data)
    assert list(s.index.strftime("%Y-%m-%d")) == ["2020-01-07", "2020-01-21"]
    assert s.tolist() == pytest.approx([0.7, 1.4])


def test_gaps_stay_gaps():
    idx = dates("2020-01-07", "2020-01-14", "2020-02-04", "2020-02-11")
    assert metrics.gaps(idx) == [("2020-01-21", "2020-01-28")]


def test_trailing_gap_up_to_the_as_of_date():
    idx = dates("2025-04-22", "2025-04-29")
    # the report for Tuesday 2025-12-30 is published on Friday 2026-01-02: not yet due on 2025-12-31
    assert metrics.gaps(idx, pd.Timestamp("2025-12-31")) == [("2025-05-06", "2025-12-23")]
    assert metrics.gaps(idx, pd.Timestamp("2025-05-05")) == []  # the 2025-05-06 report is not out yet
    assert metrics.gaps(idx, pd.Timestamp("2025-05-09")) == [("2025-05-06", "2025-05-06")]


def test_basis_levels():
    data = tff(
        ("2020-01-07", [1000] * 6),  # 0.7
        ("2020-01-14", [3000] * 6),  # 2.1
        ("2021-01-05", [5000] * 6),  # 3.5 peak
        ("2021-01-12", [4000] * 6, [1000] * 6, [6000] * 6),  # 2.8 latest; long 0.7; asset managers long 4.2
    )
    b = metrics.basis(data, "2021-01-12")
    assert b.peak.value == 3.5 and b.peak.date == "2021-01-05"
    assert b.latest.value == 2.8 and b.latest.as_of == "2021-01-12"
    assert b.change_from_peak_pct == -20.0 and not b.latest_at_peak and not b.latest_near_peak
    assert b.latest_lev_long.value == 0.7 and b.latest_net_short.value == 2.1 and b.latest_am_long.value == 4.2
    assert b.lev_net_short_usd_bn == {"2020-01-07": 0.7, "2020-01-14": 2.1, "2021-01-05": 3.5, "2021-01-12": 2.1}
    assert b.am_long_usd_bn["2021-01-12"] == 4.2 and b.lev_long_usd_bn["2021-01-12"] == 0.7
    # 2Y: 4,000 × $200,000 = 0.8 of 2.8; each 100,000-face contract 0.4
    assert b.latest_by_contract_usd_bn["042601"] == 0.8
    assert b.latest_share_by_contract_pct == {
        "020601": 14.3,
        "020604": 14.3,
        "042601": 28.6,
        "043602": 14.3,
        "043607": 14.3,
        "044601": 14.3,
    }
    assert b.weeks_complete == 4 and b.weeks_since_latest == 0
    assert b.gaps == [("2020-01-21", "2020-12-29")] and b.weeks_missing == 50
    assert b.lev_short_usd_bn["2021-01-12"] == 2.8
    assert b.article_base is None  # no report of 2020-03-24 in these data
    assert b.pre_covid is None  # nor any 2019 week
    assert b.max_step_days == metrics.RULES["max_step_days"].value == 8


def test_basis_against_the_articles_week_and_before_the_pandemic_from_unrounded_values():
    # six contracts of n each: n × (200,000 + 5 × 100,000) = n × 0.0007 bn. 2019: 0.70 and 0.77 (mean 0.735);
    # 2020-03-24: 0.6601; peak 1.4; latest 1.0822
    data = tff(
        ("2019-06-04", [1000] * 6),  # 0.7
        ("2019-06-11", [1100] * 6),  # 0.77
        ("2020-03-24", [943] * 6),  # 0.6601
        ("2026-01-06", [2000] * 6),  # 1.4 peak
        ("2026-10-06", [1546] * 6),  # 1.0822 latest
    )
    b = metrics.basis(data, "2026-10-06")
    base, pre = b.article_base, b.pre_covid
    assert base.level.as_of == "2020-03-24" and base.level.value == 0.7  # 0.6601 shown to 0.1 bn
    assert base.change_pct == round((1.0822 / 0.6601 - 1) * 100, 1) == 63.9  # from unrounded values (rounded: 54.6)
    assert base.direction == "rose" and base.rule == "article_base_week"
    assert pre.level.as_of == "2019" and pre.level.value == 0.7 and pre.change_pct == round((1.0822 / 0.735 - 1) * 100, 1)
    assert b.change_from_peak_pct == round((1.0822 / 1.4 - 1) * 100, 1) == -22.7


def test_latest_at_or_marginally_below_the_peak():
    at = metrics.basis(tff(("2025-01-07", [1000] * 6), ("2025-01-14", [2000] * 6)), "2025-01-14")
    assert at.latest_at_peak and at.change_from_peak_pct == 0.0 and not at.latest_near_peak
    near = metrics.basis(tff(("2025-01-07", [200000] * 6), ("2025-01-14", [199950] * 6)), "2025-01-14")
    assert not near.latest_at_peak and near.latest_near_peak and near.change_from_peak_pct == 0.0  # -0.025%: never "-0.0"
    below = metrics.basis(tff(("2025-01-07", [200000] * 6), ("2025-01-14", [199800] * 6)), "2025-01-14")
    assert not below.latest_at_peak and not below.latest_near_peak and below.change_from_peak_pct == -0.1


def test_a_holiday_shifted_report_is_not_a_gap_but_a_longer_step_is():
    # 2018-12-31 -> 2019-01-08 (8 days, New Year's Day) and 2023-07-03 -> 07-11 are one week each
    assert metrics.gaps(dates("2018-12-24", "2018-12-31", "2019-01-08", "2019-01-15")) == []
    assert metrics.gaps(dates("2023-06-27", "2023-07-03", "2023-07-11")) == []
    assert metrics.gaps(dates("2023-07-03", "2023-07-12")) == [("2023-07-10", "2023-07-10")]  # 9 days: a gap of one week
    b = metrics.basis(tff(("2018-12-31", [1000] * 6), ("2019-01-08", [1000] * 6)), "2019-01-08")
    assert b.gaps == [] and b.weeks_missing == 0


def tic(rows):
    return pd.DataFrame(rows, columns=["month", "country", "value"])


def research_row(**overrides):
    row = {
        "id": "cayman_hf_ust_undercount",
        "value": 1400.0,
        "units": "billions of USD",
        "as_of": "2024-12",
        "published": "2025-10-15",
        "title": "T",
        "title_zh": "题",
        "authors": "A",
        "publisher": "P",
        "doi": "10/x",
        "url": "u",
        "locator": "Abstract",
        "quote": "q",
        "method": "m",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def press_row(**overrides):
    row = research_row(
        id="cayman_hf_ust_press_total",
        value=1850.0,
        published="2025-10-17",
        doi="",
        url="https://press",
        publisher="Press",
        quote="about $1.85 trillion",
        method="press",
    )
    return row.assign(**overrides) if overrides else row


def test_holders_rank_and_cayman_estimate():
    data = tic(
        [
            ("2025-12", "Japan", 1185.5),
            ("2025-12", "Cayman Islands", 421.2),
            ("2025-12", "Grand Total", 9271.0),
            ("2025-12", "All Other", 700.0),
            ("2024-12", "Japan", 1061.5),
            ("2024-12", "Cayman Islands", 423.0),
            ("2024-12", "Grand Total", 8500.0),
            ("2024-12", "United Kingdom", 722.8),
        ]
    )
    h = metrics.holders(data, pd.concat([research_row(), press_row()]))
    assert h.as_of == "2025-12" and h.year_earlier == "2024-12"
    assert h.ranking == ["Japan", "Cayman Islands"]
    assert h.cayman_rank == 2
    assert h.cayman_official.value == 421.2
    assert h.cayman_estimate_published and h.cayman_official_at_estimate_date.value == 423.0
    est = h.cayman_estimate_usd_bn
    # 423.0 official + "around $1.4 trillion" = 1,823.0, stated to the note's precision ($100 billion): about $1.8 trillion
    assert est.value == 1800.0 and est.precision == 100.0 and est.as_of == "2024-12"
    assert est.method.startswith("Official TIC holdings of the Cayman Islands in 2024-12 (423.0 billion USD) plus the note's undercount")
    assert "1,823.0 billion USD" in est.method and "our calculation: the note's abstract gives the undercount, not a total" in est.method
    assert h.cayman_undercount_usd_bn.value == 1400.0 and h.cayman_undercount_usd_bn.precision == 100.0
    # compared with holders of the same month (December 2024), never with December 2025's
    assert h.largest_at_estimate_date == "Japan" and h.largest_at_estimate_date_usd_bn == metrics.Point(
        1061.5, "2024-12", "billions of USD", "Treasury TIC"
    )
    assert h.cayman_estimate_vs_largest == "above" and h.cayman_estimate_rank_at_estimate_date == 1
    # the press total ($1.85 trillion, stated to $10 billion) is within half the note's precision of 1,823.0
    assert h.cayman_press_total_usd_bn.value == 1850.0 and h.cayman_press_total_usd_bn.precision == 10.0
    assert h.cayman_press_consistent is True
    assert 'Press, "T" (2025-10-17), https://press, Abstract' == h.cayman_press_total_usd_bn.source
    assert h.usd_bn_year_earlier["Japan"] == 1061.5
    assert "Grand Total" not in h.usd_bn and h.aggregates_usd_bn == {"Grand Total": 9271.0, "All Other": 700.0}


def test_cayman_estimate_below_a_larger_holder_and_a_press_total_that_disagrees():
    data = tic([("2024-12", "Japan", 2500.0), ("2024-12", "Cayman Islands", 423.0), ("2024-12", "Grand Total", 9000.0)])
    h = metrics.holders(data, pd.concat([research_row(), press_row(value=1950.0)]))
    assert h.cayman_estimate_vs_largest == "below" and h.cayman_estimate_rank_at_estimate_date == 2
    assert h.cayman_press_consistent is False  # 1,950 is 127 away from 1,823: more than half of $100 billion


def test_no_estimate_before_publication():
    data = tic([("2025-06", "Japan", 1100.0), ("2025-06", "Cayman Islands", 400.0), ("2025-06", "Grand Total", 9000.0)])
    h = metrics.holders(data, research_row().iloc[0:0])
    assert h.cayman_estimate_usd_bn is None and h.cayman_undercount_usd_bn is None and h.cayman_press_total_usd_bn is None
    assert not h.cayman_estimate_published and h.cayman_estimate_vs_largest is None and h.largest_at_estimate_date is None


def test_stated_precision_is_the_last_significant_digit():
    assert metrics.stated_precision(1400.0) == 100.0
    assert metrics.stated_precision(1850.0) == 10.0
    assert metrics.stated_precision(423.0) == 1.0
    assert metrics.stated_precision(2.55) == 0.01


def test_bills_share():
    cols = ["record_date", "security_type", "security_class", "public_usd_mn", "intragov_usd_mn", "total_usd_mn"]
    mspd = frame(
        [
            (pd.Timestamp("2025-05-31"), "Marketable", "Bills", 0, 0, 5000.0),
            (pd.Timestamp("2025-05-31"), "Total Marketable", "_", 0, 0, 25000.0),
            (pd.Timestamp("2026-05-31"), "Marketable", "Bills", 0, 0, 6758.8),
            (pd.Timestamp("2026-05-31"), "Marketable", "Notes", 0, 0, 24155.2),
            (pd.Timestamp("2026-05-31"), "Total Marketable", "_", 0, 0, 30914.0),
        ],
        cols,
    )
    d = metrics.debt(mspd)
    assert d.bills_share_pct.value == round(6758.8 / 30914.0 * 100, 1) == 21.9
    assert d.bills_share_pct.as_of == "2026-05-31"
    assert d.bills_share_year_earlier.value == 20.0
    assert d.bills_share_direction == "rose"
    assert d.bills_usd_bn.value == 6.8


def funding_tables(**overrides):
    tables = {
        "fred_sofr": fred([("2026-06-22", 3.61), ("2026-06-23", 3.72), ("2026-06-24", float("nan"))]),
        "fred_iorb": fred([("2026-06-22", 3.65), ("2026-06-23", 3.65), ("2026-06-24", 3.65)]),
        "fred_rrpontsyd": fred([("2021-12-31", 1904.582), ("2026-06-23", 12.3)]),
        "fred_wresbal": fred([("2025-06-18", 3400000), ("2026-06-17", 3033444)]),
        "dts_tga": fred([("2026-06-22", 900000), ("2026-06-23", 925876)]),
    }
    tables.update(overrides)
    return {k: v for k, v in tables.items() if v is not None}


def test_funding_spread_and_levels():
    fu = metrics.funding(funding_tables())
    assert fu.sofr_iorb_bp.value == 7.0 and fu.sofr_iorb_bp.as_of == "2026-06-23"
    assert fu.sofr_iorb_direction == "above"
    assert fu.sofr_iorb_max_bp_90d.value == 7.0 and fu.spread_rose_above_iorb is True
    assert fu.sofr_iorb_median_bp.value == 1.5 and fu.sofr_iorb_median_direction == "above"  # median of -4 and +7
    assert fu.spread_latest_period_end == ""  # June 23 is not the last business day of the quarter
    assert fu.rrp_usd_bn.value == 12.3 and fu.rrp_peak_usd_bn.value == 1904.6 and not fu.rrp_at_peak
    assert fu.rrp_absorbs_drains is False  # $12.3 billion is below the $250 billion of rules.rrp_buffer_usd_bn
    assert fu.reserves_usd_bn.value == 3033.4
    assert fu.reserves_year_earlier_usd_bn.value == 3400.0
    assert fu.reserves_direction == "fell"
    assert fu.tga_usd_bn.value == 925.9
    assert fu.srf_usd_bn is None and fu.srf_peak is None and fu.srf_used is None
    assert fu.history["sofr_iorb_bp"] == {"2026-06-22": -4.0, "2026-06-23": 7.0}
    assert not math.isnan(fu.history["tga_usd_bn"]["2026-06-23"])


def test_a_year_end_spike_is_not_the_state_of_funding():
    # 29 calm days at -2 bp, then +22 bp on the last business day of the year (2025-12-31, a Wednesday)
    days = pd.bdate_range("2025-11-20", "2025-12-31")
    sofr = fred([(d, 3.63) for d in days[:-1]] + [(days[-1], 3.87)])
    iorb = fred([(d, 3.65) for d in days])
    rrp = fred([(d, 5.0) for d in days[:-1]] + [(days[-1], 106.0)])
    fu = metrics.funding(funding_tables(fred_sofr=sofr, fred_iorb=iorb, fred_rrpontsyd=rrp))
    assert fu.sofr_iorb_bp.value == 22.0 and fu.sofr_iorb_direction == "above"
    assert fu.spread_latest_period_end == "year" and fu.rrp_latest_period_end == "year"
    assert fu.sofr_iorb_median_bp.value == -2.0 and fu.sofr_iorb_median_direction == "below"  # the typical recent day
    assert fu.rrp_median_usd_bn.value == 5.0 and fu.rrp_usd_bn.value == 106.0 and fu.rrp_at_peak


def test_spread_that_never_rose_above_iorb_and_a_large_rrp():
    days = pd.bdate_range("2024-03-01", "2024-06-28")
    fu = metrics.funding(
        funding_tables(
            fred_sofr=fred([(d, 5.33) for d in days]),
            fred_iorb=fred([(d, 5.40) for d in days]),
            fred_rrpontsyd=fred([(days[0], 2500.0), (days[-1], 664.6)]),
        )
    )
    assert fu.sofr_iorb_max_bp_90d.value == -7.0 and fu.spread_rose_above_iorb is False
    assert fu.spread_latest_period_end == "quarter"  # Friday 2024-06-28: the quarter's last business day
    assert fu.rrp_absorbs_drains is True  # $664.6 billion >= $250 billion


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2025-12-31", "year"),
        ("2022-12-30", "year"),
        ("2024-06-28", "quarter"),
        ("2025-09-30", "quarter"),
        ("2024-06-27", ""),
        ("2026-06-23", ""),
        ("2025-12-30", ""),
    ],
)
def test_period_end_kind(day, kind):
    assert metrics.period_end_kind(pd.Timestamp(day)) == kind


def test_funding_without_sofr_iorb_reserves_or_tga():
    fu = metrics.funding(funding_tables(fred_sofr=None, fred_iorb=None, fred_wresbal=None, dts_tga=None))
    assert fu.sofr_iorb_bp is None and fu.sofr_iorb_median_bp is None and fu.sofr_iorb_max_bp_90d is None
    assert fu.spread_rose_above_iorb is None and fu.sofr_iorb_direction is None
    assert fu.reserves_usd_bn is None and fu.tga_usd_bn is None and fu.reserves_direction is None
    assert sorted(fu.history) == ["rrp_usd_bn"] and fu.rrp_usd_bn.value == 12.3


def test_standing_repo_facility_from_the_new_york_fed():
    srf = fred([("2025-10-31", 50.35), ("2025-12-31", 74.6), ("2026-04-24", 0.0)])
    fu = metrics.funding(funding_tables(nyfed_srf=srf))
    assert fu.srf_usd_bn == metrics.Point(0.0, "2026-04-24", "billions of USD", "Federal Reserve Bank of New York, repo operations")
    assert fu.srf_peak == metrics.Peak(74.6, "2025-12-31", "billions of USD", "Federal Reserve Bank of New York, repo operations")
    assert fu.srf_used is False and fu.srf_at_peak is False
    fu = metrics.funding(funding_tables(nyfed_srf=fred([("2025-10-30", 1.0), ("2025-10-31", 25.0), ("2025-10-31", 25.35)])))
    assert fu.srf_usd_bn.value == 50.35 and fu.srf_used is True and fu.srf_at_peak  # operations of one day are added up


def test_markets_latest_and_a_year_earlier():
    tables = {
        "fred_dgs10": fred([("2025-07-28", 4.42), ("2026-07-27", 4.60), ("2026-07-28", 4.61)]),
        "fred_threefytp10": fred([("2026-09-25", 1.0203)]),
        "fred_dgs2": fred([("2026-07-28", 4.26)]),
        "fred_t10y2y": fred([("2026-07-29", -0.12)]),
    }
    mk = metrics.markets(tables)
    assert mk.ust10y_pct.latest.value == 4.61 and mk.ust10y_pct.year_earlier.as_of == "2025-07-28"
    assert mk.ust10y_pct.change_bp == 19.0 and mk.ust10y_pct.direction == "rose"
    assert mk.term_premium_pct.latest.value == 1.02 and mk.term_premium_pct.year_earlier is None
    assert mk.term_premium_pct.change_bp is None and mk.term_premium_pct.direction == "unchanged"
    assert mk.ust2y_pct.value == 4.26 and mk.curve_2s10s_bp.value == -12.0 and mk.curve_inverted is True
    empty = metrics.markets({})
    assert empty == metrics.Markets(None, None, None, None, None)


def mspd_rows(rows):
    cols = ["record_date", "security_type", "security_class", "public_usd_mn", "intragov_usd_mn", "total_usd_mn"]
    return frame([(pd.Timestamp(d), t, "_", p, 0, p) for d, t, p in rows], cols)


def test_debt_held_by_the_public_and_deficit_as_a_share_of_gdp():
    mspd = mspd_rows(
        [
            ("2025-03-31", "Total Public Debt Outstanding", 28_600_000.0),
            ("2026-02-28", "Total Public Debt Outstanding", 31_186_965.0),  # not a quarter end
            ("2026-03-31", "Total Public Debt Outstanding", 31_431_182.2436005),
        ]
    )
    gdp = fred(
        [
            ("2024-10-01", 29700.0),
            ("2025-01-01", 30171.979),
            ("2025-04-01", 30630.174),
            ("2025-07-01", 31180.493),
            ("2025-10-01", 31462.523),
            ("2026-01-01", 31906.274),
        ]
    )
    tables = {
        "fred_fyfsd": fred([("2024-09-30", -1815377), ("2025-09-30", -1774684)]),
        "fred_gfdegdq188s": fred([("2025-01-01", 120.0), ("2026-01-01", 122.59387)]),
        "mspd_table1": mspd,
        "fred_gdp": gdp,
    }
    f = metrics.fiscal(tables, vintage="", as_of="2026-10-06")
    # 31,431.2 bn held by the public at 2026-03-31 / 31,906.3 bn GDP of 2026Q1 = 98.5%
    assert f.debt_held_by_public_to_gdp_pct.value == round(31431.1822436005 / 31906.274 * 100, 1) == 98.5
    assert f.debt_held_by_public_to_gdp_pct.as_of == "2026Q1"
    assert f.debt_held_by_public_year_earlier.value == round(28600.0 / 30171.979 * 100, 1)
    assert f.debt_held_by_public_direction == "rose"
    assert f.debt_to_gdp_at_public_quarter == metrics.Point(122.6, "2026Q1", "percent of GDP", "FRED GFDEGDQ188S")
    # FY2025 (Oct 2024 - Sep 2025): 1,774.684 / mean(GDP 2024Q4..2025Q3); FY2024 lacks three of its quarters
    mean = (29700.0 + 30171.979 + 30630.174 + 31180.493) / 4
    assert f.deficit_to_gdp_pct == {"2025": round(1774.684 / mean * 100, 1)}
    assert f.latest_deficit_to_gdp.value == f.deficit_to_gdp_pct["2025"] and f.latest_deficit_to_gdp.as_of == "2025"


def test_fiscal_without_gdp_and_with_a_single_year():
    tables = {
        "fred_fyfsd": fred([("2019-09-30", -983588)]),
        "fred_gfdegdq188s": fred([("2020-01-01", 107.0)]),
        "mspd_table1": mspd_rows([("2020-03-31", "Total Public Debt Outstanding", 17_700_000.0)]),
    }
    f = metrics.fiscal(tables, vintage="", as_of="2020-06-30")
    assert f.latest_fy == "2019" and f.prior_fy is None and f.change_vs_prior_usd_bn is None and f.direction_vs_prior is None
    assert f.debt_held_by_public_to_gdp_pct is None and f.deficit_to_gdp_pct == {} and f.latest_deficit_to_gdp is None


def test_fiscal_summary():
    tables = {
        "fred_fyfsd": fred([("2023-09-30", -1687467), ("2024-09-30", -1815377), ("2025-09-30", -1774684)]),
        "fred_gfdegdq188s": fred([("2025-01-01", 120.0), ("2026-01-01", 122.59387)]),
    }
    f = metrics.fiscal(tables, vintage="2026-11-24", as_of="2026-10-06")
    assert f.vintage_after_as_of
    assert f.deficit_usd_bn == {"2023": 1687.5, "2024": 1815.4, "2025": 1774.7}
    assert f.latest_fy == "2025" and f.first_fy == "2023" and f.prior_fy == "2024"
    assert f.average_deficit_usd_bn == round((1687.467 + 1815.377 + 1774.684) / 3, 1)  # from unrounded values
    assert f.change_vs_prior_usd_bn == -40.7 and f.direction_vs_prior == "fell"
    assert f.debt_to_gdp_pct.value == 122.6 and f.debt_to_gdp_pct.as_of == "2026Q1"
    assert f.debt_to_gdp_direction == "rose"


def test_a_year_earlier_is_the_nearest_observation_within_the_rule_s_days(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from pathlib import Path

    from ustglass import metricbase, pipeline
    from ustglass.config import Format, ReportConfig

    days = pd.to_datetime(["2024-12-10", "2025-06-30", "2025-12-31"])  # nearest to 2024-12-31: 21 days off
    s = pd.Series([1.0, 2.0, 3.0], index=days)
    assert metricbase.near_year_earlier(s) is None  # the rule's 16 days
    monkeypatch.setitem(metricbase.RULES, "year_earlier_within_days", metricbase.Rule(21, "test"))
    assert metricbase.near_year_earlier(s) == 0
    # the methods state the rule's value in both languages
    shipped = Path(__file__).resolve().parents[1] / "data_snapshots"
    cfg = ReportConfig(
        langs=("en", "zh"), formats=(Format.md,), snapshots_root=shipped, out_dir=tmp_path, snapshot="2025-12-31", cache=False
    )
    files = pipeline.build(cfg).files
    assert "the observation nearest to a year before, within 21 days." in files["brief.en.md"].decode()
    assert "最接近一年前（相差不超过21天）的观测值" in files["brief.zh.md"].decode()
