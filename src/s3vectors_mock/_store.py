"""The in-memory state of one mock: vector buckets, indexes, policies and tags, per account and region."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from botocore.utils import parse_timestamp

from ._table import VectorTable
from ._tokens import TokenBook


def now() -> datetime:
    """The current time exactly as botocore parses the service's epoch-seconds timestamps (millisecond precision).

    botocore's own parser decides the timezone object (``tzlocal()``), so responses compare equal to real ones.
    """
    epoch_ms = int(time.time() * 1000)
    moment: datetime = parse_timestamp(cast(Any, epoch_ms / 1000))
    return moment


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
    index_mode: str | None
    table: VectorTable
    tags: dict[str, str] = field(default_factory=dict)
    text_search: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def non_filterable_keys(self) -> frozenset[str]:
        keys = (self.metadata_configuration or {}).get("nonFilterableMetadataKeys") or []
        return frozenset(keys)


@dataclass
class Bucket:
    name: str
    arn: str
    creation_time: datetime
    encryption: dict[str, Any]
    default_index_mode: str | None = None
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
