"""The fragility scorecard: every indicator placed in its own history, from one table.

``INDICATORS`` is the only description of the scorecard: dataset(s), computation, unit,
natural change period, direction of risk and thresholds of each indicator. ``evaluate``
applies it to a snapshot's tables, ``key_figures`` turns the result into the key figures'
scorecard; ``methods_rows`` turns the same table into the rows of the methods appendix, so
every threshold and window is written once. The words (each indicator's name, method text
and source, units, signals, directions) are in the language packs, ``[scorecard]`` of each
``locale.toml``; no language string lives here (the text table of ``ustglass scorecard``
shows ids and codes).

Conventions (stated in the appendix through ``methods_rows``):
- Each indicator is a series indexed by the date its observation refers to (period end).
  Missing observations are dropped, never filled: a percentile counts the observations that
  exist, and a change is measured against the latest observation at or before the start of
  the period (so a missing week is skipped), if one lies within the period's tolerance.
- Percentile: 100 × (observations below + ½ × observations equal) / observations, within
  the window since 2018-01-01 (or since the series began), the latest value included.
- A signal is ``watch`` or ``stressed`` once the value (or its percentile) reaches the
  threshold, inclusive; ``calm`` otherwise. An indicator whose thresholds have a ``StressGate``
  reads ``stressed`` only while the gate's condition holds, ``watch`` at most otherwise. A dataset absent from the snapshot makes the
  indicator "not available", with the dataset it needs; never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, overload

import numpy as np
import pandas as pd

from ustglass import keyfigures as kfs
from ustglass.metrics import (
    FACE_USD,  # the contract table (code -> face value): change it there only
    RULES,
    bills_share,
    debt_held_by_public_gdp,
    deficit_to_gdp,
)
from ustglass.metrics import rounded as half_up  # the brief's one rounding rule

Tables = Mapping[str, pd.DataFrame]
HISTORY_START = pd.Timestamp("2018-01-01")
CALM, WATCH, STRESSED = "calm", "watch", "stressed"
OK, NOT_AVAILABLE = "ok", "not_available"
CAYMAN, GRAND_TOTAL = "Cayman Islands", "Grand Total"
SPREAD_MEAN_OBS = 5  # SOFR - IORB: mean of the last five daily observations (one week)
VOL_CHANGES = 20  # realised volatility over the last 20 daily changes
TRADING_DAYS = 252
SRF_WINDOW = "28D"  # SRF: the largest daily take-up in the last four weeks (a whole number of weeks: the name says "4-week high")
CROWDING_YEARS = 3
BILLS_RANGE = tuple(RULES["bills_share_range_pct"].value)  # TBAC's range: its top is the bills share's 'watch' level
CROWDING_PCT = 80.0  # both components strictly above this percentile set the flag
CROWDING_MIN_SPREAD_BP = 0.0  # and funding is strained only while SOFR − IORB is above this level: repo below IORB is no strain
CROWDING_MIN_YEARS = 1  # a week counts once both series have a year of history
CROWDING_MAX_LAG = pd.Timedelta(days=7)  # the funding observation used for a week is at most this old
GATE_MAX_LAG = pd.Timedelta(weeks=8)  # how much older than the reading a gate's observation may be (weekly reserves may end weeks earlier)


class Unavailable(Exception):
    """An indicator or claim that this snapshot cannot compute, and the data it lacks.

    ``code``: missing_dataset (``datasets`` absent), no_data (present, but no observation for
    ``period``), missing_row (``row`` absent from the dataset), not_read (present, but not read
    by ustglass yet), not_measurable (these data cannot settle it; ``key`` names the reason).
    """

    def __init__(self, code: str, datasets: tuple[str, ...] = (), *, period: str = "", row: str = "", key: str = "", detail: str = ""):
        self.code, self.datasets, self.period, self.row, self.key, self.detail = code, tuple(datasets), period, row, key, detail
        super().__init__(self.text)

    @property
    def text(self) -> str:
        """The reason in plain English, for the scorecard's text output (the claim check words it per language)."""
        names = ", ".join(self.datasets)
        if self.code == "missing_dataset":
            return f"needs {names}"
        if self.code == "missing_row":
            return f"needs row {self.row} of {names}"
        if self.code == "no_data":
            return " ".join(p for p in (f"no observations in {names}", f"for {self.period}" if self.period else "", self.detail) if p)
        return f"{self.code}: {names} {self.key}".strip()


