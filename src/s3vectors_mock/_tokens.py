"""Opaque pagination tokens.

A token is a random handle to state kept by the mock, bound to the request it continues (its scope). A token the
mock never issued, or one issued for a different listing, is rejected with a ValidationException, as the service
rejects a forged one. Handles keep short, fixed-length tokens whatever the position they stand for (a vector key
alone may take 4 KiB of UTF-8, more than the model lets a ListVectors token hold).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from ._errors import INVALID_TOKEN, validation_error

MAX_LIVE_TOKENS = 100_000


class TokenBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: OrderedDict[str, tuple[str, Any]] = OrderedDict()

    def issue(self, scope: str, state: Any) -> str:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._issued[token] = (scope, state)
            while len(self._issued) > MAX_LIVE_TOKENS:
                self._issued.popitem(last=False)
        return token

    def redeem(self, token: str, scope: str) -> Any:
        with self._lock:
            entry = self._issued.get(token)
        if entry is None or entry[0] != scope:
            raise validation_error(INVALID_TOKEN, "nextToken", INVALID_TOKEN)
        return entry[1]

    def clear(self) -> None:
        with self._lock:
            self._issued.clear()
