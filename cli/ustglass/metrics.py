"""Metrics: pure functions from validated datasets to the key figures of the brief.

No I/O, no charts, no templates: every function takes frames (as read from a snapshot)
and returns values. ``key_figures`` assembles them into one ``KeyFigures`` object.

Every interpretive sentence of the brief turns on a flag computed here, and every threshold,
window and reference date such a flag uses is in ``RULES``, with its reason; ``RULES`` is
written into the key figures too. Percentages and changes are computed from unrounded values
and rounded once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ustglass import __version__
from ustglass.datasets import ALL, CFTC_TFF, DTS_TGA, FRED_SERIES, MSPD, RESEARCH, TIC_MFH
from ustglass.keyfigures import (
    Basis,
    Comparison,
    DatasetInfo,
    Debt,
    Estimate,
    Fiscal,
    Funding,
    Holders,
    KeyFigures,
    Markets,
    Peak,
    Point,
    YearChange,
)

FIRST_FY = 2019
FACE_USD = {"042601": 200_000, "044601": 100_000, "043602": 100_000, "043607": 100_000, "020601": 100_000, "020604": 100_000}
CONTRACT_LABELS = {
    "042601": "2-Year T-Note ($200,000 face)",
    "044601": "5-Year T-Note ($100,000 face)",
    "043602": "10-Year T-Note ($100,000 face)",
    "043607": "Ultra 10-Year T-Note ($100,000 face)",
    "020601": "T-Bond ($100,000 face)",
    "020604": "Ultra T-Bond ($100,000 face)",
}
TIC_AGGREGATES = ("All Other", "Grand Total", "For. Official", "Treasury Bills", "T-Bonds & Notes")
CAYMAN = "Cayman Islands"
CAYMAN_UNDERCOUNT = "cayman_hf_ust_undercount"
CAYMAN_PRESS_TOTAL = "cayman_hf_ust_press_total"
DEBT_TOTAL_ROWS = ("Total Public Debt Outstanding", "Total Treasury Securities Outstanding")  # MSPD's name, by preference
HISTORY_YEARS = 5
REPORT_LAG_DAYS = 3  # CFTC positions as of Tuesday are published on Friday
Tables = dict[str, pd.DataFrame]
USD_BN, PCT_GDP = "billions of USD", "percent of GDP"


@dataclass(frozen=True)
class Rule:
    value: Any
    reason: str


# Every threshold, window and reference date an interpretive sentence of the brief depends on.
RULES: dict[str, Rule] = {
    "article_base_week": Rule("2020-03-24", "The seed article's leveraged short of '$660 billion in 2020' is the CFTC report of "
                              "2020-03-24 (gross short $656 billion), the week the March 2020 sell-off ended; the brief "
                              "compares with that week, as the article does."),
    "pre_covid_year": Rule("2019", "The level before the pandemic: the average of 2019's complete weeks, the last full year "
                           "before it (a year's average, so that no single week sets it)."),
    "max_step_days": Rule(8, "CFTC reports are weekly, dated Tuesday; a holiday moves a report by a day, so a step of up to "
                          "8 days between reports is one week and a longer step leaves a gap (text and chart alike)."),
    "spread_window_days": Rule(90, "The window, in days to the latest day, of the widest SOFR - IORB spread the brief reports."),
    "recent_window_days": Rule(30, "The window, in days to the latest day, of the recent median of SOFR - IORB and ON RRP: about "
                               "20 business days, so that one quarter-end or year-end day does not set it."),
    "rrp_buffer_usd_bn": Rule(250.0, "ON RRP at or above this (USD bn) still absorbs liquidity drains before bank reserves do; "
                              "below it, drains come increasingly out of reserves. The scorecard's 'watch' level for ON RRP."),
}

# The CFTC serves one file per year; its list of them is the page a reader can follow.
LANDING_PAGES = {CFTC_TFF.id: "https://www.cftc.gov/MarketReports/CommitmentsofTraders/HistoricalCompressed/index.htm"}


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


def _iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _r(value: float, digits: int = 1) -> float:
    """``value`` rounded half-up on its decimal value as written, as the brief's numbers are rounded
    (0.95 -> 1.0, never -0.0): a key figure shown at its own precision reads as the unrounded value."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


