"""What the console shows, as JSON-ready dicts read from the service's state under its lock.

Each builder copies what it needs while holding the backend's lock and returns plain values (str, int, float,
bool, lists, dicts), so a page never sees a half-applied write and nothing in the state leaves by reference. None
of them changes anything: lookups go through ``namespaces.get``, never ``Backend.namespace`` (which creates).
"""

from __future__ import annotations

import array
import bisect
import itertools
from datetime import datetime
from typing import Any

from ..._calls import CallRecord
from ..._service import S3VectorsService
from ..._store import Bucket, Index
from ...engine.keys import KeysInOrder

Address = tuple[str, str, str, str]  # account, region, bucket, index
# How many components of each vector the table shows: enough to tell vectors apart at a glance.
SHOWN_COMPONENTS = 6
MAX_PAGE = 200
# The call log page shows parameters abbreviated: vector data cut to a few values, long lists to a few entries.
SHOWN_VALUES = 4
SHOWN_RECORDS = 5
MAX_CALLS = 1000


def _time(moment: datetime) -> float:
    return moment.timestamp()


def _encryption(settings: dict[str, Any] | None) -> dict[str, Any]:
    return dict(settings) if settings else {"sseType": "AES256"}


def _index_summary(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "arn": index.arn,
        "created": _time(index.creation_time),
        "dataType": index.data_type,
        "dimension": index.dimension,
        "distanceMetric": index.distance_metric,
        "mode": index.index_mode,
        "vectorCount": index.table.size,
        "encryption": _encryption(index.encryption),
        "fullTextKeys": sorted(index.text_fields),
    }


def _bucket_summary(bucket: Bucket) -> dict[str, Any]:
    return {
        "name": bucket.name,
        "arn": bucket.arn,
        "created": _time(bucket.creation_time),
        "encryption": _encryption(bucket.encryption),
        "defaultIndexMode": bucket.default_index_mode,
        "policyAttached": bucket.policy is not None,
        "tags": dict(bucket.tags),
        "indexes": [_index_summary(bucket.indexes[name]) for name in sorted(bucket.indexes)],
    }


def overview(service: S3VectorsService) -> dict[str, Any]:
    """Every account and region that has vector buckets, with their buckets and indexes, sorted by name."""
    backend = service.backend
    with backend.lock:
        namespaces = [
            {
                "account": account,
                "region": region,
                "buckets": [_bucket_summary(namespace.buckets[name]) for name in sorted(namespace.buckets)],
            }
            for (account, region), namespace in sorted(backend.namespaces.items())
            if namespace.buckets
        ]
    return {
        "defaultAccount": service.options.account_id,
        "namespaces": namespaces,
        "calls": len(service.calls.snapshot()),
    }


def locate(
    service: S3VectorsService, account: str, region: str, bucket: str, index: str
) -> tuple[Bucket, Index] | None:
    """The bucket and index at that address, or None; the caller holds the backend's lock while it uses them."""
    namespace = service.backend.namespaces.get((account, region))
    found_bucket = namespace.buckets.get(bucket) if namespace is not None else None
    found = found_bucket.indexes.get(index) if found_bucket is not None else None
    return (found_bucket, found) if found_bucket is not None and found is not None else None


def index_detail(
    service: S3VectorsService, account: str, region: str, bucket: str, index: str
) -> dict[str, Any] | None:
    """One index's configuration (None when there is no such index)."""
    with service.backend.lock:
        located = locate(service, account, region, bucket, index)
        if located is None:
            return None
        found_bucket, found = located
        detail = _index_summary(found)
        detail.update(
            {
                "account": account,
                "region": region,
                "bucket": bucket,
                "bucketPolicyAttached": found_bucket.policy is not None,
                "nonFilterableMetadataKeys": sorted(found.non_filterable_keys),
                "tags": dict(found.tags),
                "textSearch": {key: dict(value) for key, value in sorted(found.text_search.items())},
                "version": found.table.version,
            }
        )
    return detail


def _components(values: Any) -> list[float]:
    return [round(float(value), 6) for value in values]


