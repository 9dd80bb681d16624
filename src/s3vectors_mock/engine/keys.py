"""A table's keys: UTF-8 bytes packed per row, found by a numpy hash index instead of a dict of ``str`` objects.

At ten million keys a list of strings and a dict from key to row cost ~125 bytes a key beyond its characters;
here a key costs its bytes, 12 for its place in the buffer, 4 for its CRC32 (which ListVectors' segments and
GetVectors' order use anyway) and ~12 in the index: a sorted array of CRC32s with the row of each.

The index has three parts, and a key is in exactly one of them:

* ``main``: sorted CRC32s and their rows; a deleted key leaves a tombstone (row -1) until the next merge;
* ``recent``: the same for keys added since the last merge (an insert copies this small array, not ``main``),
  merged into ``main`` past ``MAXIMUM_RECENT`` entries. Both are numpy arrays: a dict of Python ints, made amid
  each request's temporaries and kept, pinned the allocator's memory long after those temporaries were freed;
* ``overflow``: key → row for the rare key whose CRC32 another live key already has (~12,000 of ten million
  random keys), so that every CRC32 in ``main`` and ``recent`` belongs to one live key, and a match is confirmed by
  comparing the stored bytes.
"""

from __future__ import annotations

import operator
import zlib
from collections.abc import Iterator, Sequence
from typing import SupportsIndex, overload

import numpy as np
import numpy.typing as npt

from .arrays import grown
from .packed import PackedBytes, Rows

# ``recent`` is merged into ``main`` past this many entries (a merge copies ``main``: ~50 ms at 10,000,000 keys, once
# every ~130 puts of 500), and main is rewritten without its tombstones once they are a quarter of it.
MAXIMUM_RECENT = 65_536
# Keys at most this long (in bytes) are sorted by numpy as fixed-width strings; longer ones by Python.
WIDEST_NUMPY_SORT = 64

Hashes = npt.NDArray[np.uint32]


def encode(key: str) -> bytes:
    return key.encode("utf-8")


