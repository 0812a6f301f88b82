"""Key figures: every number the brief states, in one typed, immutable object.

Metrics build it from validated datasets; charts and templates only read it; it is
also written as ``key_figures.json`` so a desk can check any number in the brief.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Point:
    """One observation: a value, the period it refers to (a day, month, quarter or year, as the
    key figures write periods), its unit and source."""

    value: float
    as_of: str
    unit: str = ""
    source: str = ""


@dataclass(frozen=True)
class Peak:
    """The highest value of a series in the data, and the day it was reached."""

    value: float
    date: str
    unit: str = ""
    source: str = ""


@dataclass(frozen=True)
class Comparison:
    """The latest value set against a reference level: the level (with its date), the change
    to the latest value in percent (from unrounded values) and its direction; ``rule`` names
    the entry of ``rules`` that fixes the reference."""

    level: Point
    change_pct: float
    direction: str  # "rose" | "fell" | "unchanged"
    rule: str


@dataclass(frozen=True)
class YearChange:
    """A rate's latest value and the value a year earlier, the change in basis points."""

    latest: Point
    year_earlier: Point | None
    change_bp: float | None
    direction: str  # "rose" | "fell" | "unchanged" ("unchanged" without a year-earlier value)


@dataclass(frozen=True)
class Estimate:
    """A number taken from a research publication or the press rather than an official dataset,
    or derived from one (``method`` says how)."""

    value: float
    as_of: str
    source: str  # full citation: publisher, title, date, DOI, where in the paper
    published: str
    unit: str
    method: str
    title: str = ""  # as published; a language pack may translate it ([research.<id>])
    publisher: str = ""
    doi: str = ""
    url: str = ""
    precision: float | None = None  # the value is stated to the nearest this many units (the source's precision)


@dataclass(frozen=True)
class Fiscal:
    deficit_usd_bn: dict[str, float]  # fiscal year -> deficit (positive = deficit)
    first_fy: str
    latest_fy: str
    prior_fy: str | None  # the year before latest_fy; None when the data hold one fiscal year only
    latest_deficit: Point
    average_deficit_usd_bn: float  # mean over first_fy..latest_fy (from unrounded values)
    change_vs_prior_usd_bn: float | None  # latest minus the year before, from unrounded values (None: not available)
    direction_vs_prior: str | None  # "rose" | "fell" | "unchanged" (None: not available)
    deficit_to_gdp_pct: dict[str, float]  # fiscal year -> deficit / mean GDP of its four quarters (years with all four)
    latest_deficit_to_gdp: Point | None  # the latest fiscal year's, when its four quarters of GDP are known
    debt_to_gdp_pct: Point  # total public debt (intragovernmental holdings included) / GDP, latest quarter
    debt_to_gdp_year_earlier: Point | None
    debt_to_gdp_direction: str | None  # "rose" | "fell" | "unchanged"; None without a year-earlier value
    debt_held_by_public_to_gdp_pct: Point | None  # MSPD held by the public at quarter end / GDP of that quarter
    debt_held_by_public_year_earlier: Point | None
    debt_held_by_public_direction: str | None  # None without a year-earlier value
    debt_to_gdp_at_public_quarter: Point | None  # total public debt / GDP in the quarter of debt_held_by_public_to_gdp_pct
    vintage: str  # the source's vintage (retrieval date of the FYFSD file)
    vintage_after_as_of: bool  # the data were retrieved after the edition's as-of date (later revisions included)


@dataclass(frozen=True)
class Holders:
    as_of: str  # "YYYY-MM"
    year_earlier: str  # "YYYY-MM"
    usd_bn: dict[str, float]  # country as TIC writes it -> USD bn at as_of (major holders)
    usd_bn_year_earlier: dict[str, float]
    aggregates_usd_bn: dict[str, float]  # TIC's total rows at as_of: Grand Total, All Other, For. Official, ...
    ranking: list[str]  # countries by holdings at as_of, largest first (excl. totals)
    grand_total: Point
    foreign_official: Point | None
    cayman_official: Point | None  # None: TIC has no Cayman Islands row for as_of
    cayman_rank: int | None
    cayman_estimate_published: bool  # the note had been published by the edition's date
    cayman_official_at_estimate_date: Point | None
    cayman_estimate_usd_bn: Estimate | None  # our calculation from the note, at the note's precision
    cayman_undercount_usd_bn: Estimate | None  # the note's own number
    cayman_press_total_usd_bn: Estimate | None  # the total press coverage of the note reported
    cayman_press_consistent: bool | None  # the press total agrees with our sum within the note's precision
    largest_at_estimate_date: str | None  # the largest official holder in the estimate's month (TIC's name)
    largest_at_estimate_date_usd_bn: Point | None
    cayman_estimate_vs_largest: str | None  # "above" | "below" that holder, in the same month
    cayman_estimate_rank_at_estimate_date: int | None  # the rank the estimate would have had in that month


