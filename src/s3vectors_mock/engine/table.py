"""The vectors of one index: a dense float32 matrix, keys mapped to rows, metadata dicts and typed columns.

Rows ``[0, size)`` are always the live vectors: a delete moves the last rows into the holes, so search never
skips dead rows and never needs a liveness mask. Capacity grows geometrically, so appends are amortized O(1).
"""

from __future__ import annotations

import copy
import itertools
import marshal
import operator
import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, SupportsIndex, overload

import numpy as np
import numpy.typing as npt

from .ann import ApproximateSearch
from .arrays import grown
from .columns import BoolMask, MetadataColumns, Rows
from .keys import PackedKeys, RowOf
from .packed import PackedBytes

Matrix = npt.NDArray[np.float32]
# Filter results kept per table (each a boolean per row: 10 MB at ten million rows).
CACHED_FILTER_MASKS = 4
GROWTH = 1.5
# Rows whose norm takes the float32 first pass of exact search out of its depth (see search.py) are scored in
# float64 instead: TINY ones (|x|² < 1e-60) make 1/|x| overflow and their products underflow, which only cosine
# minds; HUGE ones (|x|² > 1e36) overflow the euclidean score |x|² - 2x·q and lose 1/|x| to subnormals.
ORDINARY, TINY, HUGE = 0, 1, 2
TINY_SQUARED_NORM = 1e-60
HUGE_SQUARED_NORM = 1e36


Metadata = dict[str, Any]
# Marks a row whose metadata marshal could not write (the rest of its bytes are a pickle).
PICKLED = b"P"


