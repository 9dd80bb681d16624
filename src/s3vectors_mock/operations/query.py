"""QueryVectors: exact vector search, full-text (BM25) and hybrid (RRF) search, filters, and result pages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import INVALID_QUERY_VECTOR, validation_error
from .._records import returned_metadata
from .._service_model import has_member
from .._store import Index
from .._wire import as_doubles
from ..engine.columns import BoolMask
from ..engine.filters import constraint_count, evaluate_filter, parse_filter
from ..engine.search import nearest
from ._modes import CLASSIC, ENHANCED
from ._request import Request
from ._resolve import find_index

Params = dict[str, Any]
GA_TOP_K_CAP = 100
PAGED_TOP_K_CAP = 10_000
PAGE_SIZE = 100
MAX_FILTER_CONSTRAINTS = 100
RRF_K = 60  # the constant of Reciprocal Rank Fusion, as in Cormack et al. and most engines


@dataclass(frozen=True)
class Hit:
    key: str
    distance: float | None = None
    scores: dict[str, Any] | None = None


def top_k_cap() -> int:
    # QueryVectors gained nextToken with the 2026-06 change that raised the cap from 100 to 10,000.
    return PAGED_TOP_K_CAP if has_member("QueryVectors", "nextToken") else GA_TOP_K_CAP


def _query_vector(index: Index, values: Any) -> npt.NDArray[np.float32]:
    if values is None or len(values) != index.dimension:
        length = 0 if values is None else len(values)
        raise validation_error(
            INVALID_QUERY_VECTOR,
            "vector",
            f"Invalid input: vector must have length {index.dimension}, but has length {length}",
        )
    with np.errstate(over="ignore", invalid="ignore"):
        query = as_doubles(values).astype(np.float32)
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


def _check_query_texts(index: Index, texts: list[dict[str, Any]], mode: str | None) -> None:
    if mode != ENHANCED:
        raise validation_error("Full-text search requires ENHANCED index mode", "queryTexts")
    seen: set[str] = set()
    for entry in texts:
        key = entry["metadataKey"]
        if key in seen:
            raise validation_error(f"Duplicate metadataKey '{key}' in queryTexts", "queryTexts")
        seen.add(key)
        if key not in index.text_fields:
            raise validation_error(f"Metadata key '{key}' is not configured for text search", "queryTexts")


def _allowed_rows(index: Index, params: Params, mode: str | None) -> BoolMask | None:
    if params.get("filter") is None:
        return None
    node = parse_filter(params["filter"], index.non_filterable_keys, allow_starts_with=mode == ENHANCED)
    if mode == ENHANCED and constraint_count(node) > MAX_FILTER_CONSTRAINTS:
        raise validation_error(
            f"Invalid filter: a filter may have at most {MAX_FILTER_CONSTRAINTS} constraints", "filter"
        )
    return evaluate_filter(node, index.table.columns, index.table.size)


def _vector_ranking(
    index: Index,
    query: npt.NDArray[np.float32],
    top_k: int,
    allowed: BoolMask | None,
    classic_window: int | None,
    approximate_above: int | None,
) -> list[Hit]:
    table = index.table
    if allowed is not None and classic_window is not None:
        # CLASSIC filters while it searches: only the nearest few candidates are ever filtered, so a selective
        # filter can return fewer than topK (opt-in, see mock_s3vectors(classic_search_window=...)).
        rows, distances = nearest(table, query, max(classic_window, top_k), index.distance_metric)
        kept = [(row, distance) for row, distance in zip(rows, distances) if allowed[row]][:top_k]
        return [Hit(table.keys[row], distance) for row, distance in kept]
    rows, distances = nearest(table, query, top_k, index.distance_metric, allowed, approximate_above)
    return [Hit(table.keys[row], distance) for row, distance in zip(rows, distances)]


def _text_rankings(
    index: Index, texts: list[dict[str, Any]], allowed: BoolMask | None
) -> dict[str, list[tuple[str, float]]]:
    rankings: dict[str, list[tuple[str, float]]] = {}
    row_of = index.table.row_of
    for entry in texts:
        scored = index.text_fields[entry["metadataKey"]].search(entry["text"])
        if allowed is not None:
            scored = [(key, score) for key, score in scored if allowed[row_of[key]]]
        rankings[entry["metadataKey"]] = scored
    return rankings


def _bm25_scores(
    key: str, rankings: dict[str, list[tuple[str, float]]], lookup: dict[str, dict[str, float]]
) -> list[dict[str, Any]]:
    return [
        {"metadataKey": metadata_key, "score": lookup[metadata_key][key]}
        for metadata_key in rankings
        if key in lookup[metadata_key]
    ]


def _text_only(rankings: dict[str, list[tuple[str, float]]], top_k: int) -> list[Hit]:
    lookup = {metadata_key: dict(scored) for metadata_key, scored in rankings.items()}
    totals: dict[str, float] = {}
    for scored in rankings.values():
        for key, score in scored:
            totals[key] = totals.get(key, 0.0) + score
    order = sorted(totals, key=lambda key: (-totals[key], key))[:top_k]
    return [Hit(key, None, {"bm25Scores": _bm25_scores(key, rankings, lookup)}) for key in order]


def _hybrid(vector_hits: list[Hit], rankings: dict[str, list[tuple[str, float]]], top_k: int) -> list[Hit]:
    """Reciprocal Rank Fusion of the vector ranking and every text ranking, each cut at topK."""
    lookup = {metadata_key: dict(scored) for metadata_key, scored in rankings.items()}
    fused: dict[str, float] = {}
    for rank, hit in enumerate(vector_hits[:top_k], start=1):
        fused[hit.key] = fused.get(hit.key, 0.0) + 1.0 / (RRF_K + rank)
    for scored in rankings.values():
        for rank, (key, _) in enumerate(scored[:top_k], start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    distances = {hit.key: hit.distance for hit in vector_hits[:top_k]}
    order = sorted(fused, key=lambda key: (-fused[key], key))[:top_k]
    hits = []
    for key in order:
        scores: dict[str, Any] = {"fused": fused[key], "bm25Scores": _bm25_scores(key, rankings, lookup)}
        if key in distances:
            scores["vectorDistance"] = distances[key]
        hits.append(Hit(key, distances.get(key), scores))
    return hits


def _rank(request: Request, index: Index, params: Params) -> list[Hit]:
    top_k = params["topK"]
    mode = _effective_mode(index, params)
    texts = params.get("queryTexts") or []
    vector_values = (params.get("queryVector") or {}).get("float32")
    if vector_values is None and not texts:
        if "queryVector" in params:
            _query_vector(index, None)
        raise validation_error("Either queryVector or queryTexts must be specified")
    query = _query_vector(index, vector_values) if vector_values is not None or not texts else None
    if texts:
        _check_query_texts(index, texts, mode)
    allowed = _allowed_rows(index, params, mode)
    classic_window = request.backend.classic_search_window if mode != ENHANCED else None
    approximate_above = request.backend.approximate_above
    vector_hits = (
        _vector_ranking(index, query, top_k, allowed, classic_window, approximate_above) if query is not None else []
    )
    if not texts:
        return vector_hits
    rankings = _text_rankings(index, texts, allowed)
    return _hybrid(vector_hits, rankings, top_k) if query is not None else _text_only(rankings, top_k)


def _fingerprint(index: Index, params: Params) -> str:
    query = {name: value for name, value in params.items() if name != "nextToken"}
    try:
        text = json.dumps(query, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        # Keys of mixed types cannot be sorted, nor can an absurdly deep filter be written. Such a request cannot
        # have issued a token (its filter is invalid), so it gets a fingerprint no token is bound to.
        text = "unrepeatable"
    return hashlib.sha256(f"{index.arn}:{index.creation_time.isoformat()}:{text}".encode()).hexdigest()


def query_vectors(request: Request, params: Params) -> Params:
    _, index = find_index(request, params)
    top_k = params["topK"]
    cap = top_k_cap()
    if top_k > cap:
        message = f"Value at '/topK' failed to satisfy constraint: Member must be between 1 and {cap}, inclusive"
        raise validation_error(f"1 validation error detected. {message}", "/topK", message)
    token = params.get("nextToken")
    # The token is bound to this exact query: repeating it with other parameters is rejected. The fingerprint is
    # computed only when a token is read or written (it serializes the whole query vector).
    scope = f"QueryVectors:{_fingerprint(index, params)}" if token is not None else None
    if token is not None and scope is not None:
        ranked, offset = request.backend.tokens.redeem(token, scope)
    else:
        ranked, offset = _rank(request, index, params), 0
    paged = has_member("QueryVectors", "nextToken")
    end = min(offset + PAGE_SIZE, len(ranked)) if paged else len(ranked)
    hits = [_describe(index, hit, params) for hit in ranked[offset:end] if hit.key in index.table.row_of]
    response: Params = {"vectors": hits, "distanceMetric": index.distance_metric}
    if end < len(ranked):
        scope = scope or f"QueryVectors:{_fingerprint(index, params)}"
        response["nextToken"] = request.backend.tokens.issue(scope, (ranked, end))
    return response


def _describe(index: Index, hit: Hit, params: Params) -> Params:
    described: Params = {"key": hit.key}
    if params.get("returnDistance") and hit.distance is not None:
        described["distance"] = hit.distance
    if params.get("returnMetadata"):
        described["metadata"] = returned_metadata(index.table.metadata[index.table.row_of[hit.key]])
    if params.get("returnScores") and hit.scores is not None:
        described["scores"] = hit.scores
    return described
