"""A complete, plausible KeyFigures built by hand, for tests of everything downstream of metrics.

Holdings are the official TIC values (December 2025 and December 2024); the weekly series
are smooth deterministic curves of a realistic size, with the CFTC gaps the offline data
really has. Each part can be overridden: ``make_key_figures(holders=make_holders(...))``.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from typing import Any

from ustglass import scenarios, scorecard
from ustglass.keyfigures import (
    Basis,
    Comparison,
    CrowdingFlag,
    DatasetInfo,
    Debt,
    Estimate,
    Fiscal,
    Funding,
    Holders,
    KeyFigures,
    Markets,
    Peak,
    Point,
    Scorecard,
    YearChange,
)
from ustglass.metrics import RULES

DEFICITS = {"2019": 983.588, "2020": 3132.456, "2021": 2773.594, "2022": 1374.171, "2023": 1687.467, "2024": 1815.377, "2025": 1774.684}

HOLDERS_2025_12 = {
    "Japan": 1185.5, "United Kingdom": 866.0, "China, Mainland": 683.5, "Belgium": 477.3,
    "Canada": 468.2, "Luxembourg": 435.1, "Cayman Islands": 421.2, "France": 368.9,
    "Ireland": 340.7, "Taiwan": 310.6, "Switzerland": 294.1, "Singapore": 278.4, "Hong Kong": 267.8,
}  # fmt: skip
HOLDERS_2024_12 = {
    "Japan": 1061.5, "United Kingdom": 722.8, "China, Mainland": 759.0, "Belgium": 374.6,
    "Canada": 378.8, "Luxembourg": 423.9, "Cayman Islands": 423.0, "France": 332.3,
    "Ireland": 339.4, "Taiwan": 292.3, "Switzerland": 298.7, "Singapore": 249.0, "Hong Kong": 255.0,
}  # fmt: skip
AGGREGATES_2025_12 = {"All Other": 2186.6, "Grand Total": 9271.0, "For. Official": 3887.0,
                      "Treasury Bills": 1391.0, "T-Bonds & Notes": 7880.0}  # fmt: skip

# Weeks (first, last) without a six-contract report, as in the offline CFTC copy.
BASIS_GAPS = [
    ("2020-12-01", "2020-12-29"),
    ("2023-10-17", "2023-12-26"),
    ("2024-07-30", "2024-12-31"),
    ("2025-05-06", "2025-12-30"),
    ("2026-08-11", "2026-09-22"),
]
FEDS_NOTE = "Federal Reserve, FEDS Note: The Cross-Border Trail of the Treasury Basis Trade"


def weekly(first: str, last: str) -> list[str]:
    """ISO dates every 7 days from ``first`` through ``last``."""
    d, end, out = date.fromisoformat(first), date.fromisoformat(last), []
    while d <= end:
        out.append(d.isoformat())
        d += timedelta(days=7)
    return out


def make_fiscal(**overrides: Any) -> Fiscal:
    """FY2019..FY2025 deficits (FRED FYFSD, 2026 vintage), deficit/GDP and both debt/GDP measures."""
    avg = sum(DEFICITS.values()) / len(DEFICITS)
    fiscal = Fiscal(
        deficit_usd_bn=dict(DEFICITS),
        first_fy="2019",
        latest_fy="2025",
        prior_fy="2024",
        latest_deficit=Point(1774.684, "2025", "billions of USD", "FRED FYFSD"),
        average_deficit_usd_bn=avg,
        change_vs_prior_usd_bn=1774.684 - 1815.377,
        direction_vs_prior="fell",
        deficit_to_gdp_pct={"2023": 6.2, "2024": 6.3, "2025": 5.8},
        latest_deficit_to_gdp=Point(5.8, "2025", "percent of GDP", "FRED FYFSD, GDP"),
        debt_to_gdp_pct=Point(122.6, "2026Q1", "percent of GDP", "FRED GFDEGDQ188S"),
        debt_to_gdp_year_earlier=Point(120.8, "2025Q1", "percent of GDP", "FRED GFDEGDQ188S"),
        debt_to_gdp_direction="rose",
        debt_held_by_public_to_gdp_pct=Point(98.5, "2026Q1", "percent of GDP", "Treasury MSPD Table 1; FRED GDP"),
        debt_held_by_public_year_earlier=Point(96.9, "2025Q1", "percent of GDP", "Treasury MSPD Table 1; FRED GDP"),
        debt_held_by_public_direction="rose",
        debt_to_gdp_at_public_quarter=Point(122.6, "2026Q1", "percent of GDP", "FRED GFDEGDQ188S"),
        vintage="2026-07-30",
        vintage_after_as_of=False,
    )
    return dataclasses.replace(fiscal, **overrides)


def make_estimate() -> Estimate:
    """Our calculation from the Federal Reserve note: TIC December 2024 + the note's undercount, at its precision."""
    return Estimate(
        value=1800.0,
        as_of="2024-12",
        source=FEDS_NOTE,
        published="2025-10-15",
        unit="billions of USD",
        method="Official TIC holdings of the Cayman Islands in 2024-12 plus the note's undercount; our calculation",
        title="The Cross-Border Trail of the Treasury Basis Trade",
        publisher="Board of Governors of the Federal Reserve System",
        doi="10.17016/2380-7172.3939",
        precision=100.0,
    )


