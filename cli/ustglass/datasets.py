"""The datasets a snapshot holds: what each one is, where it comes from, its unit and shape.

This registry is the single description of every dataset; parsers, the snapshot writer,
the live fetcher and the methodology section of the brief all read it. A dataset's columns
(with their types and plausible ranges), the observations it must hold and how several
files of it combine are declared here, next to its name, and checked at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Frequency(str, Enum):
    """How often a dataset is observed; with the dataset's ``Release``, when an observation becomes known."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # dated by the month (TIC: "YYYY-MM") or at month end (MSPD)
    QUARTERLY = "quarterly"  # dated at quarter start (FRED); the period ends at quarter end
    FISCAL_YEAR = "fiscal-year"  # dated at fiscal-year end
    IRREGULAR = "irregular"


class Rule(str, Enum):
    """How the release date of an observation follows from the end of its period (``ustglass.releases``).

    Business days are Monday to Friday except U.S. federal holidays as observed."""

    BUSINESS_DAYS_AFTER = "business-days-after"  # the n-th business day after the period ends (n = 0: that day, if a business day)
    DAYS_AFTER = "days-after"  # n calendar days after the period ends, or the next business day after that
    NTH_BUSINESS_DAY = "nth-business-day"  # the n-th business day of the month after the period ends
    DAY_OF_MONTH = "day-of-month"  # day n of the ``months``-th month after the period's month, or the next business day
    WEEK_THEN_DAYS = "week-then-days"  # n days after the Friday of the period's week, or the next business day
    PUBLISHED = "published"  # the observation's own date is its publication date (research estimates)


@dataclass(frozen=True)
class Release:
    """When an observation becomes known: a rule, its parameters, the usual lag, the words for it.

    ``key`` names the rule's text in the language packs (``[release]`` of locale.toml), which the
    methods section prints; ``lag_days`` is the usual number of days from the end of a period to
    its release (stated in the methods section, and with the frequency's margin in STALE_MARGIN_DAYS
    the age beyond which the newest observation counts as stale)."""

    key: str
    rule: Rule
    n: int = 0
    lag_days: int = 0
    months: int = 1


# How much older than its usual lag (Release.lag_days) a dataset's newest observation may be, on the
# snapshot's as-of date, before it is flagged as stale: the length of one period and some slack
# (a holiday week, a release a few days late). Irregular datasets (research estimates) are never stale.
STALE_MARGIN_DAYS: dict[Frequency, int | None] = {
    Frequency.DAILY: 7,
    Frequency.WEEKLY: 14,
    Frequency.MONTHLY: 45,
    Frequency.QUARTERLY: 120,
    Frequency.FISCAL_YEAR: 400,
    Frequency.IRREGULAR: None,
}

# The release rules of the official sources. Where the real calendar is not in the data, the rule is
# an approximation, stated as such in the brief's methods section (the language packs' [release]).
NEXT_BUSINESS_DAY = Release(
    "next_business_day", Rule.BUSINESS_DAYS_AFTER, 1, lag_days=1
)  # FRED daily rates and yields; DTS at 4 p.m. the next business day
SAME_DAY = Release("same_day", Rule.BUSINESS_DAYS_AFTER, 0, lag_days=0)  # NY Fed operation results, published after each operation
H41_THURSDAY = Release("h41_thursday", Rule.DAYS_AFTER, 1, lag_days=1)  # H.4.1: the week ending Wednesday, released Thursday 4:30 p.m.
CFTC_FRIDAY = Release("cftc_friday", Rule.DAYS_AFTER, 3, lag_days=3)  # positions as of Tuesday, released Friday 3:30 p.m.
MSPD_4TH_BUSINESS_DAY = Release(
    "mspd_4th_business_day", Rule.NTH_BUSINESS_DAY, 4, lag_days=6
)  # MSPD: the 4th business day of the next month
TIC_18TH = Release("tic_18th", Rule.DAY_OF_MONTH, 18, lag_days=49, months=2)  # TIC month M: around the 18th of M+2 (mid-month, 4 p.m.)
# GDP: BEA's advance estimate comes about a month after the quarter (usually in the last week of the
# month). Later estimates and annual revisions change the values: a file holds its own vintage.
GDP_QUARTER = Release("gdp_quarter", Rule.DAYS_AFTER, 30, lag_days=30)
# GFDEGDQ188S = GFDEBTN / GDP, computed by FRED ("Debt to Gross Domestic Product Ratios"); FRED adds a
# quarter with BEA's third estimate, near the end of the following quarter (its "Updated" stamps: Q2 2019
# on 26 September 2019, Q1 2017 on 29 June 2017, Q4 2023 on 28 March 2024), not with the advance estimate.
DEBT_GDP_THIRD_ESTIMATE = Release("debt_gdp_third_estimate", Rule.DAYS_AFTER, 88, lag_days=88)
FYFSD_OCTOBER = Release("fyfsd_october", Rule.NTH_BUSINESS_DAY, 8, lag_days=12)  # the September MTS: the 8th business day of October
# The Kim-Wright term premium is updated on FRED once a week, on Tuesday, through the Friday before
# (FRED's "Updated" stamps: 2024-11-08 on Nov 12, 2025-01-24 on Jan 28, 2026-01-09 on Jan 13).
TERM_PREMIUM_WEEKLY = Release("term_premium_weekly", Rule.WEEK_THEN_DAYS, 4, lag_days=8)
PUBLISHED = Release("published", Rule.PUBLISHED, lag_days=0)


