"""The in-memory state of one mock: vector buckets, indexes, policies and tags, per account and region."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from botocore.utils import parse_timestamp

from ._rates import WriteRateLimiter
from ._tokens import TokenBook
from .engine.table import Matrix, VectorTable
from .engine.text import TextField

# Set while a request runs whose creation times must be a given moment (a journaled write, and its replay).
_fixed_now: ContextVar[datetime | None] = ContextVar("s3vectors_mock_fixed_now", default=None)


def now() -> datetime:
    """The current time exactly as botocore parses the service's epoch-seconds timestamps (millisecond precision).

    botocore's own parser decides the timezone object (``tzlocal()``), so responses compare equal to real ones.
    Inside :func:`fixed_clock`, the moment it fixes.
    """
    fixed = _fixed_now.get()
    return fixed if fixed is not None else moment_at(int(time.time() * 1000))


def moment_at(epoch_ms: int) -> datetime:
    """The moment ``epoch_ms`` milliseconds after the epoch, as :func:`now` gives it."""
    moment: datetime = parse_timestamp(cast(Any, epoch_ms / 1000))
    return moment


def epoch_ms(moment: datetime) -> int:
    """The inverse of :func:`moment_at` (exact for any moment :func:`now` gives)."""
    return round(moment.timestamp() * 1000)


@contextmanager
def fixed_clock(moment: datetime) -> Iterator[datetime]:
    """Make :func:`now` answer ``moment`` in this thread (and task) until the block ends."""
    token = _fixed_now.set(moment)
    try:
        yield moment
    finally:
        _fixed_now.reset(token)


@dataclass
class Index:
    bucket_name: str
    name: str
    arn: str
    creation_time: datetime
    data_type: str
    dimension: int
    distance_metric: str
    metadata_configuration: dict[str, Any] | None
    encryption: dict[str, Any] | None
    index_mode: str
    table: VectorTable
    tags: dict[str, str] = field(default_factory=dict)
    text_search: dict[str, dict[str, Any]] = field(default_factory=dict)
    text_fields: dict[str, TextField] = field(default_factory=dict)

    @property
    def non_filterable_keys(self) -> frozenset[str]:
        keys = (self.metadata_configuration or {}).get("nonFilterableMetadataKeys") or []
        return frozenset(keys)

    def store(self, keys: Sequence[str], vectors: Matrix, metadata: Sequence[dict[str, Any] | None]) -> None:
        """Upsert validated records into the vector table and every full-text field."""
        self.table.upsert(keys, vectors, metadata)
        for metadata_key, text_field in self.text_fields.items():
            text_field.write(keys, [(values or {}).get(metadata_key) for values in metadata])

    def remove(self, keys: Sequence[str]) -> None:
        self.table.delete(keys)
        for text_field in self.text_fields.values():
            text_field.delete(keys)

    def add_text_search(self, configurations: dict[str, dict[str, Any]]) -> None:
        """Make metadata keys full-text searchable, indexing the vectors already stored (the backfill)."""
        for metadata_key, configuration in configurations.items():
            text_field = TextField(configuration.get("language"))
            values = [(metadata or {}).get(metadata_key) for metadata in self.table.metadata]
            text_field.write(list(self.table.keys), values)
            self.text_fields[metadata_key] = text_field
            self.text_search[metadata_key] = configuration

    def remove_text_search(self, metadata_keys: Sequence[str]) -> None:
        for metadata_key in metadata_keys:
            self.text_fields.pop(metadata_key, None)
            self.text_search.pop(metadata_key, None)


@dataclass
class Bucket:
    name: str
    arn: str
    creation_time: datetime
    encryption: dict[str, Any]
    default_index_mode: str  # CLASSIC or ENHANCED: today's service gives every bucket one
    policy: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)


@dataclass
class Namespace:
    """What one account sees in one region."""

    account: str
    region: str
    buckets: dict[str, Bucket] = field(default_factory=dict)


class Backend:
    """All state of one mock. Every operation runs under ``lock``, so each call is atomic and calls are serializable."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.namespaces: dict[tuple[str, str], Namespace] = {}
        self.tokens = TokenBook()
        self.write_limits = WriteRateLimiter()  # consulted only with Options.enforce_rate_limits

    def namespace(self, account: str, region: str) -> Namespace:
        key = (account, region)
        found = self.namespaces.get(key)
        if found is None:
            found = self.namespaces[key] = Namespace(account, region)
        return found

    def reset(self) -> None:
        with self.lock:
            self.namespaces.clear()
            self.tokens.clear()
            self.write_limits.clear()
