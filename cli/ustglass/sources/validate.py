"""Checks a parsed file must pass before it joins a snapshot.

A parsed frame must have its dataset's columns, observations, unique keys and values within
the plausible range its dataset declares (``DatasetSpec.schema``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..datasets import DatasetSpec
from ..errors import InputError
from ..snapshot import cut_as_of
from ._text import located, looks_like_html


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
        return {"source": self.source, "url": self.url, "reason": self.reason, "dataset": self.dataset,
                "optional": self.optional}


def looks_like_page(data: bytes) -> bool:
    """True when a body is a web page (an error page served with status 200)."""
    return looks_like_html(data[:2048].decode("utf-8", errors="replace").removeprefix("\ufeff"))


def _where(spec: DatasetSpec, frame: pd.DataFrame, index: int) -> str:
    value = frame[spec.date_column].iloc[index]
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _limits(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


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
            raise InputError(file, f"implausible value {float(values[i]):g} on {_where(spec, frame, i)} "
                                   f"(expected {_limits(low, high)} {spec.units})", row=row, field=field)


def check_frame(spec: DatasetSpec, frame: pd.DataFrame, name: str) -> None:
    """Schema, content and plausible values of a parsed frame; raises InputError."""
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
