"""Pausing Python's cyclic garbage collector while one large in-process request is read.

Reading a PutVectors of 500 records allocates a few thousand small containers in a burst (copies, the serializer's
intermediates, the parsed request), which would trigger several collections, each walking every young container,
and the caller's float lists among them item by item: that was a third of the in-process cost of a 500 × 1024
PutVectors. Paused, the burst costs one young collection afterwards. Nothing the reading does creates reference
cycles, so deferring the collector frees nothing later than reference counting would.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the collector for the duration. Left alone when it is already disabled: by the caller (whose choice
    this must not undo), or by an enclosing pause (which re-enables it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
