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
    assert metrics.deficits_by_fy(fyfsd) == {"2019": 983.6, "2020": 3132.5}


def test_direction_words():
    assert metrics.direction(2.0, 1.0) == "rose"
    assert metrics.direction(1.0, 2.0) == "fell"
    assert metrics.direction(1.0, 1.0) == "unchanged"


def tff_rows(report_date, shorts):
    codes = ["042601", "044601", "043602", "043607", "020601", "020604"]
    return [
        {
            "report_date": pd.Timestamp(report_date),
            "contract_code": c,
            "market_name": c,
            "open_interest": 0,
            "dealer_long": 0,
            "dealer_short": 0,
            "asset_mgr_long": 0,
            "asset_mgr_short": 0,
            "lev_long": 0,
            "lev_short": s,
            "lev_spread": 0,
        }
        for c, s in zip(codes, shorts)
        if s is not None
    ]


def tff(*weeks):
    rows = [r for date, shorts in weeks for r in tff_rows(date, shorts)]
    out = pd.DataFrame(rows)
    for col in ("lev_short", "lev_long", "open_interest"):
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
        ("2021-01-12", [4000] * 6),  # 2.8 latest
    )
    b = metrics.basis(data, "2021-01-12")
    assert b.level_2020.value == pytest.approx(1.4)  # average of 0.7 and 2.1
    assert b.direction_vs_2020 == "rose" and b.weeks_since_latest == 0
    assert b.peak.value == 3.5 and b.peak.as_of == "2021-01-05"
    assert b.latest.value == 2.8 and b.latest.as_of == "2021-01-12"
    assert b.change_since_2020_pct == 100.0
    assert b.weeks_complete == 4
    assert b.gaps == [("2020-01-21", "2020-12-29")]
    assert b.weeks_missing == 50
    assert b.lev_short_usd_bn["2021-01-12"] == 2.8
    assert b.latest_by_contract_usd_bn["042601"] == 0.8


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
        ]
    )
    h = metrics.holders(data, research_row())
    assert h.as_of == "2025-12" and h.year_earlier == "2024-12"
    assert h.ranking == ["Japan", "Cayman Islands"]
    assert h.cayman_rank == 2
    assert h.cayman_official.value == 421.2
    assert h.cayman_official_at_estimate_date.value == 423.0
    assert h.cayman_estimate_usd_bn.value == 1823.0  # 423.0 official + 1,400 undercount
    assert h.cayman_estimate_usd_bn.as_of == "2024-12"
    assert h.cayman_estimate_vs_largest == "above"
    assert h.usd_bn_year_earlier["Japan"] == 1061.5
    assert "Grand Total" not in h.usd_bn and h.aggregates_usd_bn == {"Grand Total": 9271.0, "All Other": 700.0}


def test_no_estimate_before_publication():
    data = tic([("2025-06", "Japan", 1100.0), ("2025-06", "Cayman Islands", 400.0), ("2025-06", "Grand Total", 9000.0)])
    h = metrics.holders(data, research_row().iloc[0:0])
    assert h.cayman_estimate_usd_bn is None and h.cayman_undercount_usd_bn is None


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


def test_funding_spread_and_levels():
    tables = {
        "fred_sofr": fred([("2026-06-22", 3.61), ("2026-06-23", 3.72), ("2026-06-24", float("nan"))]),
        "fred_iorb": fred([("2026-06-22", 3.65), ("2026-06-23", 3.65), ("2026-06-24", 3.65)]),
        "fred_rrpontsyd": fred([("2021-12-31", 1904.582), ("2026-06-23", 12.3)]),
        "fred_wresbal": fred([("2025-06-18", 3400000), ("2026-06-17", 3033444)]),
        "dts_tga": fred([("2026-06-22", 900000), ("2026-06-23", 925876)]),
    }
    fu = metrics.funding(tables)
    assert fu.sofr_iorb_bp.value == 7.0 and fu.sofr_iorb_bp.as_of == "2026-06-23"
    assert fu.sofr_iorb_direction == "above"
    assert fu.sofr_iorb_max_bp_90d.value == 7.0
    assert fu.rrp_usd_bn.value == 12.3 and fu.rrp_peak_usd_bn.value == 1904.6
    assert fu.reserves_usd_bn.value == 3033.4
    assert fu.reserves_year_earlier_usd_bn.value == 3400.0
    assert fu.reserves_direction == "fell"
    assert fu.tga_usd_bn.value == 925.9
    assert fu.srf_usd_bn is None
    assert fu.history["sofr_iorb_bp"] == {"2026-06-22": -4.0, "2026-06-23": 7.0}
    assert not math.isnan(fu.history["tga_usd_bn"]["2026-06-23"])


def test_fiscal_summary():
    tables = {
        "fred_fyfsd": fred([("2023-09-30", -1687467), ("2024-09-30", -1815377), ("2025-09-30", -1774684)]),
        "fred_gfdegdq188s": fred([("2025-01-01", 120.0), ("2026-01-01", 122.59387)]),
    }
    f = metrics.fiscal(tables, vintage="2026-11-24", as_of="2026-10-06")
    assert f.vintage_after_as_of
    assert f.deficit_usd_bn == {"2023": 1687.5, "2024": 1815.4, "2025": 1774.7}
    assert f.latest_fy == "2025" and f.first_fy == "2023"
    assert f.average_deficit_usd_bn == round((1687.5 + 1815.4 + 1774.7) / 3, 1)
    assert f.change_vs_prior_usd_bn == -40.7 and f.direction_vs_prior == "fell"
    assert f.debt_to_gdp_pct.value == 122.6 and f.debt_to_gdp_pct.as_of == "2026Q1"
    assert f.debt_to_gdp_direction == "rose"
