"""What changed since the previous edition: new observations, revisions, and signals that moved.

Pure over loaded data: ``compare`` takes two snapshots' tables (as ``snapshot.load`` gives
them) and returns the key figures' typed ``Changes`` (``ustglass.keyfigures``). Per dataset, ``history.compare`` counts the new,
removed and revised observations; the revisions are listed with their old and new values;
the scorecard is evaluated on both snapshots and every indicator whose signal differs is
listed (an indicator that becomes available, or stops being, counts as a change).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ustglass import datasets, history, scorecard, snapshot
from ustglass.errors import SnapshotError
from ustglass.keyfigures import Changes, DatasetChange, Revision, SignalChange

Tables = Mapping[str, pd.DataFrame]


def _plain(value: Any) -> Any:
    """A cell as JSON-ready data: ISO dates, floats, ints, strings; missing as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        return value.item()
    return value


def _spec(dataset_id: str, frame: pd.DataFrame) -> datasets.DatasetSpec:
    """The registered spec; for an unregistered ``date,value`` dataset, one keyed by date."""
    if dataset_id in datasets.ALL:
        return datasets.ALL[dataset_id]
    return datasets.DatasetSpec(
        id=dataset_id,
        source="",
        source_name=dataset_id,
        units="",
        frequency=datasets.Frequency.IRREGULAR,
        url="",
        date_column=str(frame.columns[0]),
        schema=tuple(datasets.text(str(c)) for c in frame.columns),
        key=(str(frame.columns[0]),),
    )


def _key(row: pd.Series, key: tuple[str, ...]) -> str:
    return " ".join(str(_plain(row[k])) for k in key)


def revisions(spec: datasets.DatasetSpec, old: pd.DataFrame, new: pd.DataFrame) -> tuple[Revision, ...]:
    """Every value that differs between two versions of the same observations, oldest key first."""
    key, cols = list(spec.key), [c for c in spec.columns if c not in spec.key]
    both = old.merge(new, on=key, how="inner", suffixes=("_a", "_b")).sort_values(key, kind="stable")
    found = []
    for _, row in both.iterrows():
        for col in cols:
            a, b = _plain(row[f"{col}_a"]), _plain(row[f"{col}_b"])
            if a != b:
                found.append(Revision(_key(row, spec.key), col, a, b))
    return tuple(found)


def _new_range(spec: datasets.DatasetSpec, old: pd.DataFrame, new: pd.DataFrame) -> tuple[str | None, str | None]:
    merged = new.merge(old[list(spec.key)], on=list(spec.key), how="left", indicator=True)
    added = merged.loc[merged["_merge"] == "left_only", spec.date_column]
    if added.empty:
        return None, None
    values = sorted(str(_plain(v)) for v in added)
    return values[0], values[-1]


def dataset_changes(old: Tables, new: Tables) -> tuple[DatasetChange, ...]:
    out = []
    for ds in sorted(set(old) | set(new)):
        if ds not in new:
            out.append(DatasetChange(ds, "removed", removed=len(old[ds])))
            continue
        spec = _spec(ds, new[ds])
        if ds not in old:
            first, last = _new_range(spec, new[ds].iloc[0:0], new[ds])
            out.append(DatasetChange(ds, "added", len(new[ds]), first, last))
            continue
        found = history.compare(spec, old[ds], new[ds], examples=0)
        first, last = _new_range(spec, old[ds], new[ds])
        revised = revisions(spec, old[ds], new[ds]) if found.revised else ()
        out.append(DatasetChange(ds, found.status, found.added, first, last, found.removed, found.revised, revised))
    return tuple(out)


def signal_changes(old: Tables, new: Tables, after: scorecard.Scorecard | None = None) -> tuple[SignalChange, ...]:
    """The indicators whose signal differs; ``after``, when given, is ``new``'s scorecard, already evaluated."""
    before, after = scorecard.evaluate(old), scorecard.evaluate(new) if after is None else after
    out = []
    for a, b in zip(before.results, after.results):
        if a.signal != b.signal:
            digits = a.indicator.digits
            out.append(
                SignalChange(
                    a.id, a.signal, b.signal, scorecard.rounded(a.value, digits), scorecard.rounded(b.value, digits), a.as_of, b.as_of
                )
            )
    return tuple(out)


def compare(previous_id: str, old: Tables, current_id: str, new: Tables, card: scorecard.Scorecard | None = None) -> Changes:
    """What changed from the previous snapshot's tables to the current one's; ``card`` is the
    current scorecard when the caller has evaluated it (it is not evaluated twice)."""
    return Changes(previous_id, current_id, dataset_changes(old, new), signal_changes(old, new, card))


def previous_of(current: Path, root: Path) -> Path:
    """The snapshot just before ``current`` (by id) under ``root``."""
    earlier = [p for p in snapshot.list_snapshots(root) if p.name < current.name]
    if not earlier:
        raise SnapshotError(f"{root}: no snapshot before {current.name} to compare with; name one with --since")
    return earlier[-1]


# --- text ----------------------------------------------------------------------------------


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    return [
        "  " + "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in (head, *rows)
    ]


def format_text(changes: Changes, examples: int = 5) -> str:
    """New observations per dataset, revisions (old → new), and the signals that changed."""
    lines = [f"changes from {changes.previous} to {changes.current}", "", "data"]
    lines += _table(
        ("dataset", "status", "new", "first new", "last new", "revised", "removed"),
        [
            (d.dataset, d.status, str(d.new_observations), d.new_first or "", d.new_last or "", str(d.revised), str(d.removed))
            for d in changes.datasets
        ],
        {2, 5, 6},
    )
    revised = [d for d in changes.datasets if d.revisions]
    lines += ["", "revisions" if revised else "revisions: none"]
    for d in revised:
        for r in d.revisions[:examples]:
            lines.append(f"  {d.dataset} {r.key} {r.column}: {r.old} -> {r.new}")
        if len(d.revisions) > examples:
            lines.append(f"  {d.dataset}: {len(d.revisions) - examples} more")
    lines += ["", "signals changed" if changes.signals_changed else "signals changed: none"]
    if changes.signals_changed:

        def side(sig: str | None, value: float | None, as_of: str | None) -> str:
            return "not available" if sig is None else f"{sig} ({value:,g}, {as_of})"

        lines += _table(
            ("indicator", "before", "after"),
            [
                (s.id, side(s.before, s.value_before, s.as_of_before), side(s.after, s.value_after, s.as_of_after))
                for s in changes.signals_changed
            ],
            set(),
        )
    return "\n".join(lines)
