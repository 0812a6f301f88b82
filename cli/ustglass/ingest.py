"""From official files to snapshot records: find, parse, choose, combine, cut at as-of.

Used by ``fetch --from-dir`` (files on disk) and by the live fetcher (downloaded bytes):
both hand over ``RawFile`` values, so the same parsers and rules apply to either.
"""

from __future__ import annotations

import fnmatch
import math
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ustglass import datasets, snapshot, sources
from ustglass.datasets import Combine, DatasetSpec, Revision
from ustglass.errors import InputError
from ustglass.snapshot import DatasetRecord, Origin, cut_as_of, last_known, last_period_end, sha256_bytes
from ustglass.sources._text import MAX_FILE_BYTES, MAX_FILE_MB, located
from ustglass.sources.validate import check_frame, check_required, today

REVISED = "revised: "  # how a manifest note of a documented revision begins


@dataclass(frozen=True)
class RawFile:
    """An official file's bytes, the name it is known by, and when it was retrieved."""

    name: str
    data: bytes
    retrieved: str


@dataclass(frozen=True)
class Candidate:
    dataset_id: str
    frame: pd.DataFrame
    origin: Origin
    kind: str = ""  # the file kind (ustglass.sources.KINDS) it was read as, if any


def scan_dir(root: Path, exclude: tuple[str, ...] = ()) -> list[RawFile]:
    """Every regular file below ``root`` (sorted; hidden entries and ``exclude`` globs skipped)."""
    if not root.is_dir():
        raise InputError(str(root), "not a directory")
    found = []
    inside = root.resolve()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if any(fnmatch.fnmatch(rel.as_posix(), pattern) for pattern in exclude):
            continue
        if not path.resolve().is_relative_to(inside):  # a link out of the directory is not read, and its content not shown
            raise InputError(rel.as_posix(), "is a symbolic link to a file outside the input directory; copy the file in instead")
        if (size := path.stat().st_size) > MAX_FILE_BYTES:
            raise InputError(rel.as_posix(), f"is {size / 2**20:,.0f} MB, more than {MAX_FILE_MB} MB; no official file is that large")
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        found.append(RawFile(name=rel.as_posix(), data=path.read_bytes(), retrieved=mtime.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return found


def parse_files(files: list[RawFile]) -> tuple[list[Candidate], list[str]]:
    """Parse and check every recognised official file; return candidates and the files not used (with why)."""
    candidates: list[Candidate] = []
    unused: list[str] = []
    for raw in files:
        parsed = sources.parse_file(raw.name, raw.data)
        if parsed is None:
            unused.append(f"{raw.name}: not an official file ustglass reads")
            continue
        kind, dataset_id, frame = parsed
        if dataset_id not in datasets.ALL:
            unused.append(f"{raw.name}: {dataset_id} is not used by the brief")
            continue
        check_frame(datasets.get(dataset_id), frame, raw.name)
        origin = Origin(file=raw.name, sha256=sha256_bytes(raw.data), retrieved=raw.retrieved)
        candidates.append(Candidate(dataset_id, frame, origin, kind))
    return candidates, unused


def _reach(spec: DatasetSpec, cand: Candidate) -> tuple[str, int, int]:
    """Rank of a candidate file: further-reaching, then longer, then less deeply nested."""
    last = last_period_end(spec, cand.frame)
    return (last.isoformat() if last else "", len(cand.frame), -cand.origin.file.count("/"))


def _ranked(spec: DatasetSpec, cands: list[Candidate]) -> list[Candidate]:
    """Candidates from least to most preferred; among equals the first path in name order is preferred."""
    by_name = sorted(cands, key=lambda c: c.origin.file, reverse=True)
    return sorted(by_name, key=lambda c: _reach(spec, c))  # stable: ties keep reverse name order


def _show(value: object) -> str:
    """A key or a value as the messages write it: ISO dates, whole numbers without '.0', NaN as 'missing'."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where two missing values count as equal."""
    a_na, b_na = a.isna().to_numpy(dtype=bool), b.isna().to_numpy(dtype=bool)
    present = ~a_na & ~b_na
    equal = np.zeros(len(a), dtype=bool)
    equal[present] = (a.to_numpy(dtype=object)[present] == b.to_numpy(dtype=object)[present]).astype(bool)
    return (a_na & b_na) | equal


@dataclass(frozen=True)
class Disagreement:
    """Where two files of a dataset differ: how many observations, and the first one in full."""

    count: int
    where: str  # the observation's key, e.g. "2026-08-04 / 020601"
    column: str
    mine: str
    theirs: str
    file: str  # where ``mine`` was read: the file (or the member of an archive), its row and field
    row: int | None
    field: str


def disagreement(spec: DatasetSpec, a: Candidate, b: Candidate) -> Disagreement | None:
    """How the values of ``a`` differ from those of ``b`` on the observations both hold, or None."""
    key, values = list(spec.key), [c for c in spec.columns if c not in spec.key]
    left = a.frame.loc[:, list(spec.columns)].assign(_pos=np.arange(len(a.frame)))
    both = left.merge(b.frame.loc[:, list(spec.columns)], on=key, suffixes=("", "_other"), sort=True)
    differ = {col: ~_same(both[col], both[f"{col}_other"]) for col in values}
    bad = np.flatnonzero(np.logical_or.reduce([*differ.values(), np.zeros(len(both), dtype=bool)]))
    if not bad.size:
        return None
    i = int(bad[0])
    col = next(c for c in values if differ[c][i])
    file, row, field = located(a.frame, int(both["_pos"].iloc[i]), col, a.origin.file)
    where = " / ".join(_show(both[k].iloc[i]) for k in key)
    mine, theirs = _show(both[col].iloc[i]), _show(both[f"{col}_other"].iloc[i])
    return Disagreement(int(bad.size), where, col, mine, theirs, file, row, field)


def check_agree(spec: DatasetSpec, a: Candidate, b: Candidate) -> None:
    """Two files of one dataset must give the same values where their observations overlap."""
    found = disagreement(spec, a, b)
    if found is not None:
        raise InputError(
            found.file,
            f"{found.mine} on {found.where} differs from {b.origin.file} ({found.theirs}); "
            "two files give different values for the same observation",
            row=found.row,
            field=found.field,
        )


def _supersedes(spec: DatasetSpec, new: Candidate, old: Candidate) -> Revision | None:
    """The documented revision by which ``new`` supersedes ``old``: its kind is declared newer,
    and it reaches at least as far (a stale copy of the newer kind supersedes nothing)."""
    reach_new, reach_old = last_period_end(spec, new.frame) or date.min, last_period_end(spec, old.frame) or date.min
    return next((r for r in spec.revisions if (r.newer, r.older) == (new.kind, old.kind) and reach_new >= reach_old), None)


def _revision_note(new: Candidate, old: Candidate, found: Disagreement, revision: Revision) -> str:
    return (
        f"{REVISED}{new.origin.file} supersedes {old.origin.file} for {found.count} observation(s), e.g. {found.where} "
        f"{found.column}: {found.theirs} -> {found.mine} ({revision.why})"
    )


def _union(spec: DatasetSpec, ranked: list[Candidate]) -> DatasetRecord:
    """Every file's observations; files must agree where they overlap, unless one is a documented
    revision of the other: then its values are taken and the manifest notes say so."""
    notes: list[str] = []
    superseding: set[int] = set()
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            new, old = (a, b) if _supersedes(spec, a, b) else (b, a)
            revision = _supersedes(spec, new, old)
            if revision is None:
                check_agree(spec, a, b)
            elif (found := disagreement(spec, new, old)) is not None:
                notes.append(_revision_note(new, old, found, revision))
                superseding.add(id(new))
    # where files overlap they agree, except where a superseding file comes last and so wins
    order = sorted(ranked, key=lambda c: id(c) in superseding)
    frame = pd.concat([c.frame.loc[:, list(spec.columns)] for c in order], ignore_index=True)
    frame = frame.drop_duplicates(subset=list(spec.key), keep="last")
    frame = frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)
    origins = tuple(sorted((c.origin for c in ranked), key=lambda o: o.file))
    return DatasetRecord(spec, frame, origins, notes=tuple(notes))


def _why_not_used(spec: DatasetSpec, cand: Candidate, best: Candidate) -> str:
    """The manifest note for a file left out because ``best`` was taken instead: what is true of it."""
    key = list(spec.key)
    mine, theirs = cand.frame.loc[:, key], best.frame.loc[:, key]
    extra = len(mine.merge(theirs, on=key, how="left", indicator=True).query("_merge == 'left_only'"))
    if extra == 0 and len(mine) == len(theirs):
        reason = f"covers the same observations as {best.origin.file}"
    elif (last_period_end(spec, cand.frame) or date.min) < (last_period_end(spec, best.frame) or date.min):
        reason = f"reaches less far than {best.origin.file}"
    elif len(mine) < len(theirs):
        reason = f"reaches as far as {best.origin.file} but holds fewer observations"
    else:
        reason = f"reaches as far as {best.origin.file}, which is preferred by its path"
    if extra:
        reason += f"; it also holds {extra} observation(s) that {best.origin.file} lacks, left out"
    return f"not used: {cand.origin.file} ({reason})"


def choose(spec: DatasetSpec, cands: list[Candidate]) -> DatasetRecord:
    """One dataset from its candidate files, by the dataset's combine rule: the file reaching
    furthest, or the observations of all files. Either way two files that disagree on an
    observation are an error, unless the dataset documents one as a revision of the other."""
    ranked = _ranked(spec, cands)
    best = ranked[-1]
    if spec.combine is Combine.FURTHEST:
        for i, a in enumerate(ranked):
            for b in ranked[i + 1 :]:
                check_agree(spec, a, b)
        notes = tuple(_why_not_used(spec, c, best) for c in ranked[:-1])
        return DatasetRecord(spec, best.frame.loc[:, list(spec.columns)], (best.origin,), notes=notes)
    return _union(spec, ranked)


def research_estimates() -> tuple[pd.DataFrame, RawFile]:
    """The curated research estimates shipped with ustglass, as a frame."""
    ref = resources.files("ustglass") / "research" / "estimates.toml"
    data = ref.read_bytes()
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("research/estimates.toml", str(exc)) from None
    rows = []
    for key, entry in sorted(table.items()):
        missing = [c for c in datasets.RESEARCH.columns if c != "id" and c not in entry]
        if missing:
            raise InputError("research/estimates.toml", "missing", row=None, field=f"{key}.{missing[0]}")
        rows.append({"id": key, **{c: entry[c] for c in datasets.RESEARCH.columns if c != "id"}})
    frame = pd.DataFrame(rows, columns=list(datasets.RESEARCH.columns))
    frame["value"] = frame["value"].astype("float64")
    for col in datasets.RESEARCH.columns:
        if col != "value":
            frame[col] = frame[col].astype(str)
    return frame, RawFile("research/estimates.toml", data, "")


def newest_known(records: list[DatasetRecord]) -> date:
    """The as-of date the data allow: the newest date on which any observation became known
    (by its dataset's release rule), but not after today (a file holding an observation earlier
    than its rule says is read as of today)."""
    newest = max(d for r in records if (d := last_known(r.spec, r.frame)) is not None)
    return min(newest, today())


def assemble(candidates: list[Candidate], as_of: date | None) -> tuple[str, list[DatasetRecord]]:
    """Snapshot id and records from parsed candidates, cut at ``as_of`` (default: ``newest_known``).

    An optional dataset with no observation known on the as-of date is left out of the snapshot."""
    by_dataset: dict[str, list[Candidate]] = {}
    for cand in candidates:
        by_dataset.setdefault(cand.dataset_id, []).append(cand)
    missing = [s.id for s in datasets.ALL.values() if s.required and s.source != "research" and s.id not in by_dataset]
    if missing:
        raise InputError("input", f"no official file found for dataset(s): {', '.join(sorted(missing))}")
    records = [choose(datasets.get(ds), cands) for ds, cands in sorted(by_dataset.items())]
    if as_of is None:
        as_of = newest_known(records)
    cut = []
    for rec in records:
        frame = cut_as_of(rec.spec, rec.frame, as_of)
        if frame.empty and not rec.spec.required:
            continue
        if frame.empty:
            raise InputError(rec.origins[0].file, f"no observation of {rec.spec.id} known on or before {as_of.isoformat()}")
        check_required(rec.spec, frame, f"{rec.spec.id} as of {as_of.isoformat()}")
        cut.append(DatasetRecord(rec.spec, frame, rec.origins, rec.carried_forward, rec.notes))
    research, raw = research_estimates()
    research = cut_as_of(datasets.RESEARCH, research, as_of)
    cut.append(DatasetRecord(datasets.RESEARCH, research, (Origin(raw.name, sha256_bytes(raw.data), ""),)))
    return as_of.isoformat(), cut


def now_utc() -> str:
    """The current time as ISO UTC, or SOURCE_DATE_EPOCH's when set (reproducible builds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Prepared:
    """A snapshot assembled in memory, not yet written: its id, datasets and manifest extras."""

    snapshot_id: str
    records: tuple[DatasetRecord, ...]
    extra: dict[str, Any]


def check_as_of(as_of: date | None) -> None:
    """An as-of date may not be after today: a snapshot holds what was known on its date."""
    now = today()
    if as_of is not None and as_of > now:
        raise InputError("--as-of", f"{as_of.isoformat()} is in the future (today is {now.isoformat()})")


def prepare(
    files: list[RawFile],
    as_of: date | None,
    *,
    extra: dict[str, Any] | None = None,
    parsed: list[Candidate] | None = None,
    carried: dict[str, str] | None = None,
) -> Prepared:
    """Parse, validate and assemble ``files`` (nothing is written; every input error is raised here).

    ``parsed``: candidates read elsewhere (Fiscal Data API pages, datasets of an earlier snapshot);
    ``carried``: dataset id -> note, for datasets carried forward from an earlier snapshot.
    """
    check_as_of(as_of)
    candidates, skipped = parse_files(files)
    snapshot_id, records = assemble([*candidates, *(parsed or [])], as_of)
    marks = carried or {}
    records = [replace(r, carried_forward=True, notes=(*r.notes, marks[r.spec.id])) if r.spec.id in marks else r for r in records]
    return Prepared(snapshot_id, tuple(records), {"inputs_not_used": skipped, **(extra or {})})


def write(prepared: Prepared, root: Path) -> Path:
    """Write a prepared snapshot as ``root/<id>/``; an existing one is never overwritten."""
    return snapshot.write_snapshot(root, prepared.snapshot_id, list(prepared.records), created=now_utc(), extra=prepared.extra)


def commit(prepared: Prepared, root: Path) -> tuple[Path, bool]:
    """Write a prepared snapshot (``snapshot.commit``): (path, True) when new, (path, False)
    when ``root`` already holds a snapshot of that id with the same data; different data is an error."""
    return snapshot.commit(root, prepared.snapshot_id, list(prepared.records), created=now_utc(), extra=prepared.extra)