class Dtype(str, Enum):
    """How a column is held in memory and written to a snapshot CSV."""

    DATE = "date"  # datetime64[us], written YYYY-MM-DD
    TEXT = "text"  # str, written as is (an empty field is an empty string)
    INT = "int"  # nullable Int64 (counts); an empty field is missing
    FLOAT = "float"  # float64; an empty field is missing (NaN)

    @property
    def pandas(self) -> str:
        """The pandas dtype a column of this type has once a snapshot is loaded (``snapshot.read_csv``)."""
        return {"date": "datetime64[us]", "text": "str", "int": "Int64", "float": "float64"}[self.value]


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its name, type and plausible range (None: no limit that side)."""

    name: str
    dtype: Dtype
    low: float | None = None
    high: float | None = None

    @property
    def signed(self) -> bool:
        """True when the column may hold negative values (a deficit)."""
        return self.low is None or self.low < 0


class Combine(str, Enum):
    """How several files of one dataset make the dataset."""

    FURTHEST = "furthest"  # the file reaching furthest is taken; the others must agree where they overlap
    UNION = "union"  # the observations of every file, one per key (one file a year, history + current table)


# Plausible range of a value column, by the dataset's units: generous (no amount here comes near
# $100 trillion, no Treasury future near 100 million contracts), yet a value beyond it is a broken file.
PLAUSIBLE: dict[str, tuple[float | None, float | None]] = {
    "percent": (-5.0, 30.0),
    "percent of GDP": (0.0, 400.0),
    "billions of USD": (0.0, 1e5),
    "millions of USD": (0.0, 1e8),
    "contracts": (0.0, 1e8),
}


@dataclass(frozen=True)
class Required:
    """Rows the brief reads by name: each of ``values`` must appear in ``column`` in the newest
    period of every file of the dataset, and of the dataset once cut at its as-of date."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Revision:
    """A documented revision: where files of kind ``newer`` and ``older`` disagree on an
    observation, ``newer`` supersedes ``older`` (if it reaches at least as far), and the manifest
    says so; any other disagreement between two files is an error."""

    newer: str  # file kind (ustglass.sources.KINDS)
    older: str
    why: str


def text(name: str) -> Column:
    return Column(name, Dtype.TEXT)


def date_column(name: str) -> Column:
    return Column(name, Dtype.DATE)


