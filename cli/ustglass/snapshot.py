"""Snapshots on disk: one tidy CSV per dataset plus manifest.json, written atomically.

A snapshot directory is never modified once written. Reading one verifies every CSV
against the sha256 recorded in its manifest, so a brief is only ever built from the
exact data a snapshot was made with.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ustglass import __version__
from ustglass.datasets import ALL, DatasetSpec, Dtype
from ustglass.errors import SnapshotError
from ustglass.releases import known_dates, period_end, stale_after_days

MANIFEST = "manifest.json"
SNAPSHOT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAGE_PREFIX = ".fetch-"


@dataclass(frozen=True)
class Origin:
    """The official file a dataset was read from."""

    file: str
    sha256: str
    retrieved: str  # ISO timestamp (UTC) of download, or the file's modification time


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset ready to be written into a snapshot."""

    spec: DatasetSpec
    frame: pd.DataFrame
    origins: tuple[Origin, ...]
    carried_forward: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    id: str
    path: Path
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(repr=False)

    @property
    def as_of(self) -> str:
        return str(self.manifest["as_of"])

    def table(self, dataset_id: str) -> pd.DataFrame:
        try:
            return self.tables[dataset_id]
        except KeyError:
            raise SnapshotError(f"{self.path / MANIFEST}: snapshot has no dataset {dataset_id!r}") from None

    def has(self, dataset_id: str) -> bool:
        return dataset_id in self.tables


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- as-of cut -------------------------------------------------------------------------
# An observation is in a snapshot as of D only if it was known on D: released by then under its
# dataset's release rule (ustglass.releases), not merely at the end of its period.


def cut_as_of(spec: DatasetSpec, frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Drop every observation not yet known on ``as_of``."""
    keep = known_dates(spec, frame) <= pd.Timestamp(as_of)
    return frame.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def last_period_end(spec: DatasetSpec, frame: pd.DataFrame) -> date | None:
    """The end of the newest period of ``frame`` (how far a file reaches), or None when empty."""
    if frame.empty:
        return None
    return period_end(spec, frame).max().date()


def last_known(spec: DatasetSpec, frame: pd.DataFrame) -> date | None:
    """The date the newest observation of ``frame`` became known, or None when empty."""
    if frame.empty:
        return None
    return known_dates(spec, frame).max().date()


# --- writing ---------------------------------------------------------------------------


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: ISO dates, shortest round-trip floats, LF line ends."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _bounds(spec: DatasetSpec, frame: pd.DataFrame) -> tuple[str, str]:
    if frame.empty:
        return "", ""
    col = frame[spec.date_column]
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.min().strftime("%Y-%m-%d"), col.max().strftime("%Y-%m-%d")
    values = sorted(col.astype(str))
    return values[0], values[-1]


def dataset_manifest(record: DatasetRecord, csv: bytes) -> dict[str, Any]:
    spec, frame = record.spec, record.frame
    first, last = _bounds(spec, frame)
    return {
        "file": f"{spec.id}.csv",
        "sha256": sha256_bytes(csv),
        "rows": int(len(frame)),
        "first": first,
        "last": last,
        "units": spec.units,
        "frequency": spec.frequency.value,
        "release": {"rule": spec.release.key, "lag_days": spec.release.lag_days, "stale_after_days": stale_after_days(spec)},
        "source_name": spec.source_name,
        "url": spec.url,
        "original": [{"file": o.file, "sha256": o.sha256, "retrieved": o.retrieved} for o in record.origins],
        "carried_forward": record.carried_forward,
        "notes": list(record.notes),
    }


def _write_into(directory: Path, snapshot_id: str, records: list[DatasetRecord], created: str, extra: dict[str, Any] | None) -> None:
    """Write every dataset CSV and manifest.json into ``directory`` and flush them to disk."""
    datasets: dict[str, Any] = {}
    for record in sorted(records, key=lambda r: r.spec.id):
        csv = frame_to_csv(record.frame.loc[:, list(record.spec.columns)])
        (directory / f"{record.spec.id}.csv").write_bytes(csv)
        datasets[record.spec.id] = dataset_manifest(record, csv)
    manifest = {
        "snapshot": snapshot_id,
        "as_of": snapshot_id,
        "created": created,
        "tool": f"ustglass {__version__}",
        **(extra or {}),
        "datasets": datasets,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _fsync_dir(directory)


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())


# --- committing ------------------------------------------------------------------------
# A snapshot is written into one staging directory beside the others (``.fetch-<pid>-*``) and
# renamed into place in one step, so a reader sees either no snapshot or a complete one. A
# staging directory left by a process that was killed is removed by the next commit.


def dataset_hashes(path: Path) -> dict[str, str]:
    """Dataset id -> sha256 of its CSV, from a snapshot's manifest."""
    return {ds: str(meta.get("sha256", "")) for ds, meta in read_manifest(path)["datasets"].items()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root: Path) -> None:
    """Remove staging directories left by commits that were killed."""
    for entry in root.glob(f"{STAGE_PREFIX}*"):
        pid = entry.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if entry.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def adopt(staged: Path, target: Path) -> tuple[Path, bool]:
    """Rename a complete staged snapshot to ``target``: (target, True); or (target, False) when
    ``target`` already holds the same data. Different data under that id is an error."""
    if not target.exists():
        try:
            os.rename(staged, target)
            return target, True
        except OSError:
            if not target.exists():
                raise
    if file_hashes(target) == dataset_hashes(staged):
        return target, False
    raise SnapshotError(
        f"{target}: a snapshot {target.name} with different data already exists (a revision without newer "
        "observations); snapshots are never overwritten: move it away or choose another --as-of"
    )


def commit(
    root: Path, snapshot_id: str, records: list[DatasetRecord], *, created: str, extra: dict[str, Any] | None = None
) -> tuple[Path, bool]:
    """Write ``root/<snapshot_id>/`` through one staging directory: (path, True) when new,
    (path, False) when ``root`` already holds a snapshot of that id with the same data."""
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=root))
    try:
        os.chmod(stage, 0o755)
        _write_into(stage, snapshot_id, records, created, extra)
        return adopt(stage, root / snapshot_id)
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # gone already once renamed


