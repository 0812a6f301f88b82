"""Metrics of the claim check: functions of a snapshot's tables that measure what a claim says.

Each takes the tables and the check's arguments (from research/claims.toml) and returns a
``Measured``, or raises ``Unavailable`` naming the dataset (or row, or period) it lacks.
``METRICS`` maps the names used in claims.toml to the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ustglass import datasets, releases, scorecard
from ustglass.metrics import CAYMAN_UNDERCOUNT, TIC_AGGREGATES
from ustglass.scorecard import Tables, Unavailable, cftc_notional, dated, need

WEEK = pd.Timedelta(days=7)
MONTH = pd.Timedelta(days=31)


@dataclass(frozen=True)
class Measured:
    """What a metric found: the value (in the check's unit), its date, and what else a reader needs."""

    value: float
    date: str
    values: Mapping[str, float] | None = None  # one value per period, when the claim is about each of them
    signal: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)  # the unit of a context figure, where not the check's


# --- metrics -------------------------------------------------------------------------------


def _ts(text: Any) -> pd.Timestamp:
    return pd.Timestamp(str(text))


def _iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _r(x: float, digits: int = 1) -> float:
    return scorecard.rounded(float(x), digits)  # half-up, as every figure of the brief


def _at(s: pd.Series, when: Any, dataset: str, within: pd.Timedelta) -> tuple[pd.Timestamp, float]:
    """The latest observation at or before ``when``, if it lies within ``within`` of it."""
    earlier = s[s.index <= _ts(when)]
    if earlier.empty or _ts(when) - earlier.index[-1] > within:
        raise Unavailable("no_data", (dataset,), period=_iso(when))
    return earlier.index[-1], float(earlier.iloc[-1])


def _deficits(tables: Tables) -> dict[int, float]:
    s = -dated(tables, "fred_fyfsd") / 1000
    return {int(year): float(v) for year, v in zip(pd.DatetimeIndex(s.index).year, s)}


def _fy(deficits: dict[int, float], fy: int) -> float:
    if fy not in deficits:
        raise Unavailable("no_data", ("fred_fyfsd",), period=f"FY{fy}")
    return deficits[fy]


def m_deficits(tables: Tables, first_fy: int, last_fy: int, **_: Any) -> Measured:
    d = _deficits(tables)
    values = {f"FY{fy}": _r(_fy(d, fy)) for fy in range(first_fy, last_fy + 1)}
    return Measured(_r(sum(values.values()) / len(values)), f"FY{first_fy}…FY{last_fy}", values=values)


def m_deficit(tables: Tables, fy: int, **_: Any) -> Measured:
    return Measured(_r(_fy(_deficits(tables), fy)), f"FY{fy}")


def m_deficit_change(tables: Tables, fy: int, base_fy: int, **_: Any) -> Measured:
    d = _deficits(tables)
    now, base = _fy(d, fy), _fy(d, base_fy)
    return Measured(_r(now - base), f"FY{fy}", context={f"FY{base_fy}": _r(base), f"FY{fy}": _r(now)})


def m_deficit_change_pct(tables: Tables, fy: int, base_fy: int, **_: Any) -> Measured:
    d = _deficits(tables)
    now, base = _fy(d, fy), _fy(d, base_fy)
    return Measured(
        _r((now / base - 1) * 100, 2),
        f"FY{fy}",
        context={f"FY{base_fy}": _r(base), f"FY{fy}": _r(now)},
        units={f"FY{base_fy}": "USD bn", f"FY{fy}": "USD bn"},
    )


def _research_row(tables: Tables, row_id: str) -> pd.Series:
    need(tables, "research_estimates")
    rows = tables["research_estimates"]
    rows = rows[rows["id"] == row_id]
    if rows.empty:
        raise Unavailable("missing_row", ("research_estimates",), row=row_id)
    return rows.iloc[0]


def m_research_estimate(tables: Tables, id: str, **_: Any) -> Measured:  # noqa: A002 - the row's field name
    row = _research_row(tables, id)
    return Measured(_r(row["value"]), str(row["as_of"]), context={"published": str(row["published"]), "doi": str(row["doi"])})


def m_debt_public_gdp(tables: Tables, date: str, **_: Any) -> Measured:
    when, value = _at(scorecard.debt_public_gdp(tables), date, "fred_gdp", pd.Timedelta(days=92))
    return Measured(_r(value), _iso(when))


def m_debt_total_gdp(tables: Tables, date: str, **_: Any) -> Measured:
    s = dated(tables, "fred_gfdegdq188s")
    s.index = s.index + pd.offsets.QuarterEnd(0)  # dated at quarter start, known at quarter end
    when, value = _at(s, date, "fred_gfdegdq188s", pd.Timedelta(days=92))
    return Measured(_r(value), _iso(when))


