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
class Estimate:
    """A number taken from a research publication rather than an official dataset."""

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


@dataclass(frozen=True)
class Fiscal:
    deficit_usd_bn: dict[str, float]  # fiscal year -> deficit (positive = deficit)
    first_fy: str
    latest_fy: str
    prior_fy: str | None  # None when the data hold one fiscal year only
    latest_deficit: Point
    average_deficit_usd_bn: float  # mean over first_fy..latest_fy
    change_vs_prior_usd_bn: float | None  # latest minus the year before (None: not available)
    direction_vs_prior: str | None  # "rose" | "fell" | "unchanged" (None: not available)
    debt_to_gdp_pct: Point
    debt_to_gdp_year_earlier: Point | None
    debt_to_gdp_direction: str | None  # "rose" | "fell" | "unchanged"; None without a year-earlier value
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
    cayman_official_at_estimate_date: Point | None
    cayman_estimate_usd_bn: Estimate | None
    cayman_undercount_usd_bn: Estimate | None
    cayman_estimate_vs_largest: str | None  # "above" | "below" vs the largest official holder


@dataclass(frozen=True)
class Basis:
    lev_short_usd_bn: dict[str, float]  # report date -> six-contract gross short notional
    contracts: dict[str, str]  # CFTC code -> label (with face value)
    latest: Point  # the latest complete weekly report
    level_2020: Point | None  # average over complete 2020 weeks (None without 2020 data)
    peak: Point
    change_since_2020_pct: float | None
    direction_vs_2020: str | None  # "rose" | "fell" | "unchanged"
    weeks_complete: int
    weeks_missing: int
    gaps: list[tuple[str, str]]  # [first missing week, last missing week], up to the as-of date
    weeks_since_latest: int  # weeks between the latest complete report and the as-of date
    latest_by_contract_usd_bn: dict[str, float]


@dataclass(frozen=True)
class Funding:
    sofr_iorb_bp: Point
    sofr_iorb_direction: str  # "above" | "below" | "at"
    sofr_pct: Point
    iorb_pct: Point
    sofr_iorb_max_bp_90d: Point  # widest spread over the last `spread_window_days` days of data
    spread_window_days: int
    rrp_usd_bn: Point
    rrp_peak_usd_bn: Point
    reserves_usd_bn: Point
    reserves_year_earlier_usd_bn: Point | None
    reserves_direction: str | None  # None without a year-earlier value
    tga_usd_bn: Point
    srf_usd_bn: Point | None  # Standing Repo Facility take-up, when the dataset is present
    history: dict[str, dict[str, float]]  # series -> date -> value, weekly, for the chart


@dataclass(frozen=True)
class Debt:
    bills_share_pct: Point
    bills_usd_bn: Point
    marketable_usd_bn: Point
    bills_share_year_earlier: Point | None
    bills_share_direction: str | None  # None without a year-earlier value


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

    flag: bool  # both percentiles strictly above threshold_pct
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
    datasets: list[DatasetInfo] = field(default_factory=list)
    scorecard: Scorecard | None = None
    claims: Claims | None = None
    scenarios: Scenarios | None = None
    changes: Changes | None = None  # None: no previous snapshot to compare with

    def to_dict(self) -> dict[str, Any]:
        out = _plain(dataclasses.asdict(self))
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
