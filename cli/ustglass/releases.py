"""When an observation became known: release calendars, the as-of rule and freshness.

Each dataset declares its ``Release`` (``ustglass.datasets``): a rule that turns the end of an
observation's period into the date the observation was published. ``known_on(spec, period)``
applies it; ``--as-of D`` keeps an observation only if it was known on D. ``methods_rows()``
lists the rules for the brief's methods section (the words are in each language pack's
``[release]``), and ``freshness(...)`` says, for a snapshot, how recent each dataset is and
whether its newest observation is older than its usual lag plus a margin.

Business days are Monday to Friday except U.S. federal holidays as observed (a holiday on a
Saturday is observed the Friday before, on a Sunday the Monday after). Closures for other
reasons (a national day of mourning) and a release moved for them are not modelled.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, NamedTuple

import pandas as pd

from ustglass.datasets import ALL, STALE_MARGIN_DAYS, DatasetSpec, Frequency, Release, Rule
from ustglass.keyfigures import Freshness

# --- business days -------------------------------------------------------------------------

MONDAY, THURSDAY, FRIDAY, SATURDAY = 0, 3, 4, 5


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ``weekday`` of a month (n = -1: the last one)."""
    if n < 0:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _observed(day: date) -> date:
    """The day a fixed-date holiday is observed: Saturday -> Friday, Sunday -> Monday."""
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SATURDAY + 1:
        return day + timedelta(days=1)
    return day


@functools.cache
def federal_holidays(year: int) -> frozenset[date]:
    """The U.S. federal holidays observed in ``year`` (5 U.S.C. 6103; Juneteenth from 2021)."""
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    days |= {
        _nth_weekday(year, 1, MONDAY, 3),
        _nth_weekday(year, 2, MONDAY, 3),
        _nth_weekday(year, 5, MONDAY, -1),
        _nth_weekday(year, 9, MONDAY, 1),
        _nth_weekday(year, 10, MONDAY, 2),
        _nth_weekday(year, 11, THURSDAY, 4),
    }
    days.add(_observed(date(year + 1, 1, 1)))  # New Year's Day on a Saturday is observed on 31 December
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in federal_holidays(day.year)


def on_or_after(day: date) -> date:
    """``day`` if it is a business day, else the next business day."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_days_after(day: date, n: int) -> date:
    """The n-th business day after ``day`` (n = 0: ``day`` itself, or the next business day)."""
    if n == 0:
        return on_or_after(day)
    for _ in range(n):
        day = on_or_after(day + timedelta(days=1))
    return day


def nth_business_day(year: int, month: int, n: int) -> date:
    """The n-th business day of a month."""
    return business_days_after(on_or_after(date(year, month, 1)), n - 1)


def _months_later(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


# --- periods and release dates ---------------------------------------------------------------


def _as_date(value: Any) -> date:
    """A period as its snapshot column holds it (a Timestamp, a date, ``YYYY-MM`` or ``YYYY-MM-DD``)."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 7:  # a month, YYYY-MM: its period ends at month end
        first = date.fromisoformat(text + "-01")
        year, month = _months_later(first, 1)
        return date(year, month, 1) - timedelta(days=1)
    return date.fromisoformat(text[:10])


def end_of_period(spec: DatasetSpec, period: Any) -> date:
    """The date on which the observation's period ends: a quarter (dated at its start) at quarter end,
    a TIC month (``YYYY-MM``) at month end, anything else on its own date."""
    day = _as_date(period)
    if spec.frequency is Frequency.QUARTERLY:
        year, month = _months_later(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), 3)
        return date(year, month, 1) - timedelta(days=1)
    return day


@functools.cache
def release_date(release: Release, end: date) -> date:
    """The date ``release`` publishes a period that ends on ``end``."""
    rule, n = release.rule, release.n
    if rule is Rule.BUSINESS_DAYS_AFTER:
        return business_days_after(end, n)
    if rule is Rule.DAYS_AFTER:
        return on_or_after(end + timedelta(days=n))
    if rule is Rule.NTH_BUSINESS_DAY:
        return nth_business_day(*_months_later(end, release.months), n)
    if rule is Rule.DAY_OF_MONTH:
        return on_or_after(date(*_months_later(end, release.months), n))
    if rule is Rule.WEEK_THEN_DAYS:
        friday = end + timedelta(days=(FRIDAY - end.weekday()) % 7)
        return on_or_after(friday + timedelta(days=n))
    return end  # Rule.PUBLISHED


