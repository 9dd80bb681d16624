"""Opaque pagination tokens, bounded in time and in memory.

A token is a random handle to state kept by the mock, bound to the request it continues (its scope). A token the
mock never issued, one issued for a different listing, and one that expired or was evicted are all rejected with
the service's ValidationException. Handles keep short, fixed-length tokens whatever the position they stand for (a
vector key alone may take 4 KiB of UTF-8, more than the model lets a ListVectors token hold).

The tokens of one listing form a chain: each continues the one before (``after``), they share their state (a
QueryVectors chain shares one snapshot of the ranked results), and they are released together, when the last page
is served. A token expires LIFETIME_SECONDS after it was issued (AWS: tokens "remain valid for several minutes");
beyond MEMORY_BUDGET estimated bytes or MAX_LIVE_TOKENS tokens, the chains extended least recently are evicted.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from ._errors import INVALID_TOKEN, validation_error

LIFETIME_SECONDS = 300.0
MEMORY_BUDGET = 64 * 2**20
MAX_LIVE_TOKENS = 100_000
TOKEN_BYTES = 300  # the book's own cost per token (the entry, the handle string), on top of the state's size


def new_token() -> str:
    """64 random URL-safe characters, never starting with ``-``: the AWS CLI reads ``--next-token -xyz`` as an
    option, so such a token could not be passed back (1 in 64 of plain ``token_urlsafe`` tokens)."""
    while True:
        token = secrets.token_urlsafe(48)
        if not token.startswith("-"):
            return token


class _Chain:
    """Tokens that continue one another and share their state; released as one."""

    __slots__ = ("size", "tokens")

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.size = 0


class _Entry(NamedTuple):
    scope: str
    state: Any
    chain: _Chain
    expires: float


class TokenBook:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        lifetime: float = LIFETIME_SECONDS,
        budget: int = MEMORY_BUDGET,
        max_tokens: int = MAX_LIVE_TOKENS,
    ) -> None:
        """``clock`` (seconds, monotonic) is injectable so tests can let tokens expire without waiting."""
        self.clock = clock
        self.lifetime = lifetime
        self.budget = budget
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        # Every chain, least recently extended first: expiry and eviction both take them from the front.
        self._chains: OrderedDict[_Chain, None] = OrderedDict()
        self._bytes = 0

    @property
    def held_bytes(self) -> int:
        """The estimated bytes of state the live tokens hold."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def issue(self, scope: str, state: Any, *, size: int = 0, after: str | None = None) -> str:
        """A new token for ``state``, whose estimated size is ``size`` bytes (what this token adds: a token that
        shares the state of the one it continues adds nothing). ``after``: the token this one continues."""
        token = new_token()
        now = self.clock()
        with self._lock:
            self._expire(now)
            previous = self._entries.get(after) if after is not None else None
            chain = previous.chain if previous is not None else _Chain()
            chain.tokens.append(token)
            chain.size += size + TOKEN_BYTES
            self._bytes += size + TOKEN_BYTES
            self._chains[chain] = None
            self._chains.move_to_end(chain)
            self._entries[token] = _Entry(scope, state, chain, now + self.lifetime)
            while (self._bytes > self.budget or len(self._entries) > self.max_tokens) and len(self._chains) > 1:
                self._drop(next(iter(self._chains)))
        return token

    def redeem(self, token: str, scope: str) -> Any:
        """The state of a live token issued for ``scope``; ValidationException otherwise."""
        with self._lock:
            entry = self._entries.get(token)
        if entry is None or entry.scope != scope or entry.expires <= self.clock():
            raise validation_error(INVALID_TOKEN, "nextToken", INVALID_TOKEN)
        return entry.state

    def release(self, token: str) -> None:
        """Forget ``token`` and every token of its chain (its listing has been read to the end)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None:
                self._drop(entry.chain)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chains.clear()
            self._bytes = 0

    def _expire(self, now: float) -> None:
        # A chain's newest token is its last to expire, and chains are ordered by their newest token.
        while self._chains:
            chain = next(iter(self._chains))
            if self._entries[chain.tokens[-1]].expires > now:
                return
            self._drop(chain)

    def _drop(self, chain: _Chain) -> None:
        for token in chain.tokens:
            del self._entries[token]
        del self._chains[chain]
        self._bytes -= chain.size