def make_press_total() -> Estimate:
    """The total the press reported for the note (the figure the seed article quotes)."""
    return Estimate(
        value=1850.0,
        as_of="2024-12",
        source="Yuan Trends, press coverage",
        published="2025-10-17",
        unit="billions of USD",
        method="press coverage of the note",
        title="Press article",
        publisher="Yuan Trends",
        url="https://example.org/press",
        precision=10.0,
    )


def make_holders(**overrides: Any) -> Holders:
    """Major foreign holders at December 2025 vs December 2024, with our calculation from the note."""
    ranking = sorted(HOLDERS_2025_12, key=lambda c: -HOLDERS_2025_12[c])
    holders = Holders(
        as_of="2025-12",
        year_earlier="2024-12",
        usd_bn=dict(HOLDERS_2025_12),
        usd_bn_year_earlier=dict(HOLDERS_2024_12),
        aggregates_usd_bn=dict(AGGREGATES_2025_12),
        ranking=ranking,
        grand_total=Point(AGGREGATES_2025_12["Grand Total"], "2025-12", "billions of USD", "TIC"),
        foreign_official=Point(AGGREGATES_2025_12["For. Official"], "2025-12", "billions of USD", "TIC"),
        cayman_official=Point(421.2, "2025-12", "billions of USD", "TIC"),
        cayman_rank=ranking.index("Cayman Islands") + 1,
        cayman_estimate_published=True,
        cayman_official_at_estimate_date=Point(423.0, "2024-12", "billions of USD", "TIC"),
        cayman_estimate_usd_bn=make_estimate(),
        cayman_undercount_usd_bn=dataclasses.replace(make_estimate(), value=1400.0),
        cayman_press_total_usd_bn=make_press_total(),
        cayman_press_consistent=True,
        largest_at_estimate_date="Japan",
        largest_at_estimate_date_usd_bn=Point(1061.5, "2024-12", "billions of USD", "TIC"),
        cayman_estimate_vs_largest="above",
        cayman_estimate_rank_at_estimate_date=1,
    )
    return dataclasses.replace(holders, **overrides)


def _basis_value(d: date) -> float:
    """A smooth path from about $0.66 trillion (2020) to about $1.2 trillion (2026)."""
    t = (d - date(2020, 1, 7)).days / 365.25
    bump = 230 * math.exp(-(((t - 5.25) / 0.35) ** 2))  # spring 2025
    return round(600 + 75 * t + 35 * math.sin(t * 2.1) + 12 * math.sin(t * 9.0) + bump, 1)


def basis_series(gaps: list[tuple[str, str]] = BASIS_GAPS) -> dict[str, float]:
    """Weekly six-contract gross short, Jan 2020 to Oct 6, 2026, without the gap weeks."""

    def missing(day: str) -> bool:
        return any(a <= day <= b for a, b in gaps)

    return {d: _basis_value(date.fromisoformat(d)) for d in weekly("2020-01-07", "2026-10-06") if not missing(d)}


CFTC_LAG_DAYS = 3  # a Tuesday's report is published on the Friday after


def trailing_gap(last: str, as_of: str) -> tuple[str, str] | None:
    """The weeks after the report of ``last`` whose report was due by ``as_of`` (as metrics.basis
    finds them): the edition of 2025-12-31 with data to 2025-04-29 misses 2025-05-06 to 2025-12-23."""
    due = date.fromisoformat(as_of) - timedelta(days=CFTC_LAG_DAYS)
    weeks = weekly(last, due.isoformat())[1:]
    return (weeks[0], weeks[-1]) if weeks else None


