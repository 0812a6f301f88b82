"""What an official source is to ustglass: its kinds of file, its datasets and its download plan.

Each module of ``ustglass.sources`` exports one ``Source``; ``ustglass.sources`` collects them
in one registry. A ``FileKind`` says how a file is recognised (its name, its first bytes), what
reads it and which dataset the result is; the source's ``plan`` lists what a live fetch
downloads for an as-of date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

import pandas as pd

from ..datasets import DatasetSpec
from ..errors import excerpt
from ._text import looks_like_html

Parser = Callable[[bytes, str], pd.DataFrame]  # (file bytes, name for messages) -> checked frame
PageParser = Callable[[list[bytes], str], pd.DataFrame]  # (API pages, name for messages) -> checked frame
Mirror = Callable[[str], str]  # official URL -> the URL to download it from


@dataclass(frozen=True)
class FileKind:
    """One kind of official file: how it is recognised, what reads it, which dataset it yields.

    A text kind checks the first line with ``header`` (the problem, or None); a binary kind
    must start with one of ``signatures``. ``dataset`` is the dataset id, or a function of the
    parsed frame for kinds that carry it inside (a FRED file names its series)."""

    kind: str
    what: str  # "FRED graph CSV file", as messages name it
    names: tuple[re.Pattern[str], ...]
    parse: Parser
    dataset: str | Callable[[pd.DataFrame], str]
    header: Callable[[bytes], str | None] | None = None
    signatures: tuple[bytes, ...] = ()
    signature_name: str = ""  # "the zip signature", for the message when none matches
    sniff: bool = False  # also recognised by its header alone, whatever the file is called (with this ending)
    sniff_suffix: str = ".csv"

    @property
    def binary(self) -> bool:
        return bool(self.signatures)

    def named(self, base: str) -> bool:
        """True when the file name ``base`` (no folder) is one of this kind's names."""
        return any(p.fullmatch(base) for p in self.names)

    def dataset_of(self, frame: pd.DataFrame) -> str:
        return self.dataset if isinstance(self.dataset, str) else self.dataset(frame)

    def problem(self, head: bytes) -> str | None:
        """Why ``head`` cannot be the start of a file of this kind, or None."""
        if self.binary:
            if head.startswith(self.signatures):
                return None
            if looks_like_html(head.decode("latin-1")):
                return "it is an HTML page"
            return f"it does not start with {self.signature_name}"
        return text_problem(head) or (self.header(head) if self.header else None)


@dataclass(frozen=True)
class Download:
    """One planned download: the name it joins the snapshot under, its URL, what it must hold."""

    source: str
    name: str
    url: str  # for a paged API endpoint: the endpoint with its query, without the page parameters
    dataset: str
    kind: str  # the kind sources.identify must give, or PAGES for a paged Fiscal Data endpoint
    optional: bool = False


PAGES = "json"


def _no_check(download: Download, frame: pd.DataFrame) -> str | None:
    return None


@dataclass(frozen=True)
class Source:
    """An official source: its file kinds, the datasets they yield, and its live download plan.

    ``plan(as_of, mirror)`` lists the downloads for an as-of date; ``pages`` maps a dataset id
    to the reader of its API pages; ``check`` says why a download that parsed is still not the
    file asked for (or None); ``ignores`` are file names of the source that ustglass knowingly
    does not read (never recognised by content)."""

    name: str
    kinds: tuple[FileKind, ...]
    datasets: tuple[DatasetSpec, ...]
    plan: Callable[[date, Mirror], list[Download]]
    pages: Mapping[str, PageParser] = field(default_factory=lambda: MappingProxyType({}))
    check: Callable[[Download, pd.DataFrame], str | None] = _no_check
    ignores: tuple[re.Pattern[str], ...] = ()


def names(*patterns: str, case: bool = False) -> tuple[re.Pattern[str], ...]:
    """File name patterns (matched against the whole name), case-insensitive unless ``case``."""
    return tuple(re.compile(p, 0 if case else re.IGNORECASE) for p in patterns)


def first_line(head: bytes) -> str:
    """The first line of the head as text (a multi-byte character cut at the end is ignored)."""
    line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf")
    return line.decode("utf-8", errors="replace").strip()


def unexpected_header(head: bytes) -> str:
    return f"unexpected header {excerpt(first_line(head))}"


def text_problem(head: bytes) -> str | None:
    """Why ``head`` is not the start of a text file, or None."""
    if b"\x00" in head:
        return "binary content (NUL byte)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return f"not UTF-8 text (byte 0x{head[exc.start]:02X})"
    if looks_like_html(head.decode("utf-8", errors="replace").removeprefix("\ufeff")):
        return "it is an HTML page"
    return None
