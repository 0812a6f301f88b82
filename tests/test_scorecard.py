"""The fragility scorecard: hand-worked percentiles, changes over gaps, signals at their edges,
the crowding flag both ways, the not-available path, the methods table, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ustglass import metrics, scorecard, snapshot
from ustglass.app import app
from ustglass.keyfigures import SignalThresholds
from ustglass.scorecard import CALM, STRESSED, WATCH, Period, Risk, Thresholds

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
CODES = ("042601", "044601", "043602", "043607", "020601", "020604")
runner = CliRunner()


def fred(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]), "value": [float(v) for _, v in rows]})


def daily(start: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.bdate_range(start, periods=len(values)), "value": values})


def tff(weeks: dict[str, dict[str, int]], codes: tuple[str, ...] = CODES) -> pd.DataFrame:
    """Rows for each week and contract; every contract gets the same counts (2Y face $200k, the others $100k)."""
    rows = [
        {
            "report_date": pd.Timestamp(d),
            "contract_code": c,
            "market_name": c,
            "open_interest": cols.get("oi", 0),
            "dealer_long": 0,
            "dealer_short": 0,
            "asset_mgr_long": cols.get("am", 0),
            "asset_mgr_short": 0,
            "lev_long": cols.get("long", 0),
            "lev_short": cols.get("short", 0),
            "lev_spread": 0,
        }
        for d, cols in weeks.items()
        for c in codes
    ]
    frame = pd.DataFrame(rows)
    for col in ("open_interest", "asset_mgr_long", "lev_long", "lev_short"):
        frame[col] = frame[col].astype("Int64")
    return frame


# --- percentiles and changes ---------------------------------------------------------------


def test_scorecard_figures_round_half_up_as_every_figure_of_the_brief():
    # ON RRP was $0.25 billion on 2020-06-29: Table 1 shows $0.3 billion, so must the scorecard
    assert scorecard.rounded(0.25, 1) == 0.3 == metrics.rounded(0.25, 1)
    assert scorecard.rounded(-0.25, 1) == -0.3 and scorecard.rounded(2.675, 2) == 2.68  # round() gives 2.67
    assert scorecard.rounded(None, 1) is None and math.isnan(scorecard.rounded(math.nan, 1))
    assert str(scorecard.rounded(-0.04, 1)) == "0.0"  # never -0.0


def test_percentile_counts_below_and_half_the_ties():
    assert scorecard.percentile_rank(4, [1, 2, 3, 4, 5]) == 70.0  # (3 + ½) / 5
    assert scorecard.percentile_rank(2, [1, 2, 2, 3]) == 50.0  # (1 + ½·2) / 4
    assert scorecard.percentile_rank(9, [1, float("nan"), 9]) == 75.0  # the missing one is not counted
    assert scorecard.percentile_rank(0.5, [1, 2]) == 0.0


def test_change_skips_a_missing_week_and_never_fills_it():
    weeks = pd.date_range("2024-12-31", periods=7, freq="7D")  # Tuesdays to 2025-02-11
    s = pd.Series([10.0, 11, 12, 13, 14, 15, 16], index=weeks)
    assert scorecard.change_over(s, Period.FOUR_WEEKS) == (16 - 12, pd.Timestamp("2025-01-14"))
    gap = s.drop(pd.Timestamp("2025-01-14"))  # the week four weeks back is missing: the week before stands in
    assert scorecard.change_over(gap, Period.FOUR_WEEKS) == (16 - 11, pd.Timestamp("2025-01-07"))
    wide = gap.drop(pd.Timestamp("2025-01-07"))  # two weeks missing: beyond the 7-day tolerance, no change
    assert scorecard.change_over(wide, Period.FOUR_WEEKS) == (None, None)


def test_cftc_notional_uses_face_values_and_only_complete_weeks():
    t = {
        "cftc_tff_ust": pd.concat([tff({"2025-01-07": {"short": 1000}}), tff({"2025-01-14": {"short": 1000}}, codes=CODES[:5])])
    }  # one contract missing
    s = scorecard.lev_gross_short(t)
    assert list(s.index) == [pd.Timestamp("2025-01-07")]  # the incomplete week is skipped, not filled
    assert s.iloc[0] == pytest.approx(1000 * (200_000 + 5 * 100_000) / 1e9)  # 0.7 bn


def test_net_short_share_of_oi_and_asset_managers():
    t = {"cftc_tff_ust": tff({"2025-01-07": {"short": 3000, "long": 1000, "oi": 10000, "am": 2000}})}
    assert scorecard.lev_net_short(t).iloc[0] == pytest.approx(2000 * 0.0007)
    assert scorecard.lev_share_oi(t).iloc[0] == pytest.approx(30.0)
    assert scorecard.asset_mgr_long(t).iloc[0] == pytest.approx(1.4)


# --- signals -------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "expected"), [(-0.1, CALM), (0.0, WATCH), (9.9, WATCH), (10.0, STRESSED)])
def test_level_signal_edges_higher_is_worse(x: float, expected: str):
    assert scorecard.signal(Thresholds("level", 0, 10), Risk.HIGHER_IS_WORSE, x) == expected


@pytest.mark.parametrize(("x", "expected"), [(250.1, CALM), (250.0, WATCH), (50.1, WATCH), (50.0, STRESSED)])
def test_level_signal_edges_lower_is_worse(x: float, expected: str):
    assert scorecard.signal(Thresholds("level", 250, 50), Risk.LOWER_IS_WORSE, x) == expected


@pytest.mark.parametrize(("latest", "pct", "expected"), [(7.9, 75.0, CALM), (8.0, 80.0, WATCH), (9.0, 90.0, WATCH), (9.5, 95.0, STRESSED)])
def test_percentile_signal_edges(latest: float, pct: float, expected: str):
    # nine earlier days 1..9, then the latest: 8.0 ties with one, (7 + ½·2) / 10 = 80th percentile
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9] if latest != 9.5 else [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    if latest == 9.5:
        latest, pct = 19.0, 95.0  # 19 ties with one of 20: (18 + 1) / 20
    r = scorecard.evaluate_one(scorecard.BY_ID["ust10y"], {"fred_dgs10": daily("2025-01-01", [*values, latest])})
    assert (r.percentile, r.signal, r.window_obs) == (pct, expected, len(values) + 1)


def test_window_starts_in_2018_or_when_the_series_began():
    t = {"fred_dgs10": fred([("2017-06-01", 9.0), ("2018-01-02", 1.0), ("2018-01-03", 2.0)])}
    r = scorecard.evaluate_one(scorecard.BY_ID["ust10y"], t)
    assert (r.window_from, r.window_to, r.window_obs, r.percentile) == ("2018-01-02", "2018-01-03", 2, 75.0)
    late = scorecard.evaluate_one(scorecard.BY_ID["ust10y"], {"fred_dgs10": fred([("2021-06-23", 1.0), ("2021-06-24", 2.0)])})
    assert late.window_from == "2021-06-23"


# --- indicators, hand-worked ---------------------------------------------------------------


def test_sofr_iorb_is_the_mean_of_five_days_with_both_rates():
    sofr = daily("2025-12-01", [4.40, 4.41, 4.42, 4.43, 4.44, 4.45])
    iorb = daily("2025-12-01", [4.40] * 6)
    iorb.loc[2, "value"] = float("nan")  # a day without IORB is skipped
    s = scorecard.sofr_iorb_bp({"fred_sofr": sofr, "fred_iorb": iorb})
    assert list(s.round(6)) == [(0 + 1 + 3 + 4 + 5) / 5]  # days 1, 2, 4, 5, 6


def test_ten_year_volatility_by_hand_and_over_a_missing_day():
    yields = [4.00 + 0.01 * (i % 2) for i in range(21)]  # 20 changes of ±1 bp
    frame = daily("2025-01-01", yields)
    missing = pd.concat(
        [frame.iloc[:10], pd.DataFrame({"date": [pd.Timestamp("2025-01-14 12:00")], "value": [float("nan")]}), frame.iloc[10:]]
    )
    expected = math.sqrt(20 / 19) * math.sqrt(252)  # sample std of ±1 (ddof=1), annualised
    for t in ({"fred_dgs10": frame}, {"fred_dgs10": missing}):
        assert scorecard.dgs10_vol_bp(t).iloc[-1] == pytest.approx(expected)


def test_debt_held_by_public_over_gdp_at_quarter_ends():
    def row(d: str, kind: str, public: float) -> dict:
        return {
            "record_date": pd.Timestamp(d),
            "security_type": kind,
            "security_class": "_",
            "public_usd_mn": public,
            "intragov_usd_mn": 0.0,
            "total_usd_mn": public,
        }

    mspd = pd.DataFrame(
        [
            row("2025-03-31", "Total Public Debt Outstanding", 30_000_000),
            row("2025-04-30", "Total Public Debt Outstanding", 1.0),
            row("2025-06-30", "Total Treasury Securities Outstanding", 31_000_000),
        ]
    )
    gdp = fred([("2025-01-01", 30_000.0), ("2025-04-01", 31_000.0)])
    s = scorecard.debt_public_gdp({"mspd_table1": mspd, "fred_gdp": gdp})
    assert s.to_dict() == {pd.Timestamp("2025-03-31"): 100.0, pd.Timestamp("2025-06-30"): 100.0}


def test_deficit_over_gdp_needs_all_four_quarters():
    fyfsd = fred([("2024-09-30", -1_000_000.0), ("2025-09-30", -1_800_000.0)])
    gdp = fred(
        [
            ("2024-04-01", 28_000.0),
            ("2024-07-01", 28_500.0),
            ("2024-10-01", 29_000.0),
            ("2025-01-01", 29_500.0),
            ("2025-04-01", 30_000.0),
            ("2025-07-01", 30_500.0),
        ]
    )
    s = scorecard.deficit_gdp({"fred_fyfsd": fyfsd, "fred_gdp": gdp})
    assert list(s.index) == [pd.Timestamp("2025-09-30")]  # FY2024 has two quarters here
    assert s.iloc[0] == pytest.approx(1800 / 29_750 * 100)
    r = scorecard.evaluate_one(scorecard.BY_ID["deficit_gdp"], {"fred_fyfsd": fyfsd, "fred_gdp": gdp})
    assert (round(r.value, 2), r.signal, r.as_of) == (6.05, STRESSED, "2025-09-30")
    # the key figures' deficit/GDP is the same series, rounded as the brief gives it
    assert metrics.deficit_gdp({"2024": 1000.0, "2025": 1800.0}, {"fred_fyfsd": fyfsd, "fred_gdp": gdp}) == {"2025": 6.1}


def test_the_key_figures_and_the_scorecard_compute_deficit_over_gdp_once(shipped):
    for snap in shipped.values():
        deficits = metrics.deficits_by_fy(snap.tables["fred_fyfsd"])
        by_fy = metrics.deficit_gdp(deficits, snap.tables)
        series = scorecard.deficit_gdp(snap.tables)
        assert by_fy and by_fy == {str(d.year): metrics.rounded(v, 1) for d, v in series.items() if str(d.year) in deficits}
        assert scorecard.evaluate_one(scorecard.BY_ID["deficit_gdp"], snap.tables).value == series.iloc[-1]


def test_srf_is_the_largest_take_up_of_the_last_four_weeks():
    srf = fred([("2025-10-01", 0.0), ("2025-10-31", 50.0), ("2025-11-03", 2.0), ("2025-11-28", 0.0), ("2025-12-01", 0.0)])
    s = scorecard.srf_max_4w({"nyfed_srf": srf})
    assert list(s) == [0.0, 50.0, 50.0, 2.0, 0.0]  # the window is the 28 days up to and including each day


def test_cayman_share_of_all_foreign_holdings():
    tic = pd.DataFrame(
        {
            "month": ["2024-12", "2024-12", "2024-12"],
            "country": ["Cayman Islands", "Japan", "Grand Total"],
            "value": [423.0, 1061.5, 8460.0],
        }
    )
    s = scorecard.cayman_share({"tic_mfh": tic})
    assert s.to_dict() == {pd.Timestamp("2024-12-31"): pytest.approx(5.0)}


# --- crowding ------------------------------------------------------------------------------


def crowding_tables(spread_end_bp: float) -> dict[str, pd.DataFrame]:
    """Two years of weekly positions rising to a peak; daily SOFR − IORB of −5 bp, then five days at ``spread_end_bp``."""
    weeks = pd.date_range("2023-01-03", periods=105, freq="7D")
    positions = tff({str(d.date()): {"short": 1000 + 10 * i, "long": 100} for i, d in enumerate(weeks)})
    days = pd.bdate_range("2023-01-02", weeks[-1])
    spread = [-5.0] * (len(days) - 5) + [spread_end_bp] * 5
    return {
        "cftc_tff_ust": positions,
        "fred_sofr": pd.DataFrame({"date": days, "value": [4.0 + s / 100 for s in spread]}),
        "fred_iorb": pd.DataFrame({"date": days, "value": [4.0] * len(days)}),
    }


def test_crowding_flag_set_when_both_are_above_their_80th_percentile():
    r = scorecard.evaluate_one(scorecard.CROWDING, crowding_tables(+10.0))
    c = r.components
    assert c["flag"] is True and r.signal == STRESSED
    assert c["net_short_percentile"] == round(100 * 104.5 / 105, 1)  # the highest of 105 weeks
    assert c["funding_percentile"] > 80 and c["funding_as_of"] == r.as_of == "2024-12-31"
    assert round(r.value, 1) == min(c["net_short_percentile"], c["funding_percentile"])


def test_crowding_flag_not_set_when_funding_is_easy():
    r = scorecard.evaluate_one(scorecard.CROWDING, crowding_tables(-20.0))
    assert r.components["flag"] is False and r.signal == WATCH  # positions alone are crowded
    assert r.components["funding_percentile"] < 1


def test_crowding_flag_needs_repo_above_iorb_not_only_a_high_percentile():
    # the spread ends at −2 bp after two years at −5 bp: at the top of its own history, yet repo trades below IORB
    r = scorecard.evaluate_one(scorecard.CROWDING, crowding_tables(-2.0))
    c = r.components
    assert c["funding_percentile"] > 80 and c["funding_bp"] == -2.0 and c["net_short_percentile"] > 80
    assert (c["flag"], c["positions_crowded"], c["funding_strained"]) == (False, True, False)
    assert r.signal == WATCH  # positions alone
    # the same history ending above IORB sets it
    assert scorecard.evaluate_one(scorecard.CROWDING, crowding_tables(+2.0)).components["flag"] is True


def test_crowding_needs_a_year_of_joint_history():
    t = crowding_tables(10.0)
    t["cftc_tff_ust"] = t["cftc_tff_ust"][t["cftc_tff_ust"]["report_date"] < "2023-06-01"]
    r = scorecard.evaluate_one(scorecard.CROWDING, t)
    assert (r.status, r.reason) == (
        "not_available",
        "no observations in cftc_tff_ust, fred_sofr, fred_iorb (under 1 year of joint history)",
    )


def _crowding_by_date_selection(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The crowding history as its definition reads: each week's windows selected by date."""
    net, spread = scorecard.lev_net_short(tables), scorecard.sofr_iorb_bp(tables)
    years, rows = pd.DateOffset(years=scorecard.CROWDING_YEARS), {}
    for d, value in zip(pd.DatetimeIndex(net.index), net):
        funding = spread[(spread.index <= d) & (spread.index >= d - scorecard.CROWDING_MAX_LAG)]
        history_from = d - pd.DateOffset(years=scorecard.CROWDING_MIN_YEARS)
        if funding.empty or net.index[0] > history_from or spread.index[0] > history_from:
            continue
        f_date, f_value = funding.index[-1], float(funding.iloc[-1])
        p_net = scorecard.percentile_rank(value, net[(net.index > d - years) & (net.index <= d)])
        p_fund = scorecard.percentile_rank(f_value, spread[(spread.index > f_date - years) & (spread.index <= f_date)])
        rows[d] = {"net_short": float(value), "net_short_pct": p_net, "funding_date": f_date, "funding_bp": f_value,
                   "funding_pct": p_fund, "score": min(p_net, p_fund)}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def boundary_tables(funding_from: str) -> dict[str, pd.DataFrame]:
    """Positions on dates that fall exactly on the windows' edges: weeks three years and one year
    apart to the day (a window's lower end), a first week one year after the funding history
    starts, and funding days that stop exactly seven days before some weeks (the lag's limit)."""
    edges = [
        pd.Timestamp("2021-01-07"),
        *(pd.Timestamp(f"{y}-03-05") for y in range(2020, 2025)),
    ]  # a year after the first week; 3 years apart
    weeks = sorted({*pd.date_range("2020-01-07", "2024-06-25", freq="7D"), *edges})
    positions = tff({str(d.date()): {"short": 1000 + (37 * i) % 101, "long": 100} for i, d in enumerate(weeks)})
    days = [d for d in pd.bdate_range(funding_from, "2024-06-28") if not pd.Timestamp("2023-03-01") < d < pd.Timestamp("2023-03-08")]
    spread = [(13 * i) % 29 - 14.0 for i in range(len(days))]
    return {
        "cftc_tff_ust": positions,
        "fred_sofr": pd.DataFrame({"date": days, "value": [4.0 + x / 100 for x in spread]}),
        "fred_iorb": pd.DataFrame({"date": days, "value": [4.0] * len(days)}),
    }


