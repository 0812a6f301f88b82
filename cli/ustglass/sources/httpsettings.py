"""How patient and how generous the HTTP client is, and the environment variables that change it.

Every value read from the environment is checked against its range; a bad one is a
``SettingsError``: one line naming the variable, the value and what is allowed, exit 2.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields
from typing import Any

from ..errors import FetchError

MB = 1024 * 1024
DAY = 86400.0


class SettingsError(FetchError):
    """An environment variable with a value ustglass cannot use: a usage error (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Limit:
    """One setting the environment may change: its variable, its range, how it reads."""

    env: str
    kind: type
    low: float
    high: float
    unit: str  # "seconds", "MB", "" (a count)
    low_open: bool = False  # the lowest value itself is not allowed

    def parse(self, text: str) -> float:
        """The value of ``text``; raises SettingsError naming the variable and the range."""
        try:
            value = self.kind(text.strip())
        except ValueError:
            value = None
        ok = (
            value is not None and math.isfinite(value) and (value > self.low if self.low_open else value >= self.low) and value <= self.high
        )
        if not ok:
            what = "a whole number" if self.kind is int else "a number"
            unit = f" of {self.unit}" if self.unit else ""
            above = f"above {self.low:g}" if self.low_open else f"from {self.low:g}"
            raise SettingsError(f"{self.env}={text!r} is not {what}{unit} {above} to {self.high:g}")
        return value


# field of HttpSettings -> the environment variable that sets it
LIMITS: dict[str, Limit] = {
    "read_timeout": Limit("USTGLASS_HTTP_TIMEOUT", float, 0, DAY, "seconds", low_open=True),
    "attempts": Limit("USTGLASS_HTTP_RETRIES", int, 0, 100, ""),
    "backoff": Limit("USTGLASS_HTTP_BACKOFF", float, 0, DAY, "seconds"),
    "download_deadline": Limit("USTGLASS_HTTP_DEADLINE", float, 0, DAY, "seconds", low_open=True),
    "run_deadline": Limit("USTGLASS_FETCH_DEADLINE", float, 0, 7 * DAY, "seconds", low_open=True),
    "max_bytes": Limit("USTGLASS_HTTP_MAX_MB", float, 0, 64 * 1024, "MB", low_open=True),
    "max_pages": Limit("USTGLASS_FISCALDATA_MAX_PAGES", int, 1, 100_000, ""),
}


@dataclass(frozen=True)
class HttpSettings:
    """How patient and how generous the client is; the environment may change most (``LIMITS``)."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # longest silence while reading
    attempts: int = 4  # tries per URL, the first included
    backoff: float = 1.0  # seconds before the first retry; doubled for each further one
    max_backoff: float = 30.0
    retry_after_cap: float = 120.0  # never wait longer than this for a Retry-After
    concurrency: int = 4
    max_bytes: int = 32 * MB  # one response body, decompressed (the largest official file is ~2 MB)
    download_deadline: float = 300.0  # one URL, every try and wait included
    run_deadline: float = 1800.0  # every download of one client (one fetch)
    max_redirects: int = 5
    max_pages: int = 100  # pages of one Fiscal Data endpoint (10,000 records each)

    @classmethod
    def from_env(cls, **overrides: Any) -> HttpSettings:
        """Defaults, adjusted by the environment, then by explicit ``overrides``; raises SettingsError."""
        values: dict[str, Any] = {}
        for key, limit in LIMITS.items():
            text = os.environ.get(limit.env, "")
            if text.strip():
                values[key] = limit.parse(text)
        if "attempts" in values:
            values["attempts"] = int(values["attempts"]) + 1  # retries -> tries
        if "max_bytes" in values:
            values["max_bytes"] = int(values["max_bytes"] * MB)
        known = {f.name for f in fields(cls)}
        return cls(**{**values, **{k: v for k, v in overrides.items() if k in known}})
