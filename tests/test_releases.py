"""Release calendars: business days, each dataset's release date, the methods rows, freshness."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pandas as pd
import pytest

from ustglass import datasets, ingest, releases
from ustglass.releases import Freshness, known_on


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_federal_holidays_as_observed() -> None:
    assert sorted(releases.federal_holidays(2026)) == [
        d(x)
        for x in (
            "2026-01-01",
            "2026-01-19",
            "2026-02-16",
            "2026-05-25",
            "2026-06-19",
            "2026-07-03",  # July 4th a Saturday
            "2026-09-07",
            "2026-10-12",
            "2026-11-11",
            "2026-11-26",
            "2026-12-25",
        )
    ]
    assert d("2021-12-31") in releases.federal_holidays(2021)  # New Year's Day 2022 was a Saturday
    assert d("2027-12-31") in releases.federal_holidays(2027)
    assert d("2023-01-02") in releases.federal_holidays(2023)  # 1 January 2023, a Sunday
    assert not any(x.month == 6 and x.day == 19 for x in releases.federal_holidays(2020))  # Juneteenth from 2021


def test_business_days() -> None:
    assert releases.business_days_after(d("2026-06-18"), 1) == d("2026-06-22")  # over Juneteenth and the weekend
    assert releases.business_days_after(d("2026-06-20"), 0) == d("2026-06-22")
    assert releases.business_days_after(d("2026-06-22"), 0) == d("2026-06-22")
    assert releases.nth_business_day(2026, 10, 8) == d("2026-10-13")  # Columbus Day on the 12th
    assert releases.nth_business_day(2026, 1, 1) == d("2026-01-02")


@pytest.mark.parametrize(
    ("dataset_id", "period", "known"),
    [
        ("fred_sofr", "2025-12-31", "2026-01-02"),  # over New Year's Day
        ("fred_dgs10", "2026-07-02", "2026-07-06"),  # Friday 3 July is the observed Independence Day
        ("fred_t10y2y", "2026-06-18", "2026-06-22"),
        ("dts_tga", "2026-06-23", "2026-06-24"),
        ("nyfed_srf", "2025-12-31", "2025-12-31"),
        ("fred_wresbal", "2026-06-17", "2026-06-18"),  # Wednesday's week, Thursday's H.4.1
        ("cftc_tff_ust", "2026-10-06", "2026-10-09"),
        ("cftc_tff_ust", "2025-12-23", "2025-12-26"),
        ("fred_threefytp10", "2026-09-25", "2026-09-29"),  # the week's Friday, the Tuesday after
        ("fred_threefytp10", "2026-09-21", "2026-09-29"),
        ("mspd_table1", "2025-11-30", "2025-12-04"),
        ("mspd_table1", "2026-08-31", "2026-09-04"),  # Labor Day does not come before the 4th business day here
        ("tic_mfh", "2025-10", "2025-12-18"),
        ("tic_mfh", "2024-04", "2024-06-18"),
        ("tic_mfh", "2024-05", "2024-07-18"),
        ("fred_gdp", "2024-01-01", "2024-04-30"),  # Q1 2024: 30 days after 31 March
        ("fred_gdp", "2025-07-01", "2025-10-30"),
        ("fred_gfdegdq188s", "2025-10-01", "2026-03-30"),  # with GDP's third estimate: 88 days, then Monday
        ("fred_gfdegdq188s", "2024-01-01", "2024-06-27"),  # FRED updated Q1 2024 with BEA's third estimate of 27 June
        ("fred_fyfsd", "2025-09-30", "2025-10-10"),
        ("fred_fyfsd", "1976-06-30", "1976-07-13"),  # before FY1977 the year ended in June (5 July observed for the 4th)
        ("research_estimates", "2025-10-15", "2025-10-15"),
    ],
)
def test_known_on(dataset_id: str, period: str, known: str) -> None:
    spec = datasets.get(dataset_id)
    value = period if spec.column(spec.date_column).dtype is datasets.Dtype.TEXT else pd.Timestamp(period)
    assert known_on(spec, value) == d(known)


@pytest.mark.parametrize("dataset_id", sorted(datasets.ALL))
def test_stated_lag_is_the_usual_one(dataset_id: str) -> None:
    """The lag the methods section states is within a few days of the median over two years of periods."""
    spec = datasets.get(dataset_id)
    if spec.frequency is datasets.Frequency.IRREGULAR:
        return
    step = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91, "fiscal-year": 365}[spec.frequency.value]
    starts = [d("2024-01-03") + timedelta(days=step * i) for i in range(730 // step if step < 365 else 6)]
    if dataset_id == "tic_mfh":
        periods: list[object] = sorted({s.strftime("%Y-%m") for s in starts})
    elif spec.frequency is datasets.Frequency.MONTHLY:  # MSPD: dated at month end
        periods = sorted({pd.Timestamp(s) + pd.offsets.MonthEnd(0) for s in starts})
    elif spec.frequency is datasets.Frequency.FISCAL_YEAR:
        periods = [pd.Timestamp(f"{2020 + i}-09-30") for i in range(6)]
    else:
        periods = [pd.Timestamp(s) for s in starts if s.weekday() < 5]
    lags = [(known_on(spec, p) - releases.end_of_period(spec, p)).days for p in periods]
    assert abs(statistics.median(lags) - spec.release.lag_days) <= 3, (dataset_id, statistics.median(lags))


def test_methods_rows_cover_every_dataset_with_a_rule_key() -> None:
    rows = releases.methods_rows()
    assert [r.dataset for r in rows] == list(datasets.ALL)
    assert rows[0] == ("fred_fyfsd", "fyfsd_october", 12)
    by_id = {r.dataset: r for r in rows}
    assert by_id["tic_mfh"] == ("tic_mfh", "tic_18th", 49)
    assert by_id["nyfed_srf"] == ("nyfed_srf", "same_day", 0)
    assert by_id["fred_threefytp10"].key == "term_premium_weekly" and by_id["fred_gdp"].key == "gdp_quarter"


def tables() -> tuple[dict[str, pd.DataFrame], dict]:
    sofr = pd.DataFrame({"date": pd.to_datetime(["2026-06-18", "2026-06-19"]), "value": [3.62, float("nan")]})
    tic = pd.DataFrame({"month": ["2025-11", "2025-12", "2025-12"], "country": ["Japan", "Japan", "Grand Total"], "value": [1.0, 2.0, 3.0]})
    research, _ = ingest.research_estimates()
    manifest = {"as_of": "2026-07-01", "datasets": {"fred_sofr": {}, "tic_mfh": {}, "research_estimates": {}, "nyfed_srf": {}}}
    empty = pd.DataFrame({"date": pd.to_datetime([]), "value": []})
    return {"fred_sofr": sofr, "tic_mfh": tic, "research_estimates": research, "nyfed_srf": empty}, manifest


def test_freshness_of_a_snapshot() -> None:
    got = releases.freshness(*tables())
    assert list(got) == ["fred_sofr", "research_estimates", "tic_mfh"]  # a dataset without observations is left out
    # the holiday row of 2026-06-19 holds no value: the newest observation is the 18th, known on Monday the 22nd
    assert got["fred_sofr"] == Freshness("2026-06-18", "2026-06-22", True, 13, 8)
    assert got["fred_sofr"].to_dict() == {"last_observation": "2026-06-18", "known_since": "2026-06-22", "stale": True}
    assert got["tic_mfh"] == Freshness("2025-12", "2026-02-18", True, 182, 94)
    assert got["research_estimates"].to_dict() == {
        "last_observation": "2025-10-17",
        "known_since": "2025-10-17",
        "stale": False,
    }  # the press total of the 17th


@pytest.mark.parametrize(("as_of", "stale"), [("2026-06-26", False), ("2026-06-27", True)])
def test_stale_after_the_usual_lag_plus_the_margin(as_of: str, stale: bool) -> None:
    """SOFR of 2026-06-18: the usual lag of 1 day plus the daily margin of 7 ends on 2026-06-26."""
    tabs, manifest = tables()
    assert releases.freshness(tabs, manifest, as_of)["fred_sofr"].stale is stale
    assert releases.freshness(tabs, {**manifest, "as_of": as_of})["fred_sofr"].stale is stale
