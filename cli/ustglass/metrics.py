"""Metrics: pure functions from validated datasets to the key figures of the brief.

No I/O, no charts, no templates: every function takes frames (as read from a snapshot)
and returns values. ``key_figures`` assembles them into one ``KeyFigures`` object. The
fiscal, holders and debt figures are here; the basis trade, funding and market rates in
``marketmetrics``; the rules and series helpers both use in ``metricbase``.

Every interpretive sentence of the brief turns on a flag computed by these modules, and every
threshold, window and reference date such a flag uses is in ``RULES``, with its reason;
``RULES`` is written into the key figures too. Percentages and changes are computed from
unrounded values and rounded once, at the end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ustglass import __version__, releases
from ustglass.datasets import ALL, CFTC_TFF, FRED_SERIES, MSPD, RESEARCH, TIC_MFH
from ustglass.keyfigures import DatasetInfo, Debt, Estimate, Fiscal, Holders, KeyFigures, Markets, Peak, Point
from ustglass.marketmetrics import CONTRACT_LABELS, FACE_USD, basis, funding, gaps, lev_short_notional, markets, notional
from ustglass.metricbase import (
    PCT_GDP,
    RULES,
    USD_BN,
    Rule,
    Tables,
    direction,
    iso,
    latest,
    period_end_kind,
    required,
    rounded,
    values,
    year_earlier,
)

__all__ = [
    "CONTRACT_LABELS",
    "FACE_USD",
    "RULES",
    "Markets",
    "Peak",
    "Point",
    "Rule",
    "basis",
    "bills_share",
    "debt",
    "direction",
    "fiscal",
    "funding",
    "gaps",
    "holders",
    "key_figures",
    "lev_short_notional",
    "markets",
    "notional",
    "period_end_kind",
    "stated_precision",
]

FIRST_FY = 2019
TIC_AGGREGATES = ("All Other", "Grand Total", "For. Official", "Treasury Bills", "T-Bonds & Notes")
CAYMAN = "Cayman Islands"
CAYMAN_UNDERCOUNT = "cayman_hf_ust_undercount"
CAYMAN_PRESS_TOTAL = "cayman_hf_ust_press_total"
DEBT_TOTAL_ROWS = ("Total Public Debt Outstanding", "Total Treasury Securities Outstanding")  # MSPD's name, by preference
# The CFTC serves one file per year; its list of them is the page a reader can follow.
LANDING_PAGES = {CFTC_TFF.id: "https://www.cftc.gov/MarketReports/CommitmentsofTraders/HistoricalCompressed/index.htm"}


# --- fiscal ------------------------------------------------------------------------------


def deficits_by_fy(fyfsd: pd.DataFrame, first_fy: int = FIRST_FY) -> dict[str, float]:
    """Deficit (positive) in USD bn by fiscal year, unrounded, from FRED FYFSD (millions, deficit negative)."""
    rows = fyfsd.dropna(subset=["value"])
    rows = rows[rows["date"].dt.year >= first_fy]
    return {str(d.year): -float(v) / 1000.0 for d, v in zip(rows["date"], rows["value"])}


def quarter_label(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"


def debt_held_by_public_gdp(tables: Tables) -> pd.Series | None:
    """Debt held by the public at quarter end (MSPD Table 1, total public debt outstanding, the
    column held by the public) ÷ nominal GDP of that quarter (SAAR), percent, by quarter start."""
    gdp, mspd = values(tables, "fred_gdp"), tables.get(MSPD.id)
    if gdp is None or mspd is None:
        return None
    rows = mspd[mspd["security_type"].isin(DEBT_TOTAL_ROWS) & mspd["record_date"].dt.is_quarter_end]
    rows = rows.assign(rank=rows["security_type"].map(DEBT_TOTAL_ROWS.index)).sort_values(["record_date", "rank"])
    public = rows.drop_duplicates("record_date").set_index("record_date")["public_usd_mn"].astype("float64") / 1000
    starts = pd.PeriodIndex(public.index, freq="Q").start_time
    ratio = pd.Series(public.to_numpy() / gdp.reindex(starts).to_numpy() * 100, index=starts).dropna()
    return ratio if len(ratio) else None


def deficit_to_gdp(tables: Tables) -> pd.Series:
    """Fiscal-year deficit (FRED FYFSD, positive = deficit) ÷ the mean of the fiscal year's four
    quarters of nominal GDP (SAAR), percent, unrounded, by the fiscal year's end; only years whose
    four quarters are all in the data (FY2025: 2024Q4 to 2025Q3). The key figures' deficit/GDP and
    the scorecard's indicator are this one series; empty without either dataset."""
    fyfsd, gdp = values(tables, FRED_SERIES["FYFSD"].id), values(tables, FRED_SERIES["GDP"].id)
    out: dict[pd.Timestamp, float] = {}
    if fyfsd is not None and gdp is not None:
        for key, value in fyfsd.items():
            end = pd.Timestamp(key)  # type: ignore[arg-type]  # a date index
            quarters = gdp[(gdp.index > end - pd.DateOffset(years=1)) & (gdp.index <= end)]
            if len(quarters) == 4:
                out[end] = -float(value) / 1000.0 / float(quarters.mean()) * 100
    return pd.Series(out, dtype="float64", index=pd.DatetimeIndex(list(out)))


