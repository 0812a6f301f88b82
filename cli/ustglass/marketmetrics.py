"""Market metrics: the basis trade (CFTC Traders in Financial Futures), funding conditions
(SOFR, IORB, ON RRP, reserves, the TGA, the Standing Repo Facility) and market rates (the
10-year yield and term premium, the 2s10s curve).

Pure: frames in, key-figure values out. Thresholds, windows and reference dates are in
``metricbase.RULES``.
"""

from __future__ import annotations

import pandas as pd

from ustglass.datasets import DTS_TGA, FRED_SERIES, UST_FUTURES
from ustglass.keyfigures import Basis, Comparison, Funding, Markets, Peak, Point, YearChange
from ustglass.metricbase import (
    RULES,
    USD_BN,
    Tables,
    direction,
    iso,
    latest,
    near_year_earlier,
    pct_change,
    peak_of,
    period_end_kind,
    position,
    required,
    rounded,
    values,
    year_earlier,
)

FACE_USD = {c.code: c.face_usd for c in UST_FUTURES}
CONTRACT_LABELS = {c.code: c.label for c in UST_FUTURES}
HISTORY_YEARS = 5
REPORT_LAG_DAYS = 3  # CFTC positions as of Tuesday are published on Friday


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
            spans.append((iso(first), iso(max(first, nxt - pd.Timedelta(days=7)))))
    if as_of is not None and len(dates):
        # a Tuesday's report is published on the Friday after: count the weeks due by as_of
        due = (as_of - dates[-1] - pd.Timedelta(days=REPORT_LAG_DAYS)).days // 7
        if due >= 1:
            spans.append((iso(dates[-1] + pd.Timedelta(days=7)), iso(dates[-1] + pd.Timedelta(days=7 * due))))
    return spans


def _weeks(span: tuple[str, str]) -> int:
    return round((pd.Timestamp(span[1]) - pd.Timestamp(span[0])).days / 7) + 1


def _by_date(s: pd.Series) -> dict[str, float]:
    return {iso(d): rounded(float(v), 1) for d, v in s.items()}


def _compare(s: pd.Series, latest: float, rule: str, unit: str, src: str) -> Comparison | None:
    """The latest value against the reference ``rule`` fixes: a report date (that week's level) or a year (its average)."""
    ref = str(RULES[rule].value)
    if len(ref) == 4:
        rows = s[pd.DatetimeIndex(s.index).year == int(ref)]
        level = float(rows.mean()) if len(rows) else None
    else:
        level = float(s[pd.Timestamp(ref)]) if pd.Timestamp(ref) in s.index else None
    if level is None:
        return None
    return Comparison(Point(rounded(level, 1), ref, unit, src), pct_change(latest, level), direction(latest, level), rule)


def _at(s: pd.Series, day: pd.Timestamp, unit: str, src: str) -> Point | None:
    return Point(rounded(float(s[day]), 1), iso(day), unit, src) if day in s.index else None


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
        latest=Point(rounded(value, 1), iso(last), unit, src),
        latest_net_short=_at(net, last, unit, src),
        latest_lev_long=_at(long_, last, unit, src),
        latest_am_long=_at(am, last, unit, src),
        peak=peak_of(s, unit=unit, source=src),
        change_from_peak_pct=pct_change(value, float(s.max())),
        latest_at_peak=bool(last == s.idxmax()),
        latest_near_peak=bool(last != s.idxmax() and pct_change(value, float(s.max())) == 0),
        article_base=_compare(s, value, "article_base_week", unit, src),
        pre_covid=_compare(s, value, "pre_covid_year", unit, src),
        max_step_days=step,
        weeks_complete=len(s),
        weeks_missing=sum(_weeks(span) for span in missing),
        gaps=missing,
        weeks_since_latest=_weeks(trailing) if trailing else 0,
        latest_by_contract_usd_bn={c: rounded(v, 1) for c, v in sorted(by_contract.items())},
        latest_share_by_contract_pct={c: rounded(v / value * 100, 1) for c, v in sorted(by_contract.items())},
    )


# --- funding -----------------------------------------------------------------------------


def _history(s: pd.Series, start: pd.Timestamp, digits: int = 1) -> dict[str, float]:
    return {iso(d): rounded(float(v), digits) for d, v in s[s.index >= start].items()}


def _recent(s: pd.Series, rule: str) -> pd.Series:
    return s[s.index > s.index[-1] - pd.Timedelta(days=int(RULES[rule].value))]


def _spread(tables: Tables) -> tuple[pd.Series, pd.Series, pd.Series] | None:
    sofr, iorb = values(tables, FRED_SERIES["SOFR"].id), values(tables, FRED_SERIES["IORB"].id)
    if sofr is None or iorb is None:
        return None
    both = pd.concat({"sofr": sofr, "iorb": iorb}, axis=1, sort=True).dropna()
    return ((both["sofr"] - both["iorb"]) * 100, both["sofr"], both["iorb"]) if len(both) else None


def _srf(tables: Tables) -> tuple[pd.Series, str] | None:
    """Standing Repo Facility take-up per day: the NY Fed's operations, else FRED RPONTSYD."""
    for dataset_id, source in (("nyfed_srf", "Federal Reserve Bank of New York, repo operations"), ("fred_rpontsyd", "FRED RPONTSYD")):
        s = values(tables, dataset_id)
        if s is not None:
            return s, source
    return None


