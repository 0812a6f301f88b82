"""Checks a parsed file must pass before it joins a snapshot.

A parsed frame must have its dataset's columns, observations, unique keys, values within the
plausible range its dataset declares (``DatasetSpec.schema``), no observation that could not
be known yet (after today, plus the source's lead) and the rows the brief reads by name
(``DatasetSpec.required_rows``) in its newest period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from ..datasets import DatasetSpec
from ..errors import InputError
from ..snapshot import cut_as_of, period_end
from ._text import located, looks_like_html


def today() -> date:
    """Today's date in UTC: no official file can hold an observation whose period ends later
    (U.S. dates are never ahead of UTC's)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Failure:
    """A source that failed: which, at which URL, why; ``optional`` ones do not fail a fetch."""

    source: str
    url: str
    reason: str
    dataset: str
    optional: bool = False

    def __str__(self) -> str:
        return f"{self.source}: {self.url}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "url": self.url, "reason": self.reason, "dataset": self.dataset, "optional": self.optional}


def looks_like_page(data: bytes) -> bool:
    """True when a body is a web page (an error page served with status 200)."""
    return looks_like_html(data[:2048].decode("utf-8", errors="replace").removeprefix("\ufeff"))


def _where(spec: DatasetSpec, frame: pd.DataFrame, index: int) -> str:
    value = frame[spec.date_column].iloc[index]
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _limit(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1e4 else f"{value:g}"


def _limits(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {_limit(low)} and {_limit(high)}"
    return f"at least {_limit(low)}" if low is not None else f"at most {_limit(high or 0.0)}"


def _check_range(spec: DatasetSpec, frame: pd.DataFrame, name: str) -> None:
    """Every value column within the plausible range its dataset declares."""
    for column in spec.values:
        low, high, col = column.low, column.high, column.name
        if (low is None and high is None) or not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        values = frame[col].astype("float64").to_numpy()
        bad = ((values < low) if low is not None else False) | ((values > high) if high is not None else False)
        hits = pd.Series(bad).fillna(False).to_numpy().nonzero()[0]
        if hits.size:
            i = int(hits[0])
            file, row, field = located(frame, i, col, name)
            raise InputError(
                file,
                f"implausible value {float(values[i]):g} on {_where(spec, frame, i)} (expected {_limits(low, high)} {spec.units})",
                row=row,
                field=field,
            )


def _check_known(spec: DatasetSpec, frame: pd.DataFrame, name: str, now: date) -> None:
    """No observation whose period ends after ``now`` (plus the dataset's lead), nor any other
    record the parser read to make them (``attrs["latest_read"]``: the date and row of the newest)."""
    ends = period_end(spec, frame)
    limit = pd.Timestamp(now + timedelta(days=spec.lead_days))
    read = frame.attrs.get("latest_read")
    if read and pd.Timestamp(read[0]) > limit:
        field = str((frame.attrs.get("fields") or {}).get(spec.date_column, spec.date_column))
        raise InputError(
            str(frame.attrs.get("file") or name), f"{read[0]} is in the future (today is {now.isoformat()})", row=int(read[1]), field=field
        )
    hits = (ends > limit).to_numpy(dtype=bool).nonzero()[0]
    if not hits.size:
        return
    i = int(hits[0])
    file, row, field = located(frame, i, spec.date_column, name)
    shown, end = _where(spec, frame, i), pd.Timestamp(ends.iloc[i]).strftime("%Y-%m-%d")
    if shown > now.isoformat():
        raise InputError(file, f"{shown} is in the future (today is {now.isoformat()})", row=row, field=field)
    raise InputError(file, f"{shown} cannot be known yet: its period ends {end} (today is {now.isoformat()})", row=row, field=field)


def check_required(spec: DatasetSpec, frame: pd.DataFrame, name: str) -> None:
    """The rows the brief reads by name are in the newest period of ``frame``."""
    if frame.empty or not spec.required_rows:
        return
    ends = period_end(spec, frame)
    newest = frame.loc[(ends == ends.max()).to_numpy(dtype=bool)]
    for required in spec.required_rows:
        have = set(newest[required.column].astype(str))
        missing = [v for v in required.values if v not in have]
        if missing:
            file, _row, field = located(frame, 0, required.column, name)
            rows = ", ".join(repr(v) for v in missing)
            raise InputError(file, f"no row for {rows} in {_where(spec, newest, 0)}, the newest period; the brief reads it", field=field)


def check_frame(spec: DatasetSpec, frame: pd.DataFrame, name: str, *, now: date | None = None) -> None:
    """Schema, content, plausible values, known dates and required rows of a parsed frame;
    raises InputError."""
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise InputError(name, f"schema: column(s) {', '.join(missing)} missing")
    if frame.empty:
        raise InputError(name, "no observations")
    dup = frame.duplicated(subset=list(spec.key)).to_numpy().nonzero()[0]
    if dup.size:
        file, row, field = located(frame, int(dup[0]), spec.date_column, name)
        raise InputError(file, f"duplicate observation on {_where(spec, frame, int(dup[0]))}", row=row, field=field)
    _check_range(spec, frame, name)
    _check_known(spec, frame, name, now or today())
    check_required(spec, frame, name)


def last_observation(spec: DatasetSpec, frame: pd.DataFrame, as_of: date | None) -> str:
    """The newest date of ``frame`` cut at ``as_of``, written as the manifest's ``last``."""
    if as_of is not None:
        frame = cut_as_of(spec, frame, as_of)
    if frame.empty:
        return ""
    col = frame[spec.date_column]
    if pd.api.types.is_datetime64_any_dtype(col):
        return str(col.max().strftime("%Y-%m-%d"))
    return str(col.astype(str).max())
