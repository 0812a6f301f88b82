"""Progress of a batch of downloads: a bar on a terminal, one log line per file otherwise.

Failures are not reported here: the fetch reports each failed source once, with its reason,
after every download has ended (a required one as a warning, an optional one quietly).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

from ..logs import Log, redact

if TYPE_CHECKING:
    from .http import DownloadError, Fetched


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def done(self, url: str, outcome: Fetched | DownloadError) -> None: ...
    def stop(self) -> None: ...


def size_text(n: float) -> str:
    """``n`` bytes for a reader: kB below a megabyte, MB above."""
    return f"{n / 1024:.0f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


class LogProgress:
    """One timestamped log line per downloaded file (cron, pipes)."""

    def __init__(self, log: Log):
        self.log = log

    def start(self, total: int) -> None:
        self.log.info("download", f"downloading {total} file(s)")

    def done(self, url: str, outcome: Fetched | DownloadError) -> None:
        data = getattr(outcome, "data", None)
        if data is None:
            return
        how = "not modified, cached copy" if outcome.from_cache else f"HTTP {outcome.status}"  # type: ignore[union-attr]
        self.log.info("download", f"got {redact(url)} ({how}, {size_text(len(data))})")

    def stop(self) -> None:
        return None


class RichProgress:
    """A progress bar on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("downloading", total=total)

    def done(self, url: str, outcome: Fetched | DownloadError) -> None:
        self.bar.update(self.task, advance=1, description=redact(url).rsplit("/", 1)[-1][:40])

    def stop(self) -> None:
        self.bar.stop()


def make_progress(log: Log) -> Progress:
    """A progress bar on a terminal, plain log lines otherwise (or for JSON logs)."""
    if sys.stderr.isatty() and log.format.value == "text" and not log.quiet:
        return RichProgress()
    return LogProgress(log)