def funding(tables: Tables, as_of: str = "") -> Funding:
    """The funding figures; ``as_of`` (the edition's date) tells whether IORB existed yet."""
    spread_parts = _spread(tables)
    rrp = required(tables, "RRPONTSYD")
    reserves, tga = values(tables, FRED_SERIES["WRESBAL"].id), values(tables, DTS_TGA.id)
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
    res_latest = latest(reserves, 1e-3, unit=USD_BN, source="FRED WRESBAL") if reserves is not None else None
    res_earlier = year_earlier(reserves, 1e-3, unit=USD_BN, source="FRED WRESBAL") if reserves is not None else None
    srf = _srf(tables)
    rrp_point = latest(rrp, unit=USD_BN, source="FRED RRPONTSYD")
    median = float(recent.median()) if recent is not None else None
    return Funding(
        sofr_iorb_bp=latest(spread, unit=bp, source=src) if spread is not None else None,
        sofr_iorb_direction=position(rounded(float(spread.iloc[-1]), 1)) if spread is not None else None,
        sofr_pct=latest(sofr, digits=2, unit="percent", source="FRED SOFR") if spread is not None else None,
        iorb_pct=latest(iorb, digits=2, unit="percent", source="FRED IORB") if spread is not None else None,
        spread_latest_period_end=period_end_kind(spread.index[-1]) if spread is not None else "",
        sofr_iorb_median_bp=Point(rounded(median, 1), iso(spread.index[-1]), bp, src)
        if median is not None and spread is not None
        else None,
        sofr_iorb_median_direction=position(rounded(median, 1)) if median is not None else None,
        recent_window_days=int(RULES["recent_window_days"].value),
        sofr_iorb_max_bp_90d=Point(rounded(float(window.max()), 1), iso(window.idxmax()), bp, src) if window is not None else None,
        spread_window_days=int(RULES["spread_window_days"].value),
        spread_rose_above_iorb=bool(rounded(float(window.max()), 1) > 0) if window is not None else None,
        rrp_usd_bn=rrp_point,
        rrp_median_usd_bn=Point(rounded(float(rrp_recent.median()), 1), rrp_point.as_of, USD_BN, "FRED RRPONTSYD"),
        rrp_latest_period_end=period_end_kind(rrp.index[-1]),
        rrp_peak_usd_bn=Point(rounded(float(rrp.max()), 1), iso(rrp.idxmax()), USD_BN, "FRED RRPONTSYD"),
        rrp_at_peak=bool(float(rrp.iloc[-1]) >= float(rrp.max())),
        rrp_absorbs_drains=bool(float(rrp.iloc[-1]) >= float(RULES["rrp_buffer_usd_bn"].value)),
        reserves_usd_bn=res_latest,
        reserves_year_earlier_usd_bn=res_earlier,
        reserves_direction=direction(res_latest.value, res_earlier.value) if res_latest and res_earlier else None,
        tga_usd_bn=latest(tga, 1e-3, unit=USD_BN, source="Treasury DTS") if tga is not None else None,
        srf_usd_bn=latest(srf[0], digits=2, unit=USD_BN, source=srf[1]) if srf else None,
        srf_peak=Peak(rounded(float(srf[0].max()), 2), iso(srf[0].idxmax()), USD_BN, srf[1]) if srf else None,
        srf_used=bool(float(srf[0].iloc[-1]) > 0) if srf else None,
        srf_at_peak=bool(srf[0].index[-1] == srf[0].idxmax()) if srf else None,
        history=hist,
        reserves_abundant=bool(float(reserves.iloc[-1]) / 1000 >= float(RULES["reserves_abundant_usd_bn"].value))
        if reserves is not None
        else None,
        iorb_before_start=bool(as_of) and as_of < str(RULES["iorb_first_day"].value),
    )


# --- market rates ------------------------------------------------------------------------


def _year_change(tables: Tables, dataset_id: str, source: str) -> YearChange | None:
    s = values(tables, dataset_id)
    if s is None:
        return None
    pos = near_year_earlier(s)
    earlier = None if pos is None else float(s.iloc[pos])
    return YearChange(
        latest=latest(s, digits=2, unit="percent", source=source),
        year_earlier=None if pos is None else latest(s.iloc[: pos + 1], digits=2, unit="percent", source=source),
        change_bp=None if earlier is None else rounded((float(s.iloc[-1]) - earlier) * 100, 0),
        direction="unchanged" if earlier is None else direction(rounded(float(s.iloc[-1]), 2), rounded(earlier, 2)),
    )


def markets(tables: Tables) -> Markets:
    two, curve = values(tables, "fred_dgs2"), values(tables, "fred_t10y2y")
    return Markets(
        ust10y_pct=_year_change(tables, "fred_dgs10", "FRED DGS10"),
        term_premium_pct=_year_change(tables, "fred_threefytp10", "FRED THREEFYTP10"),
        ust2y_pct=latest(two, digits=2, unit="percent", source="FRED DGS2") if two is not None else None,
        curve_2s10s_bp=latest(curve, 100.0, digits=0, unit="basis points", source="FRED T10Y2Y") if curve is not None else None,
        curve_inverted=bool(float(curve.iloc[-1]) < 0) if curve is not None else None,
    )
