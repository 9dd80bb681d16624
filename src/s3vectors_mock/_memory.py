"""Giving freed memory back to the operating system after a large load.

A bulk load frees hundreds of megabytes of temporaries (the caller's records read, per-batch arrays). glibc keeps
freed blocks below its mmap threshold in the process heap, and raises that threshold (up to 32 MiB) every time a
larger mmapped block is freed, so after loading a million vectors ~140 bytes a vector stayed resident as free heap
(measured: ``malloc_trim`` returned them all). Trimming once after such a load costs a few milliseconds. Only glibc
has ``malloc_trim``; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from collections.abc import Callable

# A load of fewer records (or a shorter journal) frees too little to be worth a trim.
LARGE_LOAD = 100_000
LARGE_JOURNAL_BYTES = 16 * 2**20
# A server trims after every this many bytes of request bodies read (a trim of a large heap takes milliseconds).
TRIM_EVERY_BODY_BYTES = 256 * 2**20


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = library.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> None:
    """Return the process's free heap to the operating system (after a large load: see LARGE_LOAD)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class BodyBytes:
    """Counts the request bodies a server has read and returns the free heap after every ``TRIM_EVERY_BODY_BYTES``
    of them, so that the temporaries of a burst of large requests do not stay resident as free heap between
    bursts. (During a steady ingest most of what stays is pymalloc's arenas pinned by long-lived objects, which no
    trim returns: 1,000,000 × 128 through the server's path measured the same with and without it.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since_trim = 0

    def read(self, size: int) -> None:
        with self._lock:
            self._since_trim += size
            due = self._since_trim >= TRIM_EVERY_BODY_BYTES
            if due:
                self._since_trim = 0
        if due:
            release_free_memory()