@pytest.mark.parametrize("spread_end_bp", [+10.0, -20.0])
def test_crowding_history_windows_are_the_date_selections(spread_end_bp: float) -> None:
    """The binary-searched windows give every week exactly what selecting by date gives: on the
    shipped snapshots, on a history with a gap in its funding days in March 2024, and on dates
    exactly at the windows' edges (where ``<`` and ``<=`` differ)."""
    gapped = crowding_tables(spread_end_bp)
    gapped["fred_sofr"] = gapped["fred_sofr"][(gapped["fred_sofr"]["date"] < "2024-03-01") | (gapped["fred_sofr"]["date"] > "2024-03-20")]
    # funding from before the first week (a week is exactly a year after the first week) and from
    # after it (a week is exactly a year after the first day of the 5-day average, four days later)
    edges = [boundary_tables("2019-03-05"), boundary_tables("2020-02-28")]
    cases = [gapped, *edges, *(snapshot.load(p).tables for p in sorted(SHIPPED.iterdir()) if (p / "manifest.json").exists())]
    for tables in cases:
        fast, slow = scorecard.crowding_history(tables), _crowding_by_date_selection(tables)
        assert len(fast) >= 45
        pd.testing.assert_frame_equal(fast, slow)


# --- not available -------------------------------------------------------------------------