def _pct_change(new: float, old: float) -> float:
    return _r((new / old - 1) * 100)


def period_end_kind(day: pd.Timestamp) -> str:
    """'year' or 'quarter' when ``day`` is the last business day (Monday to Friday) of a year or a
    quarter, when balance sheets are shown and repo rates and ON RRP jump; '' otherwise."""
    if pd.offsets.BQuarterEnd().rollforward(day) != day:
        return ""
    return "year" if day.month == 12 else "quarter"


def _values(tables: Tables, dataset_id: str) -> pd.Series | None:
    """A ``date,value`` dataset as a float Series by date (missing values dropped, one value a
    day, summed), or None when the snapshot does not hold it or it has no observation."""
    frame = tables.get(dataset_id)
    if frame is None:
        return None
    s = pd.Series(frame["value"].astype("float64").to_numpy(), index=pd.DatetimeIndex(frame["date"])).dropna()
    if s.index.has_duplicates:
        s = s.groupby(level=0).sum()
    return s.sort_index() if len(s) else None


def _series(tables: Tables, series: str) -> pd.Series:
    """A FRED series the brief cannot do without, as a float Series by date."""
    s = _values(tables, FRED_SERIES[series].id)
    if s is None:
        raise KeyError(FRED_SERIES[series].id)
    return s


