"""Editors' folders: copying the shipped templates out, and checking a folder before it is used.

``ustglass templates export DIR`` writes every shipped template (the shared structure, the
stylesheet, every language pack) and every figure spec (``DIR/figures/<id>.toml``) into DIR.
``--templates DIR`` then puts DIR's files in front of the shipped ones, file by file; a file
DIR lacks is taken from the shipped set. Before a build, :func:`check` makes sure DIR exists
and that every file in it is one ustglass knows (a misspelt name would otherwise be ignored
silently): an unknown name is an error, or a warning under ``strict=False``; a file whose real
path lies outside DIR (a symbolic link out of it) is always an error. Names starting with a
dot (``.git``, editor swap files) are skipped.

Names ustglass knows: every file of the shipped ``templates/`` (``brief.md.j2``,
``macros.md.j2``, ``page.html.j2``, ``brief.css``), ``extra.css`` (rules added after the
shipped stylesheet), ``locales/<code>/<file>`` for every file name of a shipped pack (any
code: a new language is a new pack) and ``figures/<id>.toml`` for every figure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ustglass.errors import BuildError
from ustglass.resources import bundled

EXTRA_CSS = "extra.css"
LOCALES = "locales"
FIGURES = "figures"


@dataclass(frozen=True)
class Known:
    """The file names an editor's folder may hold."""

    templates: frozenset[str]  # shared files, relative to the templates folder
    pack_files: frozenset[str]  # file names inside a language pack
    specs: frozenset[str]  # figure spec names, <id>.toml

    def allows(self, rel: str, kind: str) -> bool:
        parts = rel.split("/")
        if kind == FIGURES:
            return len(parts) == 1 and rel in self.specs
        if len(parts) == 3 and parts[0] == LOCALES:
            return parts[2] in self.pack_files
        if len(parts) == 2 and parts[0] == FIGURES:
            return parts[1] in self.specs
        return rel in self.templates or rel == EXTRA_CSS

    def summary(self, kind: str) -> str:
        if kind == FIGURES:
            return ", ".join(sorted(self.specs))
        shared = ", ".join(sorted(self.templates | {EXTRA_CSS}))
        return f"{shared}, {LOCALES}/<code>/{{{','.join(sorted(self.pack_files))}}}, {FIGURES}/{{{','.join(sorted(self.specs))}}}"


def _files(root: Path) -> Iterator[str]:
    """Paths (relative, with '/') of the files under ``root``, hidden names skipped, sorted."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(dirpath).relative_to(root)
        for name in sorted(filenames):
            if not name.startswith("."):
                yield (base / name).as_posix()
        for d in list(dirnames):
            if (Path(dirpath) / d).is_symlink():  # a linked folder: listed as one entry, checked below
                yield (base / d).as_posix()
                dirnames.remove(d)


def known() -> Known:
    """What the shipped templates and figure specs are called."""
    shipped = list(_files(bundled("templates")))
    shared = frozenset(f for f in shipped if not f.startswith(f"{LOCALES}/"))
    packs = frozenset(f.split("/")[-1] for f in shipped if f.startswith(f"{LOCALES}/") and f.count("/") == 2)
    specs = frozenset(f for f in _files(bundled(FIGURES)) if f.endswith(".toml") and "/" not in f)
    return Known(shared, packs, specs)


def _problem(root: Path, rel: str, kind: str, names: Known) -> str | None:
    """What is wrong with one entry of an editor's folder: a message (always an error), "unknown"
    (a name ustglass does not know), or None when it is fine."""
    path = root / rel
    real = path.resolve()
    if path.is_symlink() and not real.is_relative_to(root.resolve()):
        return f"{path}: a symbolic link to {real}, outside {root}; refusing to read it"
    if path.is_dir():
        return f"{path}: a symbolic link to a folder; link the files themselves"
    if not names.allows(rel, kind):
        return UNKNOWN
    if not real.is_file():
        return f"{path}: a symbolic link to nothing"
    return None


UNKNOWN = "unknown"


def check_dir(root: Path | None, kind: str, *, strict: bool = True) -> list[str]:
    """Check an editor's folder (``kind``: ``templates`` or ``figures``); return warnings.

    Raises BuildError naming every problem at once: a folder that does not exist, a file that
    leads outside it, and (when ``strict``) a file that matches no name ustglass knows.
    """
    if root is None:
        return []
    if not root.is_dir():
        raise BuildError(f"{root}: no such {kind} directory")
    names = known()
    found = {rel: p for rel in _files(root) if (p := _problem(root, rel, kind, names)) is not None}
    unknown = [str(root / rel) for rel, p in found.items() if p == UNKNOWN]
    errors = [p for p in found.values() if p != UNKNOWN]
    if unknown and strict:
        verb = "matches" if len(unknown) == 1 else "match"
        errors.append(f"{', '.join(unknown)}: {verb} no file ustglass uses (known: {names.summary(kind)})")
    if errors:
        raise BuildError("; ".join(errors))
    return [f"{path}: matches no file ustglass uses; ignored" for path in unknown]


def spec_dirs(templates_dir: Path | None, figures_dir: Path | None) -> list[Path]:
    """Where figure specs are looked for, in order: ``--figures``, ``<templates>/figures``, the shipped ones."""
    dirs = [figures_dir, templates_dir / FIGURES if templates_dir is not None else None, bundled(FIGURES)]
    return [d for d in dirs if d is not None and d.is_dir()]


def extra_css(templates_dir: Path | None) -> str:
    """``<templates>/extra.css``: rules the editor adds after the shipped stylesheet, or ''."""
    path = templates_dir / EXTRA_CSS if templates_dir is not None else None
    if path is None or not path.is_file():
        return ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read it ({exc})") from None
    if "</style" in text.lower():
        raise BuildError(f"{path}: contains '</style', which would end the stylesheet early")
    return text


# ---------------------------------------------------------------- export


def export_plan() -> list[tuple[Path, str]]:
    """(shipped file, path relative to the export folder) of everything `templates export` copies."""
    templates, specs = bundled("templates"), bundled(FIGURES)
    plan = [(templates / rel, rel) for rel in _files(templates)]
    return plan + [(specs / name, f"{FIGURES}/{name}") for name in sorted(known().specs)]


def export(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped templates and figure specs into ``target``; return the files written.

    Refuses (BuildError, nothing written) when any of them exists already, unless ``force``.
    """
    plan = export_plan()
    if target.exists() and not target.is_dir():
        raise BuildError(f"{target}: not a directory")
    existing = [rel for _, rel in plan if (target / rel).exists() or (target / rel).is_symlink()]
    if existing and not force:
        more = f" and {len(existing) - 1} other file{'s' if len(existing) > 2 else ''}" if len(existing) > 1 else ""
        raise BuildError(f"{target / existing[0]}{more} exist already; pass --force to overwrite them")
    written = []
    for source, rel in plan:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as fh, source.open("rb") as src:
                shutil.copyfileobj(src, fh)
            os.chmod(tmp, 0o644)
            if dest.is_symlink():
                dest.unlink()
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(dest)
    return written
