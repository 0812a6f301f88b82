"""One line for an operating-system failure (disk full, read-only, permission, bad path).

The library turns an ``OSError`` met while reading or writing its own files into one of its
errors with this text, so that a user sees ``Error: <path>: <what>`` and never a traceback.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

HINTS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "file name too long (at most 255 bytes per path component)",
    errno.ENOTDIR: "not a directory (a part of the path is a file)",
    errno.EISDIR: "is a directory",
    errno.ENOENT: "no such file or directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EEXIST: "already exists",
    errno.ENOTEMPTY: "directory not empty",
    errno.EXDEV: "on another file system",
    errno.EBUSY: "busy (a mount point?)",
}


def _in_the_way(path: str) -> str | None:
    """What is wrong with an entry that stands where a directory should be, or None."""
    if os.path.islink(path) and not os.path.exists(path):
        return f"is a symbolic link to a missing target ({os.readlink(path)}); move it away"
    if os.path.islink(path):
        return "is a symbolic link; move it away"
    if os.path.lexists(path) and not os.path.isdir(path):
        return "exists and is not a directory"
    return None


def os_problem(exc: OSError, where: Path | str | None = None) -> str:
    """``<path>: <what went wrong>`` for ``exc``; ``where`` names the place when the error has no file name."""
    path = exc.filename if exc.filename is not None else where
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if exc.errno in (errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
        for candidate in (exc.filename2, path):
            if candidate is not None and (why := _in_the_way(os.fsdecode(candidate))):
                return f"{os.fsdecode(candidate)}: {why}"
    what = HINTS.get(exc.errno or -1) or exc.strerror or str(exc) or type(exc).__name__
    text = f"{path}: {what}" if path is not None else what
    if exc.filename2 is not None:
        text += f" (-> {os.fsdecode(exc.filename2)})"
    return text


def describe(exc: BaseException) -> str:
    """The one line a user sees for an expected failure."""
    return os_problem(exc) if isinstance(exc, OSError) else str(exc)