def _latest(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point:
    return Point(_r(float(s.iloc[-1]) * scale, digits), _iso(s.index[-1]), unit, source)


def _near_year_earlier(s: pd.Series) -> int | None:
    """The position of the observation nearest to one year before the latest (within 16 days)."""
    target = s.index[-1] - pd.DateOffset(years=1)
    distance = abs(s.index - target)
    if len(s) < 2 or distance.min() > pd.Timedelta(days=16):
        return None
    return int(distance.argmin())


def _year_earlier(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point | None:
    """The observation nearest to one year before the latest one (within 16 days), if any."""
    pos = _near_year_earlier(s)
    return None if pos is None else _latest(s.iloc[: pos + 1], scale, digits, unit, source)


def _peak(s: pd.Series, scale: float = 1.0, unit: str = "", source: str = "") -> Peak:
    return Peak(_r(float(s.max()) * scale, 1), _iso(s.idxmax()), unit, source)


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
    gdp, mspd = _values(tables, "fred_gdp"), tables.get(MSPD.id)
    if gdp is None or mspd is None:
        return None
    rows = mspd[mspd["security_type"].isin(DEBT_TOTAL_ROWS) & mspd["record_date"].dt.is_quarter_end]
    rows = rows.assign(rank=rows["security_type"].map(DEBT_TOTAL_ROWS.index)).sort_values(["record_date", "rank"])
    public = rows.drop_duplicates("record_date").set_index("record_date")["public_usd_mn"].astype("float64") / 1000
    starts = pd.PeriodIndex(public.index, freq="Q").start_time
    ratio = pd.Series(public.to_numpy() / gdp.reindex(starts).to_numpy() * 100, index=starts).dropna()
    return ratio if len(ratio) else None


def deficit_gdp(deficits: dict[str, float], tables: Tables) -> dict[str, float]:
    """Fiscal-year deficit ÷ the mean of the fiscal year's four quarters of nominal GDP (SAAR),
    percent; only years whose four quarters are all in the data (FY2025: 2024Q4 to 2025Q3)."""
    gdp = _values(tables, "fred_gdp")
    out: dict[str, float] = {}
    for fy, deficit in deficits.items():
        end = pd.Timestamp(f"{fy}-09-30")
        quarters = gdp[(gdp.index > end - pd.DateOffset(years=1)) & (gdp.index <= end)] if gdp is not None else ()
        if len(quarters) == 4:
            out[fy] = _r(deficit / float(quarters.mean()) * 100, 1)
    return out


def _at_quarter(s: pd.Series, start: pd.Timestamp, unit: str, source: str) -> Point | None:
    return Point(_r(float(s[start]), 1), quarter_label(start), unit, source) if start in s.index else None


def fiscal(tables: Tables, vintage: str, as_of: str = "") -> Fiscal:
    deficits = deficits_by_fy(tables[FRED_SERIES["FYFSD"].id])
    years = sorted(deficits)
    latest, has_prior = years[-1], len(years) > 1
    prior = years[-2] if has_prior else latest
    total = _series(tables, "GFDEGDQ188S")
    src = "FRED GFDEGDQ188S"
    debt_gdp = Point(_r(float(total.iloc[-1]), 1), quarter_label(total.index[-1]), PCT_GDP, src)
    earlier = total[total.index <= total.index[-1] - pd.DateOffset(years=1)]
    debt_gdp_earlier = Point(_r(float(earlier.iloc[-1]), 1), quarter_label(earlier.index[-1]), PCT_GDP, src) if len(earlier) else None
    public = debt_held_by_public_gdp(tables)
    public_src = "Treasury MSPD Table 1; FRED GDP"
    public_now = _at_quarter(public, public.index[-1], PCT_GDP, public_src) if public is not None else None
    public_earlier = _at_quarter(public, public.index[-1] - pd.DateOffset(years=1), PCT_GDP, public_src) if public is not None else None
    to_gdp = deficit_gdp(deficits, tables)
    change = deficits[latest] - deficits[prior]
    return Fiscal(
        deficit_usd_bn={fy: _r(v, 1) for fy, v in deficits.items()},
        first_fy=years[0],
        latest_fy=latest,
        prior_fy=prior,
        has_prior_fy=has_prior,
        latest_deficit=Point(_r(deficits[latest], 1), latest, USD_BN, "FRED FYFSD"),
        average_deficit_usd_bn=_r(sum(deficits.values()) / len(deficits), 1),
        change_vs_prior_usd_bn=_r(change, 1),
        direction_vs_prior=direction(deficits[latest], deficits[prior]),
        deficit_to_gdp_pct=to_gdp,
        latest_deficit_to_gdp=Point(to_gdp[latest], latest, PCT_GDP, "FRED FYFSD, GDP") if latest in to_gdp else None,
        debt_to_gdp_pct=debt_gdp,
        debt_to_gdp_year_earlier=debt_gdp_earlier,
        debt_to_gdp_direction=direction(debt_gdp.value, debt_gdp_earlier.value) if debt_gdp_earlier else "unchanged",
        debt_held_by_public_to_gdp_pct=public_now,
        debt_held_by_public_year_earlier=public_earlier,
        debt_held_by_public_direction=direction(public.iloc[-1], public[public.index[-1] - pd.DateOffset(years=1)])
        if public_now and public_earlier else "unchanged",
        debt_to_gdp_at_public_quarter=_at_quarter(total, public.index[-1], PCT_GDP, src) if public is not None else None,
        vintage=vintage,
        vintage_after_as_of=bool(vintage and as_of and vintage > as_of),
    )


# --- holders -----------------------------------------------------------------------------

def _month_minus_year(ym: str) -> str:
    return f"{int(ym[:4]) - 1}{ym[4:]}"


def _month_values(tic: pd.DataFrame, month: str) -> dict[str, float]:
    rows = tic[tic["month"] == month]
    return {str(c): _r(float(v), 1) for c, v in zip(rows["country"], rows["value"])}


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
    source = f"{r['publisher']}, \"{r['title']}\" ({r['published']}){where}, {r['locator']}"
    return {"source": source, "published": r["published"], "title": r["title"], "publisher": r["publisher"], "doi": r["doi"],
            "url": r["url"]}


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
    undercount = Estimate(_r(float(r["value"]), 1), r["as_of"], unit=r["units"], method=r["quote"],
                          precision=stated_precision(float(r["value"])), **_cited(r))
    official = _month_values(tic, r["as_of"]).get(CAYMAN)
    if official is None:
        return None, undercount, None, None
    total = official + float(r["value"])
    step = stated_precision(float(r["value"]))
    method = (f"Official TIC holdings of the Cayman Islands in {r['as_of']} ({official:,.1f} billion USD) plus the note's "
              f"undercount ({float(r['value']):,.0f} billion USD) is {total:,.1f} billion USD, stated to the note's precision "
              f"(the nearest {step:,.0f} billion USD). This is our calculation: the note's abstract gives the undercount, not a total.")
    estimate = Estimate(_round_to(total, step), r["as_of"], unit=r["units"], method=method, precision=step, **_cited(r))
    return estimate, undercount, Point(official, r["as_of"], USD_BN, "Treasury TIC"), total


def _press_total(research: pd.DataFrame) -> Estimate | None:
    r = _research(research, CAYMAN_PRESS_TOTAL)
    if r is None:
        return None
    return Estimate(_r(float(r["value"]), 1), r["as_of"], unit=r["units"], method=r["method"],
                    precision=stated_precision(float(r["value"])), **_cited(r))


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
        cayman_official=Point(countries.get(CAYMAN, 0.0), month, unit, src),
        cayman_rank=ranking.index(CAYMAN) + 1 if CAYMAN in ranking else 0,
        cayman_estimate_published=undercount is not None,
        cayman_official_at_estimate_date=official_then,
        cayman_estimate_usd_bn=estimate,
        cayman_undercount_usd_bn=undercount,
        cayman_press_total_usd_bn=press,
        cayman_press_consistent=None if press is None or total is None or undercount is None
        else abs(press.value - total) <= (undercount.precision or 0) / 2,
        largest_at_estimate_date=largest_then,
        largest_at_estimate_date_usd_bn=Point(then[largest_then], estimate.as_of, unit, src) if largest_then and estimate else None,
        cayman_estimate_vs_largest=None if not (estimate and largest_then) else ("above" if estimate.value > then[largest_then] else "below"),
        cayman_estimate_rank_at_estimate_date=1 + sum(v > estimate.value for v in then.values()) if estimate and then else None,
    )


# --- basis trade -------------------------------------------------------------------------

def notional(tff: pd.DataFrame, column: str) -> pd.Series:
    """``column`` (contracts) × face value, summed over the six contracts, in USD bn, for the
    report dates on which all six contracts report it."""
    rows = tff[tff["contract_code"].isin(FACE_USD) & tff[column].notna()]
    usd = rows[column].astype("float64") * rows["contract_code"].map(FACE_USD)
    grouped = pd.DataFrame({"d": rows["report_date"], "code": rows["contract_code"], "usd": usd}).groupby("d")
    complete = grouped["code"].nunique() == len(FACE_USD)
    total = grouped["usd"].sum()[complete] / 1e9
    total.index = pd.DatetimeIndex(total.index)
    return total.sort_index()


def lev_short_notional(tff: pd.DataFrame) -> pd.Series:
    """Leveraged funds' gross short notional (USD bn) per report date with all six contracts."""
    return notional(tff, "lev_short")


def gaps(dates: pd.Index, as_of: pd.Timestamp | None = None, max_step_days: int = RULES["max_step_days"].value) -> list[tuple[str, str]]:
    """Spans of missing weeks (first and last missing week): between reports more than
    ``max_step_days`` apart, and after the latest report up to ``as_of`` when more than a week has passed."""
    spans = []
    for prev, nxt in zip(dates[:-1], dates[1:]):
        if (nxt - prev).days > max_step_days:  # at least one week is missing, even if the next report is off its day
            first = prev + pd.Timedelta(days=7)
            spans.append((_iso(first), _iso(max(first, nxt - pd.Timedelta(days=7)))))
    if as_of is not None and len(dates):
        # a Tuesday's report is published on the Friday after: count the weeks due by as_of
        due = (as_of - dates[-1] - pd.Timedelta(days=REPORT_LAG_DAYS)).days // 7
        if due >= 1:
            spans.append((_iso(dates[-1] + pd.Timedelta(days=7)), _iso(dates[-1] + pd.Timedelta(days=7 * due))))
    return spans


def _weeks(span: tuple[str, str]) -> int:
    return round((pd.Timestamp(span[1]) - pd.Timestamp(span[0])).days / 7) + 1


def _by_date(s: pd.Series) -> dict[str, float]:
    return {_iso(d): _r(float(v), 1) for d, v in s.items()}


def _compare(s: pd.Series, latest: float, rule: str, unit: str, src: str) -> Comparison | None:
    """The latest value against the reference ``rule`` fixes: a report date (that week's level) or a year (its average)."""
    ref = str(RULES[rule].value)
    if len(ref) == 4:
        rows = s[s.index.year == int(ref)]
        level = float(rows.mean()) if len(rows) else None
    else:
        level = float(s[pd.Timestamp(ref)]) if pd.Timestamp(ref) in s.index else None
    if level is None:
        return None
    return Comparison(Point(_r(level, 1), ref, unit, src), _pct_change(latest, level), direction(latest, level), rule)


def _at(s: pd.Series, day: pd.Timestamp, unit: str, src: str) -> Point | None:
    return Point(_r(float(s[day]), 1), _iso(day), unit, src) if day in s.index else None


def basis(tff: pd.DataFrame, as_of: str | None = None) -> Basis:
    """The basis-trade figures; ``as_of`` (the edition's date) makes a stale end visible."""
    s, long_ = notional(tff, "lev_short"), notional(tff, "lev_long")
    both = pd.concat({"short": s, "long": long_}, axis=1, sort=True).dropna()
    net, am = both["short"] - both["long"], notional(tff, "asset_mgr_long")
    unit, src = USD_BN, "CFTC TFF"
    last, value = s.index[-1], float(s.iloc[-1])
    step = int(RULES["max_step_days"].value)
    missing = gaps(s.index, pd.Timestamp(as_of) if as_of else None, step)
    last_rows = tff[tff["report_date"] == last]
    by_contract = {c: float(v) * FACE_USD[c] / 1e9 for c, v in zip(last_rows["contract_code"], last_rows["lev_short"])}
    trailing = missing[-1] if missing and pd.Timestamp(missing[-1][0]) > last else None
    return Basis(
        lev_short_usd_bn=_by_date(s),
        lev_long_usd_bn=_by_date(long_),
        lev_net_short_usd_bn=_by_date(net),
        am_long_usd_bn=_by_date(am),
        contracts=dict(CONTRACT_LABELS),
        latest=Point(_r(value, 1), _iso(last), unit, src),
        latest_net_short=_at(net, last, unit, src),
        latest_lev_long=_at(long_, last, unit, src),
        latest_am_long=_at(am, last, unit, src),
        peak=_peak(s, unit=unit, source=src),
        change_from_peak_pct=_pct_change(value, float(s.max())),
        latest_at_peak=bool(last == s.idxmax()),
        latest_near_peak=bool(last != s.idxmax() and _pct_change(value, float(s.max())) == 0),
        article_base=_compare(s, value, "article_base_week", unit, src),
        pre_covid=_compare(s, value, "pre_covid_year", unit, src),
        max_step_days=step,
        weeks_complete=len(s),
        weeks_missing=sum(_weeks(span) for span in missing),
        gaps=missing,
        weeks_since_latest=_weeks(trailing) if trailing else 0,
        latest_by_contract_usd_bn={c: _r(v, 1) for c, v in sorted(by_contract.items())},
        latest_share_by_contract_pct={c: _r(v / value * 100, 1) for c, v in sorted(by_contract.items())},
    )


# --- funding -----------------------------------------------------------------------------

def _history(s: pd.Series, start: pd.Timestamp, digits: int = 1) -> dict[str, float]:
    return {_iso(d): _r(float(v), digits) for d, v in s[s.index >= start].items()}


def _recent(s: pd.Series, rule: str) -> pd.Series:
    return s[s.index > s.index[-1] - pd.Timedelta(days=int(RULES[rule].value))]


def _spread(tables: Tables) -> tuple[pd.Series, pd.Series, pd.Series] | None:
    sofr, iorb = _values(tables, FRED_SERIES["SOFR"].id), _values(tables, FRED_SERIES["IORB"].id)
    if sofr is None or iorb is None:
        return None
    both = pd.concat({"sofr": sofr, "iorb": iorb}, axis=1, sort=True).dropna()
    return ((both["sofr"] - both["iorb"]) * 100, both["sofr"], both["iorb"]) if len(both) else None


def _srf(tables: Tables) -> tuple[pd.Series, str] | None:
    """Standing Repo Facility take-up per day: the NY Fed's operations, else FRED RPONTSYD."""
    for dataset_id, source in (("nyfed_srf", "Federal Reserve Bank of New York, repo operations"), ("fred_rpontsyd", "FRED RPONTSYD")):
        s = _values(tables, dataset_id)
        if s is not None:
            return s, source
    return None


def funding(tables: Tables) -> Funding:
    spread_parts = _spread(tables)
    rrp = _series(tables, "RRPONTSYD")
    reserves, tga = _values(tables, FRED_SERIES["WRESBAL"].id), _values(tables, DTS_TGA.id)
    bp, src = "basis points", "FRED SOFR, IORB"
    hist: dict[str, dict[str, float]] = {}
    latest_day = max(s.index[-1] for s in (rrp, reserves, tga, spread_parts[0] if spread_parts else None) if s is not None)
    start = latest_day - pd.DateOffset(years=HISTORY_YEARS)
    spread = recent = window = None
    if spread_parts:
        spread, sofr, iorb = spread_parts
        recent, window = _recent(spread, "recent_window_days"), _recent(spread, "spread_window_days")
        hist["sofr_iorb_bp"] = _history(spread, start)
    rrp_recent = _recent(rrp, "recent_window_days")
    hist["rrp_usd_bn"] = _history(rrp, start)
    if reserves is not None:
        hist["reserves_usd_bn"] = _history(reserves / 1000, start)
    if tga is not None:
        hist["tga_usd_bn"] = _history(tga / 1000, start)
    res_latest = _latest(reserves, 1e-3, unit=USD_BN, source="FRED WRESBAL") if reserves is not None else None
    res_earlier = _year_earlier(reserves, 1e-3, unit=USD_BN, source="FRED WRESBAL") if reserves is not None else None
    srf = _srf(tables)
    rrp_point = _latest(rrp, unit=USD_BN, source="FRED RRPONTSYD")
    median = float(recent.median()) if recent is not None else None
    return Funding(
        sofr_iorb_bp=_latest(spread, unit=bp, source=src) if spread is not None else None,
        sofr_iorb_direction=position(_r(float(spread.iloc[-1]), 1)) if spread is not None else None,
        sofr_pct=_latest(sofr, digits=2, unit="percent", source="FRED SOFR") if spread is not None else None,
        iorb_pct=_latest(iorb, digits=2, unit="percent", source="FRED IORB") if spread is not None else None,
        spread_latest_period_end=period_end_kind(spread.index[-1]) if spread is not None else "",
        sofr_iorb_median_bp=Point(_r(median, 1), _iso(spread.index[-1]), bp, src) if median is not None else None,
        sofr_iorb_median_direction=position(_r(median, 1)) if median is not None else None,
        recent_window_days=int(RULES["recent_window_days"].value),
        sofr_iorb_max_bp_90d=Point(_r(float(window.max()), 1), _iso(window.idxmax()), bp, src) if window is not None else None,
        spread_window_days=int(RULES["spread_window_days"].value),
        spread_rose_above_iorb=bool(_r(float(window.max()), 1) > 0) if window is not None else None,
        rrp_usd_bn=rrp_point,
        rrp_median_usd_bn=Point(_r(float(rrp_recent.median()), 1), rrp_point.as_of, USD_BN, "FRED RRPONTSYD"),
        rrp_latest_period_end=period_end_kind(rrp.index[-1]),
        rrp_peak_usd_bn=Point(_r(float(rrp.max()), 1), _iso(rrp.idxmax()), USD_BN, "FRED RRPONTSYD"),
        rrp_at_peak=bool(float(rrp.iloc[-1]) >= float(rrp.max())),
        rrp_absorbs_drains=bool(float(rrp.iloc[-1]) >= float(RULES["rrp_buffer_usd_bn"].value)),
        reserves_usd_bn=res_latest,
        reserves_year_earlier_usd_bn=res_earlier,
        reserves_direction=direction(res_latest.value, res_earlier.value) if res_latest and res_earlier else "unchanged",
        tga_usd_bn=_latest(tga, 1e-3, unit=USD_BN, source="Treasury DTS") if tga is not None else None,
        srf_usd_bn=_latest(srf[0], digits=2, unit=USD_BN, source=srf[1]) if srf else None,
        srf_peak=Peak(_r(float(srf[0].max()), 2), _iso(srf[0].idxmax()), USD_BN, srf[1]) if srf else None,
        srf_used=bool(float(srf[0].iloc[-1]) > 0) if srf else None,
        srf_at_peak=bool(srf[0].index[-1] == srf[0].idxmax()) if srf else None,
        history=hist,
    )


# --- market rates ------------------------------------------------------------------------

def _year_change(tables: Tables, dataset_id: str, source: str) -> YearChange | None:
    s = _values(tables, dataset_id)
    if s is None:
        return None
    pos = _near_year_earlier(s)
    earlier = None if pos is None else float(s.iloc[pos])
    return YearChange(
        latest=_latest(s, digits=2, unit="percent", source=source),
        year_earlier=None if pos is None else _latest(s.iloc[: pos + 1], digits=2, unit="percent", source=source),
        change_bp=None if earlier is None else _r((float(s.iloc[-1]) - earlier) * 100, 0),
        direction="unchanged" if earlier is None else direction(_r(float(s.iloc[-1]), 2), _r(earlier, 2)),
    )


def markets(tables: Tables) -> Markets:
    two, curve = _values(tables, "fred_dgs2"), _values(tables, "fred_t10y2y")
    return Markets(
        ust10y_pct=_year_change(tables, "fred_dgs10", "FRED DGS10"),
        term_premium_pct=_year_change(tables, "fred_threefytp10", "FRED THREEFYTP10"),
        ust2y_pct=_latest(two, digits=2, unit="percent", source="FRED DGS2") if two is not None else None,
        curve_2s10s_bp=_latest(curve, 100.0, digits=0, unit="basis points", source="FRED T10Y2Y") if curve is not None else None,
        curve_inverted=bool(float(curve.iloc[-1]) < 0) if curve is not None else None,
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
    earlier = _year_earlier(share, digits=1, unit="percent", source=src)
    now = _latest(share, digits=1, unit="percent", source=src)
    return Debt(
        bills_share_pct=now,
        bills_usd_bn=Point(_r(bills, 1), _iso(last), USD_BN, src),
        marketable_usd_bn=Point(_r(marketable, 1), _iso(last), USD_BN, src),
        bills_share_year_earlier=earlier,
        bills_share_direction=direction(now.value, earlier.value) if earlier else "unchanged",
    )


# --- assembly ----------------------------------------------------------------------------

def dataset_infos(manifest: dict[str, Any]) -> list[DatasetInfo]:
    infos = []
    for dataset_id, meta in sorted(manifest["datasets"].items()):
        spec = ALL[dataset_id]
        origins = meta.get("original", [])
        url = str(meta.get("url", spec.url))
        infos.append(DatasetInfo(
            id=dataset_id, source_name=spec.source_name, url=LANDING_PAGES.get(dataset_id, url) if "{" in url else url,
            units=spec.units, first=meta.get("first", ""), last=meta.get("last", ""),
            rows=int(meta.get("rows", 0)), retrieved=max((o.get("retrieved", "") for o in origins), default="")[:10],
            original_file=", ".join(o["file"] for o in origins), carried_forward=bool(meta.get("carried_forward", False)),
        ))
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
        funding=funding(tables),
        debt=debt(tables[MSPD.id]),
        markets=markets(tables),
        rules={name: {"value": rule.value, "reason": rule.reason} for name, rule in RULES.items()},
        datasets=infos,
    )
