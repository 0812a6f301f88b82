"""The one HTTP client of ustglass: every download of every source goes through it.

Timeouts, retries with exponential backoff and jitter (connection errors, 5xx, 429 with
Retry-After), a bounded number of concurrent requests, an on-disk cache answering
conditional requests (ETag / Last-Modified, 304 -> the cached body), an identifying
User-Agent and progress reporting. The transport is injectable, so tests never open a socket.

Nothing a server does can hold a run for ever or fill the memory: every download has a total
deadline (every try included) and every run one more; bodies are capped (after decompression);
redirects are followed only within the host asked for, at most a few hops. Every failure is a
``DownloadError`` with one line of reason, and credentials in URLs are never shown.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from .. import __version__
from ..errors import FetchError
from ..logs import Log, redact, timestamp
from .httpcache import CACHE_ENV, CacheEntry, HttpCache, default_cache_dir
from .httpsettings import LIMITS, HttpSettings, SettingsError
from .progress import LogProgress, Progress, RichProgress, make_progress, size_text

__all__ = [
    "CACHE_ENV",
    "LIMITS",
    "CacheEntry",
    "DownloadError",
    "Fetched",
    "HttpCache",
    "HttpClient",
    "HttpSettings",
    "LogProgress",
    "Progress",
    "RichProgress",
    "SettingsError",
    "default_cache_dir",
    "make_progress",
    "redact",
    "retry_after",
]

PROJECT_URL = "https://pypi.org/project/ustglass/"
USER_AGENT = f"ustglass/{__version__} (+{PROJECT_URL})"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class DownloadError(FetchError):
    """A URL that could not be downloaded: the URL (credentials hidden) and the reason."""

    def __init__(self, url: str, reason: str):
        self.url = redact(url)
        self.reason = redact(reason)
        super().__init__(f"{self.url}: {self.reason}")


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


# --- deadlines, redirects, credentials ---------------------------------------------------


class _Stop(Exception):
    """A failure that no retry can mend (deadline passed, redirect refused, body too large)."""


def _seconds(value: float) -> str:
    return f"{value:g} s"


class Deadline:
    """The moment one download must be over; at that moment its sockets are shut down.

    httpx's read timeout is the longest silence, so a server that sends one byte every few
    seconds never trips it; this cuts the connection off however the server behaves.
    """

    def __init__(self, ends: float, what: str):
        self.ends = ends
        self.what = what  # e.g. "the download deadline of 300 s (USTGLASS_HTTP_DEADLINE)"
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, ends - time.monotonic()), self.expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def left(self) -> float:
        return self.ends - time.monotonic()

    def check(self) -> None:
        if self.expired or self.left() <= 0:
            raise _Stop(f"did not finish within {self.what}")

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx trace hook: remember the socket of every connection this download opens."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass  # already closed


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without ``user:password@``, and the credentials (sent as HTTP Basic auth)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=hostport)), (unquote(user), unquote(password))


def _origin(url: httpx.URL) -> tuple[str, int | None]:
    return url.host.lower(), url.port or (443 if url.scheme == "https" else 80)


def _redirect_problem(start: httpx.URL, target: httpx.URL) -> str | None:
    """Why a redirect from ``start``'s host to ``target`` is not followed, or None."""
    if target.scheme not in ("http", "https"):
        return f"redirected to a {target.scheme or 'relative'} URL; refused"
    if target.host.lower() != start.host.lower():
        return f"redirected to another host ({target.host}); only redirects within {start.host} are followed"
    if start.scheme == "https" and target.scheme == "http":
        return "redirected from https to plain http; refused"
    if target.scheme == start.scheme and _origin(target) != _origin(start):
        return f"redirected to another port of {start.host} ({target.port}); refused"
    return None


# --- the client --------------------------------------------------------------------------


