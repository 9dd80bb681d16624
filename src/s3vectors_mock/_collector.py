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


# Containers allocated (net) between two young collections in a process of the server's own (the default is 700).
SERVER_YOUNG_THRESHOLD = 50_000


def tune_for_a_server_process() -> None:
    """Collect the young generation less often, in a process that is only our server (``s3vectors-mock serve``;
    never in a caller's process, whose collector is theirs).

    Each PutVectors of 500 × 1024 leaves ~2,000 containers in the call log (the parsed records, their float lists),
    so the default threshold ran ~5 young and ~0.5 older collections a request, each walking every float list still
    held (the log keeps the newest 2,000,000 values in full): ~12 ms of a ~57 ms request, the largest cost after
    reading the JSON. With 50,000 most of those lists have left the log (compacted) before a collection sees them:
    ~0.7 ms a request. Cyclic garbage, rare here, waits for at most 50,000 allocations.
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(SERVER_YOUNG_THRESHOLD, middle, old)