class Period(str, Enum):
    """The natural period over which an indicator's change is measured."""

    FOUR_WEEKS = "4 weeks"
    THREE_MONTHS = "3 months"
    ONE_YEAR = "1 year"

    @property
    def offset(self) -> pd.DateOffset:
        return {"4 weeks": pd.DateOffset(weeks=4), "3 months": pd.DateOffset(months=3), "1 year": pd.DateOffset(years=1)}[self.value]

    @property
    def tolerance(self) -> pd.Timedelta:
        """How far before the period's start the base observation may lie."""
        return pd.Timedelta(days={"4 weeks": 7, "3 months": 14, "1 year": 45}[self.value])


class Risk(str, Enum):
    HIGHER_IS_WORSE = "higher_is_worse"
    LOWER_IS_WORSE = "lower_is_worse"


@dataclass(frozen=True)
class StressGate:
    """What a ``stressed`` signal needs besides its threshold: the latest value of indicator ``on``
    at or before the reading's date, at most ``GATE_MAX_LAG`` older, known and below ``below``;
    otherwise the signal stops at ``watch``. A near-empty ON RRP is stress only once reserves are no
    longer abundant (``RULES["reserves_abundant_usd_bn"]``): with abundant reserves, as after 2020's
    asset purchases, or unknown ones, a small ON RRP alone does not say that drains hit scarce reserves."""

    on: str
    below: float
    max_lag: pd.Timedelta = GATE_MAX_LAG


@dataclass(frozen=True)
class Thresholds:
    """``basis``: "percentile" (of the window), "level" (the value itself) or "crowding";
    ``stressed_only_if``: a condition the stressed signal needs besides the threshold."""

    basis: str
    watch: float
    stressed: float
    stressed_only_if: StressGate | None = None


@dataclass(frozen=True)
class Indicator:
    """One row of the table. Its name, method text and source are in each language pack
    (``scorecard.indicators.<id>``); ``method_fields`` fill the numbers that text states."""

    id: str
    datasets: tuple[str, ...]
    unit: str
    period: Period
    risk: Risk
    thresholds: Thresholds
    compute: Callable[[Tables], pd.Series] = field(repr=False, compare=False)
    digits: int = 1
    method_fields: Mapping[str, Any] = field(default_factory=dict)  # also fill the name's fields ("5-day average")
    frequency: str = "day"  # how its date is written: "day", "month", "quarter" or "fiscal_year" (the observation's own period)
    change_in_bp: bool = False  # a yield's change, written in basis points as the brief's text writes it


# --- series --------------------------------------------------------------------------------


def need(tables: Tables, *dataset_ids: str) -> None:
    missing = tuple(d for d in dataset_ids if d not in tables)
    if missing:
        raise Unavailable("missing_dataset", missing)


def dated(tables: Tables, dataset_id: str, column: str = "date") -> pd.Series:
    """A ``date,value`` dataset as a float Series by date: missing values dropped, one value a day (summed)."""
    need(tables, dataset_id)
    frame = tables[dataset_id]
    s = pd.Series(frame["value"].astype("float64").to_numpy(), index=pd.DatetimeIndex(frame[column])).dropna()
    if s.empty:
        raise Unavailable("no_data", (dataset_id,))
    return s.groupby(level=0).sum().sort_index() if s.index.has_duplicates else s.sort_index()


def cftc_notional(tff: pd.DataFrame, column: str, codes: tuple[str, ...] = tuple(FACE_USD)) -> pd.Series:
    """Notional (USD bn) of ``column`` summed over ``codes``, for report dates on which every one of them is present."""
    rows = tff[tff["contract_code"].isin(codes) & tff[column].notna()]
    usd = rows[column].astype("float64") * rows["contract_code"].map(FACE_USD)
    grouped = pd.DataFrame({"d": rows["report_date"], "code": rows["contract_code"], "usd": usd}).groupby("d")
    complete = grouped["code"].nunique() == len(set(codes))
    out = (grouped["usd"].sum()[complete] / 1e9).sort_index()
    out.index = pd.DatetimeIndex(out.index)
    return out