def test_every_indicator_reports_what_it_needs_never_zero():
    card = scorecard.evaluate({"fred_fyfsd": fred([("2025-09-30", -1.0)])})
    assert all(r.status == "not_available" and r.value is None and r.signal is None for r in card.results)
    deficit = card.get("deficit_gdp").to_dict()
    assert (deficit["reason"], deficit["needs"]) == ("needs fred_gdp", ["fred_gdp"])
    assert card.get("sofr_iorb").needs == ("fred_sofr", "fred_iorb")


def test_no_data_up_to_a_cut_date():
    r = scorecard.evaluate_one(scorecard.BY_ID["ust10y"], {"fred_dgs10": fred([("2026-01-05", 4.1)])}, as_of="2025-12-31")
    assert (r.status, r.reason, r.needs) == ("not_available", "no observations in fred_dgs10 up to 2025-12-31", ())


# --- the table and the methods appendix ----------------------------------------------------


def test_the_table_covers_the_issue_list_and_methods_rows_come_from_it():
    ids = [i.id for i in scorecard.ALL]
    assert ids == [
        "lev_gross_short",
        "lev_net_short",
        "lev_share_oi",
        "asset_mgr_long",
        "sofr_iorb",
        "on_rrp",
        "reserves",
        "tga",
        "srf",
        "bills_share",
        "debt_public_gdp",
        "deficit_gdp",
        "cayman_share",
        "ust10y",
        "ust10y_vol",
        "curve_2s10s",
        "term_premium",
        "crowding",
    ]
    rows = scorecard.methods_rows()
    assert [r.id for r in rows] == ids
    by = {r.id: r for r in rows}
    # language-neutral: codes and the numbers of the table, worded by each pack
    assert (by["sofr_iorb"].thresholds, by["sofr_iorb"].risk_direction, by["sofr_iorb"].unit) == (
        SignalThresholds("level", 0.0, 10.0),
        "higher_is_worse",
        "bp",
    )
    assert (by["on_rrp"].thresholds, by["on_rrp"].risk_direction) == (SignalThresholds("level", 250.0, 50.0), "lower_is_worse")
    assert by["lev_net_short"].thresholds == SignalThresholds("percentile", 80.0, 95.0)
    assert (by["crowding"].window_rule, by["crowding"].window_years) == ("trailing_years", 3)
    assert (by["ust10y"].window_rule, by["ust10y"].window_start) == ("since_start", "2018-01-01")
    assert by["sofr_iorb"].method_fields == {"observations": scorecard.SPREAD_MEAN_OBS}
    assert by["crowding"].method_fields == {"years": 3, "percentile": 80.0, "min_years": 1, "lag_days": 7, "min_spread_bp": 0.0}
    assert by["lev_gross_short"].method_fields == {"face_2y": 200_000, "face_other": 100_000, "contracts": 6}
    assert {r.change_period for r in rows} == {"4 weeks", "3 months", "1 year"}


