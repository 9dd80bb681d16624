"""A 2-D map of an index: PCA of a sample of its vectors, computed with numpy.

The axes are the sample's two principal components, found by randomized subspace iteration (Halko, Martinsson and
Tropp, 2011): a few products with the centred sample instead of an SVD of it, so a sample of 2,000 vectors of
dimension 4,096 takes milliseconds, and the result is exact whenever the dimension is small. Cosine indexes are
mapped after normalizing each vector, since their distances ignore length. A projection is cached per index and
table version: each poll of an unchanged index reuses it, and a query places its vector and hits on the same map.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._store import Index

MAX_SAMPLE = 2000
CACHED = 16
_OVERSAMPLE = 8
_ITERATIONS = 4

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Projection:
    keys: list[str]
    points: Floats  # one (x, y) per sampled key
    mean: Floats
    axes: Floats  # dimension × 2
    explained: tuple[float, float]  # the share of the sample's variance along each axis
    normalize: bool
    total: int

    def place(self, vectors: npt.ArrayLike) -> Floats:
        """Where vectors (one per row) fall on this map."""
        rows = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        if self.normalize:
            rows = _unit_rows(rows)
        placed: Floats = (rows - self.mean) @ self.axes
        return placed

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        """The map as the projection endpoint answers it, built once (the page polls an unchanged index often)."""
        return {
            "total": self.total,
            "sampled": len(self.keys),
            "explained": list(self.explained),
            "normalized": self.normalize,
            "points": [
                {"key": key, "x": round(float(x), 6), "y": round(float(y), 6)}
                for key, (x, y) in zip(self.keys, self.points.tolist())
            ],
        }


def _unit_rows(rows: Floats) -> Floats:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: Floats = rows / np.where(norms == 0, 1.0, norms)
    return unit


def principal_axes(centred: Floats, count: int = 2) -> tuple[Floats, Floats]:
    """The top ``count`` principal axes of centred rows (dimension × count, zero columns where the data has fewer)
    and the variance along each, by randomized subspace iteration with a fixed seed (the same map every time)."""
    samples, dimension = centred.shape
    axes = np.zeros((dimension, count))
    variances = np.zeros(count)
    width = min(dimension, samples, count + _OVERSAMPLE)
    if width == 0 or not np.any(centred):
        return axes, variances
    basis = np.random.default_rng(0).standard_normal((dimension, width))
    for _ in range(_ITERATIONS):
        basis, _ = np.linalg.qr(centred.T @ (centred @ basis))
    _, singular, right = np.linalg.svd(centred @ basis, full_matrices=False)
    found = min(count, len(singular))
    axes[:, :found] = basis @ right[:found].T
    variances[:found] = singular[:found] ** 2
    # An eigenvector's sign is arbitrary: fix it (largest component positive) so the map does not flip between polls.
    for column in range(found):
        pivot = int(np.argmax(np.abs(axes[:, column])))
        if axes[pivot, column] < 0:
            axes[:, column] = -axes[:, column]
    return axes, variances


@dataclass(frozen=True)
class Sample:
    """What a projection is computed from, copied out of an index under the backend's lock."""

    keys: list[str]
    vectors: npt.NDArray[np.float32]
    dimension: int
    normalize: bool
    total: int


def sample_of(index: Index) -> Sample:
    """Up to MAX_SAMPLE of the index's vectors (all of them when it has no more); the caller holds the lock."""
    table = index.table
    total = table.size
    if total > MAX_SAMPLE:
        # A fixed seed: the same index shows the same sample on every refresh.
        rows = np.sort(np.random.default_rng(0).choice(total, MAX_SAMPLE, replace=False))
    else:
        rows = np.arange(total)
    keys = table.keys.many(rows.tolist())
    return Sample(keys, table.data[rows], table.dimension, index.distance_metric == "cosine", total)


def compute(sample: Sample) -> Projection:
    """The map of a sample (no lock needed: the sample is a copy)."""
    vectors = sample.vectors.astype(np.float64)
    if sample.normalize and len(vectors):
        vectors = _unit_rows(vectors)
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(sample.dimension)
    centred = vectors - mean
    axes, variances = principal_axes(centred)
    spread = float(np.einsum("ij,ij->", centred, centred))
    explained = (float(variances[0] / spread), float(variances[1] / spread)) if spread > 0 else (0.0, 0.0)
    return Projection(sample.keys, centred @ axes, mean, axes, explained, sample.normalize, sample.total)


def project(index: Index) -> Projection:
    """The map of ``index``, all under the caller's hold of the backend's lock."""
    return compute(sample_of(index))


Identity = tuple[str, float, int]


def identity_of(index: Index) -> Identity:
    return (index.arn, index.creation_time.timestamp(), index.table.version)


class ProjectionCache:
    """The newest projections by index identity and table version (a write makes a new version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Identity, Projection] = OrderedDict()

    def cached(self, index: Index) -> Projection | None:
        identity = identity_of(index)
        with self._lock:
            found = self._entries.get(identity)
            if found is not None:
                self._entries.move_to_end(identity)
            return found

    def store(self, identity: Identity, projection: Projection) -> None:
        with self._lock:
            self._entries[identity] = projection
            while len(self._entries) > CACHED:
                self._entries.popitem(last=False)

    def get(self, index: Index) -> Projection:
        """The map of ``index``, computed under the caller's hold of the backend's lock when not cached (console
        queries: their hits and the map must agree)."""
        found = self.cached(index)
        if found is None:
            found = project(index)
            self.store(identity_of(index), found)
        return found
