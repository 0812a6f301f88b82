"""Metrics: pure functions from validated datasets to the key figures of the brief.

No I/O, no charts, no templates: every function takes frames (as read from a snapshot)
and returns values. ``key_figures`` assembles them into one ``KeyFigures`` object.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ustglass import __version__
from ustglass.datasets import ALL, CFTC_TFF, DTS_TGA, FRED_SERIES, MSPD, RESEARCH, TIC_MFH, UST_FUTURES
from ustglass.keyfigures import Basis, DatasetInfo, Debt, Estimate, Fiscal, Funding, Holders, KeyFigures, Point

FIRST_FY = 2019
FACE_USD = {c.code: c.face_usd for c in UST_FUTURES}
CONTRACT_LABELS = {c.code: c.label for c in UST_FUTURES}
TIC_AGGREGATES = ("All Other", "Grand Total", "For. Official", "Treasury Bills", "T-Bonds & Notes")
CAYMAN = "Cayman Islands"
CAYMAN_UNDERCOUNT = "cayman_hf_ust_undercount"
HISTORY_YEARS = 5
SPREAD_WINDOW_DAYS = 90
REPORT_LAG_DAYS = 3  # CFTC positions as of Tuesday are published on Friday
Tables = dict[str, pd.DataFrame]


def direction(new: float, old: float, tolerance: float = 0.0) -> str:
    """'rose', 'fell' or 'unchanged' for a move from ``old`` to ``new``."""
    if new - old > tolerance:
        return "rose"
    if old - new > tolerance:
        return "fell"
    return "unchanged"


def _iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _series(tables: Tables, series: str) -> pd.Series:
    """A FRED series as a float Series indexed by date, missing values dropped."""
    frame = tables[FRED_SERIES[series].id]
    return frame.set_index("date")["value"].dropna().sort_index()


def _latest(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point:
    return Point(round(float(s.iloc[-1]) * scale, digits), _iso(s.index[-1]), unit, source)


def _year_earlier(s: pd.Series, scale: float = 1.0, digits: int = 1, unit: str = "", source: str = "") -> Point | None:
    """The observation nearest to one year before the latest one (within 16 days), if any."""
    target = s.index[-1] - pd.DateOffset(years=1)
    distance = abs(s.index - target)
    if len(s) < 2 or distance.min() > pd.Timedelta(days=16):
        return None
    pos = int(distance.argmin())
    return _latest(s.iloc[: pos + 1], scale, digits, unit, source)


# --- fiscal ------------------------------------------------------------------------------


def deficits_by_fy(fyfsd: pd.DataFrame, first_fy: int = FIRST_FY) -> dict[str, float]:
    """Deficit (positive) in USD bn by fiscal year, from FRED FYFSD (millions, deficit negative)."""
    rows = fyfsd.dropna(subset=["value"])
    rows = rows[rows["date"].dt.year >= first_fy]
    return {str(d.year): round(-float(v) / 1000.0, 1) for d, v in zip(rows["date"], rows["value"])}


def quarter_label(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"


def fiscal(tables: Tables, vintage: str, as_of: str = "") -> Fiscal:
    deficits = deficits_by_fy(tables[FRED_SERIES["FYFSD"].id])
    years = sorted(deficits)
    latest, prior = years[-1], years[-2] if len(years) > 1 else None  # None: no year to compare with
    gdp = _series(tables, "GFDEGDQ188S")
    debt_gdp = Point(round(float(gdp.iloc[-1]), 1), quarter_label(gdp.index[-1]), "percent of GDP", "FRED GFDEGDQ188S")
    earlier = gdp[gdp.index <= gdp.index[-1] - pd.DateOffset(years=1)]
    debt_gdp_earlier = (
        Point(round(float(earlier.iloc[-1]), 1), quarter_label(earlier.index[-1]), "percent of GDP", "FRED GFDEGDQ188S")
        if len(earlier)
        else None
    )
    change = round(deficits[latest] - deficits[prior], 1) if prior else None
    return Fiscal(
        deficit_usd_bn=deficits,
        first_fy=years[0],
        latest_fy=latest,
        prior_fy=prior,
        latest_deficit=Point(deficits[latest], latest, "billions of USD", "FRED FYFSD"),
        average_deficit_usd_bn=round(sum(deficits.values()) / len(deficits), 1),
        change_vs_prior_usd_bn=change,
        direction_vs_prior=direction(deficits[latest], deficits[prior]) if prior else None,
        debt_to_gdp_pct=debt_gdp,
        debt_to_gdp_year_earlier=debt_gdp_earlier,
        debt_to_gdp_direction=direction(debt_gdp.value, debt_gdp_earlier.value) if debt_gdp_earlier else None,
        vintage=vintage,
        vintage_after_as_of=bool(vintage and as_of and vintage > as_of),
    )


# --- holders -----------------------------------------------------------------------------


def _month_minus_year(ym: str) -> str:
    return f"{int(ym[:4]) - 1}{ym[4:]}"


def _month_values(tic: pd.DataFrame, month: str) -> dict[str, float]:
    rows = tic[tic["month"] == month]
    return {str(c): round(float(v), 1) for c, v in zip(rows["country"], rows["value"])}


def cayman_estimate(tic: pd.DataFrame, research: pd.DataFrame) -> tuple[Estimate | None, Estimate | None, Point | None]:
    """The Fed note's undercount, and official TIC + undercount at the note's date (if published)."""
    rows = research[research["id"] == CAYMAN_UNDERCOUNT]
    if rows.empty:
        return None, None, None
    r = rows.iloc[0]
    source = f"{r['publisher']}, \u201c{r['title']}\u201d ({r['published']}), doi:{r['doi']}, {r['locator']}"
    cite = {"title": r["title"], "publisher": r["publisher"], "doi": r["doi"], "url": r["url"]}
    undercount = Estimate(round(float(r["value"]), 1), r["as_of"], source, r["published"], r["units"], r["quote"], **cite)
    official = _month_values(tic, r["as_of"]).get(CAYMAN)
    if official is None:
        return None, undercount, None
    official_point = Point(official, r["as_of"], "billions of USD", "Treasury TIC")
    estimate = Estimate(round(official + float(r["value"]), 1), r["as_of"], source, r["published"], r["units"], r["method"], **cite)
    return estimate, undercount, official_point


def holders(tic: pd.DataFrame, research: pd.DataFrame) -> Holders:
    month = str(tic["month"].max())
    earlier = _month_minus_year(month)
    now = _month_values(tic, month)
    countries = {c: v for c, v in now.items() if c not in TIC_AGGREGATES}
    ranking = sorted(countries, key=lambda c: (-countries[c], c))
    estimate, undercount, official_then = cayman_estimate(tic, research)
    largest = countries[ranking[0]]
    unit, src = "billions of USD", "Treasury TIC"
    earlier_values = _month_values(tic, earlier)
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
        cayman_official_at_estimate_date=official_then,
        cayman_estimate_usd_bn=estimate,
        cayman_undercount_usd_bn=undercount,
        cayman_estimate_vs_largest=None if estimate is None else ("above" if estimate.value > largest else "below"),
    )


# --- basis trade -------------------------------------------------------------------------


def lev_short_notional(tff: pd.DataFrame) -> pd.Series:
    """Leveraged funds' gross short notional (USD bn) per report date with all six contracts."""
    rows = tff[tff["contract_code"].isin(FACE_USD) & tff["lev_short"].notna()]
    notional = rows["lev_short"].astype("float64") * rows["contract_code"].map(FACE_USD)
    grouped = pd.DataFrame({"d": rows["report_date"], "code": rows["contract_code"], "usd": notional}).groupby("d")
    complete = grouped["code"].nunique() == len(FACE_USD)
    total = grouped["usd"].sum()[complete] / 1e9
    return total.sort_index()


