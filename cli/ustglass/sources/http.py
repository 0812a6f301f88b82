"""The one HTTP client of ustglass: every download of every source goes through it.

Timeouts, retries with exponential backoff and jitter (connection errors, 5xx, 429 with
Retry-After), a bounded number of concurrent requests, an on-disk cache answering
conditional requests (ETag / Last-Modified, 304 -> the cached body), an identifying
User-Agent and progress reporting. The transport is injectable, so tests never open a socket.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from .. import __version__
from ..errors import FetchError
from ..logs import Log, timestamp

PROJECT_URL = "https://pypi.org/project/ustglass/"
USER_AGENT = f"ustglass/{__version__} (+{PROJECT_URL})"
CACHE_ENV = "USTGLASS_CACHE_DIR"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpSettings:
    """How patient the client is. Environment: USTGLASS_HTTP_TIMEOUT, _RETRIES, _BACKOFF."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 4  # tries per URL, the first included
    backoff: float = 1.0  # seconds before the first retry; doubled for each further one
    max_backoff: float = 30.0
    retry_after_cap: float = 120.0  # never wait longer than this for a Retry-After
    concurrency: int = 4
    max_bytes: int = 256 * 1024 * 1024

    @classmethod
    def from_env(cls, **overrides: Any) -> HttpSettings:
        """Defaults, adjusted by the environment, then by explicit ``overrides``."""
        values: dict[str, Any] = {}
        for env, key, kind in (("USTGLASS_HTTP_TIMEOUT", "read_timeout", float),
                               ("USTGLASS_HTTP_RETRIES", "attempts", int),
                               ("USTGLASS_HTTP_BACKOFF", "backoff", float)):
            text = os.environ.get(env)
            if text:
                try:
                    values[key] = kind(text)
                except ValueError:
                    raise FetchError(f"{env}={text!r} is not a number") from None
        if "attempts" in values:
            values["attempts"] = max(1, values["attempts"] + 1)  # retries -> tries
        return cls(**{**values, **overrides})


class DownloadError(FetchError):
    """A URL that could not be downloaded: the URL and the reason."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and what the server said about it."""

    url: str
    status: int  # 200, or 304 when the cached body was confirmed
    content_type: str
    data: bytes
    retrieved: str  # ISO UTC time of the request
    from_cache: bool = False
    attempts: int = 1


# --- on-disk cache -----------------------------------------------------------------------

def default_cache_dir() -> Path:
    """``$USTGLASS_CACHE_DIR``, else the platform's user cache dir for ustglass, + ``/http``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_cache_dir("ustglass")) / "http"


@dataclass(frozen=True)
class CacheEntry:
    etag: str | None
    last_modified: str | None
    content_type: str
    data: bytes


class HttpCache:
    """Bodies with their validators, one pair of files per URL (sha256 of the URL)."""

    def __init__(self, root: Path | None = None):
        self.root = root or default_cache_dir()

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
        return self.root / f"{key}.body", self.root / f"{key}.json"

    def lookup(self, url: str) -> CacheEntry | None:
        """The cached entry of ``url``, or None (also when it is incomplete or damaged)."""
        body, meta = self._paths(url)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            data = body.read_bytes()
        except (OSError, ValueError):
            return None
        if info.get("url") != url or info.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        return CacheEntry(info.get("etag"), info.get("last_modified"), info.get("content_type", ""), data)

    def store(self, url: str, response: httpx.Response, data: bytes) -> None:
        """Keep ``data`` when the response carries a validator; cache trouble is never fatal."""
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if not etag and not modified:
            return
        body, meta = self._paths(url)
        info = {"url": url, "etag": etag, "last_modified": modified, "sha256": hashlib.sha256(data).hexdigest(),
                "content_type": response.headers.get("content-type", ""), "stored": timestamp()}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(body, data)
            _atomic_write(meta, json.dumps(info, indent=1).encode("utf-8"))
        except OSError:
            pass

    def forget(self, url: str) -> None:
        """Drop ``url`` (its body failed validation)."""
        for path in self._paths(url):
            path.unlink(missing_ok=True)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- progress ----------------------------------------------------------------------------

class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def done(self, url: str, outcome: Fetched | DownloadError) -> None: ...
    def stop(self) -> None: ...


def _size(n: int) -> str:
    return f"{n / 1024:.0f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


class LogProgress:
    """One timestamped log line per finished download (cron, pipes)."""

    def __init__(self, log: Log):
        self.log = log

    def start(self, total: int) -> None:
        self.log.info("download", f"downloading {total} file(s)")

    def done(self, url: str, outcome: Fetched | DownloadError) -> None:
        if isinstance(outcome, DownloadError):
            self.log.info("download", f"failed {url}: {outcome.reason}")
        else:
            how = "not modified, cached copy" if outcome.from_cache else f"HTTP {outcome.status}"
            self.log.info("download", f"got {url} ({how}, {_size(len(outcome.data))})")

    def stop(self) -> None:
        return None


class RichProgress:
    """A progress bar on a terminal; failures printed above it."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.task: Any = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("downloading", total=total)

    def done(self, url: str, outcome: Fetched | DownloadError) -> None:
        if isinstance(outcome, DownloadError):
            self.bar.console.print(f"[red]failed[/red] {url}: {outcome.reason}", markup=True, highlight=False)
        self.bar.update(self.task, advance=1, description=url.rsplit("/", 1)[-1][:40])

    def stop(self) -> None:
        self.bar.stop()


