"""The on-disk HTTP cache: bodies with their validators (ETag / Last-Modified), one pair of files per URL.

A body is answered again only when the server confirms it (304). Cache trouble is never
fatal: a damaged, incomplete or unwritable entry is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..logs import redact, timestamp

CACHE_ENV = "USTGLASS_CACHE_DIR"


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
        if not isinstance(info, dict) or info.get("url") != redact(url) or info.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        return CacheEntry(info.get("etag"), info.get("last_modified"), str(info.get("content_type", "")), data)

    def store(self, url: str, response: httpx.Response, data: bytes) -> None:
        """Keep ``data`` when the response carries a validator; cache trouble is never fatal."""
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if not etag and not modified:
            return
        body, meta = self._paths(url)
        info = {
            "url": redact(url),
            "etag": etag,
            "last_modified": modified,
            "sha256": hashlib.sha256(data).hexdigest(),
            "content_type": response.headers.get("content-type", ""),
            "stored": timestamp(),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(body, data)
            _atomic_write(meta, json.dumps(info, indent=1).encode("utf-8"))
        except OSError:
            pass

    def forget(self, url: str) -> None:
        """Drop ``url`` (its body failed validation)."""
        for path in self._paths(url):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