@dataclass(frozen=True)
class Basis:
    lev_short_usd_bn: dict[str, float]  # report date -> leveraged funds' gross short, six contracts
    lev_long_usd_bn: dict[str, float]  # report date -> leveraged funds' gross long
    lev_net_short_usd_bn: dict[str, float]  # report date -> short minus long
    am_long_usd_bn: dict[str, float]  # report date -> asset managers' long
    contracts: dict[str, str]  # CFTC code -> label (with face value)
    latest: Point  # the latest complete weekly report: gross short
    latest_net_short: Point | None
    latest_lev_long: Point | None
    latest_am_long: Point | None
    peak: Peak  # the highest gross short in the data
    change_from_peak_pct: float
    latest_at_peak: bool  # the latest week is the peak
    latest_near_peak: bool  # it is not, but less than 0.05% below it (the change rounds to 0.0%): "marginally below"
    article_base: Comparison | None  # the level the seed article compares with (rules.article_base_week)
    pre_covid: Comparison | None  # the level before the pandemic (rules.pre_covid_year)
    max_step_days: int  # a step longer than this between reports is a gap (text and chart alike)
    weeks_complete: int
    weeks_missing: int
    gaps: list[tuple[str, str]]  # [first missing week, last missing week], up to the as-of date
    weeks_since_latest: int  # weeks between the latest complete report and the as-of date
    latest_by_contract_usd_bn: dict[str, float]  # gross short by contract, latest report
    latest_share_by_contract_pct: dict[str, float]  # each contract's share of the gross short, latest report


@dataclass(frozen=True)
class Funding:
    sofr_iorb_bp: Point | None  # None when SOFR or IORB is not in the snapshot
    sofr_iorb_direction: str | None  # "above" | "below" | "at", the latest day
    sofr_pct: Point | None
    iorb_pct: Point | None
    spread_latest_period_end: str  # "year" | "quarter" | "": the latest day is the last business day of one
    sofr_iorb_median_bp: Point | None  # median over the `recent_window_days` to the latest day
    sofr_iorb_median_direction: str | None  # "above" | "below" | "at": what the brief reads as the state of funding
    recent_window_days: int
    sofr_iorb_max_bp_90d: Point | None  # widest spread over the last `spread_window_days` days of data
    spread_window_days: int
    spread_rose_above_iorb: bool | None  # the widest spread of that window was above zero
    rrp_usd_bn: Point
    rrp_median_usd_bn: Point
    rrp_latest_period_end: str  # "year" | "quarter" | ""
    rrp_peak_usd_bn: Point
    rrp_at_peak: bool  # the latest day is the peak
    rrp_absorbs_drains: bool  # ON RRP at or above rules.rrp_buffer_usd_bn: drains come out of it before reserves
    reserves_usd_bn: Point | None
    reserves_year_earlier_usd_bn: Point | None
    reserves_direction: str | None  # None without a year-earlier value
    tga_usd_bn: Point | None
    srf_usd_bn: Point | None  # Standing Repo Facility: amount accepted on the latest day, when the dataset is present
    srf_peak: Peak | None
    srf_used: bool | None  # the facility lent anything on the latest day
    srf_at_peak: bool | None  # the latest day is its largest use in the data
    history: dict[str, dict[str, float]]  # series -> date -> value, for the chart (only the series present)
    reserves_abundant: bool | None = None  # reserves at or above rules.reserves_abundant_usd_bn; None without reserve data
    iorb_before_start: bool = False  # the edition's date is before rules.iorb_first_day: no IORB value exists yet


