"""Approximate search for large indexes: a faiss IVF index whose nprobe is calibrated to a recall target.

Exact flat search reads every vector on every query; past a few hundred thousand vectors an inverted-file index
(IVF) reads only the lists (clusters) nearest the query. How many lists it must read for a given recall depends on
the data alone: clustered data needs one or two, embedding-like data a few percent, unclustered (Gaussian) data
more than half — where exact search costs the same. So no fraction is fixed here:

* Calibration. After filling, the recall of every nprobe is computed exactly on held-out queries (stored vectors,
  leave-one-out): a true neighbour is found if and only if its list is among the nprobe lists nearest the query,
  so one ranking of the lists per query gives the recall of every nprobe at once. The smallest nprobe reaching
  CALIBRATION_RECALL is kept for topK ≤ 10 and for topK ≤ 100; when that means scanning more than
  MAX_SCANNED_FRACTION of the vectors, the index is refused and search stays exact.
* Audit. Some approximate queries (the 1st, 2nd, 4th, 8th, then every AUDIT_EVERY-th) are also answered exactly,
  and that exact answer is returned. The list ranks of their true neighbours say exactly which nprobe each would
  have needed. When the last AUDIT_WINDOW audited queries (at least AUDITS_TO_ACT of them) show a recall below
  RECALL_TARGET at the calibrated nprobe, nprobe rises to what they need: real queries harder than the stored
  vectors (another distribution, far from the data) raise it within a few queries, and when they need more than
  the scan limit (seen on AUDITS_TO_REFUSE queries at least), search becomes exact again.

The index is built in a background thread while queries are answered exactly (see ApproximateSearch). faiss ids
are the table's row numbers, so every write and every compaction of the table is mirrored here; the caller
re-scores the candidates exactly.

Retraining. An index is trained on the data of its day: √n lists for n vectors, centroids where the vectors were.
When the table grows to GROWTH_TO_RETRAIN × the size it was trained at, lists hold more vectors than √n each and
every query scans more; when rows rewritten or removed since the training reach CHURN_TO_RETRAIN of that size,
the centroids describe data that is no longer there, and new data lands in lists that do not fit it (recall falls
for queries near it). Either way the next approximate query starts a new build in the background, calibrated on
the data and the recent queries of then. After growth the old index keeps answering meanwhile (its recall is
intact, only slower); after churn queries are answered exactly meanwhile, as before the first build.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger("s3vectors_mock")

Matrix = npt.NDArray[np.float32]
Rows = npt.NDArray[np.intp]


class SearchedTable(Protocol):
    """What approximate search reads of its table (engine/table.py's VectorTable, which owns one of these)."""

    data: Matrix
    size: int
    squared_norms: npt.NDArray[np.float64]


RECALL_TARGET = 0.95  # what approximate answers must reach (AWS advertises 90%+)
# Never fewer lists than this: a query near the border of its nearest list has its neighbours split between two,
# and with one list probed it loses half of them or more, which a mean recall over many queries hides (issue 21:
# one query in 300 at 0.4 on freshly clustered data calibrated to nprobe 1). A second list costs 1/√n of the data.
MINIMUM_NPROBE = 2
CALIBRATION_RECALL = 0.97  # on ~100 held-out queries: a margin for sampling error and for new queries
CALIBRATION_QUERIES = 100
CALIBRATED_TOP_K = (10, 100)  # topK above the last one is always exact
MAX_SCANNED_FRACTION = 0.2  # beyond a fifth of the vectors per query, an exact pass is about as fast
WARM_UP_QUERIES = 20  # unfiltered queries answered exactly on a large table before its IVF index is built
AUDIT_EVERY = 16
AUDIT_WINDOW = 32
AUDITS_TO_ACT = 4  # one query's recall varies a lot: a verdict needs a few
AUDITS_TO_REFUSE = 8
TRAINING_POINTS_PER_LIST = 40  # faiss warns below 39
MINIMUM_VECTORS = 1_000  # below this an exact pass is a single cheap BLAS call
# Squared norms beyond this overflow faiss's float32 distance arithmetic; such tables are searched exactly.
LARGEST_SQUARED_NORM = 1e30
CHUNK = 65_536  # rows normalized, added and scored at a time: bounded temporaries
# Rows written during a build are re-read into the index outside the lock until so few are left that adding them
# while holding off writes costs about this many multiply-adds (~10 ms): rows × lists × dimension.
CATCH_UP_UNDER_LOCK = 2**27
CATCH_UP_ROUNDS = 100  # a write stream faster than the catch-up: publish anyway after this many rounds
GROWTH_TO_RETRAIN = 2.0  # table size ÷ size at training that starts a new build (lists twice as long)
# Rows rewritten or vacated since training ÷ size at training that starts a new build. A quarter: data moved by
# that much can leave queries near it with a recall far below the target until the audits catch up (a test
# overwriting 60% of 40,000 clustered vectors with new clusters saw single queries at 0.0 on the old index).
CHURN_TO_RETRAIN = 0.25
SEED = 1234


def _faiss() -> Any:
    """faiss, imported when an approximate index is first built (importing it costs every process ~0.1 s)."""
    import faiss

    return faiss


def _lists_for(count: int) -> int:
    # √n lists: training costs lists² · points per list, so this is a quarter of 2·√n's k-means work, and with a
    # calibrated nprobe the share of vectors scanned for a given recall is about the same.
    return int(min(65_536, max(16, math.sqrt(count))))


class IvfIndex:
    def __init__(self, dimension: int, metric: str, lists: int) -> None:
        self.metric = metric
        self.lists = lists
        faiss_metric = _faiss().METRIC_INNER_PRODUCT if metric == "cosine" else _faiss().METRIC_L2
        quantizer = _faiss().IndexFlatIP(dimension) if metric == "cosine" else _faiss().IndexFlatL2(dimension)
        self._index = _faiss().IndexIVFFlat(quantizer, dimension, lists, faiss_metric)
        self._quantizer = quantizer  # faiss does not own it from Python: keep it alive
        # topK limit -> lists probed (ascending limits, non-decreasing probes); `calibrated` is the floor.
        self.nprobe: dict[int, int] = {}
        self.calibrated: dict[int, int] = {}
        self.largest_nprobe = max(1, int(lists * MAX_SCANNED_FRACTION))

    def prepare(self, vectors: Matrix) -> Matrix:
        prepared = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.metric == "cosine":
            prepared = prepared.copy()
            _faiss().normalize_L2(prepared)
        return prepared

    def train(self, sample: Matrix) -> None:
        self._index.train(self.prepare(sample))
        # A hash map from id to list entry: removing a few rows no longer scans every list.
        self._index.set_direct_map_type(_faiss().DirectMap.Hashtable)  # type: ignore[attr-defined,unused-ignore]

    def add_prepared(self, rows: Rows, prepared: Matrix) -> None:
        if len(rows):
            self._index.add_with_ids(prepared, np.asarray(rows, dtype=np.int64))

    def add(self, rows: Rows, vectors: Matrix) -> None:
        self.add_prepared(rows, self.prepare(vectors))

    def remove(self, rows: Rows) -> None:
        if len(rows):
            self._index.remove_ids(_faiss().IDSelectorArray(np.asarray(rows, dtype=np.int64)))

    def list_ranks(self, queries: Matrix) -> npt.NDArray[np.int64]:
        """For each (prepared) query, the rank of every list by nearness: 0 for the list probed first."""
        _, order = self._quantizer.search(queries, self.lists)
        ranks = np.empty(order.shape, dtype=np.int64)
        np.put_along_axis(ranks, order, np.broadcast_to(np.arange(self.lists), order.shape), axis=1)
        return ranks

    def lists_of(self, prepared: Matrix) -> npt.NDArray[np.int64]:
        """The list each (prepared) vector is stored in: its nearest centroid, as faiss assigns it when adding."""
        return np.asarray(self._quantizer.assign(prepared, 1)[:, 0], dtype=np.int64)

    def limit_for(self, k: int) -> int | None:
        """The calibrated topK limit that covers ``k`` (None: answered exactly)."""
        return next((limit for limit in self.nprobe if k <= limit), None)

    def candidates(self, query: Matrix, k: int) -> Rows | None:
        """About 2k candidate rows near ``query``, or None when this topK is not calibrated or too few vectors sit
        in the probed lists (the caller then answers exactly)."""
        limit = self.limit_for(k)
        if limit is None:
            return None
        self._index.nprobe = self.nprobe[limit]
        _, found = self._index.search(self.prepare(query.reshape(1, -1)), max(2 * k, 20))
        rows = found[0]
        rows = rows[rows >= 0]
        return np.asarray(rows, dtype=np.intp) if len(rows) >= k else None

    def neighbour_ranks(self, query: Matrix, neighbours: Matrix) -> npt.NDArray[np.int64]:
        """The rank, among the lists nearest ``query``, of the list holding each of its true ``neighbours``."""
        ranks = self.list_ranks(self.prepare(query.reshape(1, -1)))[0]
        return np.asarray(ranks[self.lists_of(self.prepare(neighbours))], dtype=np.int64)

    def set_probes(self, needed: dict[int, int]) -> None:
        """nprobe per limit: at least the calibrated one and what real queries ``needed``, never fewer for a larger
        topK; a limit past the scan limit (and every larger one) is dropped: exact from then on."""
        probes = 0
        updated: dict[int, int] = {}
        for limit, calibrated in self.calibrated.items():
            probes = max(probes, calibrated, needed.get(limit, 0))
            if probes > self.largest_nprobe:
                break
            updated[limit] = probes
        self.nprobe = updated


class _NearestRows:
    """The ``width`` nearest stored rows of each calibration query, merged chunk by chunk as the index fills.

    Scored by faiss (its own BLAS, on the builder's one OpenMP thread), not numpy: numpy's BLAS thread pool is the
    one the foreground's exact queries use, and a long product there would hold them up.
    """

    def __init__(self, queries: Matrix, width: int, metric: str) -> None:
        self.queries = queries
        self.width = width
        self.metric = metric
        self.scores = np.empty((len(queries), 0), dtype=np.float32)
        self.rows = np.empty((len(queries), 0), dtype=np.int64)

    def update(self, start: int, prepared: Matrix) -> None:
        faiss_metric = _faiss().METRIC_INNER_PRODUCT if self.metric == "cosine" else _faiss().METRIC_L2
        found_scores, found_rows = _faiss().knn(
            self.queries, prepared, min(self.width, len(prepared)), metric=faiss_metric
        )
        if self.metric == "cosine":
            found_scores = -found_scores  # smaller is nearer, as for distances
        scores = np.concatenate([self.scores, found_scores], axis=1)
        rows = np.concatenate([self.rows, found_rows + start], axis=1)
        if scores.shape[1] > self.width:
            keep = np.argpartition(scores, self.width - 1, axis=1)[:, : self.width]
            scores = np.take_along_axis(scores, keep, axis=1)
            rows = np.take_along_axis(rows, keep, axis=1)
        self.scores, self.rows = scores, rows

    def ordered(self, excluded: npt.NDArray[np.int64] | None, count: int) -> npt.NDArray[np.int64]:
        """The ``count`` nearest rows of each query, nearest first, without the query's own row in ``excluded``."""
        scores = self.scores.copy()
        if excluded is not None:
            scores[self.rows == excluded[:, None]] = np.inf
        order = np.argsort(scores, axis=1, kind="stable")[:, :count]
        return np.take_along_axis(self.rows, order, axis=1)


def _probes_needed(ranks: npt.NDArray[np.int64], target: float) -> int:
    """The smallest nprobe that finds ``target`` of the true neighbours whose list ranks are ``ranks``."""
    flat = np.sort(ranks, axis=None)
    needed = max(1, math.ceil(target * flat.size))
    return int(flat[needed - 1]) + 1


def build_ivf(
    data: Matrix,
    size: int,
    metric: str,
    extra_queries: Matrix | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> IvfIndex | None:
    """Train, fill and calibrate an IVF index of ``data[:size]``; None when it cannot reach the recall target
    within the scan limit (or ``cancelled`` says the table is gone).

    ``extra_queries`` (recent real queries, if any) are calibrated on too: both they and the held-out stored
    vectors must reach CALIBRATION_RECALL.
    """
    rng = np.random.default_rng(SEED)
    dimension = data.shape[1]
    ivf = IvfIndex(dimension, metric, _lists_for(size))
    sample = np.sort(rng.choice(size, size=min(size, ivf.lists * TRAINING_POINTS_PER_LIST), replace=False))
    ivf.train(data[sample])
    held_out = np.sort(rng.choice(size, size=min(size, CALIBRATION_QUERIES), replace=False)).astype(np.int64)
    queries = [ivf.prepare(data[held_out])]
    if extra_queries is not None and len(extra_queries):
        queries.append(ivf.prepare(extra_queries))
    all_queries = np.concatenate(queries)
    depth = min(CALIBRATED_TOP_K[-1], size - 1)
    nearest = _NearestRows(all_queries, depth + 1, metric)
    for start in range(0, size, CHUNK):
        if cancelled():
            return None
        stop = min(start + CHUNK, size)
        prepared = ivf.prepare(data[start:stop])
        ivf.add_prepared(np.arange(start, stop, dtype=np.intp), prepared)
        nearest.update(start, prepared)
    excluded = np.concatenate([held_out, np.full(len(all_queries) - len(held_out), -1, dtype=np.int64)])
    truth = nearest.ordered(excluded, depth)
    truth_lists = ivf.lists_of(ivf.prepare(data[truth.ravel()])).reshape(truth.shape)
    ranks = np.take_along_axis(ivf.list_ranks(all_queries), truth_lists, axis=1)
    groups = [slice(0, len(held_out)), slice(len(held_out), len(all_queries))]
    for limit in CALIBRATED_TOP_K:
        top = min(limit, depth)
        probes = max(
            MINIMUM_NPROBE,
            *(_probes_needed(ranks[group, :top], CALIBRATION_RECALL) for group in groups if group.stop > group.start),
        )
        if probes > ivf.largest_nprobe:
            break  # a larger topK needs at least as many lists
        ivf.calibrated[limit] = probes
    ivf.set_probes({})
    return ivf if ivf.nprobe else None


class ApproximateSearch:
    """The approximate side of one table: its IVF index, built in the background, audited, and kept in step.

    Until the index is ready every query is answered exactly, so no query ever waits for a build: training and
    filling cost hundreds of exact queries (seconds at 1M × 128). The build starts only after WARM_UP_QUERIES
    unfiltered queries on the large table, so a test that asks a few questions never pays for it, and those
    queries are calibrated on with the held-out stored vectors.

    Threads: queries and writes call in under the backend's lock. The builder reads the matrix it was given
    without that lock; every write meanwhile records its rows (``_pending``), and the builder re-reads those rows
    from the table afterwards, the last ones under ``_lock`` as it publishes the index, so a row it read half
    written is always read again. Once published, the index is touched only by calls under the backend's lock.
    """

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.index: IvfIndex | None = None
        self._lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._pending: list[Rows] | None = None  # rows written since the build began (None: no build running)
        self._recent: list[Matrix] = []  # the last WARM_UP_QUERIES unfiltered queries (calibrated on)
        self._retry_at = MINIMUM_VECTORS  # no build below this size (raised after a refusal)
        self._answers = 0
        self._audited: dict[int, list[npt.NDArray[np.int64]]] = {}  # limit -> neighbour list ranks, recent last
        # What the serving index was trained on: the table's size then, and rows written or vacated since.
        self._trained_size = 0
        self._churned = 0
        self.builds = 0  # builds started (tests and benchmarks)

    def propose(self, table: SearchedTable, query: Matrix, k: int) -> tuple[Rows, bool] | None:
        """Candidate rows for the ``k`` nearest, and whether this query is an audit turn (the caller then answers
        exactly and reports with :meth:`audited`); None when this query is to be answered exactly."""
        index = self.index
        if index is None:
            self._warm_up(table, query)
            return None
        self._remember(query)
        if self._pending is None and self._stale(table):
            index = self._rebuild(table)
            if index is None:
                return None  # the old index no longer fits the data: exact until the new one is ready
        rows = index.candidates(query, k)
        if rows is None:
            return None
        self._answers += 1
        answers = self._answers
        return rows, answers % AUDIT_EVERY == 0 or answers & (answers - 1) == 0  # every 16th, and early on

    def audited(self, table: SearchedTable, query: Matrix, exact: list[int]) -> None:
        """Learn from an exact answer: the nprobe it needed joins those of the last AUDIT_WINDOW audited queries."""
        index = self.index
        limit = index.limit_for(len(exact)) if index is not None else None
        if index is None or limit is None:
            return
        window = self._audited.setdefault(limit, [])
        window.append(index.neighbour_ranks(query, table.data[np.asarray(exact, dtype=np.intp)]))
        del window[:-AUDIT_WINDOW]
        index.set_probes({size: self._needed(index, size, recent) for size, recent in self._audited.items()})
        if not index.nprobe:
            self._refuse(table)

    @staticmethod
    def _needed(index: IvfIndex, limit: int, window: list[npt.NDArray[np.int64]]) -> int:
        """The nprobe audited queries ask for: none while the calibrated one serves them well enough (or too few
        were audited to tell), else what reaches CALIBRATION_RECALL on them, capped at the scan limit until enough
        of them have been seen to give up on approximation."""
        ranks = np.concatenate(window)
        if len(window) < AUDITS_TO_ACT or np.mean(ranks < index.calibrated[limit]) >= RECALL_TARGET:
            return 0
        needed = _probes_needed(ranks, CALIBRATION_RECALL)
        return needed if len(window) >= AUDITS_TO_REFUSE else min(needed, index.largest_nprobe)

    def changed(self, table: SearchedTable, rows: Rows) -> None:
        """Mirror a write: ``rows`` were rewritten or vacated (rows at or past the table's size are gone)."""
        if not len(rows):
            return
        with self._lock:
            if self._pending is not None:  # a build is running: it catches up with these rows before publishing
                self._pending.append(np.array(rows, dtype=np.intp))
            # Churn is rows the index was trained on that changed; rows appended past them are growth.
            self._churned += int(np.count_nonzero(rows < self._trained_size))
        # The serving index (an old one while its successor is built) is kept in step too.
        index = self.index
        if index is not None and not self._apply(index, table, rows):
            self._refuse(table)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running build to finish (tests and benchmarks); True when none is running any more."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
        return builder is None or not builder.is_alive()

    def _remember(self, query: Matrix) -> None:
        self._recent.append(np.array(query, dtype=np.float32))
        del self._recent[:-WARM_UP_QUERIES]

    def _warm_up(self, table: SearchedTable, query: Matrix) -> None:
        self._remember(query)
        with self._lock:
            if self._pending is not None or len(self._recent) < WARM_UP_QUERIES or table.size < self._retry_at:
                return
            if not self._searchable(table, None):
                self._retry_at = max(MINIMUM_VECTORS, 2 * table.size)
                return
            self._start(table)

    def _stale(self, table: SearchedTable) -> bool:
        """Whether the serving index was trained on data too different from the table's now (see the module)."""
        trained = self._trained_size
        return table.size >= GROWTH_TO_RETRAIN * trained or self._churned >= CHURN_TO_RETRAIN * trained

    def _rebuild(self, table: SearchedTable) -> IvfIndex | None:
        """Start building a successor of a stale index; the index that answers meanwhile (None: exact)."""
        with self._lock:
            if self._pending is None:
                if self._churned >= CHURN_TO_RETRAIN * self._trained_size:
                    self.index = None  # its lists no longer describe the data (and its memory is freed)
                if not self._searchable(table, None):
                    self._refuse(table)
                else:
                    self._start(table)
            return self.index

    def _start(self, table: SearchedTable) -> None:
        """Start a build of ``table`` as it is now (called under ``_lock``, with no build running)."""
        self._pending = []
        self.builds += 1
        self._builder = threading.Thread(
            target=self._build,
            args=(weakref.ref(table), table.data, table.size, np.stack(self._recent)),
            name="s3vectors-mock-ivf",
            daemon=True,
        )
        self._builder.start()

    def _build(self, table_ref: weakref.ref[SearchedTable], data: Matrix, size: int, queries: Matrix) -> None:
        """The builder thread. Holds the matrix it was given, never the table (a dropped table ends the build)."""
        # One OpenMP thread (a per-thread setting): the other core stays free for the test and its exact queries.
        _faiss().omp_set_num_threads(1)
        try:
            index = build_ivf(data, size, self.metric, queries, cancelled=lambda: table_ref() is None)
            data_dimension = data.shape[1]
            del data
            rounds = caught_up = 0
            while True:
                rounds += 1
                table = table_ref()
                if table is None:
                    with self._lock:
                        self._pending = None
                    return
                with self._lock:
                    pending, count = self._pending or [], sum(len(rows) for rows in self._pending or [])
                    caught_up += sum(int(np.count_nonzero(rows < size)) for rows in pending)  # not appended ones
                    few = index is None or count * index.lists * data_dimension <= CATCH_UP_UNDER_LOCK
                    if few or rounds >= CATCH_UP_ROUNDS:
                        # The last rows are re-read under the lock, so no write can slip between them and publishing.
                        if index is not None and pending and not self._apply(index, table, np.concatenate(pending)):
                            index = None
                        self._pending = None
                        self.index = index
                        # Rows it was trained on that changed during the build are churn: its centroids never saw them.
                        self._trained_size, self._churned = size, caught_up
                        self._audited.clear()
                        self._answers = 0  # the new index is audited early on, as the first one was
                        if index is None:
                            self._retry_at = max(MINIMUM_VECTORS, 2 * table.size)
                        return
                    self._pending = []
                # Many writes meanwhile: catch up with them outside the lock, writes keep coming in.
                if index is not None and not self._apply(index, table, np.concatenate(pending)):
                    index = None
                del table
        except Exception:  # a failed build must never break the mock: search stays exact, and is not retried
            logger.exception("s3vectors-mock: building the IVF index failed; search stays exact")
            with self._lock:
                self._pending = None
                self._retry_at = 2**62

    def _apply(self, index: IvfIndex, table: SearchedTable, rows: Rows) -> bool:
        """Re-read ``rows`` from the table into ``index``; False when a row is too large for faiss's float32."""
        rows = np.unique(rows)
        index.remove(rows)
        live = rows[rows < table.size]
        if not self._searchable(table, live):
            return False
        index.add(live, table.data[live])
        return True

    def _searchable(self, table: SearchedTable, rows: Rows | None) -> bool:
        """Whether faiss's float32 arithmetic can rank these rows (all live rows when None)."""
        norms = table.squared_norms[: table.size] if rows is None else table.squared_norms[rows]
        return not len(norms) or float(np.max(norms)) <= LARGEST_SQUARED_NORM

    def _refuse(self, table: SearchedTable) -> None:
        # Exact from now on; the data may change enough to make an IVF worthwhile once the table has doubled.
        self.index = None
        self._audited.clear()
        self._retry_at = max(MINIMUM_VECTORS, 2 * table.size)