def cftc_table(tables: Tables) -> pd.DataFrame:
    need(tables, "cftc_tff_ust")
    return tables["cftc_tff_ust"]


def _joined(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    return pd.concat({"a": a, "b": b}, axis=1, sort=True).dropna()


def lev_gross_short(tables: Tables) -> pd.Series:
    return cftc_notional(cftc_table(tables), "lev_short")


def lev_net_short(tables: Tables) -> pd.Series:
    both = _joined(cftc_notional(cftc_table(tables), "lev_short"), cftc_notional(cftc_table(tables), "lev_long"))
    return both["a"] - both["b"]


def lev_share_oi(tables: Tables) -> pd.Series:
    both = _joined(cftc_notional(cftc_table(tables), "lev_short"), cftc_notional(cftc_table(tables), "open_interest"))
    both = both[both["b"] > 0]  # a week without open interest has no share (never an infinite one)
    return both["a"] / both["b"] * 100


def asset_mgr_long(tables: Tables) -> pd.Series:
    return cftc_notional(cftc_table(tables), "asset_mgr_long")


def sofr_iorb_bp(tables: Tables) -> pd.Series:
    both = _joined(dated(tables, "fred_sofr"), dated(tables, "fred_iorb"))
    spread = ((both["a"] - both["b"]) * 100).round(6)
    return spread.rolling(SPREAD_MEAN_OBS).mean().dropna().round(6)


def srf_max_4w(tables: Tables) -> pd.Series:
    return dated(tables, "nyfed_srf").rolling(SRF_WINDOW).max()


def debt_public_gdp(tables: Tables) -> pd.Series:
    """Debt held by the public at quarter end (MSPD) ÷ nominal GDP of that quarter (SAAR), percent,
    by quarter end: the key figures' own series (``metrics.debt_held_by_public_gdp``), one computation."""
    need(tables, "mspd_table1", "fred_gdp")
    dated(tables, "fred_gdp")  # no GDP observation: not available for want of GDP
    ratio = debt_held_by_public_gdp(tables)  # by quarter start
    if ratio is None:  # no quarter end with both: an empty series by date
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([]))
    ends = pd.PeriodIndex(ratio.index, freq="Q").end_time.normalize()
    return pd.Series(ratio.to_numpy(), index=pd.DatetimeIndex(ends))


def deficit_gdp(tables: Tables) -> pd.Series:
    """Fiscal-year deficit ÷ mean GDP of its four quarters, percent: the key figures' own series
    (``metrics.deficit_to_gdp``), one computation."""
    need(tables, "fred_fyfsd", "fred_gdp")
    dated(tables, "fred_fyfsd"), dated(tables, "fred_gdp")  # no observation: not available for want of it
    return deficit_to_gdp(tables)


def cayman_share(tables: Tables) -> pd.Series:
    need(tables, "tic_mfh")
    tic = tables["tic_mfh"]
    by = tic[tic["country"].isin((CAYMAN, GRAND_TOTAL))].pivot_table(index="month", columns="country", values="value", aggfunc="sum")
    if CAYMAN not in by or GRAND_TOTAL not in by:
        raise Unavailable("no_data", ("tic_mfh",), detail=CAYMAN)
    share = (by[CAYMAN] / by[GRAND_TOTAL] * 100).dropna()
    share.index = pd.to_datetime(share.index.astype(str) + "-01") + pd.offsets.MonthEnd(0)
    return share.sort_index()


def bills_share_pct(tables: Tables) -> pd.Series:
    need(tables, "mspd_table1")
    return bills_share(tables["mspd_table1"])


def dgs10_vol_bp(tables: Tables) -> pd.Series:
    changes = dated(tables, "fred_dgs10").diff().dropna() * 100
    return (changes.rolling(VOL_CHANGES).std(ddof=1) * math.sqrt(TRADING_DAYS)).dropna()


def _fred(dataset_id: str, scale: float = 1.0) -> Callable[[Tables], pd.Series]:
    return lambda tables: dated(tables, dataset_id) * scale