def make_progress(log: Log) -> Progress:
    """A progress bar on a terminal, plain log lines otherwise (or for JSON logs)."""
    if sys.stderr.isatty() and log.format.value == "text" and not log.quiet:
        return RichProgress()
    return LogProgress(log)


# --- the client --------------------------------------------------------------------------

def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


@dataclass
class HttpClient:
    """GET with retries, cache and bounded concurrency; ``get_many`` downloads in parallel."""

    settings: HttpSettings = field(default_factory=HttpSettings.from_env)
    transport: httpx.BaseTransport | None = None
    cache: HttpCache | None = field(default_factory=HttpCache)
    log: Log = field(default_factory=Log)
    sleep: Callable[[float], None] = time.sleep
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def _http(self) -> httpx.Client:
        if self._client is None:
            s = self.settings
            self._client = httpx.Client(
                transport=self.transport, follow_redirects=True, headers={"User-Agent": USER_AGENT},
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                limits=httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=s.concurrency))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Retry-After when the server gave one (capped), else exponential backoff with jitter."""
        s = self.settings
        if response is not None:
            wait = retry_after(response.headers.get("retry-after"))
            if wait is not None:
                return min(wait, s.retry_after_cap)
        step = min(s.max_backoff, s.backoff * 2 ** (attempt - 1))
        return step / 2 + random.uniform(0, step / 2)

    def _read(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """One request, the body read in chunks up to the size limit."""
        with self._http().stream("GET", url, headers=headers) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.settings.max_bytes:
                    raise DownloadError(url, f"larger than {_size(self.settings.max_bytes)}")
                chunks.append(chunk)
            return response, b"".join(chunks)

    def _attempt(self, url: str, cached: CacheEntry | None, retrieved: str, attempt: int) -> Fetched | httpx.Response | str:
        """One try: the result, a response worth retrying, or the reason of a transport failure."""
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        try:
            response, data = self._read(url, headers)
        except httpx.TimeoutException as exc:
            return f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            return f"connection failed ({type(exc).__name__}: {exc})"
        ctype = response.headers.get("content-type", "")
        if response.status_code == 304 and cached is not None:
            return Fetched(url, 304, cached.content_type or ctype, cached.data, retrieved, True, attempt)
        if response.status_code == 200:
            if self.cache is not None:
                self.cache.store(url, response, data)
            return Fetched(url, 200, ctype, data, retrieved, False, attempt)
        if response.status_code in RETRY_STATUS:
            return response
        raise DownloadError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())

    def get(self, url: str) -> Fetched:
        """Download ``url``; raises DownloadError once the retries are spent."""
        cached = self.cache.lookup(url) if self.cache is not None else None
        reason = ""
        for attempt in range(1, self.settings.attempts + 1):
            outcome = self._attempt(url, cached, timestamp(), attempt)
            if isinstance(outcome, Fetched):
                return outcome
            response = outcome if isinstance(outcome, httpx.Response) else None
            reason = outcome if isinstance(outcome, str) else f"HTTP {outcome.status_code} {outcome.reason_phrase}".rstrip()
            if attempt < self.settings.attempts:
                wait = self._delay(attempt, response)
                self.log.info("retry", f"retrying {url} in {wait:.1f}s: {reason}", attempt=attempt)
                self.sleep(wait)
        raise DownloadError(url, f"{reason} (after {self.settings.attempts} attempts)")

    def _get_or_error(self, url: str, progress: Progress) -> Fetched | DownloadError:
        try:
            outcome: Fetched | DownloadError = self.get(url)
        except DownloadError as exc:
            outcome = exc
        progress.done(url, outcome)
        return outcome

    def get_many(self, urls: Sequence[str], progress: Progress | None = None) -> dict[str, Fetched | DownloadError]:
        """Download every URL, at most ``settings.concurrency`` at a time; never raises DownloadError."""
        progress = progress or make_progress(self.log)
        unique = list(dict.fromkeys(urls))
        progress.start(len(unique))
        try:
            with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
                results = list(pool.map(lambda u: self._get_or_error(u, progress), unique))
        finally:
            progress.stop()
        return dict(zip(unique, results))

    def forget(self, url: str) -> None:
        """Remove a body that failed validation from the cache."""
        if self.cache is not None:
            self.cache.forget(url)
