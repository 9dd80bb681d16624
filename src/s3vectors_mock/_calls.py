"""The log of calls a mock answered, kept within fixed bounds so that a session-long mock stays small.

Bounds (docs/fidelity.md, "Memory bounds"): the newest ``MAX_RECORDS`` calls are kept, fewer when their vector data
and records would together weigh more than ``MAX_WEIGHT`` (a server ingesting 500 × 128 vectors a call held ~2.5 GiB
of float32 data for 10,000 calls, plus the records' keys and metadata). Their parameters are kept as
sent — what the service read from the request, objects of the log's own that no caller holds — except that vector
data beyond the newest ``FULL_VECTOR_VALUES`` values is compacted: each older ``float32`` list becomes an
``array.array("f")`` of the same values as the service stores them (4 bytes a value instead of a Python float
object and a list slot, about 40 bytes).

A list known to hold only plain floats (the in-process path proves it while validating) is held as the doubles the
request was read to, and made into a list of the same floats when the log is first read (:meth:`CallLog.snapshot`):
a logged list is an object the cyclic garbage collector walks item by item at every collection it survives, about
a third of the remaining cost of an in-process PutVectors of 500 × 1024 — and most logs are never read.
"""

from __future__ import annotations

import array
import threading
import time
from collections import deque
from typing import Any, NamedTuple

MAX_RECORDS = 10_000
FULL_VECTOR_VALUES = 2_000_000
# A call's weight: its vector values (4 bytes each once compacted) plus RECORD_WEIGHT for each PutVectors record
# (its key and metadata dict, ~400 bytes). 64,000,000 is ~256 MiB: ~560 calls of 500 × 128 vectors, or 10,000 calls
# of 6,400 values each.
MAX_WEIGHT = 64_000_000
RECORD_WEIGHT = 100
# `s3vectors-mock serve`'s log is read by its console only (which shows a call's first few values): ~8 MiB there
# (~15 calls of 500 × 128 vectors, and every call that sends none, up to MAX_RECORDS). The log's records are
# long-lived small objects made amid each request's temporaries, so they also keep the allocator's memory from
# being returned: 300,000 × 128 ingested through the server's path took 1,849 bytes a vector beyond its floats with
# the 256 MiB log, 273 without any.
SERVER_MAX_WEIGHT = 2_000_000


class CallRecord(NamedTuple):
    """One handled call: the operation, the API parameters as sent (read from the request), and the outcome.

    ``time`` (epoch seconds, stamped by the log when the record is appended), ``account`` (the caller's) and
    ``injected`` (the outcome was an injected fault) come last with defaults, so records built positionally with
    the first four fields keep working.
    """

    operation: str
    params: dict[str, Any]
    region: str
    error_code: str | None = None
    time: float | None = None
    account: str | None = None
    injected: bool = False

    @property
    def succeeded(self) -> bool:
        """Whether the call was answered without an error."""
        return self.error_code is None


class _Doubles:
    """Vector data held as the doubles it was read to, until the log is read (never seen outside the log)."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row  # a float64 numpy row

    def values(self) -> list[float]:
        values: list[float] = self.row.tolist()
        return values


def _vector_values(params: dict[str, Any]) -> int:
    """How many vector values a call's parameters hold (PutVectors records and query vectors)."""
    count = 0
    records = params.get("vectors")
    if isinstance(records, list):
        for record in records:
            data = record.get("data") if isinstance(record, dict) else None
            values = data.get("float32") if isinstance(data, dict) else None
            if isinstance(values, list):
                count += len(values)
    query = params.get("queryVector")
    if isinstance(query, dict) and isinstance(query.get("float32"), list):
        count += len(query["float32"])
    return count


def _weight(params: dict[str, Any], values: int) -> int:
    records = params.get("vectors")
    return values + (RECORD_WEIGHT * len(records) if isinstance(records, list) else 0)


def _compact_values(values: Any) -> Any:
    try:
        return array.array("f", values)
    except (TypeError, OverflowError):
        return values  # not numbers (an invalid request): kept as sent


Prepared = dict[int, "array.array[float]"]


def _prepared(params: dict[str, Any]) -> Prepared:
    """Compact copies of a call's float32 lists made while the call is answered, from the reading of its vector
    data (_float_lists), so that compacting it later walks no floats; lists not read that way are left out."""
    from ._float_lists import compact_copy  # here: the call log is imported where numpy must not be yet

    prepared: Prepared = {}
    records = params.get("vectors")
    if isinstance(records, list):
        for record in records:
            data = record.get("data") if isinstance(record, dict) else None
            values = data.get("float32") if isinstance(data, dict) else None
            copy = compact_copy(values) if isinstance(values, list) else None
            if copy is None:
                return prepared
            prepared[id(values)] = copy
    return prepared