def m_bills_share_change(tables: Tables, start: str, end: str, **_: Any) -> Measured:
    share = scorecard.bills_share_pct(tables)
    d0, v0 = _at(share, start, "mspd_table1", MONTH)
    d1, v1 = _at(share, end, "mspd_table1", MONTH)
    year_ends = share[(share.index >= d0) & (share.index <= d1) & (pd.DatetimeIndex(share.index).month == 12)]
    values = {_iso(d): _r(v) for d, v in year_ends.items()} | {_iso(d1): _r(v1)}
    return Measured(
        _r(v1 - v0, 2),
        _iso(d1),
        context={"from": _iso(d0), "start": _r(v0), "end": _r(v1), "year_ends": values},
        units=dict.fromkeys(("start", "end", "year_ends"), "%"),
    )


def _lev_short(tables: Tables, contracts: Any = "all") -> pd.Series:
    codes = tuple(scorecard.FACE_USD) if contracts == "all" else tuple(contracts)
    return cftc_notional(scorecard.cftc_table(tables), "lev_short", codes)


def _window(s: pd.Series, start: str, end: str) -> pd.Series:
    part = s[(s.index >= _ts(start)) & (s.index <= _ts(end))]
    if part.empty:
        raise Unavailable("no_data", ("cftc_tff_ust",), period=start if start == end else f"{start}…{end}")
    return part


def m_lev_short(tables: Tables, start: str, end: str, stat: str, contracts: Any = "all", **_: Any) -> Measured:
    part = _window(_lev_short(tables, contracts), start, end)
    pick = {"max": part.idxmax(), "min": part.idxmin(), "last": part.index[-1]}
    value = float(part.mean()) if stat == "mean" else float(part[pick[stat]])
    when = f"{_iso(part.index[0])}…{_iso(part.index[-1])}" if stat == "mean" else _iso(pick[stat])
    return Measured(
        _r(value), when, context={"weeks": int(len(part)), "mean": _r(part.mean()), "min": _r(part.min()), "max": _r(part.max())}
    )


def m_lev_short_ratio(tables: Tables, start: str, end: str, base_start: str, base_end: str, **_: Any) -> Measured:
    s = _lev_short(tables)
    now, base = _window(s, start, end), _window(s, base_start, base_end)
    return Measured(
        _r(now.mean() / base.mean(), 2),
        f"{_iso(now.index[0])}…{_iso(now.index[-1])}",
        context={"mean": _r(now.mean()), "base_mean": _r(base.mean()), "weeks": int(len(now)), "base_weeks": int(len(base))},
        units=dict.fromkeys(("mean", "base_mean"), "USD bn"),
    )


def m_lev_short_change_pct(tables: Tables, start: str, end: str, **_: Any) -> Measured:
    s = _lev_short(tables)
    d0, v0 = _at(s, start, "cftc_tff_ust", WEEK)
    d1, v1 = _at(s, end, "cftc_tff_ust", WEEK)
    between = s[(s.index >= d0) & (s.index <= d1)]
    return Measured(
        _r((v1 / v0 - 1) * 100, 2),
        f"{_iso(d0)}…{_iso(d1)}",
        context={"start": _r(v0), "end": _r(v1), "min": _r(between.min()), "weeks": int(len(between))},
        units=dict.fromkeys(("start", "end", "min"), "USD bn"),
    )


def _tic(tables: Tables) -> pd.DataFrame:
    need(tables, "tic_mfh")
    return tables["tic_mfh"]


def _tic_value(tic: pd.DataFrame, country: str, month: str) -> float:
    rows = tic[(tic["country"] == country) & (tic["month"] == month)]
    if rows.empty:
        raise Unavailable("no_data", ("tic_mfh",), period=month, detail=country)
    return float(rows["value"].iloc[0])


def _cayman(tables: Tables, month: str) -> tuple[float, float, float]:
    official = _tic_value(_tic(tables), scorecard.CAYMAN, month)
    undercount = float(_research_row(tables, CAYMAN_UNDERCOUNT)["value"])
    return official + undercount, official, undercount


def m_cayman_estimate(tables: Tables, month: str, **_: Any) -> Measured:
    total, official, undercount = _cayman(tables, month)
    return Measured(_r(total), month, context={"official": _r(official), "undercount": _r(undercount)})


def m_cayman_rank(tables: Tables, month: str, **_: Any) -> Measured:
    total, official, _u = _cayman(tables, month)
    rows = _tic(tables)
    rows = rows[(rows["month"] == month) & ~rows["country"].isin(TIC_AGGREGATES) & (rows["country"] != scorecard.CAYMAN)]
    others = rows.sort_values(["value", "country"], ascending=[False, True])
    largest = others.iloc[0]
    return Measured(
        float(1 + (others["value"] > total).sum()),
        month,
        context={
            "estimate": _r(total),
            "official_rank": int(1 + (others["value"] > official).sum()),
            "largest_other": str(largest["country"]),
            "largest_other_value": _r(largest["value"]),
        },
        units=dict.fromkeys(("estimate", "largest_other_value"), "USD bn"),
    )


