"""Pausing Python's cyclic garbage collector while one large request is read and answered.

A PutVectors of 500 records allocates a few thousand small containers in a burst (the parsed JSON, the records'
dicts, copies for the call log), which would trigger several collections. Each walks every young container, and
the float lists among them are walked item by item (a 1024-float list is 1024 visits): for a 500 × 1024 request
that was ~10 ms of collections per request in the server (a fifth of its cost), and a third of the in-process
cost before reading was paused. Paused, the burst costs one young collection afterwards. Nothing a request does
creates reference cycles, so deferring the collector frees nothing later than reference counting would.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# The operations whose requests can carry thousands of containers (vector data, metadata): the others allocate too
# little to trigger a collection, and pausing costs more than it saves.
BULK_OPERATIONS = frozenset({"PutVectors", "QueryVectors"})


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