def test_key_figures_carry_every_result_as_codes_and_numbers():
    t = {"fred_rrpontsyd": fred([("2025-09-30", 400.0), ("2025-11-03", 300.0), ("2025-12-31", 40.0)])}
    found = scorecard.key_figures(scorecard.evaluate(t))
    assert [r.id for r in found.indicators] == [i.id for i in scorecard.ALL]
    rrp = next(r for r in found.indicators if r.id == "on_rrp")
    assert (rrp.status, rrp.value, rrp.as_of, rrp.signal, rrp.percentile, rrp.change, rrp.change_from) == (
        "ok",
        40.0,
        "2025-12-31",
        WATCH,  # $40 billion is at the stressed level, but without reserve data ON RRP reads watch at most
        round(100 * 0.5 / 3, 1),
        -360.0,
        "2025-09-30",
    )
    srf = next(r for r in found.indicators if r.id == "srf")
    assert (srf.status, srf.value, srf.signal, srf.reason_code, srf.needs) == (
        "not_available",
        None,
        None,
        "missing_dataset",
        ("nyfed_srf",),
    )
    assert found.signal_counts == {"calm": 0, "watch": 1, "stressed": 0, "not_available": 17}
    assert found.crowding is None and found.history_start == "2018-01-01"
    crowded = scorecard.key_figures(scorecard.evaluate(crowding_tables(+10.0))).crowding
    assert (crowded.flag, crowded.threshold_pct, crowded.years, crowded.net_short_as_of) == (True, 80.0, 3, "2024-12-31")