def deficit_gdp(deficits: dict[str, float], tables: Tables) -> dict[str, float]:
    """``deficit_to_gdp`` by fiscal year (the years of ``deficits``), rounded as the brief gives it."""
    series = deficit_to_gdp(tables)
    years = [str(end.year) for end in pd.DatetimeIndex(series.index)]
    return {year: rounded(float(v), 1) for year, v in zip(years, series.to_numpy(), strict=True) if year in deficits}


def _at_quarter(s: pd.Series, start: pd.Timestamp, unit: str, source: str) -> Point | None:
    return Point(rounded(float(s[start]), 1), quarter_label(start), unit, source) if start in s.index else None


def _public_debt(tables: Tables, total: pd.Series) -> tuple[Point | None, Point | None, str | None, Point | None]:
    """Debt held by the public / GDP: the latest quarter, a year earlier, the direction, and total
    public debt / GDP in that same quarter (so that one sentence states both for one date)."""
    public = debt_held_by_public_gdp(tables)
    if public is None:
        return None, None, None, None
    last, src = public.index[-1], "Treasury MSPD Table 1; FRED GDP"
    year_before = last - pd.DateOffset(years=1)
    now, earlier = _at_quarter(public, last, PCT_GDP, src), _at_quarter(public, year_before, PCT_GDP, src)
    moved = direction(float(public[last]), float(public[year_before])) if earlier else None
    return now, earlier, moved, _at_quarter(total, last, PCT_GDP, "FRED GFDEGDQ188S")


def fiscal(tables: Tables, vintage: str, as_of: str = "") -> Fiscal:
    deficits = deficits_by_fy(tables[FRED_SERIES["FYFSD"].id])
    years = sorted(deficits)
    latest = years[-1]
    prior = years[-2] if len(years) > 1 else None  # None: no year to compare with
    total = required(tables, "GFDEGDQ188S")
    src = "FRED GFDEGDQ188S"
    debt_gdp = Point(rounded(float(total.iloc[-1]), 1), quarter_label(total.index[-1]), PCT_GDP, src)
    earlier = total[total.index <= total.index[-1] - pd.DateOffset(years=1)]
    debt_gdp_earlier = Point(rounded(float(earlier.iloc[-1]), 1), quarter_label(earlier.index[-1]), PCT_GDP, src) if len(earlier) else None
    public_now, public_earlier, public_direction, total_then = _public_debt(tables, total)
    to_gdp = deficit_gdp(deficits, tables)
    return Fiscal(
        deficit_usd_bn={fy: rounded(v, 1) for fy, v in deficits.items()},
        first_fy=years[0],
        latest_fy=latest,
        prior_fy=prior,
        latest_deficit=Point(rounded(deficits[latest], 1), latest, USD_BN, "FRED FYFSD"),
        average_deficit_usd_bn=rounded(sum(deficits.values()) / len(deficits), 1),
        change_vs_prior_usd_bn=rounded(deficits[latest] - deficits[prior], 1) if prior else None,
        direction_vs_prior=direction(deficits[latest], deficits[prior]) if prior else None,
        deficit_to_gdp_pct=to_gdp,
        latest_deficit_to_gdp=Point(to_gdp[latest], latest, PCT_GDP, "FRED FYFSD, GDP") if latest in to_gdp else None,
        debt_to_gdp_pct=debt_gdp,
        debt_to_gdp_year_earlier=debt_gdp_earlier,
        debt_to_gdp_direction=direction(debt_gdp.value, debt_gdp_earlier.value) if debt_gdp_earlier else None,
        debt_held_by_public_to_gdp_pct=public_now,
        debt_held_by_public_year_earlier=public_earlier,
        debt_held_by_public_direction=public_direction,
        debt_to_gdp_at_public_quarter=total_then,
        vintage=vintage,
        vintage_after_as_of=bool(vintage and as_of and vintage > as_of),
    )


# --- holders -----------------------------------------------------------------------------


def _month_minus_year(ym: str) -> str:
    return f"{int(ym[:4]) - 1}{ym[4:]}"


