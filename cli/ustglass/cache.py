"""A content-addressed cache of the brief's expensive parts, kept between runs.

Each entry is named by the SHA-256 of everything that goes into it (:class:`Key`): the data it
reads, the templates, the code (a hash of the package's own files, not its version string),
the libraries and fonts it is drawn with (file identity: path, size, mtime) and the options.
When any of these changes the name changes, so an entry is never stale; it is simply not found.

Levels, from the outside in (see :mod:`ustglass.pipeline`):

- ``edition``: every file of a build; keyed on the snapshot files, the templates and figure
  specs, the code, fonts, libraries and options. It is computed with the standard library only,
  so an unchanged rebuild copies its outputs without importing pandas, matplotlib or WeasyPrint;
- ``key-figures``: the edition's key figures, keyed on the snapshot files and the code;
- ``figure``: one chart in one language and one format, keyed on the key figures the figure
  declares it reads, its spec, the pack's words, the code and fonts;
- ``html`` / ``pdf``: one page, keyed on the page as rendered before fonts and layout.

The cache lives in ``$USTGLASS_CACHE_DIR``, else ``$XDG_CACHE_HOME/ustglass``, else
``~/.cache/ustglass`` (entries under ``build/``; ``fonts/`` beside it is the font module's).
Entries are written to a temporary file and renamed into place; each carries the SHA-256 of
its content, so a truncated or corrupt entry is ignored (and rebuilt), never served. The cache
is bounded (``USTGLASS_CACHE_MAX_MB``, default 512): the entries used longest ago are removed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ustglass import fonts, lru
from ustglass.errors import BuildError
from ustglass.resources import PACKAGE

FORMAT = b"ustglass-cache-2\n"  # bump to orphan every entry written before a change of this file's layout
DEFAULT_MAX_MB = 512
LIBRARIES = ("matplotlib", "numpy", "pandas", "jinja2", "markdown_it", "markupsafe", "weasyprint", "pydyf", "tinycss2",
             "fontTools", "PIL")  # fmt: skip
_SNAPSHOT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # as ustglass.snapshot names snapshot directories
_MANIFEST = "manifest.json"


def root_dir() -> Path:
    """``$USTGLASS_CACHE_DIR``, else ``$XDG_CACHE_HOME/ustglass``, else ``~/.cache/ustglass``."""
    if explicit := os.environ.get("USTGLASS_CACHE_DIR"):
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "ustglass"


def max_bytes() -> int:
    text = os.environ.get("USTGLASS_CACHE_MAX_MB", "")
    try:
        return max(0, int(float(text) * 1024 * 1024)) if text else DEFAULT_MAX_MB * 1024 * 1024
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


# ---------------------------------------------------------------- keys


class Key:
    """An incremental SHA-256 over labelled parts; ``str(key)`` is the entry's name."""

    def __init__(self, kind: str, *parts: Any, label: str | None = None) -> None:
        self.kind = kind
        self.label = label or kind  # what the stats call the entry: "deficits.zh.svg", "pdf:zh"
        self._h = hashlib.sha256(FORMAT + kind.encode())
        self.add(*parts)

    def add(self, *parts: Any) -> Key:
        for part in parts:
            data = part if isinstance(part, bytes) else canonical(part).encode("utf-8")
            self._h.update(len(data).to_bytes(8, "big"))
            self._h.update(data)
        return self

    def __str__(self) -> str:
        return self._h.hexdigest()


def canonical(value: Any) -> str:
    """A stable text for ``value``: JSON with sorted keys; mappings, tuples, paths and enums made plain."""
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=canonical) if isinstance(value, (set, frozenset)) else items
    if hasattr(value, "value") and hasattr(type(value), "__members__"):  # an Enum
        return value.value
    if hasattr(value, "__dataclass_fields__"):
        return {"__type__": type(value).__name__, **{f: _plain(getattr(value, f)) for f in value.__dataclass_fields__}}
    if isinstance(value, float) and value != value:
        return "NaN"
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def tree_digest(path: Path | None, pattern: str = "**/*") -> str:
    """The files under ``path`` matching ``pattern`` (relative names and contents, sorted), hashed;
    ``"-"`` for no directory. Caches of Python (``__pycache__``) are left out."""
    if path is None or not path.is_dir():
        return "-"
    h = hashlib.sha256()
    for file in sorted(p for p in path.glob(pattern) if "__pycache__" not in p.parts and p.is_file()):
        rel = file.relative_to(path).as_posix().encode()
        data = file.read_bytes()
        h.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


_memo: dict[str, str] = {}


def code_version() -> str:
    """The package's own files (source, research tables, bundled data) hashed: any edit to ustglass is a new version."""
    if "code" not in _memo:
        _memo["code"] = tree_digest(PACKAGE)
    return _memo["code"]


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def libraries() -> list[Any]:
    """The libraries that shape the output, by file identity of their package (a reinstall changes it), found without importing them."""
    if "libs" not in _memo:
        found = []
        for name in LIBRARIES:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
            found.append([name, list(_stamp(Path(origin))) if origin and os.path.isfile(origin) else None])
        _memo["libs"] = canonical(found)
    return json.loads(_memo["libs"])


def _cjk_file(weight: fonts.Weight) -> Path:
    """The CJK font file the brief uses, cheaply: Debian's packaged file when it is there (it
    always holds the SC face), else whatever :func:`ustglass.fonts.cjk_face` finds."""
    override = fonts._override(weight)
    if override is not None:
        return override
    debian = next((d / fonts._FILES[weight] for d in getattr(fonts, "_DIRS", ()) if (d / fonts._FILES[weight]).is_file()), None)
    return debian or fonts.cjk_face(weight).path