@dataclass
class HttpClient:
    """GET with retries, cache, deadlines and bounded concurrency; ``get_many`` downloads in parallel."""

    settings: HttpSettings = field(default_factory=HttpSettings.from_env)
    transport: httpx.BaseTransport | None = None
    cache: HttpCache | None = field(default_factory=HttpCache)
    log: Log = field(default_factory=Log)
    sleep: Callable[[float], None] = time.sleep
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _run_ends: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._run_ends = time.monotonic() + self.settings.run_deadline

    def _http(self) -> httpx.Client:
        if self._client is None:
            s = self.settings
            # No keep-alive: each download has its own connection, which its deadline may cut.
            self._client = httpx.Client(
                transport=self.transport,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
                trust_env=True,
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                limits=httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=0),
            )
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

    def _deadline(self, url: str) -> Deadline:
        s, now = self.settings, time.monotonic()
        if now >= self._run_ends:
            raise DownloadError(url, f"not started: the fetch deadline of {_seconds(s.run_deadline)} (USTGLASS_FETCH_DEADLINE) has passed")
        if now + s.download_deadline <= self._run_ends:
            return Deadline(now + s.download_deadline, f"the download deadline of {_seconds(s.download_deadline)} (USTGLASS_HTTP_DEADLINE)")
        return Deadline(self._run_ends, f"the fetch deadline of {_seconds(s.run_deadline)} (USTGLASS_FETCH_DEADLINE)")

    def _body(self, response: httpx.Response, deadline: Deadline) -> bytes:
        """The body, decompressed, read in chunks up to the size limit and the deadline."""
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap and response.status_code == 200:
            raise _Stop(f"larger than {size_text(cap)} (Content-Length {declared}; USTGLASS_HTTP_MAX_MB)")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise _Stop(f"larger than {size_text(cap)} (USTGLASS_HTTP_MAX_MB)")
            chunks.append(chunk)
            deadline.check()
        return b"".join(chunks)

    def _read(self, url: str, headers: dict[str, str], deadline: Deadline) -> tuple[httpx.Response, bytes]:
        """One request, following redirects within the host asked for; the body read with limits."""
        bare, auth = split_credentials(url)
        start = target = httpx.URL(bare)
        hops = [target]
        for _ in range(self.settings.max_redirects + 1):
            timeout = httpx.Timeout(
                max(0.01, min(self.settings.read_timeout, deadline.left())),
                connect=max(0.01, min(self.settings.connect_timeout, deadline.left())),
            )
            with self._http().stream(
                "GET", target, headers=headers, auth=auth, timeout=timeout, extensions={"trace": deadline.trace}
            ) as response:
                nxt = response.next_request
                if nxt is None:
                    return response, self._body(response, deadline)
            problem = _redirect_problem(start, nxt.url)
            if problem:
                raise _Stop(f"{problem}: {redact(str(nxt.url))}")
            if nxt.url in hops:
                raise _Stop("redirect loop: " + " -> ".join(redact(str(u)) for u in [*hops[hops.index(nxt.url) :], nxt.url]))
            target = nxt.url
            hops.append(target)
            deadline.check()
        raise _Stop(f"more than {self.settings.max_redirects} redirects")

    def _attempt(self, url: str, cached: CacheEntry | None, attempt: int, deadline: Deadline) -> Fetched | httpx.Response | str:
        """One try: the result, a response worth retrying, or the reason of a transport failure."""
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        retrieved = timestamp()
        try:
            response, data = self._read(url, headers, deadline)
        except _Stop as exc:
            raise DownloadError(url, str(exc)) from None
        except Exception as exc:
            if deadline.expired or deadline.left() <= 0:
                raise DownloadError(url, f"did not finish within {deadline.what}") from None
            return self._failure(url, exc)
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

    @staticmethod
    def _failure(url: str, exc: Exception) -> str:
        """The reason of a failed request, when a retry may mend it; raises DownloadError when not."""
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out ({type(exc).__name__})"
        if isinstance(exc, httpx.DecodingError):
            raise DownloadError(url, "the body does not decode as its Content-Encoding says (bad gzip or deflate data)") from None
        if isinstance(exc, httpx.TransportError):
            return f"connection failed ({type(exc).__name__}: {exc})"
        if isinstance(exc, (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError)):
            raise DownloadError(url, f"cannot be downloaded ({type(exc).__name__}: {exc})") from None
        raise exc

    def get(self, url: str) -> Fetched:
        """Download ``url``; raises DownloadError once the retries (or the deadline) are spent."""
        cached = self.cache.lookup(url) if self.cache is not None else None
        reason = ""
        with self._deadline(url) as deadline:
            for attempt in range(1, self.settings.attempts + 1):
                outcome = self._attempt(url, cached, attempt, deadline)
                if isinstance(outcome, Fetched):
                    return outcome
                response = outcome if isinstance(outcome, httpx.Response) else None
                reason = outcome if isinstance(outcome, str) else f"HTTP {outcome.status_code} {outcome.reason_phrase}".rstrip()
                if attempt == self.settings.attempts:
                    break
                wait = self._delay(attempt, response)
                if wait >= deadline.left():
                    raise DownloadError(url, f"{reason} (after {attempt} attempt(s); no time left for another within {deadline.what})")
                self.log.info("retry", f"retrying {redact(url)} in {wait:.1f}s: {reason}", attempt=attempt)
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
