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

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
