"""One exception tree for ustglass; caught only at the CLI boundary (app.py)."""

from __future__ import annotations

EXCERPT = 40  # at most this many characters of a file's content are quoted in an error


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """``value`` quoted for an error line: escaped (repr), and cut to ``limit`` characters with its length said."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class UstglassError(Exception):
    """Base class: an expected failure, reported as ``Error: <message>`` with exit code 1."""

    exit_code = 1


class InputError(UstglassError):
    """A file that is not what it should be: names the file, the row and the field."""

    def __init__(self, file: str, message: str, *, row: int | None = None, field: str | None = None):
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}")


class SnapshotError(UstglassError):
    """A snapshot that is missing, incomplete, tampered with, or would be overwritten."""


class FetchError(UstglassError):
    """A source that could not be downloaded or validated."""


class BuildError(UstglassError):
    """The brief could not be built (templates, charts, writers)."""