def amount(name: str, units: str, dtype: Dtype = Dtype.FLOAT, *, signed: bool = False) -> Column:
    """A value column within the plausible range of ``units``; ``signed`` allows negative values."""
    low, high = PLAUSIBLE[units]
    if signed:
        low = -high if high is not None else None
    return Column(name, dtype, low, high)


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    source: str  # "fred" | "cftc" | "tic" | "fiscaldata" | "nyfed" | "research"
    source_name: str  # as recorded in the manifest; the reader sees the language pack's [datasets.<id>]
    units: str  # language-neutral; the reader sees the language pack's [units]
    frequency: Frequency
    url: str
    date_column: str
    schema: tuple[Column, ...]
    key: tuple[str, ...]  # columns that identify one observation (no duplicates allowed)
    required: bool = True
    combine: Combine = Combine.FURTHEST
    required_rows: tuple[Required, ...] = ()
    revisions: tuple[Revision, ...] = ()
    lead_days: int = 0  # how far past today an observation's period may end (no source here publishes ahead)
    release: Release = NEXT_BUSINESS_DAY  # when an observation becomes known (ustglass.releases.known_on)

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in the order a snapshot CSV writes them."""
        return tuple(c.name for c in self.schema)

    def column(self, name: str) -> Column:
        return next(c for c in self.schema if c.name == name)

    @property
    def values(self) -> tuple[Column, ...]:
        """The columns that are not part of the key."""
        return tuple(c for c in self.schema if c.name not in self.key)


FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"


def _fred(series: str, units: str, freq: Frequency, release: Release, required: bool = True, signed: bool = False) -> DatasetSpec:
    return DatasetSpec(
        id=f"fred_{series.lower()}",
        source="fred",
        source_name=f"Federal Reserve Bank of St. Louis, FRED series {series}",
        units=units,
        frequency=freq,
        url=FRED_URL.format(series=series),
        date_column="date",
        schema=(date_column("date"), amount("value", units, signed=signed)),
        key=("date",),
        required=required,
        release=release,
    )


# Required datasets must be in every snapshot (fetch fails without them); optional ones may be
# missing, and the brief says so: RPONTSYD (FRED no longer serves it), THREEFYTP10 (a Board staff
# model estimate, updated weekly on FRED, not an official statistic) and the NY Fed's SRF operations
# (a separate service, with history only since the facility began in July 2021).
FRED_SERIES: dict[str, DatasetSpec] = {
    s.id.removeprefix("fred_").upper(): s
    for s in (
        _fred("FYFSD", "millions of USD", Frequency.FISCAL_YEAR, FYFSD_OCTOBER, signed=True),  # a deficit is negative
        _fred("GFDEGDQ188S", "percent of GDP", Frequency.QUARTERLY, DEBT_GDP_THIRD_ESTIMATE),
        _fred("GDP", "billions of USD", Frequency.QUARTERLY, GDP_QUARTER),  # nominal, seasonally adjusted annual rate
        _fred("SOFR", "percent", Frequency.DAILY, NEXT_BUSINESS_DAY),
        _fred("IORB", "percent", Frequency.DAILY, NEXT_BUSINESS_DAY),
        _fred("RRPONTSYD", "billions of USD", Frequency.DAILY, NEXT_BUSINESS_DAY),
        _fred("WRESBAL", "millions of USD", Frequency.WEEKLY, H41_THURSDAY),
        _fred("DGS2", "percent", Frequency.DAILY, NEXT_BUSINESS_DAY),
        _fred("DGS10", "percent", Frequency.DAILY, NEXT_BUSINESS_DAY),
        _fred("T10Y2Y", "percent", Frequency.DAILY, NEXT_BUSINESS_DAY),  # negative when the curve inverts
        _fred("THREEFYTP10", "percent", Frequency.DAILY, TERM_PREMIUM_WEEKLY, required=False),
        _fred("RPONTSYD", "billions of USD", Frequency.DAILY, NEXT_BUSINESS_DAY, required=False),
    )
}


@dataclass(frozen=True)
class Contract:
    """One of the six U.S. Treasury futures of the CFTC dataset, matched on its CFTC code
    (market names changed in 2022; ``socrata`` is the name the Socrata export harmonises to)."""

    code: str
    short: str
    name: str
    socrata: str
    face_usd: int

    @property
    def label(self) -> str:
        return f"{self.name} (${self.face_usd:,} face)"


UST_FUTURES: tuple[Contract, ...] = (
    Contract("042601", "2Y", "2-Year T-Note", "UST 2Y NOTE", 200_000),
    Contract("044601", "5Y", "5-Year T-Note", "UST 5Y NOTE", 100_000),
    Contract("043602", "10Y", "10-Year T-Note", "UST 10Y NOTE", 100_000),
    Contract("043607", "Ultra 10Y", "Ultra 10-Year T-Note", "ULTRA UST 10Y", 100_000),
    Contract("020601", "T-Bond", "T-Bond", "UST BOND", 100_000),
    Contract("020604", "Ultra T-Bond", "Ultra T-Bond", "ULTRA UST BOND", 100_000),
)


CFTC_TFF = DatasetSpec(
    id="cftc_tff_ust",
    source="cftc",
    source_name="U.S. Commodity Futures Trading Commission, Traders in Financial Futures (futures only)",
    units="contracts",
    frequency=Frequency.WEEKLY,
    url="https://www.cftc.gov/files/dea/history/fut_fin_txt_{year}.zip",
    date_column="report_date",
    schema=(
        date_column("report_date"),
        text("contract_code"),
        text("market_name"),
        *(
            amount(name, "contracts", Dtype.INT)
            for name in (
                "open_interest",
                "dealer_long",
                "dealer_short",
                "asset_mgr_long",
                "asset_mgr_short",
                "lev_long",
                "lev_short",
                "lev_spread",
            )
        ),
    ),
    key=("report_date", "contract_code"),
    combine=Combine.UNION,  # one file a year, plus weekly and Excel files for weeks the yearly files lack
    required_rows=(Required("contract_code", tuple(c.code for c in UST_FUTURES)),),
    release=CFTC_FRIDAY,
)

TIC_MFH = DatasetSpec(
    id="tic_mfh",
    source="tic",
    source_name="U.S. Department of the Treasury, Treasury International Capital (TIC): Major Foreign Holders of Treasury Securities",
    units="billions of USD",
    frequency=Frequency.MONTHLY,
    url="https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/mfhhis01.txt",
    date_column="month",
    schema=(text("month"), text("country"), amount("value", "billions of USD")),
    key=("month", "country"),
    combine=Combine.UNION,  # the history file and the current table
    required_rows=(Required("country", ("Cayman Islands", "Grand Total")),),
    revisions=(
        Revision(
            "tic_slt_table5",
            "tic_mfh",
            "slt_table5.txt is TIC's current table, the latest release of the "
            "months it holds; mfhhis01.txt, the history, is republished later",
        ),
    ),
    release=TIC_18TH,
)

MSPD = DatasetSpec(
    id="mspd_table1",
    source="fiscaldata",
    source_name="U.S. Department of the Treasury, Fiscal Data: Monthly Statement of the Public Debt, Table 1",
    units="millions of USD",
    frequency=Frequency.MONTHLY,
    url="https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/debt/mspd/mspd_table_1",
    date_column="record_date",
    schema=(
        date_column("record_date"),
        text("security_type"),
        text("security_class"),
        *(amount(name, "millions of USD") for name in ("public_usd_mn", "intragov_usd_mn", "total_usd_mn")),
    ),
    key=("record_date", "security_type", "security_class"),
    required_rows=(Required("security_class", ("Bills",)), Required("security_type", ("Total Marketable",))),
    release=MSPD_4TH_BUSINESS_DAY,
)

DTS_TGA = DatasetSpec(
    id="dts_tga",
    source="fiscaldata",
    source_name="U.S. Department of the Treasury, Fiscal Data: Daily Treasury Statement, Operating Cash Balance",
    units="millions of USD",
    frequency=Frequency.DAILY,
    url="https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/dts/operating_cash_balance",
    date_column="date",
    schema=(date_column("date"), amount("value", "millions of USD")),
    key=("date",),
    release=NEXT_BUSINESS_DAY,
)

# The Standing Repo Facility's operations from the NY Fed Markets API (repo operation results,
# operationType "Repo"): one row per operation day, the day's totalAmtAccepted summed over its
# operations (morning and afternoon; overnight and term) and divided by 1e9 (the API gives US dollars).
NYFED_SRF = DatasetSpec(
    id="nyfed_srf",
    source="nyfed",
    source_name="Federal Reserve Bank of New York, Markets Data API: repo operation results (Standing Repo Facility)",
    units="billions of USD",
    frequency=Frequency.DAILY,
    url="https://markets.newyorkfed.org/api/rp/results/search.json",
    date_column="date",
    schema=(date_column("date"), amount("value", "billions of USD")),
    key=("date",),
    required=False,
    combine=Combine.UNION,  # one API answer per date window
    release=SAME_DAY,
)

RESEARCH = DatasetSpec(
    id="research_estimates",
    source="research",
    source_name="Curated research estimates (cited publications)",
    units="as stated per row",
    frequency=Frequency.IRREGULAR,
    url="",
    date_column="published",
    # A title's translation is in the language packs ([research.<id>] of locale.toml), not here.
    schema=(
        text("id"),
        Column("value", Dtype.FLOAT),
        *(
            text(name)
            for name in ("units", "as_of", "published", "title", "authors", "publisher", "doi", "url", "locator", "quote", "method")
        ),
    ),
    key=("id",),
    release=PUBLISHED,
)

ALL: dict[str, DatasetSpec] = {
    **{s.id: s for s in FRED_SERIES.values()},
    CFTC_TFF.id: CFTC_TFF,
    TIC_MFH.id: TIC_MFH,
    MSPD.id: MSPD,
    DTS_TGA.id: DTS_TGA,
    NYFED_SRF.id: NYFED_SRF,
    RESEARCH.id: RESEARCH,
}


def get(dataset_id: str) -> DatasetSpec:
    return ALL[dataset_id]