class MetadataRows:
    """Every row's metadata (a dict, or None), packed: the ``marshal`` bytes of a tuple of the values after the
    number of their tuple of names, which every row with the same names in the same order shares.

    A dict per row is most of a large index's memory beyond its floats (184 bytes for three keys, and the value
    objects); packed, three keys take ~28 bytes and 12 for their place (10,000,000 vectors: ~2 GiB saved).
    ``marshal`` keeps exactly what was stored (int or float, key order, any size of integer) and reads back in
    C; a value it cannot write (a caller's own numeric type, say) is pickled instead. Reading a row builds its
    dict anew, so nothing read is shared with the stored rows. Reads as a list of dicts: indexing, slices,
    iteration, equality.
    """

    def __init__(self, capacity: int = 16) -> None:
        self._rows = PackedBytes(capacity)
        self._names: list[tuple[str, ...]] = []
        self._name_numbers: dict[tuple[str, ...], int] = {}

    def _pack(self, values: Metadata | None) -> bytes:
        if values is None:
            return b""
        names = tuple(values)
        number = self._name_numbers.get(names)
        if number is None:
            number = self._name_numbers[names] = len(self._names)
            self._names.append(names)
        packed = (number, *values.values())
        try:
            return marshal.dumps(packed)
        except ValueError:
            return PICKLED + pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)

    def _unpack(self, packed: bytes) -> Metadata | None:
        if not packed:
            return None
        values = pickle.loads(packed[1:]) if packed[:1] == PICKLED else marshal.loads(packed)
        return dict(zip(self._names[values[0]], itertools.islice(values, 1, None)))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, row: SupportsIndex) -> Metadata | None: ...
    @overload
    def __getitem__(self, row: slice) -> list[Metadata | None]: ...
    def __getitem__(self, row: SupportsIndex | slice) -> Metadata | list[Metadata | None] | None:
        if isinstance(row, slice):
            return self.many(range(len(self))[row])
        row = operator.index(row)
        if row < 0:
            row += len(self)
        return self._unpack(self._rows.get(row))

    def many(self, rows: Sequence[int]) -> list[Metadata | None]:
        return [self._unpack(packed) for packed in self._rows.get_many(rows)]

    def __setitem__(self, row: int, values: Metadata | None) -> None:
        self._rows.set(row, self._pack(values))

    def truncate(self, size: int) -> None:
        self._rows.truncate(size)

    def lengths(self) -> npt.NDArray[np.uint32]:
        """The packed size of each row's metadata: 0 for a row without any."""
        return self._rows.lengths()

    def move(self, destination: Rows, source: Rows) -> None:
        self._rows.move(destination, source)

    def __iter__(self) -> Iterator[Metadata | None]:
        chunk = 65_536
        for first in range(0, len(self), chunk):
            yield from self.many(range(first, min(first + chunk, len(self))))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MetadataRows):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def append(self, values: Metadata | None) -> None:
        self._rows.extend([self._pack(values)])

    def extend(self, rows: Iterable[Metadata | None]) -> None:
        self._rows.extend(list(map(self._pack, rows)))


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
        # 1/|x| in float32 for the fast approximate pass of cosine search (0 for a zero vector); |x|² in float32
        # for euclidean search is derived when first needed (squared_norms32): a cosine index never needs it.
        self.inverse_norms = np.empty(capacity, dtype=np.float32)
        # ORDINARY, TINY or HUGE per row, and how many live rows are in each class (all ORDINARY: the fast path).
        self.norm_class = np.zeros(capacity, dtype=np.int8)
        self.norm_class_counts = np.zeros(3, dtype=np.int64)
        # Keys packed with their CRC32s (stable across processes: ListVectors' segments) and a hash index.
        self.keys = PackedKeys(capacity)
        self.metadata = MetadataRows(capacity)
        self.columns = MetadataColumns(capacity)
        self.version = 0
        self._sorted_rows: tuple[int, Rows, npt.NDArray[np.uint32]] | None = None
        # The rows the last few filters matched (by the parsed filter's text), valid until the next write.
        self._filter_masks: OrderedDict[str, BoolMask] = OrderedDict()
        self._filter_masks_version = -1
        self._squared_norms32: tuple[int, npt.NDArray[np.float32]] | None = None
        # Created on the first approximate query (see approximate()); mirrors every write once it exists.
        self._approximate: ApproximateSearch | None = None

    @property
    def row_of(self) -> RowOf:
        """Reads like a dict from key to row."""
        return self.keys.row_of

    @property
    def squared_norms32(self) -> npt.NDArray[np.float32]:
        """|x|² of rows ``[0, size)`` in float32 (for the fast pass of euclidean search; infinity past float32's
        range), derived from the float64 norms and kept until the next write: 4 bytes a vector only in the
        euclidean indexes that are searched."""
        if self._squared_norms32 is None or self._squared_norms32[0] != self.version:
            with np.errstate(over="ignore"):
                self._squared_norms32 = (self.version, self.squared_norms[: self.size].astype(np.float32))
        return self._squared_norms32[1]

    @property
    def key_hashes(self) -> npt.NDArray[np.uint32]:
        """The CRC32 of each row's key."""
        return self.keys.hashes

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
        self.data = grown(self.data[: self.size], capacity)
        self.squared_norms = grown(self.squared_norms[: self.size], capacity)
        self.inverse_norms = grown(self.inverse_norms[: self.size], capacity)
        self.norm_class = grown(self.norm_class[: self.size], capacity)
        self.columns.grow(capacity)

    def upsert(self, keys: Sequence[str], vectors: Matrix, metadata: Sequence[dict[str, Any] | None]) -> None:
        """Store vectors under keys, fully replacing any vector already stored under the same key.

        The caller has validated everything and removed duplicate keys (the last one wins).
        """
        previous_size = self.size
        self._reserve(self.size + len(keys))  # before placing: the keys' rows must fit every per-row array
        rows, new_count = self.keys.place(keys)
        existing_count = len(keys) - new_count
        if not existing_count:  # only new keys (bulk loads): append them wholesale
            self.metadata.extend(metadata)
        else:
            self.metadata.extend([None] * new_count)
            for row, values in zip(rows, metadata):
                self.metadata[row] = values
        next_row = self.size + new_count
        self.size = next_row
        row_array: Rows = np.asarray(rows, dtype=np.intp)
        if not existing_count and len(rows):
            self.data[rows[0] : rows[-1] + 1] = vectors  # appended rows: a plain copy, no fancy-index temporaries
        else:
            self.data[row_array] = vectors
        squared = _squared_norms(vectors)
        self.squared_norms[row_array] = squared
        with np.errstate(over="ignore", divide="ignore"):  # |x|² of FLT_MAX-sized vectors is inf in float32
            self.inverse_norms[row_array] = np.where(squared > 0, 1.0 / np.sqrt(squared), 0.0)
        classes = np.where(squared < TINY_SQUARED_NORM, TINY, np.where(squared > HUGE_SQUARED_NORM, HUGE, ORDINARY))
        if existing_count:
            overwritten = row_array[row_array < previous_size]
            self.norm_class_counts -= np.bincount(self.norm_class[overwritten], minlength=3)
        self.norm_class[row_array] = classes
        self.norm_class_counts += np.bincount(classes, minlength=3)
        if self._approximate is not None:
            self._approximate.changed(self, row_array)
        if existing_count:
            self.columns.clear(row_array)
        self.columns.write(rows, metadata, self.filterable)
        self.version += 1

    def delete(self, keys: Sequence[str]) -> None:
        doomed = sorted({row for row in self.keys.find_many(keys) if row is not None})
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
        self.keys.remove(doomed, holes, movers, new_size)
        if holes:
            destination: Rows = np.asarray(holes, dtype=np.intp)
            source: Rows = np.asarray(movers, dtype=np.intp)
            self.data[destination] = self.data[source]
            self.squared_norms[destination] = self.squared_norms[source]
            self.inverse_norms[destination] = self.inverse_norms[source]
            self.norm_class[destination] = self.norm_class[source]
            self.columns.move(destination, source)
            self.metadata.move(destination, source)
        self.metadata.truncate(new_size)
        self.size = new_size
        if self._approximate is not None:  # the doomed rows and the moved ones changed (past new_size: gone)
            self._approximate.changed(self, np.asarray(doomed + movers, dtype=np.intp))
        self.version += 1

    def filter_mask(self, filter_text: str, evaluate: Callable[[], BoolMask]) -> BoolMask:
        """The rows a filter matches: ``evaluate()``'s read-only result, kept for the next queries with the same
        filter until the table changes. Reading a column of ten million rows costs ~25 ms a query, while gathering
        and scoring the 1% it selects costs ~12 ms; applications tend to repeat a filter (a tenant, a category)."""
        if self._filter_masks_version != self.version:
            self._filter_masks.clear()
            self._filter_masks_version = self.version
        mask = self._filter_masks.get(filter_text)
        if mask is None:
            mask = evaluate()
            mask.flags.writeable = False
            self._filter_masks[filter_text] = mask
            if len(self._filter_masks) > CACHED_FILTER_MASKS:
                self._filter_masks.popitem(last=False)
        else:
            self._filter_masks.move_to_end(filter_text)
        return mask

    def approximate(self, metric: str) -> ApproximateSearch:
        """The approximate search of this table (its IVF index is built when it is first worth it)."""
        if self._approximate is None or self._approximate.metric != metric:
            self._approximate = ApproximateSearch(metric)
        return self._approximate

    def live(self) -> Matrix:
        return self.data[: self.size]

    def sorted_rows(self) -> tuple[Rows, npt.NDArray[np.uint32]]:
        """All rows in their keys' code-point order with their key hashes, cached until the next write
        (ListVectors pages through them, and picks a segment's keys with one vectorized test on the hashes)."""
        if self._sorted_rows is None or self._sorted_rows[0] != self.version:
            order = self.keys.sorted_rows()
            self._sorted_rows = (self.version, order, self.key_hashes[order])
        return self._sorted_rows[1], self._sorted_rows[2]

    def sorted_keys(self) -> list[str]:
        """All keys in code-point order."""
        return self.keys.many(self.sorted_rows()[0].tolist())