# --- shipped snapshots ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, snapshot.Snapshot]:
    return {sid: snapshot.load(SHIPPED / sid) for sid in ("2025-12-31", "2026-10-09")}


def test_shipped_indicators_are_available_exactly_when_their_data_are(shipped):
    for snap in shipped.values():
        for r in scorecard.evaluate(snap.tables).results:
            present = all(d in snap.tables for d in r.indicator.datasets)
            assert (r.status == "ok") == present, r.id
            if not present:
                assert r.reason == "needs " + ", ".join(d for d in r.indicator.datasets if d not in snap.tables)


def test_shipped_signals_differ_where_the_data_differ(shipped):
    old, new = (scorecard.evaluate(s.tables) for s in shipped.values())
    for card, snap in ((old, shipped["2025-12-31"]), (new, shipped["2026-10-09"])):
        gross = metrics.lev_short_notional(snap.tables["cftc_tff_ust"])
        r = card.get("lev_gross_short")
        assert (r.value, r.as_of) == (pytest.approx(float(gross.iloc[-1])), gross.index[-1].strftime("%Y-%m-%d"))
    assert (old.get("lev_gross_short").as_of, old.get("lev_gross_short").signal) == ("2025-04-29", STRESSED)
    assert (new.get("lev_gross_short").as_of, new.get("lev_gross_short").signal) == ("2026-10-06", WATCH)
    # TIC as published by each date: October 2025 in the first edition, December 2025 in the second
    assert (old.get("cayman_share").as_of, new.get("cayman_share").as_of) == ("2025-10-31", "2025-12-31")


