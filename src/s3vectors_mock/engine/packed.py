"""Per-row byte strings packed into one buffer: a table's keys and metadata without a Python object per row.

Ten million keys held as ``str`` objects in a list cost ~70 bytes each beyond their characters, and metadata
dicts or tuples ~80–180; here a row costs its bytes plus 12 (an offset and a length). Rows are numbered like the
table's: ``[0, len)`` are live, a write may replace a row's bytes, rows move onto holes after deletes and the tail is
truncated. Replaced bytes stay in the buffer as garbage until it is more than half the buffer, then the buffer is
rewritten in row order (amortized O(1) a byte written).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .arrays import grown

GROWTH = 1.5
# Below this many bytes of garbage the buffer is never rewritten (small tables churn freely).
MINIMUM_GARBAGE = 1 << 20

Rows = npt.NDArray[np.intp]


class PackedBytes:
    """Rows' offsets are uint32 until the buffer passes 4 GiB (then int64), lengths ``length_type`` (uint16 for
    keys, which are at most 4,096 bytes) until a longer row comes: 6–8 bytes a row, where int64 offsets and uint32
    lengths took 12 (ten million keys and metadata: ~90 MB)."""

    def __init__(self, capacity: int = 16, length_type: type[np.unsignedinteger[Any]] = np.uint32) -> None:
        self._buffer = bytearray()
        self._starts: npt.NDArray[np.uint32] | npt.NDArray[np.int64] = np.zeros(capacity, dtype=np.uint32)
        self._lengths: npt.NDArray[np.unsignedinteger[Any]] = np.zeros(capacity, dtype=length_type)
        self._size = 0
        self._garbage = 0

    def _fit(self, buffer_end: int, longest: int) -> None:
        """Widen the offsets or lengths before they must hold ``buffer_end`` or ``longest``."""
        if buffer_end > np.iinfo(self._starts.dtype).max:
            self._starts = self._starts.astype(np.int64)
        if longest > np.iinfo(self._lengths.dtype).max:
            self._lengths = self._lengths.astype(np.uint32 if longest <= np.iinfo(np.uint32).max else np.uint64)

    def __len__(self) -> int:
        return self._size

    def _reserve(self, needed: int) -> None:
        capacity = len(self._starts)
        if needed > capacity:
            capacity = max(needed, int(capacity * GROWTH) + 1)
            self._starts = grown(self._starts[: self._size], capacity)
            self._lengths = grown(self._lengths[: self._size], capacity)

    def get(self, row: int) -> bytes:
        if not 0 <= row < self._size:
            raise IndexError(row)
        start = int(self._starts[row])
        return bytes(self._buffer[start : start + int(self._lengths[row])])

    def get_many(self, rows: Sequence[int]) -> list[bytes]:
        buffer = self._buffer
        starts, lengths = self._starts, self._lengths
        picked = np.asarray(rows, dtype=np.intp)
        if picked.size and (int(picked.min()) < 0 or int(picked.max()) >= self._size):
            raise IndexError("row out of range")
        return [
            bytes(buffer[start : start + length])
            for start, length in zip(starts[picked].tolist(), lengths[picked].tolist())
        ]

    def lengths(self) -> npt.NDArray[np.unsignedinteger[Any]]:
        return self._lengths[: self._size]

    def extend(self, items: Sequence[bytes]) -> None:
        """Append one row per item."""
        count = len(items)
        self._reserve(self._size + count)
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=count)
        rows = slice(self._size, self._size + count)
        ends = np.cumsum(lengths) + len(self._buffer)
        self._fit(int(ends[-1]) if count else 0, int(lengths.max()) if count else 0)
        self._starts[rows] = ends - lengths
        self._lengths[rows] = lengths
        self._buffer += b"".join(items)
        self._size += count

    def extend_joined(self, joined: bytes, lengths: npt.NDArray[np.int64]) -> None:
        """Append one row per length, their bytes given already joined (one copy, no object per row)."""
        count = len(lengths)
        self._reserve(self._size + count)
        rows = slice(self._size, self._size + count)
        ends = np.cumsum(lengths) + len(self._buffer)
        self._fit(int(ends[-1]) if count else 0, int(lengths.max()) if count else 0)
        self._starts[rows] = ends - lengths
        self._lengths[rows] = lengths
        self._buffer += joined
        self._size += count

    def set(self, row: int, item: bytes) -> None:
        """Replace a row's bytes: in place when they fit, else appended (the old ones become garbage)."""
        if not 0 <= row < self._size:
            raise IndexError(row)
        start, old = int(self._starts[row]), int(self._lengths[row])
        self._fit(len(self._buffer) + len(item), len(item))
        if len(item) <= old:
            self._buffer[start : start + len(item)] = item
            self._garbage += old - len(item)
        else:
            self._starts[row] = len(self._buffer)
            self._buffer += item
            self._garbage += old
        self._lengths[row] = len(item)
        self._compact_if_wasteful()

    def move(self, destination: Rows, source: Rows) -> None:
        """Rows ``destination`` take the bytes of rows ``source`` (the two sets must not overlap)."""
        self._garbage += int(self._lengths[destination].sum())
        self._starts[destination] = self._starts[source]
        self._lengths[destination] = self._lengths[source]

    def truncate(self, size: int) -> None:
        if size < self._size:
            self._garbage += int(self._lengths[size : self._size].sum())
            self._size = size
            self._compact_if_wasteful()

    def _compact_if_wasteful(self) -> None:
        if self._garbage > max(MINIMUM_GARBAGE, len(self._buffer) // 2):
            self._compact()

    def _compact(self) -> None:
        """Rewrite the buffer with the live rows' bytes in row order."""
        view = memoryview(self._buffer)
        starts, lengths = self._starts[: self._size].tolist(), self._lengths[: self._size].tolist()
        buffer = bytearray(b"".join([view[start : start + length] for start, length in zip(starts, lengths)]))
        view.release()
        self._buffer = buffer
        offsets = np.asarray(lengths, dtype=np.int64)
        self._starts[: self._size] = np.cumsum(offsets) - offsets
        self._garbage = 0

    def buffer_contains(self, byte: bytes) -> bool:
        """Whether ``byte`` occurs anywhere in the buffer, garbage included (a cheap, conservative test)."""
        return byte in self._buffer

    def fixed_width(self, width: int) -> npt.NDArray[np.bytes_]:
        """Every row's bytes as a numpy string of ``width`` bytes, zero-padded (each row's length must be ≤ width)."""
        count = self._size
        starts, lengths = self._starts[:count], self._lengths[:count]
        if count and bool(np.all(lengths == width)) and bool(np.all(np.diff(starts.astype(np.int64)) == width)):
            # Rows of one length stored back to back (keys of one pattern, never rewritten): the buffer is the array.
            view = np.frombuffer(self._buffer, dtype=f"S{width}", count=count, offset=int(starts[0]))
            # A copy: a view would pin the buffer (a bytearray with exports cannot grow).
            copied: npt.NDArray[np.bytes_] = view.copy()
            return copied
        fixed = np.empty(count, dtype=f"S{width}")
        chunk = max(1, 8_000_000 // width)  # bounds the index temporaries to ~64 MB
        source = np.frombuffer(self._buffer, dtype=np.uint8)
        columns = np.arange(width, dtype=np.int64)
        for first in range(0, count, chunk):
            rows = slice(first, min(first + chunk, count))
            row_starts, row_lengths = starts[rows].astype(np.int64), lengths[rows].astype(np.int64)
            present = columns < row_lengths[:, None]
            padded = np.zeros((len(row_starts), width), dtype=np.uint8)
            padded[present] = source[(row_starts[:, None] + columns)[present]]
            fixed[rows] = padded.view(f"S{width}").ravel()
        del source
        return fixed
