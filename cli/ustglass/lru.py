"""Folders of cached files held to a size: the files used longest ago are removed first."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def trim(files: Iterable[Path], limit: int, keep: Path | None = None) -> int:
    """Remove ``files`` in the order they were last used (modified: a cache hit touches its file;
    ties by path) until those left hold at most ``limit`` bytes, never ``keep``; return how many
    were removed. A file another process removed or holds first is skipped."""
    found = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((st.st_mtime_ns, str(path), st.st_size, path))
    total, removed = sum(size for _, _, size, _ in found), 0
    for _, _, size, path in sorted(found, key=lambda entry: entry[:2]):
        if total <= limit:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
