"""From official files to snapshot records: find, parse, choose, combine, cut at as-of.

Used by ``fetch --from-dir`` (files on disk) and by the live fetcher (downloaded bytes):
both hand over ``RawFile`` values, so the same parsers and rules apply to either.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path

import pandas as pd

from ustglass import datasets, sources
from ustglass.datasets import DatasetSpec
from ustglass.errors import InputError
from ustglass.snapshot import DatasetRecord, Origin, cut_as_of, last_period_end, sha256_bytes

# Datasets assembled from several files (one per year, or history + current month):
# observations are combined, and where files overlap the file reaching further wins.
COMBINED = {datasets.CFTC_TFF.id, datasets.TIC_MFH.id}


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


def scan_dir(root: Path, exclude: tuple[str, ...] = ()) -> list[RawFile]:
    """Every regular file below ``root`` (sorted; hidden entries and ``exclude`` globs skipped)."""
    if not root.is_dir():
        raise InputError(str(root), "not a directory")
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if any(fnmatch.fnmatch(rel.as_posix(), pattern) for pattern in exclude):
            continue
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        found.append(RawFile(name=rel.as_posix(), data=path.read_bytes(), retrieved=mtime.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return found


def parse_files(files: list[RawFile]) -> tuple[list[Candidate], list[str]]:
    """Parse every recognised official file; return candidates and the files not used (with why)."""
    candidates: list[Candidate] = []
    unused: list[str] = []
    for raw in files:
        parsed = sources.parse_file(raw.name, raw.data)
        if parsed is None:
            unused.append(f"{raw.name}: not an official file ustglass reads")
            continue
        _kind, dataset_id, frame = parsed
        if dataset_id not in datasets.ALL:
            unused.append(f"{raw.name}: {dataset_id} is not used by the brief")
            continue
        origin = Origin(file=raw.name, sha256=sha256_bytes(raw.data), retrieved=raw.retrieved)
        candidates.append(Candidate(dataset_id, frame, origin))
    return candidates, unused


def _reach(spec: DatasetSpec, cand: Candidate) -> tuple[str, int, int, str]:
    """Rank of a candidate file: further-reaching, then longer, then less deeply nested."""
    last = last_period_end(spec, cand.frame)
    return (last.isoformat() if last else "", len(cand.frame), -cand.origin.file.count("/"), cand.origin.file)


def choose(spec: DatasetSpec, cands: list[Candidate]) -> DatasetRecord:
    """One dataset from its candidate files: the file reaching furthest, or all combined."""
    ranked = sorted(cands, key=lambda c: _reach(spec, c))
    best = ranked[-1]
    if spec.id not in COMBINED:
        notes = tuple(f"not used: {c.origin.file} (reaches less far than {best.origin.file})" for c in ranked[:-1])
        return DatasetRecord(spec, best.frame.loc[:, list(spec.columns)], (best.origin,), notes=notes)
    # later (further-reaching) files win where files overlap
    frame = pd.concat([c.frame.loc[:, list(spec.columns)] for c in ranked], ignore_index=True)
    frame = frame.drop_duplicates(subset=list(spec.key), keep="last")
    frame = frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)
    origins = tuple(sorted((c.origin for c in ranked), key=lambda o: o.file))
    return DatasetRecord(spec, frame, origins)


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


def assemble(candidates: list[Candidate], as_of: date | None) -> tuple[str, list[DatasetRecord]]:
    """Snapshot id and records from parsed candidates, cut at ``as_of`` (default: newest data)."""
    by_dataset: dict[str, list[Candidate]] = {}
    for cand in candidates:
        by_dataset.setdefault(cand.dataset_id, []).append(cand)
    missing = [s.id for s in datasets.ALL.values() if s.required and s.source != "research" and s.id not in by_dataset]
    if missing:
        raise InputError("input", f"no official file found for dataset(s): {', '.join(sorted(missing))}")
    records = [choose(datasets.get(ds), cands) for ds, cands in sorted(by_dataset.items())]
    if as_of is None:
        as_of = max(d for r in records if (d := last_period_end(r.spec, r.frame)) is not None)
    cut = []
    for rec in records:
        frame = cut_as_of(rec.spec, rec.frame, as_of)
        if frame.empty and rec.spec.required:
            raise InputError(rec.origins[0].file, f"no observation of {rec.spec.id} on or before {as_of.isoformat()}")
        cut.append(DatasetRecord(rec.spec, frame, rec.origins, rec.carried_forward, rec.notes))
    research, raw = research_estimates()
    research = cut_as_of(datasets.RESEARCH, research, as_of)
    cut.append(DatasetRecord(datasets.RESEARCH, research, (Origin(raw.name, sha256_bytes(raw.data), ""),)))
    return as_of.isoformat(), cut


def now_utc() -> str:
    """The current time as ISO UTC, or SOURCE_DATE_EPOCH's when set (reproducible builds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_snapshot(files: list[RawFile], as_of: date | None, root: Path, *, extra: dict | None = None,
                  parsed: list[Candidate] | None = None, carried: dict[str, str] | None = None) -> Path:
    """Parse, validate and assemble ``files`` into a new snapshot under ``root``.

    ``parsed``: candidates read elsewhere (Fiscal Data API pages, datasets of an earlier snapshot);
    ``carried``: dataset id -> note, for datasets carried forward from an earlier snapshot.
    """
    from dataclasses import replace

    from ustglass.snapshot import write_snapshot

    candidates, skipped = parse_files(files)
    snapshot_id, records = assemble([*candidates, *(parsed or [])], as_of)
    marks = carried or {}
    records = [replace(r, carried_forward=True, notes=(*r.notes, marks[r.spec.id])) if r.spec.id in marks else r
               for r in records]
    info = {"inputs_not_used": skipped, **(extra or {})}
    return write_snapshot(root, snapshot_id, records, created=now_utc(), extra=info)
