"""The vectors of one index: a dense float32 matrix, keys mapped to rows, metadata dicts and typed columns.

Rows ``[0, size)`` are always the live vectors: a delete moves the last rows into the holes, so search never
skips dead rows and never needs a liveness mask. Capacity grows geometrically, so appends are amortized O(1).
"""

from __future__ import annotations

import copy
import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .ann import ApproximateSearch
from .columns import MetadataColumns, Rows

Matrix = npt.NDArray[np.float32]
GROWTH = 1.5
# Rows whose norm takes the float32 first pass of exact search out of its depth (see search.py) are scored in
# float64 instead: TINY ones (|x|² < 1e-60) make 1/|x| overflow and their products underflow, which only cosine
# minds; HUGE ones (|x|² > 1e36) overflow the euclidean score |x|² - 2x·q and lose 1/|x| to subnormals.
ORDINARY, TINY, HUGE = 0, 1, 2
TINY_SQUARED_NORM = 1e-60
HUGE_SQUARED_NORM = 1e36


Metadata = dict[str, Any]


class MetadataRows:
    """Every row's metadata (a dict, or None), stored compactly: a tuple of the values after the tuple of their
    names, which every row with the same names in the same order shares.

    A dict per row is most of a large index's memory beyond its floats: 184 bytes for three keys, against 80 for
    the tuple (10,000,000 vectors: ~1 GiB saved). Reading a row builds its dict anew (its array values are the
    stored lists: callers copy what they hand out). Reads as a list of dicts: indexing, slices, iteration, equality.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...] | None] = []
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}

    def _pack(self, values: Metadata | None) -> tuple[Any, ...] | None:
        if values is None:
            return None
        names = tuple(values)
        return (self._names.setdefault(names, names), *values.values())

    @staticmethod
    def _unpack(packed: tuple[Any, ...] | None) -> Metadata | None:
        if packed is None:
            return None
        return dict(zip(packed[0], itertools.islice(packed, 1, None)))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, row: int) -> Metadata | None: ...
    @overload
    def __getitem__(self, row: slice) -> list[Metadata | None]: ...
    def __getitem__(self, row: int | slice) -> Metadata | list[Metadata | None] | None:
        if isinstance(row, slice):
            return [self._unpack(packed) for packed in self._rows[row]]
        return self._unpack(self._rows[row])

    def __setitem__(self, row: int, values: Metadata | None) -> None:
        self._rows[row] = self._pack(values)

    def __delitem__(self, rows: slice) -> None:
        del self._rows[rows]

    def __iter__(self) -> Iterator[Metadata | None]:
        return map(self._unpack, self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MetadataRows):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def append(self, values: Metadata | None) -> None:
        self._rows.append(self._pack(values))

    def extend(self, rows: Iterable[Metadata | None]) -> None:
        self._rows.extend(map(self._pack, rows))


def _squared_norms(vectors: Matrix, chunk: int = 16_384) -> npt.NDArray[np.float64]:
    """Squared L2 norms in float64, a chunk at a time (no float64 copy of a large matrix)."""
    result = np.empty(len(vectors), dtype=np.float64)
    for start in range(0, len(vectors), chunk):
        block = vectors[start : start + chunk].astype(np.float64)
        result[start : start + chunk] = np.einsum("ij,ij->i", block, block)
    return result


class VectorTable:
    def __init__(self, dimension: int, filterable: Callable[[str], bool], capacity: int = 16) -> None:
        self.dimension = dimension
        self.filterable = filterable
        self.size = 0
        self.data: Matrix = np.empty((capacity, dimension), dtype=np.float32)
        # Squared L2 norms in float64, for euclidean and cosine distances without touching the matrix twice.
        self.squared_norms = np.empty(capacity, dtype=np.float64)
        # The same in float32 for the fast approximate pass of search: |x|² and 1/|x| (0 for a zero vector).
        self.squared_norms32 = np.empty(capacity, dtype=np.float32)
        self.inverse_norms = np.empty(capacity, dtype=np.float32)
        # ORDINARY, TINY or HUGE per row, and how many live rows are in each class (all ORDINARY: the fast path).
        self.norm_class = np.zeros(capacity, dtype=np.int8)
        self.norm_class_counts = np.zeros(3, dtype=np.int64)
        # CRC32 of each key: stable across processes, used to split ListVectors into segments.
        self.key_hashes = np.empty(capacity, dtype=np.uint32)
        self.keys: list[str] = []
        self.metadata = MetadataRows()
        self.row_of: dict[str, int] = {}
        self.columns = MetadataColumns(capacity)
        self.version = 0
        self._sorted_keys: tuple[int, list[str], npt.NDArray[np.uint32]] | None = None
        # Created on the first approximate query (see approximate()); mirrors every write once it exists.
        self._approximate: ApproximateSearch | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> VectorTable:
        """A deep copy without the approximate index (faiss objects cannot be copied; it is rebuilt on demand)."""
        clone = VectorTable.__new__(VectorTable)
        memo[id(self)] = clone
        for name, value in vars(self).items():
            setattr(clone, name, None if name == "_approximate" else copy.deepcopy(value, memo))
        return clone

    @property
    def capacity(self) -> int:
        return int(self.data.shape[0])

    def _reserve(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        capacity = max(needed, int(self.capacity * GROWTH) + 1)
        data = np.empty((capacity, self.dimension), dtype=np.float32)
        data[: self.size] = self.data[: self.size]
        self.data = data
        self.squared_norms = np.resize(self.squared_norms, capacity)
        self.squared_norms32 = np.resize(self.squared_norms32, capacity)
        self.inverse_norms = np.resize(self.inverse_norms, capacity)
        self.norm_class = np.resize(self.norm_class, capacity)
        self.key_hashes = np.resize(self.key_hashes, capacity)
        self.columns.grow(capacity)

    def upsert(self, keys: Sequence[str], vectors: Matrix, metadata: Sequence[dict[str, Any] | None]) -> None:
        """Store vectors under keys, fully replacing any vector already stored under the same key.

        The caller has validated everything and removed duplicate keys (the last one wins).
        """
        existing = [self.row_of.get(key) for key in keys]
        new_count = existing.count(None)
        existing_count = len(keys) - new_count
        self._reserve(self.size + new_count)
        previous_size = self.size
        rows: list[int]
        if not existing_count:  # only new keys (bulk loads): append them wholesale
            rows = list(range(self.size, self.size + new_count))
            self.row_of.update(zip(keys, rows))
            self.keys.extend(keys)
            self.metadata.extend(metadata)
            next_row = self.size + new_count
        else:
            rows = []
            next_row = self.size
            for key, row in zip(keys, existing):
                if row is None:
                    row = next_row
                    next_row += 1
                    self.row_of[key] = row
                    self.keys.append(key)
                    self.metadata.append(None)
                rows.append(row)
            for row, values in zip(rows, metadata):
                self.metadata[row] = values
        self.size = next_row
        row_array: Rows = np.asarray(rows, dtype=np.intp)
        if not existing_count and len(rows):
            self.data[rows[0] : rows[-1] + 1] = vectors  # appended rows: a plain copy, no fancy-index temporaries
        else:
            self.data[row_array] = vectors
        squared = _squared_norms(vectors)
        self.squared_norms[row_array] = squared
        with np.errstate(over="ignore", divide="ignore"):  # |x|² of FLT_MAX-sized vectors is inf in float32
            self.squared_norms32[row_array] = squared
            self.inverse_norms[row_array] = np.where(squared > 0, 1.0 / np.sqrt(squared), 0.0)
        classes = np.where(squared < TINY_SQUARED_NORM, TINY, np.where(squared > HUGE_SQUARED_NORM, HUGE, ORDINARY))
        if existing_count:
            overwritten = row_array[row_array < previous_size]
            self.norm_class_counts -= np.bincount(self.norm_class[overwritten], minlength=3)
        self.norm_class[row_array] = classes
        self.norm_class_counts += np.bincount(classes, minlength=3)
        self.key_hashes[row_array] = [zlib.crc32(key.encode("utf-8")) for key in keys]
        if self._approximate is not None:
            self._approximate.changed(self, row_array)
        if existing_count:
            self.columns.clear(row_array)
        self.columns.write(rows, metadata, self.filterable)
        self.version += 1

    def delete(self, keys: Sequence[str]) -> None:
        doomed = sorted({self.row_of[key] for key in keys if key in self.row_of})
        if not doomed:
            return
        doomed_rows: Rows = np.asarray(doomed, dtype=np.intp)
        # Every row at or past the new size ends up absent in every column: doomed rows are cleared here, and
        # the rows that move into the holes leave theirs absent behind them (Column.move).
        self.columns.clear(doomed_rows)
        self.norm_class_counts -= np.bincount(self.norm_class[doomed_rows], minlength=3)
        new_size = self.size - len(doomed)
        doomed_set = set(doomed)
        holes = [row for row in doomed if row < new_size]
        movers = [row for row in range(new_size, self.size) if row not in doomed_set]
        for key in (self.keys[row] for row in doomed):
            del self.row_of[key]
        if holes:
            destination: Rows = np.asarray(holes, dtype=np.intp)
            source: Rows = np.asarray(movers, dtype=np.intp)
            self.data[destination] = self.data[source]
            self.squared_norms[destination] = self.squared_norms[source]
            self.squared_norms32[destination] = self.squared_norms32[source]
            self.inverse_norms[destination] = self.inverse_norms[source]
            self.norm_class[destination] = self.norm_class[source]
            self.key_hashes[destination] = self.key_hashes[source]
            self.columns.move(destination, source)
            for hole, mover in zip(holes, movers):
                key = self.keys[mover]
                self.keys[hole] = key
                self.metadata[hole] = self.metadata[mover]
                self.row_of[key] = hole
        del self.keys[new_size:]
        del self.metadata[new_size:]
        self.size = new_size
        if self._approximate is not None:  # the doomed rows and the moved ones changed (past new_size: gone)
            self._approximate.changed(self, np.asarray(doomed + movers, dtype=np.intp))
        self.version += 1

    def approximate(self, metric: str) -> ApproximateSearch:
        """The approximate search of this table (its IVF index is built when it is first worth it)."""
        if self._approximate is None or self._approximate.metric != metric:
            self._approximate = ApproximateSearch(metric)
        return self._approximate

    def live(self) -> Matrix:
        return self.data[: self.size]

    def sorted_keys(self) -> tuple[list[str], npt.NDArray[np.uint32]]:
        """All keys in code-point order with their key hashes, cached until the next write (ListVectors pages
        through them, and picks a segment's keys with one vectorized test on the hashes)."""
        if self._sorted_keys is None or self._sorted_keys[0] != self.version:
            order = sorted(range(self.size), key=self.keys.__getitem__)
            keys = [self.keys[row] for row in order]
            hashes = self.key_hashes[np.asarray(order, dtype=np.intp)] if order else np.empty(0, dtype=np.uint32)
            self._sorted_keys = (self.version, keys, hashes)
        return self._sorted_keys[1], self._sorted_keys[2]
