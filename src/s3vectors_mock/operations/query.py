"""QueryVectors: exact vector search, full-text (BM25) and hybrid (RRF) search, filters, and result pages."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import (
    CLASSIC_QUERY_ON_ENHANCED,
    DUPLICATE_QUERY_TEXT_KEY,
    FULL_TEXT_NEEDS_ENHANCED,
    INVALID_QUERY_VECTOR,
    KEY_NOT_SEARCHABLE,
    QUERY_NEEDS_VECTOR_OR_TEXTS,
    QUERY_VECTOR_LENGTH,
    QUERY_VECTOR_NOT_FINITE,
    QUERY_VECTOR_ZERO_NORM,
    TOO_MANY_CONSTRAINTS,
    between,
    smithy_validation_error,
    validation_error,
    violation,
)
from .._json_values import as_doubles
from .._records import returned_metadata
from .._store import Index
from ..engine.columns import BoolMask
from ..engine.filters import constraint_count, evaluate_filter, parse_filter
from ..engine.search import nearest
from ._modes import CLASSIC, ENHANCED
from ._request import Params, Request
from ._resolve import find_index, index_address

PAGED_TOP_K_CAP = 10_000
PAGE_SIZE = 100
MAX_FILTER_CONSTRAINTS = 100
RRF_K = 60  # the constant of Reciprocal Rank Fusion, as in Cormack et al. and most engines


@dataclass(frozen=True)
class Hit:
    key: str
    distance: float | None = None
    scores: dict[str, Any] | None = None


@dataclass(frozen=True)
class Ranking:
    """Ranked results, compactly: they are what a page token keeps until its chain is released or expires.

    ``keys`` are the hits' keys (decoded from the table's packed keys); ``distances`` are float32 (NaN: no
    distance, for hits that only text search found); ``scores`` exist only for text and hybrid search.
    """

    keys: list[str]
    distances: npt.NDArray[np.float32]
    scores: list[dict[str, Any]] | None = None

    @staticmethod
    def of(hits: list[Hit]) -> Ranking:
        distances = np.array([np.nan if hit.distance is None else hit.distance for hit in hits], dtype=np.float32)
        scores = [hit.scores or {} for hit in hits] if any(hit.scores is not None for hit in hits) else None
        return Ranking([hit.key for hit in hits], distances, scores)

    def __len__(self) -> int:
        return len(self.keys)

    def hit(self, position: int) -> Hit:
        distance = float(self.distances[position])
        scores = self.scores[position] if self.scores is not None else None
        return Hit(self.keys[position], None if distance != distance else distance, scores)

    def estimated_bytes(self) -> int:
        """What holding this ranking costs at most: the arrays, and the key strings should their vectors be
        deleted meanwhile (while they exist the table holds the same strings). Scores are rare: a rough 300 each."""
        key_bytes = sum(map(sys.getsizeof, self.keys))
        return 8 * len(self.keys) + key_bytes + self.distances.nbytes + (300 * len(self.scores) if self.scores else 0)


LARGEST_FLOAT32 = np.finfo(np.float32).max


def top_k_cap() -> int:
    # Today's service (since 2026-06) accepts topK up to 10,000, whatever the caller's SDK.
    return PAGED_TOP_K_CAP


def _query_vector(index: Index, values: Any) -> npt.NDArray[np.float32]:
    if values is None or len(values) != index.dimension:
        length = 0 if values is None else len(values)
        raise validation_error(
            INVALID_QUERY_VECTOR,
            "vector",
            QUERY_VECTOR_LENGTH.format(dimension=index.dimension, length=length),
        )
    with np.errstate(over="ignore", invalid="ignore"):
        query = as_doubles(values).astype(np.float32)
    if not np.isfinite(query).all():
        raise validation_error(INVALID_QUERY_VECTOR, "vector", QUERY_VECTOR_NOT_FINITE)
    if index.distance_metric == "cosine" and not np.any(query != 0):
        raise validation_error(INVALID_QUERY_VECTOR, "vector", QUERY_VECTOR_ZERO_NORM)
    return query


def _effective_mode(index: Index, params: Params) -> str:
    requested = params.get("queryMode")
    if requested == CLASSIC and index.index_mode == ENHANCED:
        raise validation_error(CLASSIC_QUERY_ON_ENHANCED, "queryMode")
    return str(requested or index.index_mode)


def _check_request(params: Params) -> None:
    """The checks of the request alone, made before the index is looked up (see operations.dispatch)."""
    texts = params.get("queryTexts") or []
    if params.get("queryVector") is None and not texts:
        raise validation_error(QUERY_NEEDS_VECTOR_OR_TEXTS)
    seen: set[str] = set()
    for entry in texts:
        key = entry["metadataKey"]
        if key in seen:
            raise validation_error(DUPLICATE_QUERY_TEXT_KEY.format(key=key), "queryTexts")
        seen.add(key)
    if params.get("filter") is not None:
        # The filter's syntax; what depends on the index (non-filterable keys, $startsWith in CLASSIC mode, the
        # constraint limit of ENHANCED mode) is checked once the index is found.
        parse_filter(params["filter"], frozenset(), allow_starts_with=True)
    cap = top_k_cap()
    if params["topK"] > cap:
        # The model has no maximum for topK; the service's cap is worded as if it had (text chosen).
        raise smithy_validation_error([violation("/topK", between(1, cap))])


def _check_query_texts(index: Index, texts: list[dict[str, Any]], mode: str) -> None:
    if mode != ENHANCED:
        raise validation_error(FULL_TEXT_NEEDS_ENHANCED, "queryTexts")
    for entry in texts:
        key = entry["metadataKey"]
        if key not in index.text_fields:
            raise validation_error(KEY_NOT_SEARCHABLE.format(key=key), "queryTexts")


def _allowed_rows(index: Index, params: Params, mode: str) -> BoolMask | None:
    if params.get("filter") is None:
        return None
    node = parse_filter(params["filter"], index.non_filterable_keys, allow_starts_with=mode == ENHANCED)
    if mode == ENHANCED and constraint_count(node) > MAX_FILTER_CONSTRAINTS:
        raise validation_error(TOO_MANY_CONSTRAINTS.format(limit=MAX_FILTER_CONSTRAINTS), "filter")
    table = index.table
    return table.filter_mask(repr(node), lambda: evaluate_filter(node, table.columns, table.size))


def _vector_ranking(
    index: Index,
    query: npt.NDArray[np.float32],
    top_k: int,
    allowed: BoolMask | None,
    classic_window: int | None,
    approximate_above: int | None,
) -> Ranking:
    table = index.table
    if allowed is not None and classic_window is not None:
        # CLASSIC filters while it searches: only the nearest few candidates are ever filtered, so a selective
        # filter can return fewer than topK (opt-in, see mock_s3vectors(classic_search_window=...)).
        rows, distances = nearest(table, query, max(classic_window, top_k), index.distance_metric)
        kept = [(row, distance) for row, distance in zip(rows, distances) if allowed[row]][:top_k]
        rows, distances = [row for row, _ in kept], [distance for _, distance in kept]
    else:
        rows, distances = nearest(table, query, top_k, index.distance_metric, allowed, approximate_above)
    # A euclidean distance between vectors near FLT_MAX (which PutVectors accepts) overflows float32. Every answer
    # is strict JSON (no Infinity token: the JavaScript, Go and Java SDKs fail on the whole answer), and the model
    # types distance as a float32, so such a distance is reported as float32's largest value; the ranking itself
    # was computed in float64, so those hits keep their true order (docs/fidelity.md).
    reported = np.minimum(np.asarray(distances, dtype=np.float32).reshape(-1), LARGEST_FLOAT32)
    return Ranking(table.keys.many(rows), reported)


def _text_rankings(
    index: Index, texts: list[dict[str, Any]], allowed: BoolMask | None
) -> dict[str, list[tuple[str, float]]]:
    rankings: dict[str, list[tuple[str, float]]] = {}
    for entry in texts:
        scored = index.text_fields[entry["metadataKey"]].search(entry["text"])
        if allowed is not None:
            rows = index.table.keys.find_many([key for key, _ in scored])
            scored = [hit for hit, row in zip(scored, rows) if row is not None and allowed[row]]
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


def _hybrid(vector_hits: Ranking, rankings: dict[str, list[tuple[str, float]]], top_k: int) -> list[Hit]:
    """Reciprocal Rank Fusion of the vector ranking and every text ranking, each cut at topK."""
    lookup = {metadata_key: dict(scored) for metadata_key, scored in rankings.items()}
    fused: dict[str, float] = {}
    vector_keys = vector_hits.keys[:top_k]
    for rank, key in enumerate(vector_keys, start=1):
        fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    for scored in rankings.values():
        for rank, (key, _) in enumerate(scored[:top_k], start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    distances = dict(zip(vector_keys, vector_hits.distances[:top_k].tolist()))
    order = sorted(fused, key=lambda key: (-fused[key], key))[:top_k]
    hits = []
    for key in order:
        scores: dict[str, Any] = {"fused": fused[key], "bm25Scores": _bm25_scores(key, rankings, lookup)}
        if key in distances:
            scores["vectorDistance"] = distances[key]
        hits.append(Hit(key, distances.get(key), scores))
    return hits


def _rank(request: Request, index: Index, params: Params) -> Ranking:
    top_k = params["topK"]
    mode = _effective_mode(index, params)
    texts = params.get("queryTexts") or []
    vector_values = (params.get("queryVector") or {}).get("float32")
    # Without texts the query vector is checked even when its union is empty (that is "invalid for this index").
    query = _query_vector(index, vector_values) if vector_values is not None or not texts else None
    if texts:
        _check_query_texts(index, texts, mode)
    allowed = _allowed_rows(index, params, mode)
    classic_window = request.options.classic_search_window if mode != ENHANCED else None
    approximate_above = request.options.approximate_above
    if query is not None:
        vector_hits = _vector_ranking(index, query, top_k, allowed, classic_window, approximate_above)
        if not texts:
            return vector_hits
    rankings = _text_rankings(index, texts, allowed)
    return Ranking.of(_hybrid(vector_hits, rankings, top_k) if query is not None else _text_only(rankings, top_k))


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
    address = index_address(request, params)
    _check_request(params)
    _, index = find_index(request, address)
    token = params.get("nextToken")
    # The token is bound to this exact query: repeating it with other parameters is rejected. The fingerprint is
    # computed only when a token is read or written (it serializes the whole query vector).
    scope = f"QueryVectors:{_fingerprint(index, params)}" if token is not None else None
    ranked: Ranking
    if token is not None and scope is not None:
        ranked, offset = request.backend.tokens.redeem(token, scope)
    else:
        ranked, offset = _rank(request, index, params), 0
    # The service does not know the caller's SDK: every caller gets one page. A client whose model has no nextToken
    # (before 2026-06) cannot ask for the next one, so none is kept for it (its parser would drop the token anyway).
    paged = request.client_has("QueryVectors", "nextToken")
    end = min(offset + PAGE_SIZE, len(ranked))
    rows = index.table.keys.find_many(ranked.keys[offset:end])  # one lookup for the page (deleted since: none)
    hits = [
        _describe(index, ranked.hit(position), row, params)
        for position, row in zip(range(offset, end), rows)
        if row is not None
    ]
    response: Params = {"vectors": hits, "distanceMetric": index.distance_metric}
    tokens = request.backend.tokens
    if end < len(ranked) and paged:
        scope = scope or f"QueryVectors:{_fingerprint(index, params)}"
        # The first page's token carries the snapshot's size; the next ones share it.
        size = ranked.estimated_bytes() if token is None else 0
        response["nextToken"] = tokens.issue(scope, (ranked, end), size=size, after=token)
    elif token is not None:
        tokens.release(token)  # the last page: the snapshot is no longer needed
    return response


def _describe(index: Index, hit: Hit, row: int, params: Params) -> Params:
    described: Params = {"key": hit.key}
    if params.get("returnDistance") and hit.distance is not None:
        described["distance"] = hit.distance
    if params.get("returnMetadata"):
        described["metadata"] = returned_metadata(index.table.metadata[row])
    if params.get("returnScores") and hit.scores is not None:
        described["scores"] = _copied_scores(hit.scores)
    return described


def _copied_scores(scores: dict[str, Any]) -> dict[str, Any]:
    """A copy of a hit's scores: the ranking they come from is kept for the next pages (and a page may be asked
    for again with the same token), so an answer must not share them with it."""
    return {
        name: [dict(entry) for entry in value] if isinstance(value, list) else value for name, value in scores.items()
    }
