"""The least-privilege policy: every (action, resource) pair the calls of a mock asked for, as an IAM policy.

Recorded by the service for every call it answers, denied and failed ones included (the code asked for them),
whether or not access is enforced. ``RUN_LEDGER`` gathers the pairs of every mock in the process for the pytest
option ``--s3vectors-policy``, which switches it on (otherwise a long run would keep every pair for nothing).

Bounded: a ledger keeps at most ``MAX_PAIRS`` distinct pairs (a policy of that many statements is far beyond IAM's
size limits anyway) and logs one warning when it stops recording.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

POLICY_VERSION = "2012-10-17"
MAX_PAIRS = 100_000
logger = logging.getLogger("s3vectors_mock")


class Ledger:
    def __init__(self, *, enabled: bool = True, limit: int = MAX_PAIRS) -> None:
        self.enabled = enabled
        self._limit = limit
        self._lock = threading.Lock()
        self._pairs: set[tuple[str, str]] = set()
        self._warned = False

    def record(self, actions: Iterable[str], resource: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            for action in actions:
                if len(self._pairs) >= self._limit and (action, resource) not in self._pairs:
                    if not self._warned:
                        self._warned = True
                        logger.warning("s3vectors-mock: the least-privilege record is full (%d pairs)", self._limit)
                    return
                self._pairs.add((action, resource))

    def merge(self, pairs: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            self._pairs.update(pairs)

    def pairs(self) -> frozenset[tuple[str, str]]:
        with self._lock:
            return frozenset(self._pairs)

    def clear(self) -> None:
        with self._lock:
            self._pairs.clear()
            self._warned = False


def policy_document(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """An identity-based policy allowing exactly ``pairs``: one statement per resource (sorted by ARN, ``*``
    first), its actions sorted; the same pairs always give the same document."""
    by_resource: dict[str, set[str]] = {}
    for action, resource in pairs:
        by_resource.setdefault(resource, set()).add(action)
    statements = [
        {"Effect": "Allow", "Action": sorted(by_resource[resource]), "Resource": resource}
        for resource in sorted(by_resource)
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}


RUN_LEDGER = Ledger(enabled=False)