def write_snapshot(
    root: Path, snapshot_id: str, records: list[DatasetRecord], *, created: str, extra: dict[str, Any] | None = None
) -> Path:
    """Write ``root/<snapshot_id>/`` atomically; refuse to overwrite an existing snapshot."""
    target = root / snapshot_id
    if target.exists():
        raise SnapshotError(f"{target}: snapshot already exists; snapshots are never overwritten")
    path, created_now = commit(root, snapshot_id, records, created=created, extra=extra)
    if not created_now:
        raise SnapshotError(f"{target}: snapshot already exists; snapshots are never overwritten")
    return path


# --- reading ---------------------------------------------------------------------------


def list_snapshots(root: Path) -> list[Path]:
    """Snapshot directories under ``root``, oldest first (ids are ISO dates)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and SNAPSHOT_ID.match(p.name) and (p / MANIFEST).is_file())


def resolve(ref: str | None, root: Path) -> Path:
    """A snapshot given by id, by path, or (None) the newest under ``root``."""
    if ref is None:
        found = list_snapshots(root)
        if not found:
            raise SnapshotError(f"{root}: no snapshot found; run 'ustglass fetch' first")
        return found[-1]
    as_path = Path(ref)
    for candidate in (as_path, root / ref):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise SnapshotError(f"{ref}: no such snapshot (looked in {root})")


# The manifest is not trusted: its fields are checked, a dataset's file must be a plain file
# inside the snapshot directory, and the snapshot's id (and as-of date, when the directory is
# named like one) is the directory's name, whatever the manifest says.

_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPTIONAL: dict[str, tuple[type, ...]] = {
    "first": (str,),
    "last": (str,),
    "units": (str,),
    "url": (str,),
    "original": (list,),
    "notes": (list,),
    "carried_forward": (bool,),
    "release": (dict,),
}


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _iso_date(value: Any) -> date | None:
    """The date an ISO ``YYYY-MM-DD`` string names (years 1800-2199), or None."""
    if not isinstance(value, str) or not SNAPSHOT_ID.match(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1800 <= day.year < 2200 else None


def _check_dataset(mpath: Path, dataset_id: str, meta: Any) -> None:
    where = f"{mpath}: dataset {dataset_id!r}"
    if not isinstance(meta, dict):
        raise SnapshotError(f"{where}: not an object but {_shown(meta)}")
    for name in ("file", "sha256", "rows"):
        if name not in meta:
            raise SnapshotError(f"{where}, field {name!r}: missing")
    file, digest, rows = meta["file"], meta["sha256"], meta["rows"]
    if not isinstance(file, str) or file in ("", ".", "..") or "/" in file or "\\" in file or "\x00" in file:
        raise SnapshotError(f"{where}, field 'file': not a file name inside the snapshot directory: {_shown(file)}")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise SnapshotError(f"{where}, field 'sha256': not a sha256 (64 hex digits): {_shown(digest)}")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise SnapshotError(f"{where}, field 'rows': not a number of rows: {_shown(rows)}")
    for name, types in _OPTIONAL.items():
        if name in meta and not isinstance(meta[name], types):
            raise SnapshotError(
                f"{where}, field {name!r}: not {'a list' if list in types else 'a ' + types[0].__name__}: {_shown(meta[name])}"
            )
    for i, origin in enumerate(meta.get("original", []), start=1):
        if (
            not isinstance(origin, dict)
            or not all(isinstance(origin.get(k, ""), str) for k in ("file", "sha256", "retrieved"))
            or "file" not in origin
        ):
            raise SnapshotError(f"{where}, field 'original': entry {i} is not a file with sha256 and retrieval time: {_shown(origin)}")
    if not all(isinstance(n, str) for n in meta.get("notes", [])):
        raise SnapshotError(f"{where}, field 'notes': not a list of text: {_shown(meta['notes'])}")


def read_manifest(path: Path) -> dict[str, Any]:
    """A snapshot's manifest, checked, with ``snapshot`` set to the directory's name (and ``as_of``
    too when the directory is named by a date); raises SnapshotError naming the field."""
    mpath = path / MANIFEST
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{mpath}: missing") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{mpath}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise SnapshotError(f"{mpath}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("datasets"), dict):
        raise SnapshotError(f"{mpath}: field 'datasets' missing")
    if _iso_date(manifest.get("as_of")) is None:
        raise SnapshotError(f"{mpath}: field 'as_of': not a date YYYY-MM-DD: {_shown(manifest.get('as_of'))}")
    for dataset_id, meta in manifest["datasets"].items():
        _check_dataset(mpath, dataset_id, meta)
    named = _iso_date(path.name)
    return {**manifest, "snapshot": path.name, "as_of": named.isoformat() if named else manifest["as_of"]}


def dataset_file(path: Path, meta: dict[str, Any]) -> Path:
    """The CSV a (checked) manifest entry names: a plain file inside the snapshot directory."""
    csv_path = path / meta["file"]
    try:
        mode = csv_path.lstat().st_mode
    except FileNotFoundError:
        raise SnapshotError(f"{csv_path}: missing (listed in manifest.json)") from None
    except OSError as exc:
        raise SnapshotError(f"{csv_path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise SnapshotError(f"{csv_path}: not a plain file inside the snapshot directory (a link or a directory)")
    return csv_path


def _verified(path: Path, meta: dict[str, Any]) -> tuple[Path, bytes]:
    """A dataset's CSV bytes, checked against the sha256 its manifest entry records."""
    csv_path = dataset_file(path, meta)
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{csv_path}: cannot be read ({exc.strerror or exc})") from None
    if sha256_bytes(data) != meta["sha256"]:
        raise SnapshotError(f"{csv_path}: sha256 does not match manifest.json; the file was changed after the snapshot was written")
    return csv_path, data


