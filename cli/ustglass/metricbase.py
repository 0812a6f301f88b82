"""What every metric module shares: the table of rules the brief's interpretive sentences
depend on, and small helpers over ``date,value`` series (rounding as the brief rounds).

Pure: no I/O, no charts, no templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ustglass.datasets import FRED_SERIES
from ustglass.keyfigures import Peak, Point

Tables = Mapping[str, pd.DataFrame]
USD_BN, PCT_GDP = "billions of USD", "percent of GDP"


@dataclass(frozen=True)
class Rule:
    value: Any
    reason: str


# Every threshold, window and reference date an interpretive sentence of the brief depends on.
RULES: dict[str, Rule] = {
    "article_base_week": Rule(
        "2020-03-24",
        "The seed article's leveraged short of '$660 billion in 2020' is the CFTC report of "
        "2020-03-24 (gross short $656 billion), in the March 2020 sell-off; the brief compares with "
        "that week, as the article does.",
    ),
    "pre_covid_year": Rule(
        "2019",
        "The level before the pandemic: the average of 2019's complete weeks, the last full year "
        "before it (a year's average, so that no single week sets it).",
    ),
    "max_step_days": Rule(
        8,
        "CFTC reports are weekly, dated Tuesday; a holiday moves a report by a day, so a step of up to "
        "8 days between reports is one week and a longer step leaves a gap (text and chart alike).",
    ),
    "year_earlier_within_days": Rule(
        16,
        "A change over a year compares with the observation nearest to one year before the latest, if "
        "one lies within this many days of that date (a holiday or a month's last day moves it by a few).",
    ),
    "spread_window_days": Rule(90, "The window, in days to the latest day, of the widest SOFR - IORB spread the brief reports."),
    "recent_window_days": Rule(
        30,
        "The window, in days to the latest day, of the recent median of SOFR - IORB and ON RRP: about "
        "20 business days, so that one quarter-end or year-end day does not set it.",
    ),
    "rrp_buffer_usd_bn": Rule(
        250.0,
        "ON RRP at or above this (USD bn) still absorbs liquidity drains before bank reserves do; "
        "below it, drains come increasingly out of reserves. The scorecard's 'watch' level for ON RRP.",
    ),
    "reserves_abundant_usd_bn": Rule(
        3500.0,
        "Bank reserves at or above this (USD bn) are read as abundant, as after the pandemic asset "
        "purchases (WRESBAL was above $3.5 trillion from mid-2021 to early 2022): then a near-empty ON "
        "RRP does not mean drains hit scarce reserves. A judgement; below it the brief makes no claim "
        "that reserves are abundant, and without reserve data it says nothing about their room.",
    ),
    "iorb_first_day": Rule(
        "2021-07-29",
        "The Federal Reserve has paid interest on reserve balances (IORB) since 2021-07-29, when IORB "
        "replaced the interest on excess reserves (IOER) and on required reserves; before that day no "
        "IORB value exists, so an edition dated earlier names no SOFR - IORB spread.",
    ),
    "bills_share_range_pct": Rule(
        [15.0, 20.0],
        "The range for bills' share of marketable debt that Treasury's Borrowing Advisory Committee "
        "(TBAC) has long recommended; above its top, rollover needs are read as high. The scorecard's "
        "'watch' level for the bills share is the top of this range.",
    ),
}


def direction(new: float, old: float, tolerance: float = 0.0) -> str:
    """'rose', 'fell' or 'unchanged' for a move from ``old`` to ``new``."""
    if new - old > tolerance:
        return "rose"
    if old - new > tolerance:
        return "fell"
    return "unchanged"


def position(value: float) -> str:
    """'above', 'below' or 'at' zero."""
    return "above" if value > 0 else ("below" if value < 0 else "at")


def iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def rounded(value: float, digits: int = 1) -> float:
    """``value`` rounded half-up on its decimal value as written, as the brief's numbers are rounded
    (0.95 -> 1.0, never -0.0): a key figure shown at its own precision reads as the unrounded value."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


def pct_change(new: float, old: float) -> float:
    return rounded((new / old - 1) * 100)


def period_end_kind(day: pd.Timestamp) -> str:
    """'year' or 'quarter' when ``day`` is the last business day (Monday to Friday) of a year or a
    quarter, when balance sheets are shown and repo rates and ON RRP jump; '' otherwise."""
    if pd.offsets.BQuarterEnd().rollforward(day) != day:
        return ""
    return "year" if day.month == 12 else "quarter"


def values(tables: Tables, dataset_id: str) -> pd.Series | None:
    """A ``date,value`` dataset as a float Series by date (missing values dropped, one value a
    day, summed), or None when the snapshot does not hold it or it has no observation."""
    frame = tables.get(dataset_id)
    if frame is None:
        return None
    s = pd.Series(frame["value"].astype("float64").to_numpy(), index=pd.DatetimeIndex(frame["date"])).dropna()
    if s.index.has_duplicates:
        s = s.groupby(level=0).sum()
    return s.sort_index() if len(s) else None


def required(tables: Tables, series: str) -> pd.Series:
    """A FRED series the brief cannot do without, as a float Series by date."""
    s = values(tables, FRED_SERIES[series].id)
    if s is None:
        raise KeyError(FRED_SERIES[series].id)
    return s


def latest(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point:
    return Point(rounded(float(s.iloc[-1]) * scale, digits), iso(s.index[-1]), unit, source)


def near_year_earlier(s: pd.Series) -> int | None:
    """The position of the observation nearest to one year before the latest (within ``RULES["year_earlier_within_days"]``)."""
    target = s.index[-1] - pd.DateOffset(years=1)
    distance = abs(s.index - target)
    if len(s) < 2 or distance.min() > pd.Timedelta(days=int(RULES["year_earlier_within_days"].value)):
        return None
    return int(distance.argmin())


def year_earlier(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point | None:
    """The observation nearest to one year before the latest one (see :func:`near_year_earlier`), if any."""
    pos = near_year_earlier(s)
    return None if pos is None else latest(s.iloc[: pos + 1], scale, digits, unit, source)


def peak_of(s: pd.Series, scale: float = 1.0, unit: str = "", source: str = "") -> Peak:
    return Peak(rounded(float(s.max()) * scale, 1), iso(s.idxmax()), unit, source)
