"""Exact k-nearest-neighbour search with AWS's distances.

Cosine distance is ``1 - cos(x, q)``; euclidean distance is the *squared* L2 distance, as the service returns it.
Candidates come from one float32 matrix-vector product (BLAS); the few that can reach the top k are then
re-scored in float64, so results equal a float64 brute force: ranked by the float64 distance, ties by key, and
reported rounded to float32 (the service's type for distances; beyond float32's range that is infinity).

float32 cannot score every vector the service accepts: FLT_MAX-sized vectors overflow |x|² and x·q, subnormal
ones underflow. The table classes each row by its norm (see table.py); rows outside the ordinary range skip the
float32 pass and are always re-scored in float64, and so is everything when most rows (or a euclidean query) are
outside it. Cosine scores use the unit query, so the query's own size never overflows.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .columns import BoolMask, Rows
from .table import HUGE, HUGE_SQUARED_NORM, TINY, TINY_SQUARED_NORM, VectorTable

COSINE = "cosine"
EUCLIDEAN = "euclidean"
EXACT_CHUNK_ROWS = 16_384
# A filtered query's rows are gathered this many at a time (see _gathered_scores: 4,096 × 128 float32 is 2 MiB)
# and scored by numpy's own loop on one thread: a BLAS call must first wake its worker threads, which on a busy
# machine waits for the scheduler (10,000 × 128 rows of a 1,000,000-row table at load 9 on 2 cores: 17.9 ms through
# BLAS, 3.1 ms through einsum). Both sum in float32 with several partial sums: the re-scoring margin covers either.
GATHER_BLOCK_ROWS = 4096
# float64 values from here up round to infinity in float32 (FLT_MAX plus half an ulp, which rounds to even: up).
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


Distances = npt.NDArray[np.float64]
Scores = npt.NDArray[np.float32]


def _exact_distances(table: VectorTable, rows: Rows, query: npt.NDArray[np.float64], metric: str) -> Distances:
    # einsum rather than BLAS: each row's sum is then taken in the same order whatever rows come with it, so a
    # vector's distance does not depend on which other candidates were re-scored alongside.
    vectors = table.data[rows].astype(np.float64)
    if metric == COSINE:
        norms = np.sqrt(table.squared_norms[rows]) * math.sqrt(float(np.dot(query, query)))
        similarity = np.einsum("ij,j->i", vectors, query) / norms
        # Rounding can put 1 - cos a hair outside [0, 2] (identical vectors gave -2e-16): the service reports 0.
        return np.asarray(np.clip(1.0 - similarity, 0.0, 2.0), dtype=np.float64)
    difference = vectors - query
    return np.asarray(np.einsum("ij,ij->i", difference, difference), dtype=np.float64)


def _approximate_scores(
    table: VectorTable, rows: Rows | None, query: npt.NDArray[np.float32], metric: str, quiet: bool
) -> Scores:
    """A float32 score per row, ordered like the distance (smaller is nearer), from one BLAS matrix-vector product.

    Cosine: the negated similarity, ``-(x·q)/|x|`` (``|q|`` is the same for every row). Euclidean: ``|x|² - 2x·q``
    (``|q|²`` is the same for every row). Both are computed in place on the product, with no float64 temporaries.
    Scores of rows outside the ordinary norm range are meaningless (inf or NaN): with ``quiet`` numpy keeps silent
    about them, and the caller replaces them.
    """
    if quiet:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return _approximate_scores(table, rows, query, metric, quiet=False)
    scores = table.live() @ query if rows is None else _gathered_scores(table, rows, query)
    if metric == COSINE:
        scores *= table.inverse_norms[: table.size] if rows is None else table.inverse_norms[rows]
        np.negative(scores, out=scores)
    else:
        scores *= -2.0
        scores += table.squared_norms32[: table.size] if rows is None else table.squared_norms32[rows]
    return np.asarray(scores, dtype=np.float32)


def _gathered_scores(table: VectorTable, rows: Rows, query: npt.NDArray[np.float32]) -> Scores:
    """``table.data[rows] @ query`` without the gathered matrix: rows are copied a block at a time into one
    reused buffer that stays in cache. A gathered matrix of many rows is fresh memory (100,000 × 128 rows: 51 MB,
    12,500 pages the kernel must hand out and zero), which costs more than reading the rows themselves."""
    scores = np.empty(len(rows), dtype=np.float32)
    block_rows = min(GATHER_BLOCK_ROWS, len(rows))
    buffer = np.empty((block_rows, table.dimension), dtype=np.float32)
    for start in range(0, len(rows), block_rows):
        chunk = rows[start : start + block_rows]
        block = buffer[: len(chunk)]
        np.take(table.data, chunk, axis=0, out=block, mode="clip")  # "clip": no bounds pass, no buffered copy
        np.einsum("ij,j->i", block, query, out=scores[start : start + len(chunk)])
    return scores


def _rescored(
    table: VectorTable, candidates: Rows, query: npt.NDArray[np.float32], k: int, metric: str
) -> tuple[list[int], list[float]]:
    exact = _exact_distances(table, candidates, query.astype(np.float64), metric)
    values = exact.tolist()
    rows = candidates.tolist()
    keys = table.keys.many(rows)
    order = sorted(range(len(keys)), key=lambda i: (values[i], keys[i]))[:k]
    ranked = exact[order]
    if metric == EUCLIDEAN and order and values[order[-1]] >= FLOAT32_OVERFLOW:
        # A squared distance beyond float32's range is reported as infinity (without numpy's overflow warning).
        ranked = np.where(ranked < FLOAT32_OVERFLOW, ranked, np.inf)
    return [rows[i] for i in order], ranked.astype(np.float32).tolist()


def _outside_float32_range(table: VectorTable, rows: Rows | None, metric: str) -> Rows | None:
    """Positions (in ``rows``, or table rows) whose norm the float32 pass cannot score; None when there are none
    (the common case, answered from the table's counts without looking at the rows)."""
    _, tiny, huge = table.norm_class_counts.tolist()
    if not huge and not (metric == COSINE and tiny):
        return None
    classes = table.norm_class[: table.size] if rows is None else table.norm_class[rows]
    outside = classes == HUGE
    if metric == COSINE:
        outside |= classes == TINY
    positions = np.flatnonzero(outside)
    return positions if positions.size else None


def _exact_nearest(
    table: VectorTable, rows: Rows | None, query: npt.NDArray[np.float32], k: int, metric: str
) -> tuple[list[int], list[float]]:
    """Everything in float64, a chunk of rows at a time: for data the float32 pass cannot score."""
    candidates: Rows = np.arange(table.size, dtype=np.intp) if rows is None else rows
    if k < len(candidates):
        query64 = query.astype(np.float64)
        distances = np.empty(len(candidates), dtype=np.float64)
        for start in range(0, len(candidates), EXACT_CHUNK_ROWS):
            chunk = candidates[start : start + EXACT_CHUNK_ROWS]
            distances[start : start + len(chunk)] = _exact_distances(table, chunk, query64, metric)
        kth = float(np.partition(distances, k - 1)[k - 1])
        candidates = candidates[distances <= kth]
    return _rescored(table, candidates, query, k, metric)


def nearest(
    table: VectorTable,
    query: npt.NDArray[np.float32],
    k: int,
    metric: str,
    allowed: BoolMask | None = None,
    approximate_above: int | None = None,
) -> tuple[list[int], list[float]]:
    """The rows of the ``k`` nearest vectors (among ``allowed`` rows when given) and their float32 distances.

    Exact, unless the table holds more than ``approximate_above`` vectors and the query has no filter: then an IVF
    index calibrated to a recall target may propose candidates, which are re-scored exactly (see ``ann``). A
    filtered query stays exact over the matching rows, whatever the size; so does a topK above 100.
    """
    if allowed is None and approximate_above is not None and table.size > approximate_above and k < table.size:
        search = table.approximate(metric)
        proposal = search.propose(table, query, k)
        if proposal is not None:  # None: topK above what was calibrated, too few candidates, or no IVF index
            proposed, audit = proposal
            answer = _rescored(table, proposed, query, k, metric)
            if not audit:
                return answer
            # An audit turn: answer exactly, and let the approximate search measure its recall on a real query.
            exact_rows, exact_distances = nearest(table, query, k, metric)
            search.audited(table, query, exact_rows)
            return exact_rows, exact_distances
    rows: Rows | None = None
    if allowed is not None:
        rows = np.flatnonzero(allowed)
        if rows.size == 0:
            return [], []
    count = table.size if rows is None else int(rows.size)
    if count == 0:
        return [], []
    if k >= count:
        return _rescored(table, np.arange(count) if rows is None else rows, query, k, metric)
    query64 = query.astype(np.float64)
    query_squared = float(np.dot(query64, query64))
    ordinary_query = TINY_SQUARED_NORM <= query_squared <= HUGE_SQUARED_NORM
    outside = _outside_float32_range(table, rows, metric)
    if (metric == EUCLIDEAN and not query_squared <= HUGE_SQUARED_NORM) or (
        outside is not None and 4 * outside.size > count
    ):
        return _exact_nearest(table, rows, query, k, metric)
    fast_query, scale = query, math.sqrt(query_squared)
    if metric == COSINE and not ordinary_query:  # cosine ignores |q|: score with the unit query instead
        fast_query, scale = (query64 / scale).astype(np.float32), 1.0
    approximate = _approximate_scores(table, rows, fast_query, metric, quiet=outside is not None)
    if outside is not None:
        approximate[outside] = np.inf  # scored in float64 below, whatever the float32 pass says
    kth = float(np.partition(approximate, k - 1)[k - 1])
    # float32 rounding is tiny but not zero: keep every row that float64 re-scoring could promote.
    if metric == EUCLIDEAN:
        norms = table.squared_norms32[: table.size]
        ordinary = table.norm_class[: table.size] != HUGE
        largest = norms.max() if outside is None else np.max(norms, where=ordinary, initial=0)
        scale = float(largest) + query_squared
    slack = 1e-5 * scale + 1e-6
    positions = np.flatnonzero(approximate <= kth + slack)
    if outside is not None:
        positions = np.union1d(positions, outside)
    candidates: Rows = positions if rows is None else rows[positions]
    return _rescored(table, candidates, query, k, metric)