def known_on(spec: DatasetSpec, period: Any) -> date:
    """The date the observation of ``period`` (as the dataset's date column holds it) became known."""
    return release_date(spec.release, end_of_period(spec, period))


def period_end(spec: DatasetSpec, frame: pd.DataFrame) -> pd.Series:
    """The end of each row's period (datetime64), aligned with ``frame``."""
    return _mapped(spec, frame, lambda p: end_of_period(spec, p))


def known_dates(spec: DatasetSpec, frame: pd.DataFrame) -> pd.Series:
    """The date each row of ``frame`` became known (datetime64), aligned with ``frame``."""
    return _mapped(spec, frame, lambda p: known_on(spec, p))


def _mapped(spec: DatasetSpec, frame: pd.DataFrame, to_date: Any) -> pd.Series:
    """``to_date`` of each row's period, computed once per distinct period."""
    col = frame[spec.date_column]
    if not pd.api.types.is_datetime64_any_dtype(col):
        col = col.astype(str)
    lookup = {v: pd.Timestamp(to_date(v)) for v in col.drop_duplicates()}
    return pd.to_datetime(col.map(lookup)).astype("datetime64[ns]")


# --- the methods section ---------------------------------------------------------------------


class MethodsRow(NamedTuple):
    """One line of the methods section's release rules: a dataset, the key of its rule's words in
    the language packs (``[release]``), and the usual lag in days from period end to release."""

    dataset: str
    key: str
    lag_days: int


def methods_rows() -> list[MethodsRow]:
    """The release rule of every dataset, in the order ``ustglass.datasets`` declares them."""
    return [MethodsRow(spec.id, spec.release.key, spec.release.lag_days) for spec in ALL.values()]


def stale_margins() -> dict[str, int]:
    """The staleness margin of each frequency, by the field names of the packs' ``release.stale``."""
    return {f.value.replace("-", "_"): m for f, m in STALE_MARGIN_DAYS.items() if m is not None}


def stale_after_days(spec: DatasetSpec) -> int | None:
    """How old (days from its period's end to the as-of date) the newest observation may be before
    the dataset counts as stale: the usual lag plus the frequency's margin; None: never stale."""
    margin = STALE_MARGIN_DAYS[spec.frequency]
    return None if margin is None else spec.release.lag_days + margin


# --- freshness -------------------------------------------------------------------------------


def period_label(spec: DatasetSpec, period: str) -> str:
    """An observation's period as the key figures write periods, at the dataset's frequency: a
    quarter ``2025Q3`` (from its first day), a month ``2025-10`` (from ``YYYY-MM`` or a month-end
    date), a fiscal year ``2025`` (from its last day), anything else the day ``YYYY-MM-DD``."""
    day = _as_date(period)
    if spec.frequency is Frequency.QUARTERLY:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if spec.frequency is Frequency.MONTHLY:
        return f"{day.year:04d}-{day.month:02d}"
    if spec.frequency is Frequency.FISCAL_YEAR:
        return str(day.year)
    return day.isoformat()


def _newest_period(spec: DatasetSpec, table: pd.DataFrame) -> Any | None:
    """The newest period of the rows that hold a value (a FRED holiday row is no observation)."""
    values = [c.name for c in spec.values]
    held = table.loc[table[values].notna().any(axis=1).to_numpy(dtype=bool)] if values else table
    if held.empty:
        return None
    col = held[spec.date_column]
    return col.max() if pd.api.types.is_datetime64_any_dtype(col) else max(col.astype(str))


def _shown(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, (pd.Timestamp, date)) else str(value)


def freshness(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], as_of: date | str | None = None) -> dict[str, Freshness]:
    """Dataset id -> Freshness for every dataset of a snapshot (its tables and manifest) on ``as_of``
    (default: the manifest's as-of date). Datasets without any observation are left out."""
    day = _as_date(as_of if as_of is not None else manifest["as_of"])
    out: dict[str, Freshness] = {}
    for dataset_id in sorted(manifest["datasets"]):
        spec, table = ALL.get(dataset_id), tables.get(dataset_id)
        if spec is None or table is None or table.empty:
            continue
        newest = _newest_period(spec, table)
        if newest is None:
            continue
        age = (day - end_of_period(spec, newest)).days
        limit = stale_after_days(spec)
        out[dataset_id] = Freshness(_shown(newest), known_on(spec, newest).isoformat(), limit is not None and age > limit, age, limit)
    return out
