"""The service's per-index write limits, enforced only when asked (``enforce_rate_limits=True``).

PutVectors and DeleteVectors together may make at most 1,000 requests and write at most 2,500 vectors per second
per index, whichever is reached first; beyond that the service answers TooManyRequestsException (HTTP 429).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from ._errors import throttled

MAX_REQUESTS_PER_SECOND = 1_000
MAX_VECTORS_PER_SECOND = 2_500
WINDOW_SECONDS = 1.0
RATE_LIMITED_OPERATIONS = frozenset({"PutVectors", "DeleteVectors"})


class WriteRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[str, deque[tuple[float, int]]] = {}

    def admit(self, index_arn: str, vectors: int) -> None:
        """Count one write of ``vectors`` vectors, or raise the service's throttling error without counting it."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(index_arn, deque())
            while recent and now - recent[0][0] >= WINDOW_SECONDS:
                recent.popleft()
            written = sum(count for _, count in recent)
            if len(recent) + 1 > MAX_REQUESTS_PER_SECOND or written + vectors > MAX_VECTORS_PER_SECOND:
                raise throttled()
            recent.append((now, vectors))

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