@dataclass(frozen=True)
class Markets:
    ust10y_pct: YearChange | None  # 10-year Treasury yield (FRED DGS10)
    term_premium_pct: YearChange | None  # 10-year term premium (FRED THREEFYTP10, Kim–Wright)
    ust2y_pct: Point | None  # 2-year Treasury yield (FRED DGS2)
    curve_2s10s_bp: Point | None  # 10-year minus 2-year (FRED T10Y2Y), in basis points
    curve_inverted: bool | None  # the 2-year yield above the 10-year


@dataclass(frozen=True)
class Debt:
    bills_share_pct: Point
    bills_usd_bn: Point
    marketable_usd_bn: Point
    bills_share_year_earlier: Point | None
    bills_share_direction: str | None  # None without a year-earlier value
    bills_share_position: str = "above"  # "above" | "within" | "below" rules.bills_share_range_pct (TBAC's range)


@dataclass(frozen=True)
class Freshness:
    """How recent a dataset of a snapshot is: its newest observation (as the snapshot writes its
    period), the date that observation became known, and whether it is stale on the as-of date
    (older than its usual lag plus its frequency's margin: ``ustglass.releases``)."""

    last_observation: str
    known_since: str  # YYYY-MM-DD
    stale: bool
    age_days: int  # from the end of the newest observation's period to the as-of date
    stale_after_days: int | None  # stale beyond this age (None: never)

    def to_dict(self) -> dict[str, str | bool]:
        """The form key_figures.json gives it."""
        return {"last_observation": self.last_observation, "known_since": self.known_since, "stale": self.stale}


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset of the snapshot; the reader sees its title, source and unit as the language pack names them."""

    id: str
    source_name: str
    url: str
    units: str
    first: str
    last: str
    rows: int
    retrieved: str
    original_file: str
    carried_forward: bool = False


# ---------------------------------------------------------------- analysis: scorecard, claims, scenarios, changes
# Computed in the pipeline's gather phase by ustglass.scorecard, .claims, .scenarios and
# .changes; language-neutral codes only (the words are in the language packs).


@dataclass(frozen=True)
class SignalThresholds:
    """When an indicator's signal turns: ``basis`` "percentile" (of its window), "level" (the value) or "crowding"."""

    basis: str
    watch: float
    stressed: float


@dataclass(frozen=True)
class CrowdingFlag:
    """The crowding flag: net short and the funding spread, each against its own trailing years."""

    flag: bool  # both percentiles strictly above threshold_pct, and SOFR − IORB above scorecard.CROWDING_MIN_SPREAD_BP
    threshold_pct: float
    years: int
    net_short_usd_bn: float
    net_short_percentile: float
    net_short_as_of: str
    funding_bp: float
    funding_percentile: float
    funding_as_of: str


@dataclass(frozen=True)
class IndicatorReading:
    """One scorecard indicator: ``status`` "ok" with its figures, or "not_available" with the reason and the data it needs."""

    id: str
    status: str  # "ok" | "not_available"
    unit: str  # "USD bn", "%", "bp", "pp", "percentile", "bp, annualised"
    digits: int  # decimals the value is given with
    change_period: str  # "4 weeks" | "3 months" | "1 year"
    risk_direction: str  # "higher_is_worse" | "lower_is_worse"
    thresholds: SignalThresholds
    datasets: tuple[str, ...]
    value: float | None = None
    as_of: str | None = None
    change: float | None = None
    change_from: str | None = None
    percentile: float | None = None  # within the window (None for the crowding flag, whose value is a percentile)
    window_from: str | None = None
    window_to: str | None = None
    window_observations: int | None = None
    signal: str | None = None  # "calm" | "watch" | "stressed"
    reason_code: str | None = None  # "missing_dataset" | "no_data" | ...
    needs: tuple[str, ...] = ()  # datasets absent from the snapshot
    frequency: str = "day"  # the observation's own period, as its date is written: "day" | "month" | "quarter" | "fiscal_year"


@dataclass(frozen=True)
class Scorecard:
    history_start: str  # percentiles are taken since this date, or since the series began
    indicators: tuple[IndicatorReading, ...]
    signal_counts: dict[str, int]  # "calm" / "watch" / "stressed" / "not_available" -> number of indicators
    crowding: CrowdingFlag | None


