"""``ustglass publish``: fetch, and when the data changed, build and publish a new edition atomically.

Layout of the output directory DIR::

    DIR/<snapshot-id>[-N]/   one edition: every brief, figures, key_figures.json, published.json
    DIR/latest -> <edition>  symbolic link, switched atomically (os.replace)
    DIR/.publish.lock        held (flock) while a publish runs; holds its pid

An edition is built in memory, written to a hidden temporary directory inside DIR and renamed
into place; only then is ``latest`` switched. A failure at any step leaves DIR as it was, and
is one error (never a traceback): a full disk, a read-only DIR or a ``DIR/latest`` that is not
the symbolic link publish keeps.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ustglass import __version__
from ustglass.config import ALL_FORMATS, Format, ReportConfig
from ustglass.errors import UstglassError
from ustglass.logs import Log, timestamp
from ustglass.oserrors import os_problem
from ustglass.snapshot import dataset_hashes
from ustglass.sources import live

LOCK_NAME = ".publish.lock"
PENDING = ".pending"
TMP_PREFIX = ".tmp-"
LATEST = "latest"
PUBLISHED = "published.json"


class PublishBusy(UstglassError):
    """Another publish holds the lock of the output directory."""


class PublishError(UstglassError):
    """The output directory cannot take an edition (not a directory, not writable, full)."""


@dataclass(frozen=True)
class PublishOptions:
    out_dir: Path
    langs: tuple[str, ...]
    snapshots_root: Path
    keep: int | None = None  # editions to keep; None keeps all
    sources: tuple[str, ...] = ()
    as_of: date | None = None
    allow_partial: bool = False
    from_dir: Path | None = None
    exclude: tuple[str, ...] = ()
    wait: bool = False
    formats: tuple[Format, ...] = ALL_FORMATS
    templates_dir: Path | None = None  # an editor's templates (and <templates>/figures specs)
    figures_dir: Path | None = None
    strict: bool = True
    organisation: str = "ustglass"
    author: str | None = None
    cache: bool = True  # see ReportConfig
    jobs: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: str  # "published" | "unchanged"
    snapshot_id: str
    edition: Path | None


Fetcher = Callable[[PublishOptions, Log], live.FetchResult]


# --- lock and housekeeping ---------------------------------------------------------------


@contextmanager
def locked(out_dir: Path, wait: bool, log: Log) -> Iterator[None]:
    """Hold DIR's publish lock; raise PublishBusy (or wait) when another run holds it."""
    fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            if not wait:
                raise PublishBusy(f"another ustglass publish is running (pid {holder}); use --wait to wait for it") from None
            log.info("waiting", f"waiting for another ustglass publish (pid {holder})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


def latest_target(out_dir: Path) -> str | None:
    """The edition ``DIR/latest`` points at, or None."""
    link = out_dir / LATEST
    return os.readlink(link) if link.is_symlink() else None


def recover(out_dir: Path, log: Log) -> None:
    """Remove what an interrupted publish left: temporary dirs and an edition never made latest."""
    for entry in out_dir.iterdir():
        if entry.name.startswith((TMP_PREFIX, ".latest-")):
            log.info("cleanup", f"removing {entry.name}, left by an interrupted publish")
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    pending = out_dir / PENDING
    if pending.is_file():
        name = pending.read_text(encoding="utf-8").strip()
        if name and "/" not in name and name != latest_target(out_dir) and (out_dir / name).is_dir():
            log.info("cleanup", f"removing edition {name}, never made latest by an interrupted publish")
            shutil.rmtree(out_dir / name)
        pending.unlink()


def published_info(out_dir: Path) -> dict | None:
    """published.json of the edition ``latest`` points at, or None."""
    target = latest_target(out_dir)
    if target is None:
        return None
    try:
        info = json.loads((out_dir / target / PUBLISHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


# --- building and switching --------------------------------------------------------------


def _free_name(out_dir: Path, snapshot_id: str) -> str:
    name, n = snapshot_id, 1
    while (out_dir / name).exists() or (out_dir / name).is_symlink():
        n += 1
        name = f"{snapshot_id}-{n}"
    return name


def _stage(opts: PublishOptions, result: live.FetchResult, log: Log) -> Path:
    """Build every language and format in memory, then write them into a temporary dir in DIR."""
    from ustglass import outdir, pipeline

    cfg = ReportConfig(
        langs=opts.langs,
        formats=opts.formats,
        snapshots_root=opts.snapshots_root,
        out_dir=opts.out_dir,
        snapshot=str(result.path),
        templates_dir=opts.templates_dir,
        figures_dir=opts.figures_dir,
        strict=opts.strict,
        organisation=opts.organisation,
        author=opts.author,
        cache=opts.cache,
        jobs=opts.jobs,
    )
    log.info("build", f"building edition from snapshot {result.id}", langs=",".join(opts.langs))
    built = pipeline.build(cfg)
    for warning in built.warnings:
        log.warning("templates", warning)
    stage = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=opts.out_dir))
    try:
        stage.chmod(0o755)  # an edition is meant to be served
        info = {
            "snapshot": result.id,
            "datasets": dataset_hashes(result.path),
            "tool": f"ustglass {__version__}",
            "published": timestamp(),
            "langs": list(opts.langs),
            "formats": [f.value for f in opts.formats],
            "files": sorted(built.files),
        }
        outdir.write_files({**built.files, PUBLISHED: (json.dumps(info, indent=2) + "\n").encode("utf-8")}, stage)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise PublishError(f"{opts.out_dir}: cannot write the edition ({os_problem(exc)})") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage


def _switch(out_dir: Path, stage: Path, snapshot_id: str) -> Path:
    """Rename the staged edition into place and point ``latest`` at it."""
    name = _free_name(out_dir, snapshot_id)
    pending = out_dir / PENDING
    pending.write_text(name + "\n", encoding="utf-8")
    try:
        os.rename(stage, out_dir / name)
        link = out_dir / f".latest-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(name, link)
        os.replace(link, out_dir / LATEST)
    except BaseException:
        if latest_target(out_dir) != name:
            shutil.rmtree(out_dir / name, ignore_errors=True)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        pending.unlink(missing_ok=True)
    return out_dir / name


def prune(out_dir: Path, keep: int | None, log: Log) -> list[str]:
    """Remove all but the ``keep`` newest editions, never the one ``latest`` points at."""
    if keep is None:
        return []
    editions = [
        d for d in out_dir.iterdir() if d.is_dir() and not d.is_symlink() and not d.name.startswith(".") and (d / PUBLISHED).is_file()
    ]
    editions.sort(key=lambda d: ((d / PUBLISHED).stat().st_mtime, d.name), reverse=True)
    current = latest_target(out_dir)
    removed = []
    for edition in editions[keep:]:
        if edition.name != current:
            shutil.rmtree(edition)
            removed.append(edition.name)
            log.info("prune", f"removed edition {edition.name}")
    return removed


# --- the command -------------------------------------------------------------------------


def default_fetch(opts: PublishOptions, log: Log) -> live.FetchResult:
    """Fetch from the official services, or from ``opts.from_dir``."""
    if opts.from_dir is not None:
        return live.snapshot_from_dir(opts.from_dir, opts.snapshots_root, opts.as_of, opts.exclude, log)
    return live.fetch(opts.snapshots_root, sources=opts.sources, as_of=opts.as_of, allow_partial=opts.allow_partial, log=log)


def _unchanged(opts: PublishOptions, result: live.FetchResult, info: dict, log: Log) -> Outcome:
    """Nothing to publish: drop a duplicate snapshot this run made, and say so."""
    if result.created and info.get("snapshot") != result.id:
        shutil.rmtree(result.path, ignore_errors=True)
    current = latest_target(opts.out_dir)
    log.info("unchanged", f"nothing changed: the data equal edition {current}; not published", snapshot=result.id)
    return Outcome("unchanged", result.id, opts.out_dir / current if current else None)


def _check_out_dir(out_dir: Path) -> None:
    """DIR must be a directory whose ``latest``, if any, is the symbolic link publish keeps."""
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise PublishError(f"{out_dir}: exists and is not a directory; choose a directory for --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    link = out_dir / LATEST
    if os.path.lexists(link) and not link.is_symlink():
        kind = "a directory" if link.is_dir() else "a file"
        raise PublishError(f"{link}: is {kind}, not the symbolic link publish keeps pointing at the newest edition; move it away")


def publish(opts: PublishOptions, log: Log, fetcher: Fetcher | None = None) -> Outcome:
    """Lock, fetch, and publish a new edition unless the data equal the latest one's."""
    try:
        return _publish(opts, log, fetcher)
    except OSError as exc:
        raise PublishError(os_problem(exc, opts.out_dir)) from None


def _publish(opts: PublishOptions, log: Log, fetcher: Fetcher | None) -> Outcome:
    _check_out_dir(opts.out_dir)
    with locked(opts.out_dir, opts.wait, log):
        recover(opts.out_dir, log)
        result = (fetcher or default_fetch)(opts, log)
        log.info("fetched", f"snapshot {result.id} {'written' if result.created else 'already present'}", path=str(result.path))
        info = published_info(opts.out_dir)
        if info is not None and info.get("datasets") == dataset_hashes(result.path):
            return _unchanged(opts, result, info, log)
        edition = _switch(opts.out_dir, _stage(opts, result, log), result.id)
        log.info("published", f"published edition {edition.name}; {LATEST} -> {edition.name}", path=str(edition))
        prune(opts.out_dir, opts.keep, log)
        return Outcome("published", result.id, edition)