# --- the table -----------------------------------------------------------------------------

H, L = Risk.HIGHER_IS_WORSE, Risk.LOWER_IS_WORSE
PCT_HIGH, PCT_LOW = Thresholds("percentile", 80, 95), Thresholds("percentile", 20, 5)
CFTC = ("cftc_tff_ust",)
FACES = {"face_2y": FACE_USD["042601"], "face_other": FACE_USD["043602"], "contracts": len(FACE_USD)}

INDICATORS: tuple[Indicator, ...] = (
    Indicator("lev_gross_short", CFTC, "USD bn", Period.THREE_MONTHS, H, PCT_HIGH, lev_gross_short, method_fields=FACES),
    Indicator("lev_net_short", CFTC, "USD bn", Period.THREE_MONTHS, H, PCT_HIGH, lev_net_short, method_fields=FACES),
    Indicator("lev_share_oi", CFTC, "%", Period.THREE_MONTHS, H, PCT_HIGH, lev_share_oi, method_fields=FACES),
    Indicator("asset_mgr_long", CFTC, "USD bn", Period.THREE_MONTHS, H, PCT_HIGH, asset_mgr_long, method_fields=FACES),
    Indicator(
        "sofr_iorb",
        ("fred_sofr", "fred_iorb"),
        "bp",
        Period.FOUR_WEEKS,
        H,
        Thresholds("level", 0, 10),
        sofr_iorb_bp,
        method_fields={"observations": SPREAD_MEAN_OBS},
    ),
    Indicator(
        "on_rrp",
        ("fred_rrpontsyd",),
        "USD bn",
        Period.THREE_MONTHS,
        L,
        Thresholds("level", RULES["rrp_buffer_usd_bn"].value, 50, StressGate("reserves", RULES["reserves_abundant_usd_bn"].value)),
        _fred("fred_rrpontsyd"),
    ),
    Indicator("reserves", ("fred_wresbal",), "USD bn", Period.THREE_MONTHS, L, PCT_LOW, _fred("fred_wresbal", 1e-3), digits=0),
    Indicator("tga", ("dts_tga",), "USD bn", Period.THREE_MONTHS, H, PCT_HIGH, _fred("dts_tga", 1e-3), digits=0),
    Indicator(
        "srf",
        ("nyfed_srf",),
        "USD bn",
        Period.FOUR_WEEKS,
        H,
        Thresholds("level", 1, 25),
        srf_max_4w,
        method_fields={"days": pd.Timedelta(SRF_WINDOW).days, "weeks": pd.Timedelta(SRF_WINDOW).days // 7},
    ),
    Indicator(
        "bills_share",
        ("mspd_table1",),
        "%",
        Period.ONE_YEAR,
        H,
        Thresholds("level", BILLS_RANGE[1], 25),
        bills_share_pct,
        method_fields={"low": BILLS_RANGE[0], "high": BILLS_RANGE[1]},
    ),
    Indicator(
        "debt_public_gdp",
        ("mspd_table1", "fred_gdp"),
        "%",
        Period.ONE_YEAR,
        H,
        Thresholds("level", 90, 100),
        debt_public_gdp,
        frequency="quarter",
    ),
    Indicator(
        "deficit_gdp", ("fred_fyfsd", "fred_gdp"), "%", Period.ONE_YEAR, H, Thresholds("level", 3, 6), deficit_gdp, frequency="fiscal_year"
    ),
    Indicator("cayman_share", ("tic_mfh",), "%", Period.ONE_YEAR, H, PCT_HIGH, cayman_share, frequency="month"),
    Indicator("ust10y", ("fred_dgs10",), "%", Period.FOUR_WEEKS, H, PCT_HIGH, _fred("fred_dgs10"), digits=2, change_in_bp=True),
    Indicator(
        "ust10y_vol",
        ("fred_dgs10",),
        "bp, annualised",
        Period.FOUR_WEEKS,
        H,
        PCT_HIGH,
        dgs10_vol_bp,
        method_fields={"changes": VOL_CHANGES, "days": TRADING_DAYS},
    ),
    Indicator(
        "curve_2s10s",
        ("fred_t10y2y",),
        "pp",
        Period.FOUR_WEEKS,
        L,
        Thresholds("level", 0.25, 0),
        _fred("fred_t10y2y"),
        digits=2,
        change_in_bp=True,
    ),
    Indicator(
        "term_premium", ("fred_threefytp10",), "%", Period.FOUR_WEEKS, H, PCT_HIGH, _fred("fred_threefytp10"), digits=2, change_in_bp=True
    ),
)

CROWDING = Indicator(
    "crowding",
    ("cftc_tff_ust", "fred_sofr", "fred_iorb"),
    "percentile",
    Period.FOUR_WEEKS,
    H,
    Thresholds("crowding", CROWDING_PCT, CROWDING_PCT),
    lambda tables: crowding_history(tables)["score"],
    digits=1,
    method_fields={
        "years": CROWDING_YEARS,
        "percentile": CROWDING_PCT,
        "min_years": CROWDING_MIN_YEARS,
        "lag_days": CROWDING_MAX_LAG.days,
        "min_spread_bp": CROWDING_MIN_SPREAD_BP,
    },
)

ALL: tuple[Indicator, ...] = (*INDICATORS, CROWDING)
BY_ID = {i.id: i for i in ALL}


# --- evaluation ----------------------------------------------------------------------------


def percentile_rank(value: float, values: Any) -> float:
    """100 × (values below + ½ × values equal) / count, missing values ignored."""
    arr = np.asarray(values, dtype="float64")
    arr = arr[~np.isnan(arr)]
    below, equal = int((arr < value).sum()), int((arr == value).sum())
    return 100.0 * (below + 0.5 * equal) / len(arr)


def change_over(s: pd.Series, period: Period) -> tuple[float | None, pd.Timestamp | None]:
    """Latest value minus the latest observation at or before (latest date − period), within the tolerance."""
    target = s.index[-1] - period.offset
    earlier = s[s.index <= target]
    if earlier.empty or target - earlier.index[-1] > period.tolerance:
        return None, None
    return float(s.iloc[-1] - earlier.iloc[-1]), earlier.index[-1]


def signal(thresholds: Thresholds, risk: Risk, x: float) -> str:
    """``x`` is the percentile or the level, as the thresholds' basis says; thresholds are inclusive."""
    if risk is Risk.HIGHER_IS_WORSE:
        return STRESSED if x >= thresholds.stressed else WATCH if x >= thresholds.watch else CALM
    return STRESSED if x <= thresholds.stressed else WATCH if x <= thresholds.watch else CALM


def gate_reading(gate: StressGate, tables: Tables, day: pd.Timestamp) -> tuple[float, pd.Timestamp] | None:
    """The value the gate reads for a reading dated ``day`` and its date; None when it is not known."""
    try:
        s = BY_ID[gate.on].compute(tables).dropna()
    except Unavailable:
        return None
    s = s[(s.index <= day) & (s.index >= day - gate.max_lag)]
    return None if s.empty else (float(s.iloc[-1]), s.index[-1])


def gated(sig: str, gate: StressGate | None, tables: Tables, day: pd.Timestamp) -> tuple[str, dict[str, Any]]:
    """``sig``, capped at ``watch`` when the gate is closed, and what the gate read (for the components)."""
    if gate is None:
        return sig, {}
    found = gate_reading(gate, tables, day)
    is_open = found is not None and found[0] < gate.below
    components = {
        "gate": gate.on,
        "gate_value": None if found is None else rounded(found[0], BY_ID[gate.on].digits),
        "gate_as_of": None if found is None else _iso(found[1]),
        "gate_open": is_open,
    }
    return (WATCH if sig == STRESSED and not is_open else sig), components


def crowding_history(tables: Tables) -> pd.DataFrame:
    """Per CFTC week: net short and funding spread, their trailing-three-year percentiles, the score (lower of the two).

    Each week's windows are found by binary search in the date-sorted series (one pass over
    the weeks; the windows are the same as selecting by date: (d − 3 years, d])."""
    net, spread = lev_net_short(tables).sort_index(kind="stable"), sofr_iorb_bp(tables).sort_index(kind="stable")
    net_dates, spread_dates = pd.DatetimeIndex(net.index), pd.DatetimeIndex(spread.index)
    net_values, spread_values = net.to_numpy(dtype="float64"), spread.to_numpy(dtype="float64")
    years, min_years, rows = pd.DateOffset(years=CROWDING_YEARS), pd.DateOffset(years=CROWDING_MIN_YEARS), {}
    for d, value in zip(net_dates, net_values):
        last = int(spread_dates.searchsorted(d, side="right")) - 1  # the latest funding day on or before the week
        if last < 0 or spread_dates[last] < d - CROWDING_MAX_LAG:
            continue
        if net_dates[0] > d - min_years or spread_dates[0] > d - min_years:
            continue
        f_date, f_value = spread_dates[last], float(spread_values[last])
        net_window = net_values[net_dates.searchsorted(d - years, side="right") : net_dates.searchsorted(d, side="right")]
        p_net = percentile_rank(float(value), net_window)
        p_fund = percentile_rank(f_value, spread_values[spread_dates.searchsorted(f_date - years, side="right") : last + 1])
        rows[d] = {
            "net_short": float(value),
            "net_short_pct": p_net,
            "funding_date": f_date,
            "funding_bp": f_value,
            "funding_pct": p_fund,
            "score": min(p_net, p_fund),
        }
    if not rows:
        raise Unavailable("no_data", CROWDING.datasets, detail=f"(under {CROWDING_MIN_YEARS} year of joint history)")
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def _iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


@overload
def rounded(x: float, digits: int) -> float: ...
@overload
def rounded(x: float | None, digits: int) -> float | None: ...
def rounded(x: float | None, digits: int) -> float | None:
    """``x`` rounded half-up on its decimal value, as every other figure of the brief is
    (:func:`ustglass.metricbase.rounded`: 0.25 -> 0.3, where Python's ``round`` gives 0.2), or None."""
    if x is None or not math.isfinite(x := float(x)):
        return x
    return half_up(x, digits)


@dataclass(frozen=True)
class Result:
    """One indicator as evaluated: either ``ok`` with its figures, or ``not_available`` with the reason."""

    indicator: Indicator
    status: str
    value: float | None = None
    as_of: str | None = None
    change: float | None = None
    change_from: str | None = None
    percentile: float | None = None
    window_from: str | None = None
    window_to: str | None = None
    window_obs: int | None = None
    signal: str | None = None
    reason: str | None = None  # in plain English, for the command's text output
    reason_code: str | None = None
    needs: tuple[str, ...] = ()
    components: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.indicator.id

    def to_dict(self) -> dict[str, Any]:
        ind, d = self.indicator, self.indicator.digits
        return {
            "id": ind.id,
            "status": self.status,
            "value": rounded(self.value, d),
            "unit": ind.unit,
            "as_of": self.as_of,
            "change": rounded(self.change, d),
            "change_period": ind.period.value,
            "change_from": self.change_from,
            "percentile": rounded(self.percentile, 1),
            "window": None
            if self.window_obs is None
            else {"from": self.window_from, "to": self.window_to, "observations": self.window_obs, "rule": window_rule(ind)},
            "signal": self.signal,
            "risk_direction": ind.risk.value,
            "thresholds": {
                "basis": ind.thresholds.basis,
                "watch": ind.thresholds.watch,
                "stressed": ind.thresholds.stressed,
                "stressed_only_if": _gate_dict(ind.thresholds.stressed_only_if),
            },
            "datasets": list(ind.datasets),
            "reason": self.reason,
            "reason_code": self.reason_code,
            "needs": list(self.needs),
            "components": dict(self.components),
        }


def _gate_dict(gate: StressGate | None) -> dict[str, Any] | None:
    return None if gate is None else {"indicator": gate.on, "below": gate.below, "max_lag_days": gate.max_lag.days}


def window_rule(ind: Indicator) -> str:
    """``trailing_years`` (each component over its trailing ``CROWDING_YEARS``) or ``since_start``
    (since ``HISTORY_START`` or since the series began); the words are in the language packs."""
    return "trailing_years" if ind.thresholds.basis == "crowding" else "since_start"


def positions_crowded(net_short_pct: float) -> bool:
    """The positioning half of the crowding flag: net short above its ``CROWDING_PCT`` percentile."""
    return bool(net_short_pct > CROWDING_PCT)


def funding_strained(funding_pct: float, funding_bp: float) -> bool:
    """The funding half: SOFR − IORB above its ``CROWDING_PCT`` percentile *and* above
    ``CROWDING_MIN_SPREAD_BP``; a spread high in its own history while repo still trades below IORB
    (−8 bp at percentile 92) is no strain."""
    return bool(funding_pct > CROWDING_PCT and funding_bp > CROWDING_MIN_SPREAD_BP)


def _crowding_components(history: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    row = history.loc[as_of]
    assert isinstance(row, pd.Series)  # one row: the history has one per CFTC week
    positions, strained = positions_crowded(row["net_short_pct"]), funding_strained(row["funding_pct"], row["funding_bp"])
    return {
        "flag": bool(positions and strained),
        "positions_crowded": bool(positions),
        "funding_strained": bool(strained),
        "net_short_usd_bn": rounded(row["net_short"], 1),
        "net_short_as_of": _iso(as_of),
        "net_short_percentile": rounded(row["net_short_pct"], 1),
        "funding_bp": rounded(row["funding_bp"], 1),
        "funding_as_of": _iso(row["funding_date"]),
        "funding_percentile": rounded(row["funding_pct"], 1),
    }


def evaluate_one(ind: Indicator, tables: Tables, as_of: Any = None) -> Result:
    """One indicator from the tables, using only observations dated on or before ``as_of`` (if given)."""
    try:
        need(tables, *ind.datasets)
        history = crowding_history(tables) if ind is CROWDING else None
        s = (ind.compute(tables) if history is None else history["score"]).dropna()
        if as_of is not None:
            s = s[s.index <= pd.Timestamp(as_of)]
        if s.empty:
            raise Unavailable("no_data", ind.datasets, detail=f"up to {_iso(as_of)}" if as_of is not None else "")
        last = s.index[-1]
        components = {} if history is None else _crowding_components(history, last)
    except Unavailable as exc:
        return Result(
            ind, NOT_AVAILABLE, reason=exc.text, reason_code=exc.code, needs=exc.datasets if exc.code == "missing_dataset" else ()
        )
    value = float(s.iloc[-1])
    change, base = change_over(s, ind.period)
    if ind is CROWDING:
        above = int(components["positions_crowded"]) + int(components["funding_strained"])
        sig, pct, window = (CALM, WATCH, STRESSED)[above], None, s
    else:
        window = s[s.index >= HISTORY_START]
        pct = percentile_rank(value, window)
        sig = signal(ind.thresholds, ind.risk, pct if ind.thresholds.basis == "percentile" else value)
        sig, components = gated(sig, ind.thresholds.stressed_only_if, tables, last)
    return Result(
        ind,
        OK,
        value=value,
        as_of=_iso(last),
        change=change,
        change_from=None if base is None else _iso(base),
        percentile=pct,
        window_from=_iso(window.index[0]),
        window_to=_iso(last),
        window_obs=int(len(window)),
        signal=sig,
        components=components,
    )


@dataclass(frozen=True)
class Scorecard:
    snapshot: str
    cut: str | None  # evaluated with observations up to this date only (None: all of the snapshot)
    results: tuple[Result, ...]

    def get(self, indicator_id: str) -> Result:
        return next(r for r in self.results if r.id == indicator_id)

    def to_dict(self) -> dict[str, Any]:
        return {"snapshot": self.snapshot, "cut": self.cut, "indicators": [r.to_dict() for r in self.results]}


def evaluate(tables: Tables, as_of: Any = None, snapshot: str = "") -> Scorecard:
    """Every indicator of the table, in its order."""
    return Scorecard(snapshot, None if as_of is None else _iso(as_of), tuple(evaluate_one(i, tables, as_of) for i in ALL))


@dataclass(frozen=True)
class MethodRow:
    """One indicator's entry in the methods appendix, from the table; the language pack words it
    (``scorecard.indicators.<id>``: name, method with ``method_fields``, source)."""

    id: str
    datasets: tuple[str, ...]
    unit: str
    digits: int
    change_period: str
    risk_direction: str
    thresholds: kfs.SignalThresholds
    window_rule: str  # see window_rule
    window_start: str  # HISTORY_START
    window_years: int  # CROWDING_YEARS
    method_fields: Mapping[str, Any]
    stressed_only_if: StressGate | None = None  # see StressGate


def methods_rows() -> list[MethodRow]:
    """The methods appendix: one row per indicator, generated from the table."""
    return [
        MethodRow(
            i.id,
            i.datasets,
            i.unit,
            i.digits,
            i.period.value,
            i.risk.value,
            _thresholds(i),
            window_rule(i),
            _iso(HISTORY_START),
            CROWDING_YEARS,
            dict(i.method_fields),
            i.thresholds.stressed_only_if,
        )
        for i in ALL
    ]


def _thresholds(ind: Indicator) -> kfs.SignalThresholds:
    return kfs.SignalThresholds(ind.thresholds.basis, float(ind.thresholds.watch), float(ind.thresholds.stressed))


def reading(r: Result) -> kfs.IndicatorReading:
    """One result as the key figures hold it: rounded as the indicator gives its value, codes only."""
    ind, d = r.indicator, r.indicator.digits
    return kfs.IndicatorReading(
        id=ind.id,
        status=r.status,
        unit=ind.unit,
        digits=d,
        change_period=ind.period.value,
        risk_direction=ind.risk.value,
        thresholds=_thresholds(ind),
        datasets=ind.datasets,
        value=rounded(r.value, d),
        as_of=r.as_of,
        change=rounded(r.change, d),
        change_from=r.change_from,
        percentile=rounded(r.percentile, 1),
        window_from=r.window_from,
        window_to=r.window_to,
        window_observations=r.window_obs,
        signal=r.signal,
        reason_code=r.reason_code,
        needs=r.needs,
        frequency=ind.frequency,
    )


def key_figures(card: Scorecard) -> kfs.Scorecard:
    """The scorecard section of the key figures: every indicator, the signal counts, the crowding flag."""
    found = tuple(reading(r) for r in card.results)
    counts = {k: sum(1 for r in found if (r.signal or NOT_AVAILABLE) == k) for k in (CALM, WATCH, STRESSED, NOT_AVAILABLE)}
    crowd = card.get(CROWDING.id)
    c = crowd.components
    flag = (
        None
        if crowd.status != OK
        else kfs.CrowdingFlag(
            flag=bool(c["flag"]),
            threshold_pct=CROWDING_PCT,
            years=CROWDING_YEARS,
            net_short_usd_bn=c["net_short_usd_bn"],
            net_short_percentile=c["net_short_percentile"],
            net_short_as_of=c["net_short_as_of"],
            funding_bp=c["funding_bp"],
            funding_percentile=c["funding_percentile"],
            funding_as_of=c["funding_as_of"],
        )
    )
    return kfs.Scorecard(_iso(HISTORY_START), found, counts, flag)


# --- text ----------------------------------------------------------------------------------


def _num(x: float | None, digits: int, sign: bool = False) -> str:
    return "" if x is None else f"{x:{'+' if sign else ''},.{digits}f}"


def format_table(card: Scorecard) -> str:
    """An aligned plain-text table, one indicator per row; unavailable ones say what they need."""
    head = ("indicator", "value", "unit", "as of", "change", "period", "pctile", "signal", "datasets")
    rows = []
    for r in card.results:
        ind = r.indicator
        if r.status != OK:
            rows.append((ind.id, "n/a", ind.unit, "", "", ind.period.value, "", "", f"not available: {r.reason}"))
            continue
        rows.append(
            (
                ind.id,
                _num(r.value, ind.digits),
                ind.unit,
                r.as_of or "",
                _num(r.change, ind.digits, sign=True),
                ind.period.value,
                _num(r.percentile, 0),
                r.signal or "",
                ", ".join(ind.datasets),
            )
        )
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    right = {1, 4, 6}
    lines = [f"scorecard, snapshot {card.snapshot}" + (f", data up to {card.cut}" if card.cut else "")]
    for row in (head, *rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