def vectors_page(
    service: S3VectorsService, address: Address, offset: int, limit: int, prefix: str
) -> dict[str, Any] | None:
    """A page of the index's vectors in key order (a person wants one; ListVectors promises none), optionally only
    the keys starting with ``prefix`` (None when there is no such index).

    The order is the table's own, cached until its next write (ListVectors pages through it too): sorting ten
    million keys from the packed buffer takes ~0.2 s, and a page decodes only the keys it shows and the ~log n a
    prefix search reads, so the backend's lock is held briefly even for a large index that the code under test is
    filling."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    with service.backend.lock:
        located = locate(service, *address)
        if located is None:
            return None
        table = located[1].table
        ordered, _ = table.sorted_rows()
        keys = KeysInOrder(table.keys, ordered)
        start, stop = 0, len(keys)
        if prefix:
            start = bisect.bisect_left(keys, prefix)
            # Every key with the prefix sorts before the prefix followed by the highest code point.
            stop = bisect.bisect_left(keys, prefix + "\U0010ffff", lo=start)
        shown = ordered[start + offset : min(stop, start + offset + limit)].tolist()
        rows = [
            {
                "key": key,
                "metadata": _metadata(values),
                "data": _components(table.data[row, :SHOWN_COMPONENTS]),
            }
            for row, key, values in zip(shown, table.keys.many(shown), table.metadata.many(shown))
        ]
        dimension = table.dimension
    return {
        "total": stop - start,
        "offset": offset,
        "limit": limit,
        "dimension": dimension,
        "shownComponents": min(SHOWN_COMPONENTS, dimension),
        "vectors": rows,
    }


def _metadata(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, list) else value for name, value in (stored or {}).items()}


# ---- the call log ------------------------------------------------------------------------------------------------


def _abbreviated_values(values: Any) -> Any:
    """Vector data as a person wants to see it in a log: the first few values and how many there are."""
    try:
        count = len(values)
        head = [float(value) for value in itertools.islice(values, SHOWN_VALUES)]
    except (TypeError, ValueError, OverflowError):
        return _plain(values)
    if count <= SHOWN_VALUES:
        return head
    return {"first": head, "count": count}


def _plain(value: Any, depth: int = 0) -> Any:
    """Any parameter value as JSON can carry it (calls are logged as the caller passed them: invalid requests
    hold whatever was sent), bounded in depth and length so one odd call cannot make the page huge."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    if depth > 12:
        return "…"
    if isinstance(value, dict):
        return {str(name): _plain(item, depth + 1) for name, item in list(value.items())[:100]}
    if isinstance(value, (list, tuple, array.array)):  # array: vector data the call log compacted
        items = [_plain(item, depth + 1) for item in value[:100]]
        return [*items, f"… {len(value) - 100} more"] if len(value) > 100 else items
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)[:200]


def abbreviated_params(params: dict[str, Any]) -> dict[str, Any]:
    """A call's parameters with vector data cut to its first values and long record lists to their first records."""
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name == "vectors" and isinstance(value, list):
            records = [_abbreviated_record(record) for record in value[:SHOWN_RECORDS]]
            if len(value) > SHOWN_RECORDS:
                records.append(f"… {len(value) - SHOWN_RECORDS} more records")
            shown[name] = records
        elif name == "queryVector" and isinstance(value, dict) and "float32" in value:
            shown[name] = {**_plain(value), "float32": _abbreviated_values(value["float32"])}
        else:
            shown[name] = _plain(value)
    return shown


def _abbreviated_record(record: Any) -> Any:
    if not isinstance(record, dict):
        return _plain(record)
    shown = _plain(record)
    data = record.get("data")
    if isinstance(data, dict) and "float32" in data:
        shown["data"] = {**_plain(data), "float32": _abbreviated_values(data["float32"])}
    return shown


def _call(position: int, record: CallRecord, default_account: str) -> dict[str, Any]:
    return {
        "seq": position,
        "time": record.time,
        "operation": record.operation,
        "account": record.account or default_account,
        "region": record.region,
        "errorCode": record.error_code,
        "injected": record.injected,
        "params": abbreviated_params(record.params),
    }


def calls(service: S3VectorsService, limit: int) -> dict[str, Any]:
    """The newest ``limit`` calls, newest first, each with its parameters abbreviated."""
    records = service.calls.snapshot()
    limit = max(1, min(limit, MAX_CALLS))
    newest = records[::-1][:limit]
    total = len(records)
    default = service.options.account_id
    return {
        "total": total,
        "calls": [_call(total - number, record, default) for number, record in enumerate(newest)],
    }