def gaps(dates: pd.Index, as_of: pd.Timestamp | None = None, max_step_days: int = 8) -> list[tuple[str, str]]:
    """Spans of missing weeks (first and last missing week): between reports, and after the
    latest report up to ``as_of`` when more than a week has passed."""
    spans = []
    for prev, nxt in zip(dates[:-1], dates[1:]):
        if (nxt - prev).days > max_step_days:
            spans.append((_iso(prev + pd.Timedelta(days=7)), _iso(nxt - pd.Timedelta(days=7))))
    if as_of is not None and len(dates):
        # a Tuesday's report is published on the Friday after: count the weeks due by as_of
        due = (as_of - dates[-1] - pd.Timedelta(days=REPORT_LAG_DAYS)).days // 7
        if due >= 1:
            spans.append((_iso(dates[-1] + pd.Timedelta(days=7)), _iso(dates[-1] + pd.Timedelta(days=7 * due))))
    return spans


def _weeks(span: tuple[str, str]) -> int:
    return round((pd.Timestamp(span[1]) - pd.Timestamp(span[0])).days / 7) + 1


def basis(tff: pd.DataFrame, as_of: str | None = None) -> Basis:
    """The basis-trade figures; ``as_of`` (the edition's date) makes a stale end visible."""
    s = lev_short_notional(tff)
    unit, src = "billions of USD", "CFTC TFF"
    y2020 = s[pd.DatetimeIndex(s.index).year == 2020]
    base = Point(round(float(y2020.mean()), 1), "2020", unit, src) if len(y2020) else None
    latest = Point(round(float(s.iloc[-1]), 1), _iso(s.index[-1]), unit, src)
    end = pd.Timestamp(as_of) if as_of else None
    missing = gaps(s.index, end)
    last_rows = tff[tff["report_date"] == s.index[-1]]
    by_contract = {c: round(float(v) * FACE_USD[c] / 1e9, 1) for c, v in zip(last_rows["contract_code"], last_rows["lev_short"])}
    trailing = missing[-1] if missing and pd.Timestamp(missing[-1][0]) > s.index[-1] else None
    return Basis(
        lev_short_usd_bn={_iso(d): round(float(v), 1) for d, v in s.items()},
        contracts=dict(CONTRACT_LABELS),
        latest=latest,
        level_2020=base,
        peak=Point(round(float(s.max()), 1), _iso(s.idxmax()), unit, src),
        change_since_2020_pct=round((latest.value / base.value - 1) * 100, 1) if base else None,
        direction_vs_2020=direction(latest.value, base.value) if base else None,
        weeks_complete=int(len(s)),
        weeks_missing=sum(_weeks(span) for span in missing),
        gaps=missing,
        weeks_since_latest=_weeks(trailing) if trailing else 0,
        latest_by_contract_usd_bn=dict(sorted(by_contract.items())),
    )