def _held_as_doubles(params: dict[str, Any], prepared: Prepared) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The log's copy of a call's parameters in which each list the caller proved plain floats (possibly the
    caller's own list) is held as the doubles it was read to, or copied when it was not read (copies of the dicts
    above them; prepared compact copies follow them); and the dicts holding doubles."""
    from ._float_lists import logged_form  # here: the call log is imported where numpy must not be yet

    records = params.get("vectors")
    if not isinstance(records, list):
        return params, []
    held: list[dict[str, Any]] = []
    logged = []
    changed = False
    for record in records:
        data = record.get("data") if type(record) is dict else None
        values = data.get("float32") if type(data) is dict else None
        form = logged_form(values) if type(values) is list else None
        if form is not None:
            assert data is not None
            kept = form if isinstance(form, list) else _Doubles(form)
            compact = prepared.pop(id(values), None)
            if compact is not None:
                prepared[id(kept)] = compact
            data = {**data, "float32": kept}
            if isinstance(kept, _Doubles):
                held.append(data)
            record = {**record, "data": data}
            changed = True
        logged.append(record)
    if not changed:
        return params, []
    return {**params, "vectors": logged}, held


def _as_lists(held: list[dict[str, Any]], prepared: Prepared | None) -> None:
    """Make the lists of data held as doubles, in the log's own dicts (no one has seen them yet)."""
    for data in held:
        doubles = data["float32"]
        if isinstance(doubles, _Doubles):
            values = doubles.values()
            data["float32"] = values
            if prepared is not None and id(doubles) in prepared:
                prepared[id(values)] = prepared.pop(id(doubles))


def _compacted(params: dict[str, Any], prepared: Prepared | None = None) -> dict[str, Any]:
    """A copy of ``params`` with every float32 list compacted (the logged dicts themselves are never changed).

    ``prepared`` holds copies made earlier by list id; the record still holds those lists, so the ids are theirs.
    """
    prepared = prepared or {}
    result = dict(params)
    records = params.get("vectors")
    if isinstance(records, list):
        compact_records = []
        for record in records:
            data = record.get("data") if isinstance(record, dict) else None
            if isinstance(data, dict) and isinstance(data.get("float32"), (list, _Doubles)):
                values = data["float32"]
                compact = prepared.get(id(values))
                if compact is None:
                    compact = _compact_values(values.values() if isinstance(values, _Doubles) else values)
                record = {**record, "data": {**data, "float32": compact}}
            compact_records.append(record)
        result["vectors"] = compact_records
    query = params.get("queryVector")
    if isinstance(query, dict) and isinstance(query.get("float32"), list):
        result["queryVector"] = {**query, "float32": _compact_values(query["float32"])}
    return result


class CallLog:
    def __init__(self, max_weight: int = MAX_WEIGHT) -> None:
        self.max_weight = max_weight
        self._lock = threading.Lock()
        # Oldest first: each record with its weight (see MAX_WEIGHT).
        self._records: deque[CallRecord] = deque()
        self._weights: deque[int] = deque()
        self._weight = 0
        # The records still holding full vector data, oldest first, with how many values each holds and the
        # compact copies prepared for them.
        self._full: deque[tuple[CallRecord, int, Prepared]] = deque()
        self._full_values = 0
        # Records holding vector data as doubles (by id: the record, the dicts holding it, its compact copies).
        self._held: dict[int, tuple[CallRecord, list[dict[str, Any]], Prepared]] = {}

    def append(self, record: CallRecord) -> None:
        if record.time is None:
            record = record._replace(time=time.time())
        values = _vector_values(record.params)
        prepared = _prepared(record.params) if values else {}
        weight = _weight(record.params, values)
        held: list[dict[str, Any]] = []
        if values:
            params, held = _held_as_doubles(record.params, prepared)
            record = record._replace(params=params)
        with self._lock:
            self._records.append(record)
            self._weights.append(weight)
            self._weight += weight
            if held:
                self._held[id(record)] = (record, held, prepared)
            if values:
                self._full.append((record, values, prepared))
                self._full_values += values
            while len(self._records) > MAX_RECORDS or (self._weight > self.max_weight and len(self._records) > 1):
                self._drop_oldest()
            while self._full_values > FULL_VECTOR_VALUES and len(self._full) > 1:
                self._compact_oldest()

    def _drop_oldest(self) -> None:
        dropped = self._records.popleft()
        self._weight -= self._weights.popleft()
        self._held.pop(id(dropped), None)
        if self._full and self._full[0][0] is dropped:  # both are oldest first: a full record dropped is the first
            self._full_values -= self._full.popleft()[1]

    def _compact_oldest(self) -> None:
        record, values, prepared = self._full.popleft()
        self._full_values -= values
        self._held.pop(id(record), None)
        for position in range(len(self._records)):  # the oldest full records sit near the front
            if self._records[position] is record:
                self._records[position] = record._replace(params=_compacted(record.params, prepared))
                return

    def snapshot(self) -> list[CallRecord]:
        with self._lock:
            for _, held, prepared in self._held.values():
                _as_lists(held, prepared)
            self._held.clear()
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._weights.clear()
            self._weight = 0
            self._full.clear()
            self._full_values = 0
            self._held.clear()
