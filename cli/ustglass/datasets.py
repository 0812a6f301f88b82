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
    source_name: str
    source_name_zh: str
    title_en: str
    title_zh: str
    units: str
    frequency: Frequency
    url: str
    date_column: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # columns that identify one observation (no duplicates allowed)
    required: bool = True


# Units as the Chinese brief names them.
UNITS_ZH = {
    "millions of USD": "百万美元",
    "billions of USD": "十亿美元",
    "percent": "百分比",
    "percent of GDP": "占GDP的百分比",
    "contracts": "合约张数",
    "as stated per row": "见各条目",
}

FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"


def _fred(series: str, title_en: str, title_zh: str, units: str, freq: Frequency, required: bool = True) -> DatasetSpec:
    return DatasetSpec(
        id=f"fred_{series.lower()}",
        source="fred",
        source_name=f"Federal Reserve Bank of St. Louis, FRED series {series}",
        source_name_zh=f"圣路易斯联邦储备银行FRED数据库，序列{series}",
        title_en=title_en,
        title_zh=title_zh,
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
        _fred("FYFSD", "Federal surplus or deficit (-)", "联邦财政盈余或赤字（-）", "millions of USD", Frequency.FISCAL_YEAR),
        _fred("GFDEGDQ188S", "Federal debt: total public debt as percent of GDP", "联邦公共债务占GDP比例", "percent of GDP", Frequency.QUARTERLY),
        _fred("SOFR", "Secured Overnight Financing Rate", "担保隔夜融资利率（SOFR）", "percent", Frequency.DAILY),
        _fred("IORB", "Interest rate on reserve balances", "准备金余额利率（IORB）", "percent", Frequency.DAILY),
        _fred("RRPONTSYD", "Overnight reverse repurchase agreements (ON RRP)", "隔夜逆回购（ON RRP）", "billions of USD", Frequency.DAILY),
        _fred("WRESBAL", "Reserve balances with Federal Reserve Banks, week average", "存款机构在美联储的准备金余额（周均）", "millions of USD", Frequency.WEEKLY),
        _fred("RPONTSYD", "Overnight repurchase agreements (Standing Repo Facility)", "隔夜回购（常设回购便利）", "billions of USD", Frequency.DAILY, required=False),
    )
}

CFTC_TFF = DatasetSpec(
    id="cftc_tff_ust",
    source="cftc",
    source_name="U.S. Commodity Futures Trading Commission, Traders in Financial Futures (futures only)",
    source_name_zh="美国商品期货交易委员会（CFTC）金融期货交易者持仓报告（仅期货）",
    title_en="Traders in Financial Futures: six U.S. Treasury futures contracts",
    title_zh="金融期货交易者持仓报告：六种美国国债期货合约",
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
    source_name_zh="美国财政部国际资本流动报告（TIC）：美国国债主要海外持有者",
    title_en="Major foreign holders of Treasury securities",
    title_zh="美国国债主要海外持有者",
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
    source_name_zh="美国财政部Fiscal Data：公共债务月报（MSPD）表1",
    title_en="Summary of Treasury securities outstanding by security type",
    title_zh="按证券类型划分的未偿国债（MSPD表1）",
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
    source_name_zh="美国财政部Fiscal Data：每日国库报表（DTS）营运现金余额",
    title_en="Treasury General Account closing balance (daily)",
    title_zh="财政部一般账户（TGA）日终余额",
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
    source_name_zh="经整理的研究文献估计值（附完整引用）",
    title_en="Research estimates taken from published papers",
    title_zh="研究文献中的估计值",
    units="as stated per row",
    frequency=Frequency.IRREGULAR,
    url="",
    date_column="published",
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
