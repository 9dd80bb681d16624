"""QueryVectors: exact k-nearest-neighbour search with metadata filters, paged when topK exceeds a page."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from .._errors import INVALID_QUERY_VECTOR, ServiceError, validation_error
from .._filters import constraint_count, evaluate_filter, parse_filter
from .._model import has_member
from .._search import nearest
from .._store import Index
from ._context import Request
from ._modes import CLASSIC, ENHANCED
from ._resolve import find_index

Params = dict[str, Any]
GA_TOP_K_CAP = 100
PAGED_TOP_K_CAP = 10_000
PAGE_SIZE = 100
MAX_FILTER_CONSTRAINTS = 100


def top_k_cap() -> int:
    # QueryVectors gained nextToken with the 2026-06 change that raised the cap from 100 to 10,000.
    return PAGED_TOP_K_CAP if has_member("QueryVectors", "nextToken") else GA_TOP_K_CAP


def _query_vector(index: Index, params: Params) -> np.ndarray[Any, np.dtype[np.float32]]:
    values = (params.get("queryVector") or {}).get("float32")
    if values is None or len(values) != index.dimension:
        length = 0 if values is None else len(values)
        raise validation_error(
            INVALID_QUERY_VECTOR,
            "vector",
            f"Invalid input: vector must have length {index.dimension}, but has length {length}",
        )
    with np.errstate(over="ignore", invalid="ignore"):
        query = np.asarray(values, dtype=np.float64).astype(np.float32)
    if not np.isfinite(query).all():
        raise validation_error(INVALID_QUERY_VECTOR, "vector", "Invalid input: vector contains NaNs or Infs")
    if index.distance_metric == "cosine" and not np.any(query != 0):
        raise validation_error(
            INVALID_QUERY_VECTOR, "vector", "Invalid input: cosine distance does not support vectors with zero norm"
        )
    return query


def _effective_mode(index: Index, params: Params) -> str | None:
    requested = params.get("queryMode")
    if requested == CLASSIC and index.index_mode == ENHANCED:
        raise validation_error("CLASSIC query mode cannot be used with an index in ENHANCED mode", "queryMode")
    return requested or index.index_mode


def _fingerprint(index: Index, params: Params) -> str:
    query = {name: value for name, value in params.items() if name != "nextToken"}
    text = json.dumps(query, sort_keys=True, default=str)
    return hashlib.sha256(f"{index.arn}:{index.creation_time.isoformat()}:{text}".encode()).hexdigest()


def query_vectors(request: Request, params: Params) -> Params:
    _, index = find_index(request, params)
    top_k = params["topK"]
    cap = top_k_cap()
    if top_k > cap:
        message = f"Value at '/topK' failed to satisfy constraint: Member must be between 1 and {cap}, inclusive"
        raise validation_error(f"1 validation error detected. {message}", "/topK", message)
    mode = _effective_mode(index, params)
    query = _query_vector(index, params)
    allowed = None
    if params.get("filter") is not None:
        node = parse_filter(params["filter"], index.non_filterable_keys, allow_starts_with=mode == ENHANCED)
        if mode == ENHANCED and constraint_count(node) > MAX_FILTER_CONSTRAINTS:
            raise validation_error(
                f"Invalid filter: a filter may have at most {MAX_FILTER_CONSTRAINTS} constraints", "filter"
            )
        allowed = evaluate_filter(node, index.table.columns, index.table.size)
    scope = f"QueryVectors:{_fingerprint(index, params)}"
    token = params.get("nextToken")
    if token is not None:
        rows, distances, offset = request.backend.tokens.redeem(token, scope)
    else:
        rows, distances = nearest(index.table, query, top_k, index.distance_metric, allowed)
        rows = [index.table.keys[row] for row in rows]  # keys, so later pages survive row moves
        offset = 0
    page_size = PAGE_SIZE if has_member("QueryVectors", "nextToken") else top_k
    page = range(offset, min(offset + page_size, len(rows)))
    hits = [_describe_hit(index, rows[i], distances[i], params) for i in page if rows[i] in index.table.row_of]
    response: Params = {"vectors": hits, "distanceMetric": index.distance_metric}
    if page.stop < len(rows):
        response["nextToken"] = request.backend.tokens.issue(scope, (rows, distances, page.stop))
    return response


def _describe_hit(index: Index, key: str, distance: float, params: Params) -> Params:
    hit: Params = {"key": key}
    if params.get("returnDistance"):
        hit["distance"] = distance
    if params.get("returnMetadata"):
        stored = index.table.metadata[index.table.row_of[key]]
        hit["metadata"] = json.loads(json.dumps(stored)) if stored else {}
    return hit


__all__ = ["ServiceError", "query_vectors", "top_k_cap"]