def m_tic_change(tables: Tables, country: str, start: str, end: str, **_: Any) -> Measured:
    tic = _tic(tables)
    months = sorted(m for m in tic.loc[tic["country"] == country, "month"].astype(str) if start <= m <= end)
    if not months or months[0] != start:
        raise Unavailable("no_data", ("tic_mfh",), period=start, detail=country)
    v0, v1 = _tic_value(tic, country, start), _tic_value(tic, country, months[-1])
    return Measured(_r(v1 - v0), months[-1], context={"start": _r(v0), "end": _r(v1), "from": start})


def m_marketable_change(tables: Tables, start: str, end: str, **_: Any) -> Measured:
    need(tables, "mspd_table1")
    mspd = tables["mspd_table1"]
    rows = mspd[mspd["security_type"] == "Total Marketable"]
    s = pd.Series(rows["total_usd_mn"].astype("float64").to_numpy() / 1000, index=pd.DatetimeIndex(rows["record_date"])).sort_index()
    d0, v0 = _at(s, start, "mspd_table1", MONTH)
    d1, v1 = _at(s, end, "mspd_table1", MONTH)
    return Measured(_r(v1 - v0), _iso(d1), context={"start": _r(v0), "end": _r(v1), "from": _iso(d0)})


def m_bills_outstanding(tables: Tables, date: str, **_: Any) -> Measured:
    need(tables, "mspd_table1")
    mspd = tables["mspd_table1"]
    rows = mspd[mspd["security_class"] == "Bills"].groupby("record_date")["total_usd_mn"].sum() / 1000
    when, value = _at(pd.Series(rows.to_numpy(), index=pd.DatetimeIndex(rows.index)), date, "mspd_table1", MONTH)
    return Measured(_r(value), _iso(when))


def _signal_window_days(indicator: scorecard.Indicator) -> int | None:
    """How much older than a claim's date an indicator's reading may be and still settle it: the
    release rule's staleness limit of its slowest dataset (None: any age)."""
    limits = [releases.stale_after_days(datasets.get(d)) for d in indicator.datasets]
    return None if None in limits else max(int(x) for x in limits if x is not None)


def m_scorecard_signal(tables: Tables, indicator: str, date: str, **_: Any) -> Measured:
    spec = scorecard.BY_ID[indicator]
    result = scorecard.evaluate_one(spec, tables, as_of=date)
    if result.status != scorecard.OK:
        raise Unavailable("missing_dataset", result.needs) if result.needs else Unavailable("no_data", spec.datasets, period=date)
    window = _signal_window_days(spec)
    if window is not None and result.as_of is not None and (_ts(date) - _ts(result.as_of)).days > window:
        raise Unavailable("no_data", spec.datasets, period=date)  # a reading from long before the claim's date cannot settle it
    return Measured(
        _r(result.value or 0.0, result.indicator.digits),
        result.as_of or date,
        signal=result.signal,
        context={
            "indicator_value": _r(result.value or 0.0, result.indicator.digits),
            "percentile": None if result.percentile is None else _r(result.percentile),
        },
        units={"indicator_value": result.indicator.unit, "percentile": "pctile"},
    )


def m_srf_use(tables: Tables, start: str, end: str, **_: Any) -> Measured:
    s = dated(tables, "nyfed_srf")
    part = s[(s.index >= _ts(start)) & (s.index <= _ts(end))]
    if part.empty:
        raise Unavailable("no_data", ("nyfed_srf",), period=f"{start}…{end}")
    return Measured(_r(part.max()), _iso(part.idxmax()), context={"days_used": int((part > 0).sum()), "days": int(len(part))})


def m_walcl_runoff_change(tables: Tables, date: str, **_: Any) -> Measured:
    """Change of the Fed's balance sheet over the last three months, minus the change a year earlier (USD bn)."""
    s = dated(tables, "fred_walcl") / 1000
    end, three = _ts(date), pd.DateOffset(months=3)
    points = [
        _at(s, when, "fred_walcl", WEEK)[1]
        for when in (end, end - three, end - pd.DateOffset(years=1), end - pd.DateOffset(years=1) - three)
    ]
    recent, earlier = points[0] - points[1], points[2] - points[3]
    return Measured(_r(recent - earlier), _iso(end), context={"change_3m": _r(recent), "change_3m_year_earlier": _r(earlier)})


def m_requires(tables: Tables, datasets: list[str], **_: Any) -> Measured:
    """A check whose dataset ustglass does not read (yet): says which one would settle it."""
    need(tables, *datasets)
    raise Unavailable("not_read", tuple(datasets))


def m_not_measurable(tables: Tables, reason: str, datasets: list[str], **_: Any) -> Measured:
    raise Unavailable("not_measurable", tuple(datasets), key=reason)


METRICS: dict[str, Callable[..., Measured]] = {
    name.removeprefix("m_"): fn for name, fn in globals().items() if name.startswith("m_") and callable(fn)
}
