"""Vector operations: PutVectors, GetVectors, ListVectors and DeleteVectors."""

from __future__ import annotations

import bisect
import json
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import SEGMENT_PAIR, SEGMENT_RANGE, VECTOR_DATA_MISSING, VECTOR_LENGTH, validation_error
from .._records import as_float32_rows, check_key_bytes, check_metadata, first_vector_problem, record_error
from .._store import Index
from ._request import Params, Request
from ._resolve import find_index, index_address

DEFAULT_LIST_PAGE = 500
LIST_PAGE_BYTES = 1024 * 1024


def validate_records(
    index: Index,
    keys: Sequence[str],
    data: Sequence[Any],
    metadata: Sequence[Any],
    path: str = "vectors",
) -> npt.NDArray[np.float32]:
    """The records as a float32 matrix, or the service's error for the first invalid record (in request order)."""
    check_key_bytes(keys, path)
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] == index.dimension:
        with np.errstate(over="ignore", invalid="ignore"):
            matrix, bad_length = data.astype(np.float32, copy=False), None
    else:
        matrix, bad_length = as_float32_rows(data, index.dimension)
    # The matrix holds the records before any of the wrong length: the first problem among them comes first.
    problem = first_vector_problem(matrix, index.distance_metric)
    stop = problem[0] if problem is not None else len(keys) if bad_length is None else bad_length
    _check_metadata_until(index, keys, metadata, stop, path)
    if problem is not None:
        position, text = problem
        raise record_error(keys[position], text, f"{path}[{position}]")
    if bad_length is not None:
        length = len(data[bad_length])
        raise record_error(
            keys[bad_length],
            VECTOR_LENGTH.format(dimension=index.dimension, length=length),
            f"{path}[{bad_length}]",
        )
    return matrix


def _check_metadata_until(index: Index, keys: Sequence[str], metadata: Sequence[Any], stop: int, path: str) -> None:
    non_filterable = index.non_filterable_keys
    for position in range(stop):
        values = metadata[position]
        if values is not None:
            check_metadata(keys[position], values, non_filterable, f"{path}[{position}].metadata")


def _admit_write(request: Request, index: Index, vectors: int) -> None:
    if request.options.enforce_rate_limits:
        request.backend.write_limits.admit(index.arn, vectors)


def last_wins(keys: Sequence[str]) -> list[int]:
    """Positions of the last occurrence of each key, in order (a batch that repeats a key keeps its last record)."""
    last = {key: position for position, key in enumerate(keys)}
    return sorted(last.values())


def put_vectors(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    records = params["vectors"]
    keys = [record["key"] for record in records]
    data = []
    for position, record in enumerate(records):
        values = (record.get("data") or {}).get("float32")
        if values is None:
            raise record_error(record["key"], VECTOR_DATA_MISSING, f"vectors[{position}].data")
        data.append(values)
    check_key_bytes(keys, "vectors")  # a limit of the request alone: before the lookup, like every such check
    _, index = find_index(request, address)
    metadata = [record.get("metadata") for record in records]
    matrix = validate_records(index, keys, data, metadata)
    _admit_write(request, index, len(records))
    keep = last_wins(keys)
    index.store([keys[i] for i in keep], matrix[keep], [_copy(metadata[i]) for i in keep])
    return {}


def _copy(metadata: Any) -> dict[str, Any] | None:
    # A deep copy through JSON: neither the caller's later changes to its dict reach the stored record, nor changes
    # to a returned record reach the store.
    return json.loads(json.dumps(metadata)) if metadata else None


def stored_metadata(index: Index, key: str) -> dict[str, Any]:
    """A copy of a vector's metadata as the service returns it: ``{}`` when it has none."""
    return _copy(index.table.metadata[index.table.row_of[key]]) or {}


def describe_vector(index: Index, row: int, return_data: bool, return_metadata: bool) -> Params:
    table = index.table
    described: Params = {"key": table.keys[row]}
    if return_data:
        described["data"] = {"float32": table.data[row].tolist()}
    if return_metadata:
        described["metadata"] = stored_metadata(index, table.keys[row])
    return described


def get_vectors(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    keys = params["keys"]
    check_key_bytes(keys, "keys")
    _, index = find_index(request, address)
    present = [key for key in dict.fromkeys(keys) if key in index.table.row_of]
    # The service does not answer in request order (['same', 'does-not-exist', 'orth'] came back as ['orth',
    # 'same']). The mock answers in key-hash order (CRC32 of the UTF-8 key, the hash ListVectors segments use; ties
    # by key): deterministic, consistent with that sample, and it reorders most requests, sorted ones included,
    # so code that pairs results with requested keys by position fails here first.
    present.sort(key=lambda key: (zlib.crc32(key.encode("utf-8")), key))
    return_data, return_metadata = bool(params.get("returnData")), bool(params.get("returnMetadata"))
    rows = [index.table.row_of[key] for key in present]
    return {"vectors": [describe_vector(index, row, return_data, return_metadata) for row in rows]}


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
    ordered, hashes = table.sorted_keys()
    start = 0
    if params.get("nextToken") is not None:
        start = bisect.bisect_right(ordered, request.backend.tokens.redeem(params["nextToken"], scope))
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
        row = table.row_of[ordered[cursor]]
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
