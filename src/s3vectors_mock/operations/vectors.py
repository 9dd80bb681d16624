"""Vector operations: PutVectors, GetVectors, ListVectors and DeleteVectors."""

from __future__ import annotations

import bisect
import json

import numpy as np

from .._errors import SEGMENT_PAIR, SEGMENT_RANGE, VECTOR_DATA_MISSING, validation_error
from .._records import check_key_bytes, record_error, request_batch, returned_metadata
from .._store import Index
from ..engine.keys import KeysInOrder
from ._request import Params, Request
from ._resolve import find_index, index_address

DEFAULT_LIST_PAGE = 500
LIST_PAGE_BYTES = 1024 * 1024


def _admit_write(request: Request, index: Index, vectors: int) -> None:
    if request.options.enforce_rate_limits:
        request.backend.write_limits.admit(index.arn, vectors)


def put_vectors(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    records = params["vectors"]
    # The request's own checks come before the lookup, like every such check (the records' checks need the index).
    for position, record in enumerate(records):
        if (record.get("data") or {}).get("float32") is None:
            raise record_error(record["key"], VECTOR_DATA_MISSING, f"vectors[{position}].data")
    check_key_bytes([record["key"] for record in records], "vectors")
    _, index = find_index(request, address)
    batch = request_batch(index, records)
    _admit_write(request, index, len(records))
    index.store(batch.keys, batch.vectors, batch.metadata)
    return {}


def describe_vector(index: Index, row: int, return_data: bool, return_metadata: bool) -> Params:
    table = index.table
    described: Params = {"key": table.keys[row]}
    if return_data:
        described["data"] = {"float32": table.data[row].tolist()}
    if return_metadata:
        described["metadata"] = returned_metadata(table.metadata[row])
    return described


def get_vectors(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    keys = params["keys"]
    check_key_bytes(keys, "keys")
    _, index = find_index(request, address)
    wanted = list(dict.fromkeys(keys))
    table = index.table
    present = [(key, row) for key, row in zip(wanted, table.keys.find_many(wanted)) if row is not None]
    # The service does not answer in request order (['same', 'does-not-exist', 'orth'] came back as ['orth',
    # 'same']). The mock answers in key-hash order (CRC32 of the UTF-8 key, the hash ListVectors segments use; ties
    # by key): deterministic, consistent with that sample, and it reorders most requests, sorted ones included,
    # so code that pairs results with requested keys by position fails here first.
    present.sort(key=lambda found: (int(table.key_hashes[found[1]]), found[0]))
    return_data, return_metadata = bool(params.get("returnData")), bool(params.get("returnMetadata"))
    return {"vectors": [describe_vector(index, row, return_data, return_metadata) for _, row in present]}


def delete_vectors(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    check_key_bytes(params["keys"], "keys")
    _, index = find_index(request, address)
    _admit_write(request, index, len(params["keys"]))
    index.remove(params["keys"])
    return {}


def _segment(params: Params) -> tuple[int, int]:
    count, position = params.get("segmentCount"), params.get("segmentIndex")
    if (count is None) != (position is None):
        raise validation_error(SEGMENT_PAIR, "segmentCount")
    if count is None or position is None:
        return 1, 0
    if position >= count:
        raise validation_error(SEGMENT_RANGE, "segmentIndex")
    return count, position


def _estimated_size(index: Index, row: int, return_data: bool, return_metadata: bool) -> int:
    size = len(index.table.keys[row]) + 16
    if return_data:
        size += 12 * index.dimension
    if return_metadata and index.table.metadata[row]:
        size += len(json.dumps(index.table.metadata[row]))
    return size


def list_vectors(request: Request, params: Params) -> Params:
    """Keys in code-point order, split into segments by a hash of the key; the token holds the last key returned."""
    address = index_address(request, params)
    count, position = _segment(params)
    _, index = find_index(request, address)
    limit = params.get("maxResults") or DEFAULT_LIST_PAGE
    return_data, return_metadata = bool(params.get("returnData")), bool(params.get("returnMetadata"))
    scope = f"ListVectors:{index.arn}:{index.creation_time.isoformat()}:{count}:{position}"
    table = index.table
    ordered, hashes = table.sorted_rows()
    start = 0
    if params.get("nextToken") is not None:
        last_key = request.backend.tokens.redeem(params["nextToken"], scope)
        start = bisect.bisect_right(KeysInOrder(table.keys, ordered), last_key)
    # Positions (in key order, from the cursor on) of this segment's keys: one vectorized test, not a loop.
    in_segment = np.flatnonzero(hashes[start:] % count == position) + start if count > 1 else None
    candidates = (
        in_segment[: limit + 1].tolist()
        if in_segment is not None
        else range(start, min(start + limit + 1, len(ordered)))
    )
    page: list[Params] = []
    budget = LIST_PAGE_BYTES
    for cursor in candidates:
        if len(page) >= limit or budget <= 0:
            break
        row = int(ordered[cursor])
        page.append(describe_vector(index, row, return_data, return_metadata))
        budget -= _estimated_size(index, row, return_data, return_metadata)
    response: Params = {"vectors": page}
    token = params.get("nextToken")
    if page and len(candidates) > len(page):
        last_key = page[-1]["key"]
        response["nextToken"] = request.backend.tokens.issue(scope, last_key, size=len(last_key), after=token)
    elif token is not None:
        request.backend.tokens.release(token)  # the listing is complete: its tokens are no longer needed
    return response