def fonts_identity() -> list[Any]:
    """The brief's font files (CJK two weights, Noto Sans four styles) by path, size and mtime (looked up each time: cheap)."""
    try:
        cjk = [list(_stamp(_cjk_file(w))) for w in ("regular", "bold")]
        latin = [list(_stamp(fonts.latin_font_path(s))) for s in ("regular", "bold", "italic", "bold-italic")]
    except (BuildError, OSError) as exc:  # a missing font is reported by the build itself; nothing is served
        return ["unavailable", type(exc).__name__, str(exc), os.urandom(8).hex()]
    return [cjk, latin]


def environment() -> list[Any]:
    """The code, libraries, fonts and the environment variables that change the output."""
    return [code_version(), libraries(), fonts_identity(), os.environ.get("SOURCE_DATE_EPOCH")]


def snapshot_dirs(ref: str | None, since: str | None, root: Path) -> list[Path]:
    """The snapshots an edition reads, found as :func:`ustglass.snapshot.resolve` finds them: the
    edition's (``ref``, else the newest under ``root``) and the one it is compared with (``since``,
    else the newest before it). Unresolvable references give no directory (the build reports them)."""
    listed = (
        sorted(p for p in root.iterdir() if p.is_dir() and _SNAPSHOT_ID.match(p.name) and (p / _MANIFEST).is_file())
        if root.is_dir()
        else []
    )

    def find(name: str | None) -> Path | None:
        if name is None:
            return listed[-1] if listed else None
        return next((c for c in (Path(name), root / name) if (c / _MANIFEST).is_file()), None)

    current = find(ref)
    if current is None:
        return []
    previous = find(since) if since is not None else next((p for p in reversed(listed) if p.name < current.name), None)
    return [current] + ([previous] if previous is not None else [])


def snapshots_digest(dirs: Iterable[Path]) -> list[str]:
    return [f"{d.resolve()}:{tree_digest(d)}" for d in dirs]


# ---------------------------------------------------------------- the store


@dataclass
class Stats:
    """What a run did with the cache, by the entries' labels: served (hits), built because missing
    (misses, corrupt ones included) and found corrupt."""

    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        self.hits += other.hits
        self.misses += other.misses
        self.corrupt += other.corrupt

    def built(self, prefix: str = "") -> list[str]:
        """The entries made in this run (not taken from the cache) whose label starts with ``prefix``, sorted."""
        return sorted(label for label in self.misses if label.startswith(prefix))


class Store:
    """Entries on disk under ``<root>/build/<kind>/<aa>/<key>``; ``enabled=False`` reads and writes nothing."""

    def __init__(self, root: Path | None = None, *, enabled: bool = True, limit: int | None = None) -> None:
        self.dir = (root if root is not None else root_dir()) / "build"
        self.enabled = enabled
        self.limit = max_bytes() if limit is None else limit
        self.stats = Stats()

    def path(self, key: Key) -> Path:
        name = str(key)
        return self.dir / key.kind / name[:2] / name

    def has(self, key: Key) -> bool:
        return self.enabled and self.path(key).is_file()

    def get(self, key: Key) -> bytes | None:
        """The entry's content, or None when there is none or it does not check out (counted as corrupt)."""
        if not self.enabled:
            self.stats.misses.append(key.label)
            return None
        path = self.path(key)
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError:
            self.stats.misses.append(key.label)
            return None
        head = len(FORMAT) + 32 + 8
        body = raw[head:]
        if (raw[: len(FORMAT)] != FORMAT or len(raw) < head or int.from_bytes(raw[head - 8 : head], "big") != len(body)
                or hashlib.sha256(body).digest() != raw[len(FORMAT) : len(FORMAT) + 32]):  # fmt: skip
            self.stats.corrupt.append(key.label)
            self.stats.misses.append(key.label)
            try:
                path.unlink()
            except OSError:
                pass
            return None
        try:
            os.utime(path)  # used now: the last to be evicted
        except OSError:
            pass
        self.stats.hits.append(key.label)
        return body

    def put(self, key: Key, data: bytes) -> None:
        """Store ``data`` under ``key``: written beside the entry, then renamed into place. A cache that
        cannot be written only costs time: the build goes on."""
        if not self.enabled:
            return
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(FORMAT + hashlib.sha256(data).digest() + len(data).to_bytes(8, "big"))
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    def get_files(self, key: Key) -> tuple[dict[str, Any], dict[str, bytes]] | None:
        """A stored group of files and its metadata (see :meth:`put_files`)."""
        body = self.get(key)
        if body is None:
            return None
        head, _, rest = body.partition(b"\n")
        meta = json.loads(head)
        files, at = {}, 0
        for name, size in meta.pop("__files__"):
            files[name] = rest[at : at + size]
            at += size
        return meta, files

    def put_files(self, key: Key, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> None:
        names = sorted(files)
        head = json.dumps({**meta, "__files__": [[n, len(files[n])] for n in names]}, ensure_ascii=False).encode("utf-8")
        self.put(key, head + b"\n" + b"".join(files[n] for n in names))

    def trim(self) -> int:
        """Remove the entries used longest ago until the cache holds at most its limit; the number removed."""
        if not self.enabled or not self.dir.is_dir():
            return 0
        return lru.trim(self.dir.glob("*/*/*"), self.limit)
