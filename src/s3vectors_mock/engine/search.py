"""Exact k-nearest-neighbour search with AWS's distances.

Cosine distance is ``1 - cos(x, q)``; euclidean distance is the *squared* L2 distance, as the service returns it.
Candidates come from one float32 matrix-vector product (BLAS); the few that can reach the top k are then
re-scored in float64, so results equal a float64 brute force rounded to float32, ties broken by key.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .columns import BoolMask, Rows
from .table import VectorTable

COSINE = "cosine"
EUCLIDEAN = "euclidean"


Distances = npt.NDArray[np.float64]
Scores = npt.NDArray[np.float32]


def _exact_distances(table: VectorTable, rows: Rows, query: npt.NDArray[np.float64], metric: str) -> Distances:
    vectors = table.data[rows].astype(np.float64)
    if metric == COSINE:
        norms = np.sqrt(table.squared_norms[rows]) * float(np.linalg.norm(query))
        # Rounding can put 1 - cos a hair outside [0, 2] (identical vectors gave -2e-16): the service reports 0.
        return np.asarray(np.clip(1.0 - (vectors @ query) / norms, 0.0, 2.0), dtype=np.float64)
    difference = vectors - query
    return np.asarray(np.einsum("ij,ij->i", difference, difference), dtype=np.float64)


def _approximate_scores(table: VectorTable, rows: Rows | None, query: npt.NDArray[np.float32], metric: str) -> Scores:
    """A float32 score per row, ordered like the distance (smaller is nearer), from one BLAS matrix-vector product.

    Cosine: the negated similarity, ``-(x·q)/|x|`` (``|q|`` is the same for every row). Euclidean: ``|x|² - 2x·q``
    (``|q|²`` is the same for every row). Both are computed in place on the product, with no float64 temporaries.
    """
    matrix = table.live() if rows is None else table.data[rows]
    scores = matrix @ query
    if metric == COSINE:
        scores *= table.inverse_norms[: table.size] if rows is None else table.inverse_norms[rows]
        np.negative(scores, out=scores)
    else:
        scores *= -2.0
        scores += table.squared_norms32[: table.size] if rows is None else table.squared_norms32[rows]
    return np.asarray(scores, dtype=np.float32)


def _rescored(
    table: VectorTable, candidates: Rows, query: npt.NDArray[np.float32], k: int, metric: str
) -> tuple[list[int], list[float]]:
    exact = _exact_distances(table, candidates, query.astype(np.float64), metric).astype(np.float32)
    keys = [table.keys[row] for row in candidates.tolist()]
    order = sorted(range(len(keys)), key=lambda i: (float(exact[i]), keys[i]))[:k]
    return [int(candidates[i]) for i in order], [float(exact[i]) for i in order]


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
    approximate = _approximate_scores(table, rows, query, metric)
    if k < count:
        kth = float(np.partition(approximate, k - 1)[k - 1])
        # float32 rounding is tiny but not zero: keep every row that float64 re-scoring could promote.
        if metric == EUCLIDEAN:
            scale = float(table.squared_norms32[: table.size].max()) + float(np.dot(query, query))
        else:
            scale = float(np.sqrt(np.dot(query, query)))
        slack = 1e-5 * scale + 1e-6
        positions = np.flatnonzero(approximate <= kth + slack)
    else:
        positions = np.arange(count)
    candidates: Rows = positions if rows is None else rows[positions]
    return _rescored(table, candidates, query, k, metric)
