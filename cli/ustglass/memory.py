"""Memory a finished step of a build gives back, so the next step does not start from its peak."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc), or None where there is none."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: libc's
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release() -> None:
    """Collect Python's reference cycles, then ask the C library to return its free heap to the
    system (a chart's pixel buffers, a font being subset, a laid-out document). Without it a
    process keeps each step's high-water mark into the next (about 30 MB more at the peak of a
    serial build), and a language's process starts from what its parent held at its peak."""
    gc.collect()
    if (trim := _malloc_trim()) is not None:
        trim(0)