# --- CLI -----------------------------------------------------------------------------------


def test_cli_json_keys_and_values():
    result = runner.invoke(app, ["scorecard", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["snapshot"], data["cut"], len(data["indicators"])) == ("2025-12-31", None, 18)
    gross = data["indicators"][0]
    assert list(gross) == [
        "id",
        "status",
        "value",
        "unit",
        "as_of",
        "change",
        "change_period",
        "change_from",
        "percentile",
        "window",
        "signal",
        "risk_direction",
        "thresholds",
        "datasets",
        "reason",
        "reason_code",
        "needs",
        "components",
    ]
    assert {
        k: gross[k]
        for k in ("id", "status", "value", "unit", "as_of", "change", "change_period", "change_from", "signal", "risk_direction")
    } == {
        "id": "lev_gross_short",
        "status": "ok",
        "value": 1251.6,
        "unit": "USD bn",
        "as_of": "2025-04-29",
        "change": 30.5,
        "change_period": "3 months",
        "change_from": "2025-01-28",
        "signal": "stressed",
        "risk_direction": "higher_is_worse",
    }
    assert gross["window"] == {
        "from": "2018-01-02",
        "to": "2025-04-29",
        "observations": gross["window"]["observations"],
        "rule": "since_start",
    }
    srf = next(i for i in data["indicators"] if i["id"] == "srf")
    assert {k: srf[k] for k in ("status", "value", "as_of", "signal", "reason", "needs")} == {
        "status": "ok",
        "value": 74.6,
        "as_of": "2025-12-31",
        "signal": "stressed",
        "reason": None,
        "needs": [],
    }


def test_cli_text_table_and_errors(tmp_path: Path):
    result = runner.invoke(app, ["scorecard", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31"])
    lines = result.output.splitlines()
    assert lines[0] == "scorecard, snapshot 2025-12-31"
    assert lines[1].split() == ["indicator", "value", "unit", "as", "of", "change", "period", "pctile", "signal", "datasets"]
    assert lines[2].split()[:9] == ["lev_gross_short", "1,251.6", "USD", "bn", "2025-04-29", "+30.5", "3", "months", "100"]
    column = lines[1].index("as of")
    assert all(line[column : column + 10] == "2025-04-29" for line in lines[2:6])  # aligned under its heading
    srf = next(line for line in lines if line.startswith("srf "))
    assert srf.split()[:5] == ["srf", "74.6", "USD", "bn", "2025-12-31"] and "stressed" in srf.split()
    bad = runner.invoke(app, ["scorecard", "--snapshots", str(tmp_path), "--snapshot", "nope"])
    assert (bad.exit_code, bad.stderr) == (1, f"Error: nope: no such snapshot (looked in {tmp_path})\n")
