"""``ustglass fetch`` from the official services: what to download, and when a download is good.

The plan names every file of every requested source at its official URL (the host may be
replaced by a mirror: ``USTGLASS_<SOURCE>_URL``). Each download is checked (status, content
type, size, the same parsers as ``fetch --from-dir``, schema, plausible values, dates not going
backwards) before it may join a snapshot; the snapshot itself is made by ``ingest.prepare``
and committed by ``ingest.commit``, exactly as from files on disk (``snapshot_from_dir``).

Bounded work: Fiscal Data endpoints may announce at most ``max_pages`` pages, a zip member
may inflate to at most the body cap (``HttpSettings``). A dataset whose download ends before
the previous snapshot's is refused, unless the previous snapshot read it from local files:
then that snapshot's (newer) data are carried forward, marked, and the download is not used.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd

from .. import datasets, ingest, snapshot
from ..errors import FetchError, InputError
from ..logs import Log, redact
from ..oserrors import os_problem
from . import REGISTRY, SOURCES, identify, parse_file, source
from .base import PAGES, Download
from .cftc import FIRST_YEAR
from .http import DownloadError, Fetched, HttpClient, HttpSettings, SettingsError
from .progress import size_text
from .validate import Failure, check_frame, last_observation, looks_like_page, today

MIRROR_ENV = {s: f"USTGLASS_{s.upper()}_URL" for s in SOURCES}
PAGE_SIZE = 10_000  # the Fiscal Data API's largest page
CFTC_FIRST_YEAR = FIRST_YEAR


@dataclass(frozen=True)
class FetchResult:
    """The snapshot a fetch produced (or found identical), and what went wrong on the way."""

    path: Path
    created: bool
    failures: tuple[Failure, ...] = ()
    carried: tuple[str, ...] = ()
    revised: tuple[str, ...] = ()  # documented revisions taken (also in the manifest notes)

    @property
    def id(self) -> str:
        return self.path.name


@dataclass
class Gathered:
    """Downloads that passed, ready for ingest, and the failures."""

    files: list[tuple[str, ingest.RawFile]] = field(default_factory=list)
    parsed: list[ingest.Candidate] = field(default_factory=list)
    frames: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    origins: dict[str, list[Download]] = field(default_factory=dict)  # dataset -> the download of each frame
    kept: dict[str, str] = field(default_factory=dict)  # dataset -> why the previous snapshot's data are kept


# --- the plan ----------------------------------------------------------------------------


def base_url(source: str) -> str | None:
    """The mirror for ``source`` from its environment variable (scheme://host[:port]), or None."""
    env = MIRROR_ENV[source]
    value = os.environ.get(env, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise SettingsError(f"{env}={redact(value)!r}: expected scheme://host[:port], e.g. https://mirror.example:8443")
    return f"{parts.scheme}://{parts.netloc}"


def mirrored(source: str, official: str) -> str:
    """``official`` with its scheme and host replaced by the source's mirror, if one is set."""
    base = base_url(source)
    if base is None:
        return official
    parts = urlsplit(official)
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


def plan(sources: Sequence[str], as_of: date) -> list[Download]:
    """Every download the requested sources need for a snapshot as of ``as_of`` (each source's plan,
    its URLs moved to the source's mirror when one is set)."""
    out: list[Download] = []
    for src in REGISTRY:
        if src.name in sources:
            out.extend(src.plan(as_of, partial(mirrored, src.name)))
    return out


def page_url(endpoint: str, number: int) -> str:
    """The URL of page ``number`` of a Fiscal Data endpoint."""
    return f"{endpoint}&{urlencode({'page[number]': number, 'page[size]': PAGE_SIZE})}"


# --- checking downloads ------------------------------------------------------------------


def _response_problem(got: Fetched) -> str | None:
    """Why a successful response cannot be the file asked for, or None."""
    if not got.data.strip():
        return "empty body"
    if "html" in got.content_type.lower() or looks_like_page(got.data):
        return f"an HTML page instead of data (content type {got.content_type or 'not given'!r})"
    return None


def _zip_problem(data: bytes, cap: int) -> str | None:
    """Why a zip archive may not be inflated (a member larger than ``cap``), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None  # the parser says what is wrong with it
    for member in members:
        if member.file_size > cap:
            return (
                f"member {member.filename[:80]!r} would inflate to {size_text(member.file_size)}, more than "
                f"{size_text(cap)} (USTGLASS_HTTP_MAX_MB)"
            )
    return None


def _check_file(d: Download, got: Fetched, cap: int) -> tuple[ingest.RawFile, pd.DataFrame]:
    """A plain download identified and parsed as ``d.kind`` holding ``d.dataset``; raises InputError."""
    problem = _zip_problem(got.data, cap) if d.kind == "cftc_zip" else None
    if problem:
        raise InputError(d.name, problem)
    kind = identify(d.name, got.data[:8192])
    if kind != d.kind:
        raise InputError(d.name, f"not the expected file (recognised as {kind or 'nothing ustglass reads'})")
    parsed = parse_file(d.name, got.data)
    assert parsed is not None
    _, dataset_id, frame = parsed
    if dataset_id != d.dataset:
        raise InputError(d.name, f"holds {dataset_id}, expected {d.dataset}", row=1)
    problem = source(d.source).check(d, frame)
    if problem:
        raise InputError(d.name, problem)
    return ingest.RawFile(d.name, got.data, got.retrieved), frame


def _page_count(d: Download, first: Fetched, cap: int) -> int:
    """Total pages announced by page 1 (meta.total-pages), at most ``cap``; raises InputError."""
    try:
        meta = json.loads(first.data.decode("utf-8-sig"))["meta"]
        pages = max(1, int(meta["total-pages"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, OverflowError):
        raise InputError(d.name, "page 1 is not a Fiscal Data API response (no meta.total-pages)") from None
    if pages > cap:
        raise InputError(d.name, f"page 1 announces {pages:,} pages; at most {cap:,} are fetched (USTGLASS_FISCALDATA_MAX_PAGES)")
    return pages


def _check_pages(d: Download, pages: list[Fetched]) -> tuple[ingest.Candidate, pd.DataFrame]:
    """Fiscal Data pages: complete (total-count, links.next), parsed by the JSON parser."""
    docs = []
    for number, page in enumerate(pages, start=1):
        try:
            docs.append(json.loads(page.data.decode("utf-8-sig")))
        except (ValueError, UnicodeDecodeError):
            raise InputError(d.name, f"page {number} is not JSON") from None
    frame = source(d.source).pages[d.dataset]([p.data for p in pages], d.name)
    total = sum(len(doc.get("data") or []) for doc in docs)
    expected = (docs[0].get("meta") or {}).get("total-count")
    if expected is not None and int(expected) != total:
        raise InputError(d.name, f"incomplete: {total} records in {len(pages)} page(s), the API announced {expected}")
    if (docs[-1].get("links") or {}).get("next"):
        raise InputError(d.name, f"page {len(pages)} of {len(pages)} still links to a next page")
    digest = hashlib.sha256(b"".join(p.data for p in pages)).hexdigest()
    origin = snapshot.Origin(file=d.name, sha256=digest, retrieved=pages[0].retrieved)
    return ingest.Candidate(d.dataset, frame, origin, PAGES), frame


def _accept(d: Download, got: Fetched | list[Fetched], into: Gathered, cap: int) -> None:
    """Check one download and add it, or its failure, to ``into``."""
    responses = got if isinstance(got, list) else [got]
    try:
        for response in responses:
            problem = _response_problem(response)
            if problem:
                raise InputError(d.name, problem)
        if isinstance(got, list):
            cand, frame = _check_pages(d, got)
            into.parsed.append(cand)
        else:
            raw, frame = _check_file(d, got, cap)
            into.files.append((d.dataset, raw))
        check_frame(datasets.get(d.dataset), frame, d.name)
    except InputError as exc:
        into.failures.append(Failure(d.source, redact(d.url), redact(str(exc)), d.dataset, d.optional))
        return
    into.frames.setdefault(d.dataset, []).append(frame)
    into.origins.setdefault(d.dataset, []).append(d)


# --- downloading -------------------------------------------------------------------------


def _download(downloads: list[Download], http: HttpClient) -> dict[Download, Fetched | list[Fetched] | DownloadError]:
    """Every file, and every page of every Fiscal Data endpoint (page 1 first, then the rest)."""
    first = {d: (page_url(d.url, 1) if d.kind == PAGES else d.url) for d in downloads}
    got = http.get_many(list(first.values()))
    out: dict[Download, Fetched | list[Fetched] | DownloadError] = {d: got[url] for d, url in first.items()}
    more: dict[Download, list[str]] = {}
    for d in downloads:
        page1 = out[d]
        if d.kind == PAGES and isinstance(page1, Fetched) and not _response_problem(page1):
            try:
                more[d] = [page_url(d.url, n) for n in range(2, _page_count(d, page1, http.settings.max_pages) + 1)]
            except InputError as exc:
                out[d] = DownloadError(page_url(d.url, 1), exc.reason)
                http.forget(page_url(d.url, 1))
                continue
            out[d] = [page1]
    rest = http.get_many([u for urls in more.values() for u in urls]) if any(more.values()) else {}
    for d, urls in more.items():
        pages = [rest[u] for u in urls]
        error = next((p for p in pages if isinstance(p, DownloadError)), None)
        out[d] = error if error is not None else [*out[d], *pages]  # type: ignore[list-item, misc]
    return out


def gather(downloads: list[Download], http: HttpClient) -> Gathered:
    """Download and check everything; nothing raises for a single bad source."""
    result = Gathered()
    for d, got in _download(downloads, http).items():
        if isinstance(got, DownloadError):
            result.failures.append(Failure(d.source, got.url, got.reason, d.dataset, d.optional))
            continue
        before = len(result.failures)
        _accept(d, got, result, http.settings.max_bytes)
        if len(result.failures) > before:
            for response in got if isinstance(got, list) else [got]:
                http.forget(response.url)
    return result


# --- the fetch ---------------------------------------------------------------------------


def previous_snapshot(root: Path, as_of: date | None) -> Path | None:
    """The newest snapshot under ``root`` (on or before ``as_of`` when given)."""
    found = [p for p in snapshot.list_snapshots(root) if as_of is None or p.name <= as_of.isoformat()]
    return found[-1] if found else None


def local_datasets(manifest: dict) -> set[str]:
    """Datasets of a snapshot whose data were read from local files rather than downloaded."""
    fetch_info = manifest.get("fetch")
    if not isinstance(fetch_info, dict) or fetch_info.get("mode") != "live":
        return set(manifest["datasets"])
    return {str(ds) for ds in fetch_info.get("from_local_files") or ()}


def _newest_file(spec: datasets.DatasetSpec, gathered: Gathered, as_of: date | None) -> Download:
    """The download holding the dataset's newest observation (the last one if none has any)."""
    pairs = list(enumerate(zip(gathered.origins[spec.id], gathered.frames[spec.id])))
    return max(pairs, key=lambda item: (last_observation(spec, item[1][1], as_of), item[0]))[1][0]


def _backwards(gathered: Gathered, prev: Path | None, as_of: date | None) -> None:
    """Datasets whose newest observation is older than in the previous snapshot.

    If the previous snapshot downloaded them too, the service went backwards: a failure. If it
    read them from local files (the shipped snapshots, ``fetch --from-dir``), those files may
    hold weeks the service does not serve yet: the previous data are kept (``gathered.kept``).
    """
    if prev is None:
        return
    manifest = snapshot.read_manifest(prev)
    previous, local = manifest["datasets"], local_datasets(manifest)
    failed = {f.dataset for f in gathered.failures if not f.optional}
    for dataset_id, frames in gathered.frames.items():
        meta = previous.get(dataset_id)
        before = str(meta.get("last", "")) if isinstance(meta, dict) else ""
        spec = datasets.get(dataset_id)
        now = last_observation(spec, pd.concat(frames, ignore_index=True), as_of)
        if dataset_id in failed or not before or now >= before:
            continue
        d = _newest_file(spec, gathered, as_of)
        if dataset_id in local:
            gathered.kept[dataset_id] = (
                f"it was read there from local files and reaches {before}; the download ({d.name}) reaches only {now or 'no observation'}"
            )
            continue
        reason = f"dates go backwards in {dataset_id}: newest observation {now or 'none'} ({d.name}), snapshot {prev.name} has {before}"
        gathered.failures.append(Failure(d.source, redact(d.url), reason, dataset_id, not spec.required))


def _carry(prev: Path | None, dataset_ids: set[str], why: dict[str, str]) -> tuple[list[ingest.Candidate], dict[str, str]]:
    """Candidates re-read from the previous snapshot for ``dataset_ids``, and their notes."""
    if not dataset_ids:
        return [], {}
    if prev is None:
        raise FetchError(f"cannot carry forward {', '.join(sorted(dataset_ids))}: no previous snapshot; fetch every source")
    old = snapshot.load(prev)
    missing = sorted(ds for ds in dataset_ids if not old.has(ds) and datasets.get(ds).required)
    if missing:
        raise FetchError(f"cannot carry forward {', '.join(missing)}: snapshot {prev.name} does not have it")
    cands, notes = [], {}
    for ds in sorted(d for d in dataset_ids if old.has(d)):
        meta = old.manifest["datasets"][ds]
        origin = snapshot.Origin(f"{prev.name}/{meta['file']}", meta["sha256"], str(old.manifest.get("created", "")))
        cands.append(ingest.Candidate(ds, old.table(ds), origin, "carried"))
        notes[ds] = f"carried forward from snapshot {prev.name}: {why[ds]}"
    return cands, notes


def fetch(
    root: Path,
    *,
    sources: Sequence[str] = (),
    as_of: date | None = None,
    allow_partial: bool = False,
    http: HttpClient | None = None,
    log: Log | None = None,
) -> FetchResult:
    """Download the requested sources (default all), check them, and make a snapshot under ``root``."""
    log = log or Log()
    wanted = tuple(sources) or SOURCES
    unknown = sorted(set(wanted) - set(SOURCES))
    if unknown:
        raise FetchError(f"unknown source(s): {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    ingest.check_as_of(as_of)
    downloads = plan(wanted, as_of or today())
    client = http or HttpClient(settings=HttpSettings.from_env(), log=log)
    try:
        prev = previous_snapshot(root, as_of)
        try:
            gathered = gather(downloads, client)
        finally:
            if http is None:
                client.close()
        _backwards(gathered, prev, as_of)
        return _conclude(root, gathered, downloads, wanted, prev, as_of, allow_partial, log)
    except OSError as exc:
        raise FetchError(os_problem(exc, root)) from None


def _failed(gathered: Gathered, downloads: list[Download]) -> dict[str, str]:
    """Datasets that cannot be taken from this fetch, with the first reason. An optional dataset is
    taken whole or not at all: one failed download of it (a window of the NY Fed's) fails it."""
    out: dict[str, str] = {}
    for f in gathered.failures:
        if not f.optional or f.dataset not in gathered.frames or not datasets.get(f.dataset).required:
            out.setdefault(f.dataset, f"{f.source} failed: {f.reason}")
    for d in downloads:
        if d.dataset not in gathered.frames:
            out.setdefault(d.dataset, f"{d.source} gave no data")
    return out


def _conclude(
    root: Path,
    gathered: Gathered,
    downloads: list[Download],
    wanted: Sequence[str],
    prev: Path | None,
    as_of: date | None,
    allow_partial: bool,
    log: Log,
) -> FetchResult:
    """Refuse, or make the snapshot from what passed plus what is carried forward."""
    for f in gathered.failures:
        if f.optional and f.reason.startswith(("HTTP 404", "HTTP 410")):
            log.info(
                "optional-missing",
                f"optional {f.dataset} not available ({f.reason}); the brief goes without it",
                source=f.source,
                url=f.url,
            )
        else:
            log.warning("source-failed", str(f), source=f.source, url=f.url, optional=f.optional or None)
    fatal = [f for f in gathered.failures if not f.optional]
    if fatal and not allow_partial:
        raise FetchError("; ".join(str(f) for f in fatal) + ". No snapshot written" + (f"; {prev.name} stays the newest." if prev else "."))
    failed = {**_failed(gathered, downloads), **gathered.kept}
    prev_manifest = snapshot.read_manifest(prev) if prev else {"datasets": {}}
    prev_ids = set(prev_manifest["datasets"])
    why = {ds: reason for ds, reason in failed.items() if datasets.get(ds).required or ds in prev_ids}
    for ds in prev_ids:
        spec = datasets.ALL.get(ds)
        if spec is not None and spec.source not in (*wanted, "research"):
            why[ds] = f"source {spec.source} not requested"
    carried, notes = _carry(prev, set(why), why)
    files = [raw for ds, raw in gathered.files if ds not in failed]
    parsed = [c for c in gathered.parsed if c.dataset_id not in failed] + carried
    local = sorted(set(notes) & local_datasets(prev_manifest)) if prev else []
    extra = {
        "fetch": {
            "mode": "live",
            "sources": list(wanted),
            "failed": [f.as_dict() for f in gathered.failures],
            "carried_forward_from": prev.name if notes and prev else None,
            "from_local_files": local,
        }
    }
    prepared = ingest.prepare(files, as_of, extra=extra, parsed=parsed, carried=notes)
    path, created = ingest.commit(prepared, root)
    for ds in sorted(notes):  # keeping newer data read from local files is expected, not a problem
        (log.info if ds in gathered.kept else log.warning)("carried-forward", f"{ds}: {notes[ds]}", dataset=ds)
    return FetchResult(path, created, tuple(gathered.failures), tuple(sorted(notes)), _revised(prepared, log))


def _revised(prepared: ingest.Prepared, log: Log) -> tuple[str, ...]:
    """The documented revisions taken into the snapshot (one manifest note each), logged."""
    found = []
    for record in prepared.records:
        for note in record.notes:
            if note.startswith(ingest.REVISED):
                log.warning("revised", f"{record.spec.id}: {note}", dataset=record.spec.id)
                found.append(f"{record.spec.id}: {note}")
    return tuple(found)


def snapshot_from_dir(
    directory: Path, root: Path, as_of: date | None, exclude: tuple[str, ...] = (), log: Log | None = None
) -> FetchResult:
    """A snapshot from official files on disk, committed like a live fetch (identical data kept)."""
    ingest.check_as_of(as_of)
    try:
        files = ingest.scan_dir(directory, exclude)
        extra = {"fetch": {"mode": "from-dir", "directory": str(directory)}}
        prepared = ingest.prepare(files, as_of, extra=extra)
        path, created = ingest.commit(prepared, root)
    except OSError as exc:
        raise FetchError(os_problem(exc, root)) from None
    return FetchResult(path, created, revised=_revised(prepared, log or Log()))