def file_hashes(path: Path) -> dict[str, str]:
    """Dataset id -> sha256 of its CSV, each file read and checked against the manifest."""
    hashes = {}
    for dataset_id, meta in read_manifest(path)["datasets"].items():
        _verified(path, meta)
        hashes[dataset_id] = meta["sha256"]
    return hashes


def load(path: Path) -> Snapshot:
    """Read and verify a snapshot: every CSV must match the sha256 and row count in the manifest.

    Each CSV is parsed once per process: a file whose verified bytes were parsed before (same
    dataset, same sha256) is not parsed again; every call gets its own frames (copy-on-write
    copies, so a caller changing one changes no other's)."""
    manifest = read_manifest(path)
    tables: dict[str, pd.DataFrame] = {}
    for dataset_id, meta in manifest["datasets"].items():
        spec = ALL.get(dataset_id)
        if spec is None:
            raise SnapshotError(f"{path / MANIFEST}: unknown dataset {dataset_id!r}")
        csv_path, data = _verified(path, meta)
        table = _parsed(spec, csv_path, data, meta["sha256"])
        if len(table) != meta["rows"]:
            raise SnapshotError(
                f"{path / MANIFEST}: dataset {dataset_id!r}, field 'rows': {meta['rows']}, but {csv_path.name} holds {len(table)}"
            )
        tables[dataset_id] = table.copy(deep=False)
    return Snapshot(id=path.name, path=path, manifest=manifest, tables=tables)


# Frames already parsed in this process, by (dataset id, sha256 of the CSV bytes): the bytes are
# verified against the manifest before each look-up, so a hit is the same data. Oldest dropped first.
_PARSED: OrderedDict[tuple[str, str], pd.DataFrame] = OrderedDict()
_PARSED_MAX = 64  # the datasets of a few snapshots (an edition and its previous one need two)


def _parsed(spec: DatasetSpec, csv_path: Path, data: bytes, sha256: str) -> pd.DataFrame:
    key = (spec.id, sha256)
    if key in _PARSED:
        _PARSED.move_to_end(key)
        return _PARSED[key]
    try:
        table = read_csv(spec, data)
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{csv_path}: not a {spec.id} table ({str(exc).splitlines()[0][:80]})") from None
    _PARSED[key] = table
    while len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)
    return table


def read_csv(spec: DatasetSpec, data: bytes) -> pd.DataFrame:
    """A snapshot CSV as the frame the parsers made, each column read as its declared type
    (``Dtype.pandas``; nothing inferred): dates as text then parsed YYYY-MM-DD."""
    read_as = {Dtype.DATE: "str", Dtype.TEXT: "str", Dtype.INT: "Int64", Dtype.FLOAT: "float64"}
    dtypes: dict[str, Any] = {c.name: read_as[c.dtype] for c in spec.schema}
    missing = {c.name: [""] for c in spec.schema if c.dtype is not Dtype.TEXT}
    frame = pd.read_csv(io.BytesIO(data), dtype=dtypes, keep_default_na=False, na_values=missing)
    if tuple(frame.columns) != spec.columns:
        raise ValueError(f"columns {', '.join(map(str, frame.columns))}, expected {', '.join(spec.columns)}")
    for col in spec.schema:
        if col.dtype is Dtype.DATE:
            frame[col.name] = pd.to_datetime(frame[col.name], format="%Y-%m-%d").astype("datetime64[us]")  # Dtype.DATE.pandas
    return frame