def _month_values(tic: pd.DataFrame, month: str) -> dict[str, float]:
    rows = tic[tic["month"] == month]
    return {str(c): rounded(float(v), 1) for c, v in zip(rows["country"], rows["value"])}


def stated_precision(value: float) -> float:
    """The place value of the last significant digit of a number as its source states it:
    'around $1.4 trillion' (1,400) is stated to the nearest 100, $1.85 trillion to the nearest 10."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return float(Decimal(1).scaleb(int(exponent)))


def _round_to(value: float, step: float) -> float:
    return float((Decimal(repr(value)) / Decimal(repr(step))).quantize(Decimal(1), rounding=ROUND_HALF_UP) * Decimal(repr(step)))


def _cited(r: pd.Series) -> dict[str, Any]:
    """The citation fields of a research row, and its full citation (ASCII quotes: it may stand in any language's text)."""
    where = f", doi:{r['doi']}" if r["doi"] else f", {r['url']}"
    source = f'{r["publisher"]}, "{r["title"]}" ({r["published"]}){where}, {r["locator"]}'
    return {
        "source": source,
        "published": r["published"],
        "title": r["title"],
        "publisher": r["publisher"],
        "doi": r["doi"],
        "url": r["url"],
    }


def _research(research: pd.DataFrame, row_id: str) -> pd.Series | None:
    rows = research[research["id"] == row_id]
    return None if rows.empty else rows.iloc[0]


def cayman_estimate(tic: pd.DataFrame, research: pd.DataFrame) -> tuple[Estimate | None, Estimate | None, Point | None, float | None]:
    """The note's undercount, and our calculation from it: official TIC at the note's month +
    the undercount, stated at the note's precision (the note gives no total). Also the TIC figure
    used and the unrounded sum."""
    r = _research(research, CAYMAN_UNDERCOUNT)
    if r is None:
        return None, None, None, None
    undercount = Estimate(
        rounded(float(r["value"]), 1),
        r["as_of"],
        unit=r["units"],
        method=r["quote"],
        precision=stated_precision(float(r["value"])),
        **_cited(r),
    )
    official = _month_values(tic, r["as_of"]).get(CAYMAN)
    if official is None:
        return None, undercount, None, None
    total = official + float(r["value"])
    step = stated_precision(float(r["value"]))
    method = (
        f"Official TIC holdings of the Cayman Islands in {r['as_of']} ({official:,.1f} billion USD) plus the note's "
        f"undercount ({float(r['value']):,.0f} billion USD) is {total:,.1f} billion USD, stated to the note's precision "
        f"(the nearest {step:,.0f} billion USD). This is our calculation: the note's abstract gives the undercount, not a total."
    )
    estimate = Estimate(_round_to(total, step), r["as_of"], unit=r["units"], method=method, precision=step, **_cited(r))
    return estimate, undercount, Point(official, r["as_of"], USD_BN, "Treasury TIC"), total


def _press_total(research: pd.DataFrame) -> Estimate | None:
    r = _research(research, CAYMAN_PRESS_TOTAL)
    if r is None:
        return None
    return Estimate(
        rounded(float(r["value"]), 1),
        r["as_of"],
        unit=r["units"],
        method=r["method"],
        precision=stated_precision(float(r["value"])),
        **_cited(r),
    )


def holders(tic: pd.DataFrame, research: pd.DataFrame) -> Holders:
    month = str(tic["month"].max())
    earlier = _month_minus_year(month)
    now = _month_values(tic, month)
    countries = {c: v for c, v in now.items() if c not in TIC_AGGREGATES}
    ranking = sorted(countries, key=lambda c: (-countries[c], c))
    estimate, undercount, official_then, total = cayman_estimate(tic, research)
    press = _press_total(research)
    unit, src = USD_BN, "Treasury TIC"
    earlier_values = _month_values(tic, earlier)
    then: dict[str, float] = {}
    if estimate is not None:
        then = {c: v for c, v in _month_values(tic, estimate.as_of).items() if c not in TIC_AGGREGATES and c != CAYMAN}
    largest_then = min(then, key=lambda c: (-then[c], c)) if then else None
    return Holders(
        as_of=month,
        year_earlier=earlier,
        usd_bn=countries,
        usd_bn_year_earlier={c: v for c, v in earlier_values.items() if c not in TIC_AGGREGATES},
        aggregates_usd_bn={c: v for c, v in now.items() if c in TIC_AGGREGATES},
        ranking=ranking,
        grand_total=Point(now["Grand Total"], month, unit, src),
        foreign_official=Point(now["For. Official"], month, unit, src) if "For. Official" in now else None,
        cayman_official=Point(countries[CAYMAN], month, unit, src) if CAYMAN in countries else None,
        cayman_rank=ranking.index(CAYMAN) + 1 if CAYMAN in ranking else None,
        cayman_estimate_published=undercount is not None,
        cayman_official_at_estimate_date=official_then,
        cayman_estimate_usd_bn=estimate,
        cayman_undercount_usd_bn=undercount,
        cayman_press_total_usd_bn=press,
        cayman_press_consistent=None
        if press is None or total is None or undercount is None
        else abs(press.value - total) <= (undercount.precision or 0) / 2,
        largest_at_estimate_date=largest_then,
        largest_at_estimate_date_usd_bn=Point(then[largest_then], estimate.as_of, unit, src) if largest_then and estimate else None,
        cayman_estimate_vs_largest=None
        if not (estimate and largest_then)
        else ("above" if estimate.value > then[largest_then] else "below"),
        cayman_estimate_rank_at_estimate_date=1 + sum(v > estimate.value for v in then.values()) if estimate and then else None,
    )


# --- debt composition --------------------------------------------------------------------


def bills_share(mspd: pd.DataFrame) -> pd.Series:
    """Bills as a percent of total marketable debt outstanding, per MSPD record date."""
    by = mspd.pivot_table(index="record_date", columns="security_class", values="total_usd_mn", aggfunc="sum")
    marketable = mspd[mspd["security_type"] == "Total Marketable"].set_index("record_date")["total_usd_mn"]
    return (by["Bills"] / marketable * 100).dropna().sort_index()


def debt(mspd: pd.DataFrame) -> Debt:
    share = bills_share(mspd)
    last = share.index[-1]
    rows = mspd[mspd["record_date"] == last]
    bills = float(rows.loc[rows["security_class"] == "Bills", "total_usd_mn"].sum()) / 1000
    marketable = float(rows.loc[rows["security_type"] == "Total Marketable", "total_usd_mn"].sum()) / 1000
    src = "Treasury MSPD Table 1"
    earlier = year_earlier(share, digits=1, unit="percent", source=src)
    now = latest(share, digits=1, unit="percent", source=src)
    return Debt(
        bills_share_pct=now,
        bills_usd_bn=Point(rounded(bills, 1), iso(last), USD_BN, src),
        marketable_usd_bn=Point(rounded(marketable, 1), iso(last), USD_BN, src),
        bills_share_year_earlier=earlier,
        bills_share_direction=direction(now.value, earlier.value) if earlier else None,
        bills_share_position=range_position(float(share.iloc[-1]), RULES["bills_share_range_pct"].value),
    )


def range_position(value: float, bounds: list[float]) -> str:
    """'above', 'within' or 'below' a range (bounds inclusive), on the value as the brief rounds it."""
    shown, (low, high) = rounded(value, 1), bounds
    return "above" if shown > high else ("below" if shown < low else "within")


# --- assembly ----------------------------------------------------------------------------


def dataset_infos(manifest: dict[str, Any]) -> list[DatasetInfo]:
    infos = []
    for dataset_id, meta in sorted(manifest["datasets"].items()):
        spec = ALL[dataset_id]
        origins = meta.get("original", [])
        url = str(meta.get("url", spec.url))
        infos.append(
            DatasetInfo(
                id=dataset_id,
                source_name=spec.source_name,
                url=LANDING_PAGES.get(dataset_id, url) if "{" in url else url,
                units=spec.units,
                first=meta.get("first", ""),
                last=meta.get("last", ""),
                rows=int(meta.get("rows", 0)),
                retrieved=max((o.get("retrieved", "") for o in origins), default="")[:10],
                original_file=", ".join(o["file"] for o in origins),
                carried_forward=bool(meta.get("carried_forward", False)),
            )
        )
    return infos


def key_figures(tables: Tables, manifest: dict[str, Any]) -> KeyFigures:
    """Every number of the brief, from a snapshot's tables and manifest."""
    infos = dataset_infos(manifest)
    vintage = next((i.retrieved for i in infos if i.id == FRED_SERIES["FYFSD"].id), "")
    return KeyFigures(
        snapshot=str(manifest["snapshot"]),
        as_of=str(manifest["as_of"]),
        tool_version=__version__,
        fiscal=fiscal(tables, vintage, str(manifest["as_of"])),
        holders=holders(tables[TIC_MFH.id], tables[RESEARCH.id]),
        basis=basis(tables[CFTC_TFF.id], str(manifest["as_of"])),
        funding=funding(tables, str(manifest["as_of"])),
        debt=debt(tables[MSPD.id]),
        markets=markets(tables),
        rules={name: {"value": rule.value, "reason": rule.reason} for name, rule in RULES.items()},
        datasets=infos,
        freshness=releases.freshness(tables, manifest),
    )
