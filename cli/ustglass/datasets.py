"""The datasets a snapshot holds: what each one is, where it comes from, its unit and shape.

This registry is the single description of every dataset; parsers, the snapshot writer,
the live fetcher and the methodology section of the brief all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Frequency(str, Enum):
    """How often a dataset is observed, and so when an observation becomes known."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # dated by the month (TIC: "YYYY-MM", known at month end)
    QUARTERLY = "quarterly"  # dated at quarter start (FRED), known at quarter end
    FISCAL_YEAR = "fiscal-year"  # dated at fiscal-year end
    IRREGULAR = "irregular"


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    source: str  # "fred" | "cftc" | "tic" | "fiscaldata" | "research"
    source_name: str  # as recorded in the manifest; the reader sees the language pack's [datasets.<id>]
    units: str  # language-neutral; the reader sees the language pack's [units]
    frequency: Frequency
    url: str
    date_column: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # columns that identify one observation (no duplicates allowed)
    required: bool = True


FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"


def _fred(series: str, units: str, freq: Frequency, required: bool = True) -> DatasetSpec:
    return DatasetSpec(
        id=f"fred_{series.lower()}",
        source="fred",
        source_name=f"Federal Reserve Bank of St. Louis, FRED series {series}",
        units=units,
        frequency=freq,
        url=FRED_URL.format(series=series),
        date_column="date",
        columns=("date", "value"),
        key=("date",),
        required=required,
    )


FRED_SERIES: dict[str, DatasetSpec] = {
    s.id.removeprefix("fred_").upper(): s
    for s in (
        _fred("FYFSD", "millions of USD", Frequency.FISCAL_YEAR),
        _fred("GFDEGDQ188S", "percent of GDP", Frequency.QUARTERLY),
        _fred("SOFR", "percent", Frequency.DAILY),
        _fred("IORB", "percent", Frequency.DAILY),
        _fred("RRPONTSYD", "billions of USD", Frequency.DAILY),
        _fred("WRESBAL", "millions of USD", Frequency.WEEKLY),
        _fred("RPONTSYD", "billions of USD", Frequency.DAILY, required=False),
    )
}

CFTC_TFF = DatasetSpec(
    id="cftc_tff_ust",
    source="cftc",
    source_name="U.S. Commodity Futures Trading Commission, Traders in Financial Futures (futures only)",
    units="contracts",
    frequency=Frequency.WEEKLY,
    url="https://www.cftc.gov/files/dea/history/fut_fin_txt_{year}.zip",
    date_column="report_date",
    columns=(
        "report_date",
        "contract_code",
        "market_name",
        "open_interest",
        "dealer_long",
        "dealer_short",
        "asset_mgr_long",
        "asset_mgr_short",
        "lev_long",
        "lev_short",
        "lev_spread",
    ),
    key=("report_date", "contract_code"),
)

TIC_MFH = DatasetSpec(
    id="tic_mfh",
    source="tic",
    source_name="U.S. Department of the Treasury, Treasury International Capital (TIC): Major Foreign Holders of Treasury Securities",
    units="billions of USD",
    frequency=Frequency.MONTHLY,
    url="https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/mfhhis01.txt",
    date_column="month",
    columns=("month", "country", "value"),
    key=("month", "country"),
)

MSPD = DatasetSpec(
    id="mspd_table1",
    source="fiscaldata",
    source_name="U.S. Department of the Treasury, Fiscal Data: Monthly Statement of the Public Debt, Table 1",
    units="millions of USD",
    frequency=Frequency.MONTHLY,
    url="https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/debt/mspd/mspd_table_1",
    date_column="record_date",
    columns=("record_date", "security_type", "security_class", "public_usd_mn", "intragov_usd_mn", "total_usd_mn"),
    key=("record_date", "security_type", "security_class"),
)

DTS_TGA = DatasetSpec(
    id="dts_tga",
    source="fiscaldata",
    source_name="U.S. Department of the Treasury, Fiscal Data: Daily Treasury Statement, Operating Cash Balance",
    units="millions of USD",
    frequency=Frequency.DAILY,
    url="https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/dts/operating_cash_balance",
    date_column="date",
    columns=("date", "value"),
    key=("date",),
)

RESEARCH = DatasetSpec(
    id="research_estimates",
    source="research",
    source_name="Curated research estimates (cited publications)",
    units="as stated per row",
    frequency=Frequency.IRREGULAR,
    url="",
    date_column="published",
    # `title_zh` is still written (from estimates.toml) so that fetch rewrites the shipped snapshots
    # byte for byte; nothing reads it: the brief takes a title's translation from the language pack.
    columns=("id", "value", "units", "as_of", "published", "title", "title_zh", "authors", "publisher", "doi", "url", "locator",
             "quote", "method"),
    key=("id",),
)

ALL: dict[str, DatasetSpec] = {
    **{s.id: s for s in FRED_SERIES.values()},
    CFTC_TFF.id: CFTC_TFF,
    TIC_MFH.id: TIC_MFH,
    MSPD.id: MSPD,
    DTS_TGA.id: DTS_TGA,
    RESEARCH.id: RESEARCH,
}


def get(dataset_id: str) -> DatasetSpec:
    return ALL[dataset_id]