def _comparison(series: dict[str, float], latest: float, rule: str) -> Comparison:
    ref = str(RULES[rule].value)
    level = sum(v for d, v in series.items() if d.startswith(ref)) / sum(1 for d in series if d.startswith(ref))
    change = (latest / level - 1) * 100
    return Comparison(
        Point(level, ref, "billions of USD", "CFTC TFF"), change, "rose" if change > 0 else "fell" if change < 0 else "unchanged", rule
    )


def make_basis(through: str = "2026-10-06", as_of: str | None = None, **overrides: Any) -> Basis:
    """CFTC leveraged funds' gross and net short in six Treasury futures, with real-shaped gaps.

    ``through`` is the last complete week in the data; with ``as_of`` (the edition's date)
    later than that, the weeks in between are a trailing gap, as metrics.basis reports it.
    The series starts in January 2020, so the article's week (2020-03-24) is in it.
    """
    series = {d: v for d, v in basis_series().items() if d <= through}
    long_ = {d: round(v * 0.26, 1) for d, v in series.items()}
    net = {d: round(series[d] - long_[d], 1) for d in series}
    am = {d: round(v * 1.45, 1) for d, v in series.items()}
    peak_day = max(series, key=lambda d: series[d])
    last = max(series)
    gaps = [g for g in BASIS_GAPS if g[1] < last]
    trailing = trailing_gap(last, as_of) if as_of else None
    gaps += [trailing] if trailing else []
    by_contract = {"042601": 260.0, "044601": 330.0, "043602": 250.0, "043607": 150.0, "020601": 80.0, "020604": 90.0}
    pre_covid = {d.replace("2020", "2019", 1): v for d, v in series.items() if d.startswith("2020")}  # a stand-in 2019
    basis = Basis(
        lev_short_usd_bn=series,
        lev_long_usd_bn=long_,
        lev_net_short_usd_bn=net,
        am_long_usd_bn=am,
        contracts={"042601": "2-year ($200,000)", "044601": "5-year ($100,000)", "043602": "10-year ($100,000)",
                   "043607": "Ultra 10-year ($100,000)", "020601": "Bond ($100,000)", "020604": "Ultra bond ($100,000)"},
        latest=Point(series[last], last, "billions of USD", "CFTC TFF"),
        latest_net_short=Point(net[last], last, "billions of USD", "CFTC TFF"),
        latest_lev_long=Point(long_[last], last, "billions of USD", "CFTC TFF"),
        latest_am_long=Point(am[last], last, "billions of USD", "CFTC TFF"),
        peak=Peak(series[peak_day], peak_day, "billions of USD", "CFTC TFF"),
        change_from_peak_pct=(series[last] / series[peak_day] - 1) * 100,
        latest_at_peak=last == peak_day,
        latest_near_peak=False,
        article_base=_comparison(series, series[last], "article_base_week"),
        pre_covid=_comparison(pre_covid, series[last], "pre_covid_year"),
        max_step_days=RULES["max_step_days"].value,
        weeks_complete=len(series),
        weeks_missing=sum(len(weekly(a, b)) for a, b in gaps),
        gaps=gaps,
        weeks_since_latest=len(weekly(*trailing)) if trailing else 0,
        latest_by_contract_usd_bn=by_contract,
        latest_share_by_contract_pct={c: v / sum(by_contract.values()) * 100 for c, v in by_contract.items()},
    )  # fmt: skip
    return dataclasses.replace(basis, **overrides)


def funding_history() -> dict[str, dict[str, float]]:
    """Weekly (Wednesday) funding series from January 2023 to June 17, 2026."""
    days = weekly("2023-01-04", "2026-06-17")
    out: dict[str, dict[str, float]] = {k: {} for k in ("sofr_iorb_bp", "rrp_usd_bn", "reserves_usd_bn", "tga_usd_bn")}
    for i, d in enumerate(days):
        t = i / len(days)
        out["sofr_iorb_bp"][d] = round(-9 + 11 * t**2 + 2.5 * math.sin(i * 0.9), 1)
        out["rrp_usd_bn"][d] = round(max(2200 * (1 - t) ** 2.2 + 5 * math.sin(i), 1.0), 1)
        out["reserves_usd_bn"][d] = round(3050 + 350 * math.sin(t * 4.5) - 150 * t, 1)
        out["tga_usd_bn"][d] = round(600 + 250 * math.sin(t * 7 + 1) + 80 * math.sin(i * 0.5), 1)
    return out


