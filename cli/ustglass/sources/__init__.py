"""The official sources ustglass reads, in one registry, and the rule that tells which file is which.

Each module here (``fred``, ``cftc``, ``tic``, ``fiscaldata``, ``nyfed``) exports one ``Source``
(see ``base``): its kinds of file with their names, header checks and parsers, the
datasets they yield, and its live download plan. ``identify(name, head)`` names the kind of
an official file from its name and first bytes; ``parse_file(name, data)`` reads it into a
checked frame and tells which dataset of ``ustglass.datasets`` the frame belongs to.
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd

from ..errors import InputError
from . import cftc, fiscaldata, fred, nyfed, tic
from .base import FileKind, Source

REGISTRY: tuple[Source, ...] = (fred.SOURCE, cftc.SOURCE, tic.SOURCE, fiscaldata.SOURCE, nyfed.SOURCE)
SOURCES: tuple[str, ...] = tuple(s.name for s in REGISTRY)
KINDS: dict[str, FileKind] = {k.kind: k for s in REGISTRY for k in s.kinds}
SOCRATA_LEVMONEY_ID = cftc.SOCRATA_LEVMONEY_ID


def source(name: str) -> Source:
    """The source called ``name`` (``fred``, ``cftc``, ``tic``, ``fiscaldata``, ``nyfed``)."""
    return next(s for s in REGISTRY if s.name == name)


def _kind_from_name(base: str) -> FileKind | None:
    return next((k for k in KINDS.values() if k.named(base)), None)


def _sniffed(base: str, head: bytes) -> FileKind | None:
    """A kind recognised by content alone (a FRED CSV, a NY Fed answer under any name), unless a source disowns the name."""
    if any(p.fullmatch(base) for s in REGISTRY for p in s.ignores):
        return None
    for kind in KINDS.values():
        if kind.sniff and PurePath(base).suffix.lower() == kind.sniff_suffix and kind.problem(head) is None:
            return kind
    return None


def identify(name: str, head: bytes) -> str | None:
    """The kind of official file ``name`` is, from its name and first bytes (pass >= 4 KiB).

    Returns None for files ustglass does not use. Raises InputError when the name claims a
    known kind but the content is clearly something else (a web page, another header, binary).
    """
    base = PurePath(name).name
    kind = _kind_from_name(base)
    if kind is None:
        found = _sniffed(base, head)
        return found.kind if found else None
    if not head.strip():
        raise InputError(name, f"is not a {kind.what}: the file is empty", row=1)
    problem = kind.problem(head)
    if problem:
        raise InputError(name, f"is not a {kind.what}: {problem}", row=1)
    return kind.kind


def parse_file(name: str, data: bytes) -> tuple[str, str, pd.DataFrame] | None:
    """Identify and parse one file: (kind, dataset id, frame), or None for files not used."""
    kind = identify(name, data[:8192])
    if kind is None:
        return None
    file_kind = KINDS[kind]
    frame = file_kind.parse(data, name)
    return kind, file_kind.dataset_of(frame), frame