@dataclass(frozen=True)
class UnavailableReason:
    """Why a claim's check could not be made: a code and what it names (no words)."""

    code: str  # "missing_dataset" | "no_data" | "missing_row" | "not_read" | "not_measurable"
    datasets: tuple[str, ...] = ()
    period: str = ""
    row: str = ""
    key: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ClaimCheckReading:
    id: str
    metric: str
    comparison: str
    claimed: Any  # a number, [low, high], "rising" / "falling", a list of signals, or None (context)
    tolerance: float
    unit: str
    verdict: str  # "supported" | "not_supported" | "partly" | "cannot_check" | "context"
    value: float | None = None
    values: dict[str, float] | None = None
    date: str | None = None
    signal: str | None = None
    difference: float | None = None
    reason: UnavailableReason | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimReading:
    """One of the article's claims checked at its own date; the headline check gives metric, value and difference."""

    id: str
    date: str
    verdict: str
    metric: str
    value: float | None
    unit: str
    value_date: str | None
    claimed: Any
    difference: float | None
    reason_code: str | None
    needs: tuple[str, ...]  # datasets that would settle it, absent from the snapshot
    settled_by: tuple[str, ...]
    checks: tuple[ClaimCheckReading, ...]


@dataclass(frozen=True)
class Claims:
    claims: tuple[ClaimReading, ...]
    verdict_counts: dict[str, int]


@dataclass(frozen=True)
class ScenarioInputs:
    beta: float
    haircut: float
    margin: float
    buffer: float
    haircut_shock: float
    margin_mult: float
    daily_volume_usd_bn: float


@dataclass(frozen=True)
class ScenarioOutcome:
    """One stress scenario: its inputs and every term of the model (USD bn unless named otherwise)."""

    name: str  # "defaults" or a named scenario
    inputs: ScenarioInputs
    lev_short_usd_bn: float  # N
    basis_usd_bn: float  # B
    capital_usd_bn: float  # C
    capital_needed_usd_bn: float  # C′
    available_capital_usd_bn: float  # C × (1 + b)
    forced_unwind_usd_bn: float  # U
    unwind_share: float  # U / B
    volume_days: float  # U / V


@dataclass(frozen=True)
class ScenarioGrid:
    """U/B (and U, U/V) over haircut shocks (rows) and margin multiples (columns), other inputs at the defaults."""

    haircut_shock: tuple[float, ...]
    margin_mult: tuple[float, ...]
    forced_unwind_usd_bn: tuple[tuple[float, ...], ...]
    unwind_share: tuple[tuple[float, ...], ...]
    volume_days: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Scenarios:
    lev_short: Point  # N, the latest complete week
    defaults: ScenarioOutcome
    named: tuple[ScenarioOutcome, ...]
    grid: ScenarioGrid


@dataclass(frozen=True)
class Revision:
    key: str  # the observation, e.g. "2024-09-30" or "2025-12-31 Marketable Bills"
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class DatasetChange:
    dataset: str
    status: str  # unchanged | changed | added | removed
    new_observations: int = 0
    new_first: str | None = None  # the first and last date among the new observations
    new_last: str | None = None
    removed: int = 0
    revised: int = 0  # observations with at least one value revised
    revisions: tuple[Revision, ...] = ()


@dataclass(frozen=True)
class SignalChange:
    id: str
    before: str | None  # None: not available in that snapshot
    after: str | None
    value_before: float | None
    value_after: float | None
    as_of_before: str | None
    as_of_after: str | None


@dataclass(frozen=True)
class Changes:
    previous: str
    current: str
    datasets: tuple[DatasetChange, ...]
    signals_changed: tuple[SignalChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self))


@dataclass(frozen=True)
class KeyFigures:
    snapshot: str
    as_of: str
    tool_version: str
    fiscal: Fiscal
    holders: Holders
    basis: Basis
    funding: Funding
    debt: Debt
    markets: Markets
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # every threshold, window and reference date, with its reason
    datasets: list[DatasetInfo] = field(default_factory=list)
    freshness: dict[str, Freshness] = field(default_factory=dict)  # dataset id -> how recent it is on the as-of date
    scorecard: Scorecard | None = None
    claims: Claims | None = None
    scenarios: Scenarios | None = None
    changes: Changes | None = None  # None: no previous snapshot to compare with

    def to_dict(self) -> dict[str, Any]:
        out = _plain(dataclasses.asdict(self))
        out["freshness"] = {k: v.to_dict() for k, v in self.freshness.items()}
        return {k: v for k, v in out.items() if v is not None or k not in ANALYSIS}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


ANALYSIS = ("scorecard", "claims", "scenarios", "changes")  # left out of the JSON when not computed


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