def make_funding(**overrides: Any) -> Funding:
    """SOFR − IORB, ON RRP, reserves and TGA, latest June 17, 2026; SRF from the NY Fed."""
    hist = funding_history()
    last = max(hist["sofr_iorb_bp"])

    def latest(series: str, unit: str) -> Point:
        return Point(hist[series][last], last, unit, "FRED")

    funding = Funding(
        sofr_iorb_bp=latest("sofr_iorb_bp", "basis points"),
        sofr_iorb_direction="above",
        sofr_pct=Point(3.68, last, "percent", "FRED SOFR"),
        iorb_pct=Point(3.65, last, "percent", "FRED IORB"),
        spread_latest_period_end="",
        sofr_iorb_median_bp=Point(1.0, last, "basis points", "FRED SOFR, IORB"),
        sofr_iorb_median_direction="above",
        recent_window_days=RULES["recent_window_days"].value,
        sofr_iorb_max_bp_90d=Point(7.0, "2026-05-01", "basis points", "FRED"),
        spread_window_days=RULES["spread_window_days"].value,
        spread_rose_above_iorb=True,
        rrp_usd_bn=latest("rrp_usd_bn", "billions of USD"),
        rrp_median_usd_bn=Point(3.0, last, "billions of USD", "FRED RRPONTSYD"),
        rrp_latest_period_end="",
        rrp_peak_usd_bn=Point(2553.7, "2022-12-30", "billions of USD", "FRED RRPONTSYD"),
        rrp_at_peak=False,
        rrp_absorbs_drains=False,
        reserves_usd_bn=latest("reserves_usd_bn", "billions of USD"),
        reserves_year_earlier_usd_bn=Point(3210.0, "2025-06-18", "billions of USD", "FRED WRESBAL"),
        reserves_direction="fell",
        tga_usd_bn=latest("tga_usd_bn", "billions of USD"),
        srf_usd_bn=Point(0.0, "2026-04-24", "billions of USD", "Federal Reserve Bank of New York"),
        srf_peak=Peak(74.6, "2025-12-31", "billions of USD", "Federal Reserve Bank of New York"),
        srf_used=False,
        srf_at_peak=False,
        history=hist,
    )
    return dataclasses.replace(funding, **overrides)


def make_markets(**overrides: Any) -> Markets:
    """The 10-year yield and term premium a year apart, the 2-year yield and the 2s10s curve."""
    markets = Markets(
        ust10y_pct=YearChange(
            Point(4.61, "2026-07-28", "percent", "FRED DGS10"), Point(4.42, "2025-07-28", "percent", "FRED DGS10"), 19.0, "rose"
        ),
        term_premium_pct=YearChange(
            Point(1.02, "2026-09-25", "percent", "FRED THREEFYTP10"), Point(0.81, "2025-09-25", "percent", "FRED THREEFYTP10"), 21.0, "rose"
        ),
        ust2y_pct=Point(4.26, "2026-07-28", "percent", "FRED DGS2"),
        curve_2s10s_bp=Point(45.0, "2026-07-29", "basis points", "FRED T10Y2Y"),
        curve_inverted=False,
    )
    return dataclasses.replace(markets, **overrides)


def make_debt(**overrides: Any) -> Debt:
    """Bills share of marketable debt (MSPD table 1), May 2026 vs a year earlier."""
    debt = Debt(
        bills_share_pct=Point(21.9, "2026-05-31", "percent", "MSPD"),
        bills_usd_bn=Point(6420.0, "2026-05-31", "billions of USD", "MSPD"),
        marketable_usd_bn=Point(29300.0, "2026-05-31", "billions of USD", "MSPD"),
        bills_share_year_earlier=Point(21.3, "2025-05-31", "percent", "MSPD"),
        bills_share_direction="rose",
    )
    return dataclasses.replace(debt, **overrides)