class PackedKeys:
    """The keys of rows ``[0, len)``: reads like a list of ``str``; ``row_of`` reads like a dict key → row."""

    def __init__(self, capacity: int = 16) -> None:
        self._bytes = PackedBytes(capacity, np.uint16)  # a key is at most 1,024 characters: 4,096 bytes
        self.hashes: Hashes = np.zeros(capacity, dtype=np.uint32)
        self._main = SortedIndex()
        self._recent = SortedIndex()
        self._overflow: dict[str, int] = {}
        self.row_of = RowOf(self)

    # -- reading like a list ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._bytes)

    @overload
    def __getitem__(self, row: SupportsIndex) -> str: ...
    @overload
    def __getitem__(self, row: slice) -> list[str]: ...
    def __getitem__(self, row: SupportsIndex | slice) -> str | list[str]:
        if isinstance(row, slice):
            return self.many(range(len(self))[row])
        row = operator.index(row)
        if row < 0:
            row += len(self)
        return self._bytes.get(row).decode("utf-8")

    def many(self, rows: Sequence[int]) -> list[str]:
        return [key.decode("utf-8") for key in self._bytes.get_many(rows)]

    def __iter__(self) -> Iterator[str]:
        chunk = 65_536
        for first in range(0, len(self), chunk):
            yield from self.many(range(first, min(first + chunk, len(self))))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedKeys):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    # -- finding rows ----------------------------------------------------------------------------------------

    def find(self, key: str) -> int | None:
        return self.find_many([key])[0]

    def find_many(self, keys: Sequence[str]) -> list[int | None]:
        return self._lookup(keys)[0]

    def _lookup(self, keys: Sequence[str]) -> tuple[list[int | None], list[bytes], list[int], list[bool]]:
        """Each key's row (None when absent), its bytes, its CRC32, and whether another live key has that CRC32."""
        encoded = [encode(key) for key in keys]
        hashes = [zlib.crc32(key) for key in encoded]
        candidates = self._indexed_rows(np.asarray(hashes, dtype=np.uint32)).tolist()
        overflow = self._overflow
        rows: list[int | None] = []
        taken: list[bool] = []
        for position, key in enumerate(keys):
            if overflow and key in overflow:
                rows.append(overflow[key])
                taken.append(True)
                continue
            row = candidates[position]
            if row < 0:
                rows.append(None)
                taken.append(False)
            elif self._bytes.get(row) == encoded[position]:
                rows.append(row)
                taken.append(True)
            else:  # another key has this CRC32
                rows.append(None)
                taken.append(True)
        return rows, encoded, hashes, taken

    # -- writing ---------------------------------------------------------------------------------------------

    def _reserve(self, needed: int) -> None:
        if needed > len(self.hashes):
            self.hashes = grown(self.hashes[: len(self)], max(needed, int(len(self.hashes) * 1.5) + 1))

    def append(self, keys: Sequence[str]) -> None:
        """Add keys (none stored yet, none repeated) as rows ``len(self)`` onwards."""
        if any(row is not None for row in self.find_many(keys)):
            raise ValueError("a key is already stored")
        self.place(keys)

    def place(self, keys: Sequence[str]) -> tuple[list[int], int]:
        """The row of each of ``keys`` (none repeated): its row if stored, else a new row from ``len(self)`` on,
        in the order given; and how many were new."""
        found, encoded, hashes, taken = self._lookup(keys)
        first = len(self)
        new = [position for position, row in enumerate(found) if row is None]
        if len(new) != len(keys):
            keys = [keys[position] for position in new]
            encoded = [encoded[position] for position in new]
            hashes = [hashes[position] for position in new]
            taken = [taken[position] for position in new]
        rows: list[int] = []
        next_row = first
        for row in found:
            if row is None:
                row = next_row
                next_row += 1
            rows.append(row)
        if keys:
            self._add(keys, encoded, hashes, taken, first)
        return rows, len(new)

    def _add(self, keys: Sequence[str], encoded: list[bytes], hashes: list[int], taken: list[bool], first: int) -> None:
        self._reserve(first + len(keys))
        self._bytes.extend(encoded)
        self.hashes[first : first + len(keys)] = hashes
        batch, batch_taken = np.asarray(hashes, dtype=np.uint32), np.asarray(taken, dtype=np.bool_)
        if len(self._recent) + len(keys) > MAXIMUM_RECENT:
            self._merge()
            self._insert(keys, batch, batch_taken, first, self._main)
        else:
            self._insert(keys, batch, batch_taken, first, self._recent)
        if len(self._overflow) + self._recent.live() + self._main.live() != len(self):
            raise ValueError("repeated keys")

    def _indexed_rows(self, wanted: Hashes) -> npt.NDArray[np.int64]:
        """The row recent or main holds for each CRC32 (-1: neither; a CRC32 is live in at most one of them)."""
        recent = self._recent.rows_of(wanted)
        return np.where(recent >= 0, recent, self._main.rows_of(wanted))

    def _shadows(self, key: str) -> bool:
        """Whether the key holding ``key``'s CRC32 in main or recent is ``key`` itself."""
        encoded = encode(key)
        row = int(self._indexed_rows(np.asarray([zlib.crc32(encoded)], dtype=np.uint32))[0])
        return row >= 0 and self._bytes.get(row) == encoded

    def _insert(
        self, keys: Sequence[str], hashes: Hashes, taken: npt.NDArray[np.bool_], first: int, into: SortedIndex
    ) -> None:
        """Add keys at rows ``first..``: one sort of the batch and one merged copy of ``into``. A key whose CRC32
        another live key has (``taken``, or an earlier key of the batch) goes to overflow."""
        order, ordered = _hash_order(hashes)
        repeated = np.zeros(len(order), dtype=np.bool_)
        repeated[1:] = ordered[1:] == ordered[:-1]
        to_overflow = repeated | taken[order]
        for position in np.flatnonzero(to_overflow).tolist():
            offset = int(order[position])
            self._overflow[keys[offset]] = first + offset
        kept = ~to_overflow
        into.insert(ordered[kept], order[kept].astype(np.int64) + first)

    def _merge(self) -> None:
        """Move recent's entries into main (dropping both's tombstones)."""
        hashes, rows = self._recent.live_entries()
        self._recent = SortedIndex()
        self._main.insert(hashes, rows)

    def _relocate(self, keys: Sequence[str], rows: Sequence[int], targets: Sequence[int]) -> None:
        """Point the index entry of each key (now at ``rows[i]``) at ``targets[i]`` (-1: forget the key)."""
        indexed: list[int] = []
        for position, (key, row, target) in enumerate(zip(keys, rows, targets)):
            if self._overflow.get(key) == row:
                if target < 0:
                    del self._overflow[key]
                else:
                    self._overflow[key] = target
            else:
                indexed.append(position)
        if not indexed:
            return
        picked = np.asarray([rows[position] for position in indexed], dtype=np.int64)
        hashes = self.hashes[picked]
        new_rows = np.asarray([targets[position] for position in indexed], dtype=np.int64)
        in_recent = self._recent.rows_of(hashes) == picked
        self._recent.set_rows(hashes[in_recent], picked[in_recent], new_rows[in_recent])
        self._main.set_rows(hashes[~in_recent], picked[~in_recent], new_rows[~in_recent])
        if self._main.tombstones > max(MAXIMUM_RECENT, len(self._main) // 4):
            self._merge()

    def remove(self, doomed: Sequence[int], holes: Sequence[int], movers: Sequence[int], size: int) -> None:
        """Forget the keys of rows ``doomed``, move rows ``movers`` onto ``holes``, and keep rows ``[0, size)``."""
        self._relocate(self.many(doomed), doomed, [-1] * len(doomed))
        if holes:
            self._relocate(self.many(movers), movers, holes)
            destination, source = np.asarray(holes, dtype=np.intp), np.asarray(movers, dtype=np.intp)
            self._bytes.move(destination, source)
            self.hashes[destination] = self.hashes[source]
        self._bytes.truncate(size)

    # -- whole tables ----------------------------------------------------------------------------------------

    @classmethod
    def from_list(cls, keys: list[str], hashes: Hashes | None = None) -> PackedKeys:
        """Keys for rows ``0..len(keys)`` at once (loading a saved table); ``hashes`` are their CRC32s if known."""
        packed = cls(max(len(keys), 1))
        joined = "".join(keys)
        if joined.isascii():  # one byte a character: the lengths are the strings' lengths, no encode per key
            packed._bytes.extend_joined(joined.encode("ascii"), np.fromiter(map(len, keys), np.int64, len(keys)))
        else:
            packed._bytes.extend([encode(key) for key in keys])
        if hashes is None:
            hashes = np.fromiter(map(zlib.crc32, map(encode, keys)), dtype=np.uint32, count=len(keys))
        packed.hashes[: len(keys)] = hashes
        packed._insert(keys, np.asarray(hashes, dtype=np.uint32), np.zeros(len(keys), dtype=np.bool_), 0, packed._main)
        # A repeated key lands in overflow (its CRC32 is taken) or collapses there with its twin.
        if len(packed._overflow) + packed._main.live() != len(keys) or any(
            packed._shadows(key) for key in packed._overflow
        ):
            raise ValueError("repeated keys")
        return packed

    def sorted_rows(self) -> Rows:
        """All rows in their keys' code-point order (the order of their UTF-8 bytes)."""
        count = len(self)
        if not count:
            return np.empty(0, dtype=np.intp)
        lengths = self._bytes.lengths()
        width = int(lengths.max())
        # numpy's fixed-width strings ignore trailing NULs ("a" == "a\x00"): only without any NUL is its order exact.
        if width <= WIDEST_NUMPY_SORT and not self._bytes.buffer_contains(b"\x00"):
            fixed = self._bytes.fixed_width(width)
            return np.argsort(fixed, kind="stable").astype(np.intp)
        return np.asarray(sorted(range(count), key=self._bytes.get), dtype=np.intp)


class SortedIndex:
    """CRC32s in ascending order, each with its row (-1: a tombstone, the entry of a forgotten key)."""

    def __init__(self) -> None:
        self.hashes: Hashes = np.empty(0, dtype=np.uint32)
        self.rows: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.tombstones = 0

    def __len__(self) -> int:
        return len(self.hashes)

    def live(self) -> int:
        return len(self.hashes) - self.tombstones

    def rows_of(self, wanted: Hashes) -> npt.NDArray[np.int64]:
        """The row of each wanted CRC32 (-1 where absent or a tombstone)."""
        if not len(self.hashes):
            return np.full(len(wanted), -1, dtype=np.int64)
        positions = np.minimum(np.searchsorted(self.hashes, wanted), len(self.hashes) - 1)
        return np.where(self.hashes[positions] == wanted, self.rows[positions], -1)

    def live_entries(self) -> tuple[Hashes, npt.NDArray[np.int64]]:
        if not self.tombstones:
            return self.hashes, self.rows
        live = self.rows >= 0
        return self.hashes[live], self.rows[live]

    def insert(self, hashes: Hashes, rows: npt.NDArray[np.int64]) -> None:
        """Add sorted ``hashes`` (none live here) with their rows, dropping the tombstones."""
        live_hashes, live_rows = self.live_entries()
        if len(live_hashes):
            at = np.searchsorted(live_hashes, hashes)
            self.hashes, self.rows = np.insert(live_hashes, at, hashes), np.insert(live_rows, at, rows)
        else:
            self.hashes, self.rows = hashes, rows
        self.tombstones = 0

    def set_rows(self, hashes: Hashes, rows: npt.NDArray[np.int64], targets: npt.NDArray[np.int64]) -> None:
        """Point the entries of ``hashes`` (at ``rows`` now) at ``targets`` (-1: make them tombstones)."""
        if not len(hashes):
            return
        positions = np.searchsorted(self.hashes, hashes)
        if bool(np.any(positions >= len(self.hashes))) or not np.array_equal(self.rows[positions], rows):
            raise ValueError("the key index does not match the rows")
        self.rows[positions] = targets
        self.tombstones += int(np.count_nonzero(targets < 0))


def _hash_order(hashes: Hashes) -> tuple[npt.NDArray[np.int64], Hashes]:
    """The stable order of ``hashes`` and the hashes in that order. Sorting each hash with its position packed
    into one uint64 uses numpy's vectorized sort of plain numbers: 0.2 s for ten million, where a stable argsort
    took 1.7 s."""
    packed = (hashes.astype(np.uint64) << np.uint64(32)) | np.arange(len(hashes), dtype=np.uint64)
    packed.sort()
    return (packed & np.uint64(0xFFFFFFFF)).astype(np.int64), (packed >> np.uint64(32)).astype(np.uint32)


class KeysInOrder:
    """Keys in the order of ``ordered`` (rows, e.g. ``sorted_rows()``), as a sequence ``bisect`` can search: a key
    is decoded when read, so a search reads ~log n of them. Valid until the table's next write."""

    def __init__(self, keys: PackedKeys, ordered: Rows) -> None:
        self._keys, self._ordered = keys, ordered

    def __len__(self) -> int:
        return len(self._ordered)

    def __getitem__(self, position: int) -> str:
        return self._keys[int(self._ordered[position])]


class RowOf:
    """Reads like a dict from key to row."""

    def __init__(self, keys: PackedKeys) -> None:
        self._keys = keys

    def get(self, key: str, default: int | None = None) -> int | None:
        row = self._keys.find(key)
        return default if row is None else row

    def __getitem__(self, key: str) -> int:
        row = self._keys.find(key)
        if row is None:
            raise KeyError(key)
        return row

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._keys.find(key) is not None

    def __len__(self) -> int:
        return len(self._keys)
