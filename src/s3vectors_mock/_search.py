"""Exact k-nearest-neighbour search with AWS's distances.

Cosine distance is ``1 - cos(x, q)``; euclidean distance is the *squared* L2 distance, as the service returns it.
Candidates come from one float32 matrix-vector product (BLAS); the few that can reach the top k are then
re-scored in float64, so results equal a float64 brute force rounded to float32, ties broken by key.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._columns import BoolMask, Rows
from ._table import VectorTable

COSINE = "cosine"
EUCLIDEAN = "euclidean"


Distances = npt.NDArray[np.float64]


def _exact_distances(table: VectorTable, rows: Rows, query: npt.NDArray[np.float64], metric: str) -> Distances:
    vectors = table.data[rows].astype(np.float64)
    if metric == COSINE:
        norms = np.sqrt(table.squared_norms[rows]) * float(np.linalg.norm(query))
        return np.asarray(1.0 - (vectors @ query) / norms, dtype=np.float64)
    difference = vectors - query
    return np.asarray(np.einsum("ij,ij->i", difference, difference), dtype=np.float64)


def _approximate_distances(
    table: VectorTable, rows: Rows | None, query: npt.NDArray[np.float32], metric: str
) -> Distances:
    matrix = table.live() if rows is None else table.data[rows]
    squared = table.squared_norms[: table.size] if rows is None else table.squared_norms[rows]
    dots = (matrix @ query).astype(np.float64)
    query_squared = float(np.dot(query.astype(np.float64), query.astype(np.float64)))
    if metric == COSINE:
        return np.asarray(1.0 - dots / (np.sqrt(squared) * np.sqrt(query_squared)), dtype=np.float64)
    return np.asarray(squared - 2.0 * dots + query_squared, dtype=np.float64)


def nearest(
    table: VectorTable,
    query: npt.NDArray[np.float32],
    k: int,
    metric: str,
    allowed: BoolMask | None = None,
) -> tuple[list[int], list[float]]:
    """The rows of the ``k`` nearest vectors (among ``allowed`` rows when given) and their float32 distances."""
    rows: Rows | None = None
    if allowed is not None:
        rows = np.flatnonzero(allowed)
        if rows.size == 0:
            return [], []
    count = table.size if rows is None else int(rows.size)
    if count == 0:
        return [], []
    approximate = _approximate_distances(table, rows, query, metric)
    if k < count:
        kth = float(np.partition(approximate, k - 1)[k - 1])
        # float32 BLAS error is tiny but not zero: keep everything that float64 re-scoring could promote.
        scale = float(np.max(np.abs(approximate))) if metric == EUCLIDEAN else 1.0
        slack = 1e-4 * max(scale, 1e-12) + 1e-6
        positions = np.flatnonzero(approximate <= kth + slack)
    else:
        positions = np.arange(count)
    candidates: Rows = positions if rows is None else rows[positions]
    exact = _exact_distances(table, candidates, query.astype(np.float64), metric).astype(np.float32)
    keys = [table.keys[row] for row in candidates.tolist()]
    order = sorted(range(len(keys)), key=lambda i: (float(exact[i]), keys[i]))[:k]
    return [int(candidates[i]) for i in order], [float(exact[i]) for i in order]