# The scorecard of the 2026-10-06 edition, by hand: (value, as of, change, percentile, signal);
# the indicators missing here have no data in the snapshot.
READINGS = {
    "lev_gross_short": (1082.3, "2026-10-06", -41.7, 82.8, "watch"),
    "lev_net_short": (801.7, "2026-10-06", -116.0, 83.1, "watch"),
    "lev_share_oi": (38.2, "2026-10-06", -3.0, 55.8, "calm"),
    "asset_mgr_long": (1665.4, "2026-10-06", 33.3, 97.2, "stressed"),
    "sofr_iorb": (-2.8, "2026-06-23", 8.2, 83.5, "calm"),
    "on_rrp": (2.6, "2026-07-29", 1.8, 27.9, "stressed"),
    "reserves": (3033.0, "2026-06-17", -4.0, 15.1, "watch"),
    "tga": (926.0, "2026-06-23", 16.0, 95.0, "watch"),
    "bills_share": (21.9, "2026-05-31", 0.9, 77.7, "watch"),
    "cayman_share": (4.5, "2025-12-31", -0.4, 85.1, "watch"),
    "crowding": (48.9, "2026-06-30", -5.5, None, "calm"),
}


def make_scorecard(**overrides: Any) -> Scorecard:
    """Every indicator of the scorecard's table: those of READINGS with data, the others not available."""
    rows = []
    for ind in scorecard.ALL:
        base = scorecard.reading(scorecard.Result(ind, "not_available", reason_code="missing_dataset", needs=ind.datasets[-1:]))
        if ind.id in READINGS:
            value, as_of, change, pct, signal = READINGS[ind.id]
            base = dataclasses.replace(base, status="ok", value=value, as_of=as_of, change=change, percentile=pct, signal=signal,
                                       window_from="2018-01-02", window_to=as_of, window_observations=400, reason_code=None,
                                       needs=())  # fmt: skip
        rows.append(base)
    counts = {k: sum(1 for r in rows if (r.signal or "not_available") == k) for k in ("calm", "watch", "stressed", "not_available")}
    crowding = CrowdingFlag(
        flag=False,
        threshold_pct=80.0,
        years=3,
        net_short_usd_bn=918.0,
        net_short_percentile=48.9,
        net_short_as_of="2026-06-30",
        funding_bp=-2.8,
        funding_percentile=72.5,
        funding_as_of="2026-06-23",
    )
    card = Scorecard(history_start="2018-01-01", indicators=tuple(rows), signal_counts=counts, crowding=crowding)
    return dataclasses.replace(card, **overrides)


def with_scenarios(kf: KeyFigures) -> KeyFigures:
    """``kf`` with the stress scenarios computed from its basis trade and the shipped parameter table."""
    return dataclasses.replace(kf, scenarios=scenarios.brief_scenarios(kf, scenarios.shipped_table()))


def make_key_figures(**overrides: Any) -> KeyFigures:
    """A complete KeyFigures for snapshot 2026-10-06; any top-level field can be replaced."""
    kf = KeyFigures(
        snapshot="2026-10-06",
        as_of="2026-10-06",
        tool_version="0.0.0-test",
        fiscal=make_fiscal(),
        holders=make_holders(),
        basis=make_basis(),
        funding=make_funding(),
        debt=make_debt(),
        markets=make_markets(),
        rules={name: {"value": rule.value, "reason": rule.reason} for name, rule in RULES.items()},
        datasets=[
            DatasetInfo(id="fred_fyfsd", source_name="Federal Reserve Bank of St. Louis, FRED series FYFSD",
                        url="https://fred.stlouisfed.org/graph/fredgraph.csv?id=FYFSD", units="millions of USD",
                        first="2019-09-30", last="2025-09-30", rows=7,
                        retrieved="2026-07-30T00:00:00Z", original_file="FYFSD.csv"),
        ],
        scorecard=make_scorecard(),
    )  # fmt: skip
    kf = dataclasses.replace(kf, **overrides)
    return kf if "scenarios" in overrides else with_scenarios(kf)  # the scenarios follow the basis trade given


def make_stale_key_figures(**overrides: Any) -> KeyFigures:
    """The 2025-12-31 edition whose CFTC data stop at the week of 2025-04-29: a trailing gap
    of 2025-05-06 to 2025-12-23 (the last report due by the as-of date) ends the data."""
    kf = make_key_figures(snapshot="2025-12-31", as_of="2025-12-31", basis=make_basis("2025-04-29", "2025-12-31"))
    return dataclasses.replace(kf, **overrides)
