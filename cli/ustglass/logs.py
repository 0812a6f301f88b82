"""Timestamped log lines for unattended runs: plain text, or one JSON object per line.

``fetch`` and ``publish`` report through a ``Log`` so that a cron mail or a log collector
gets the same events: when, how serious, what happened, and the fields that go with it.
Credentials in URLs (a mirror given as ``https://user:secret@host``) never reach a log line.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TextIO


class LogFormat(str, Enum):
    text = "text"
    json = "json"


_USERINFO = re.compile(r"(?<=://)[^/?#@\s]*@")


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it (``scheme://user:secret@host``) replaced by ``***``."""
    return _USERINFO.sub("***@", text)


def timestamp() -> str:
    """The current UTC time, ISO 8601 with seconds (the wall clock, not SOURCE_DATE_EPOCH)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Log:
    """Writes events as ``<time> <LEVEL> <message> key=value`` or as JSON lines."""

    def __init__(self, fmt: LogFormat | str = LogFormat.text, stream: TextIO | None = None, *, quiet: bool = False):
        self.format = LogFormat(fmt)
        self.stream = stream
        self.quiet = quiet
        self._lock = threading.Lock()

    def _write(self, level: str, event: str, message: str, fields: dict[str, Any]) -> None:
        message = redact(message)
        fields = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        if self.format is LogFormat.json:
            line = json.dumps(
                {"time": timestamp(), "level": level, "event": event, "message": message, **fields}, ensure_ascii=False, default=str
            )
        else:
            extra = "".join(f" {k}={v}" for k, v in fields.items() if v is not None)
            line = f"{timestamp()} {level.upper():<7} {message}{extra}"
        stream = self.stream or sys.stderr
        with self._lock:
            print(line, file=stream, flush=True)

    def info(self, event: str, message: str, **fields: Any) -> None:
        """An ordinary step (suppressed when quiet)."""
        if not self.quiet:
            self._write("info", event, message, fields)

    def warning(self, event: str, message: str, **fields: Any) -> None:
        """Something to look at that did not stop the run."""
        self._write("warning", event, message, fields)

    def error(self, event: str, message: str, **fields: Any) -> None:
        """The reason a run failed."""
        self._write("error", event, message, fields)