# --- funding -----------------------------------------------------------------------------


def _history(s: pd.Series, start: pd.Timestamp, digits: int = 1) -> dict[str, float]:
    return {_iso(d): round(float(v), digits) for d, v in s[s.index >= start].items()}


def funding(tables: Tables) -> Funding:
    sofr, iorb = _series(tables, "SOFR"), _series(tables, "IORB")
    both = pd.concat({"sofr": sofr, "iorb": iorb}, axis=1, sort=True).dropna()
    spread = (both["sofr"] - both["iorb"]) * 100
    recent = spread[spread.index > spread.index[-1] - pd.Timedelta(days=SPREAD_WINDOW_DAYS)]
    rrp = _series(tables, "RRPONTSYD")
    reserves = _series(tables, "WRESBAL")
    tga = tables[DTS_TGA.id].set_index("date")["value"].dropna().sort_index()
    start = spread.index[-1] - pd.DateOffset(years=HISTORY_YEARS)
    srf = tables.get(FRED_SERIES["RPONTSYD"].id)
    srf_point = (
        _latest(srf.set_index("date")["value"].dropna(), unit="billions of USD", source="FRED RPONTSYD")
        if srf is not None and srf["value"].notna().any()
        else None
    )
    latest_spread = round(float(spread.iloc[-1]), 1)
    res_earlier = _year_earlier(reserves, 1e-3, unit="billions of USD", source="FRED WRESBAL")
    res_latest = _latest(reserves, 1e-3, unit="billions of USD", source="FRED WRESBAL")
    return Funding(
        sofr_iorb_bp=Point(latest_spread, _iso(spread.index[-1]), "basis points", "FRED SOFR, IORB"),
        sofr_iorb_direction="above" if latest_spread > 0 else ("below" if latest_spread < 0 else "at"),
        sofr_pct=Point(round(float(both["sofr"].iloc[-1]), 2), _iso(both.index[-1]), "percent", "FRED SOFR"),
        iorb_pct=Point(round(float(both["iorb"].iloc[-1]), 2), _iso(both.index[-1]), "percent", "FRED IORB"),
        sofr_iorb_max_bp_90d=Point(round(float(recent.max()), 1), _iso(recent.idxmax()), "basis points", "FRED SOFR, IORB"),
        spread_window_days=SPREAD_WINDOW_DAYS,
        rrp_usd_bn=_latest(rrp, unit="billions of USD", source="FRED RRPONTSYD"),
        rrp_peak_usd_bn=Point(round(float(rrp.max()), 1), _iso(rrp.idxmax()), "billions of USD", "FRED RRPONTSYD"),
        reserves_usd_bn=res_latest,
        reserves_year_earlier_usd_bn=res_earlier,
        reserves_direction=direction(res_latest.value, res_earlier.value) if res_earlier else None,
        tga_usd_bn=_latest(tga, 1e-3, unit="billions of USD", source="Treasury DTS"),
        srf_usd_bn=srf_point,
        history={
            "sofr_iorb_bp": _history(spread, start),
            "rrp_usd_bn": _history(rrp, start),
            "reserves_usd_bn": _history(reserves / 1000, start),
            "tga_usd_bn": _history(tga / 1000, start),
        },
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
        bills_usd_bn=Point(round(bills, 1), _iso(last), "billions of USD", src),
        marketable_usd_bn=Point(round(marketable, 1), _iso(last), "billions of USD", src),
        bills_share_year_earlier=earlier,
        bills_share_direction=direction(now.value, earlier.value) if earlier else None,
    )


# --- assembly ----------------------------------------------------------------------------


def dataset_infos(manifest: dict[str, Any]) -> list[DatasetInfo]:
    infos = []
    for dataset_id, meta in sorted(manifest["datasets"].items()):
        spec = ALL[dataset_id]
        origins = meta.get("original", [])
        infos.append(
            DatasetInfo(
                id=dataset_id,
                source_name=spec.source_name,
                url=meta.get("url", spec.url),
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
        funding=funding(tables),
        debt=debt(tables[MSPD.id]),
        datasets=infos,
    )
