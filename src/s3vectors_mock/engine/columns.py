"""Columnar metadata: one typed column per filterable key, so that filters are evaluated in bulk with numpy.

Each column keeps, per row, the kind of value stored (absent, number, string, boolean or array) and the value in
a typed array: numbers as float64, strings as integer codes from a vocabulary shared by the table, booleans as
bool. Array values are kept as tuples and exploded (row, element) on demand into the same typed form, cached until
the column changes, so that "any element matches" is also a vectorized test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .arrays import grown

ABSENT, NUMBER, STRING, BOOLEAN, ARRAY = 0, 1, 2, 3, 4

BoolMask = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.intp]


class Vocabulary:
    """Interned strings: equal strings get equal integer codes, so string equality is an integer comparison."""

    def __init__(self) -> None:
        self.code_of: dict[str, int] = {}
        self._strings: list[str] = []
        self._array_cache: npt.NDArray[np.str_] | None = None

    def intern(self, value: str) -> int:
        code = self.code_of.get(value)
        if code is None:
            code = len(self._strings)
            self.code_of[value] = code
            self._strings.append(value)
            self._array_cache = None
        return code

    def codes_with_prefix(self, prefix: str) -> npt.NDArray[np.int64]:
        if not self._strings:
            return np.empty(0, dtype=np.int64)
        if "\x00" in prefix:
            # numpy's fixed-width strings drop trailing NULs ("a\x00" reads as "a"): compare in Python instead.
            # Without a NUL in the prefix numpy's answer is exact, since the NULs it drops lie past any match.
            return np.array(
                [code for code, text in enumerate(self._strings) if text.startswith(prefix)], dtype=np.int64
            )
        if self._array_cache is None:
            self._array_cache = np.array(self._strings, dtype=object).astype(str)
        return np.flatnonzero(np.char.startswith(self._array_cache, prefix))


def classify(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    return ARRAY


@dataclass
class Exploded:
    """Every element of every array value of a column, flattened: element i belongs to row ``rows[i]``."""

    rows: Rows
    kind: npt.NDArray[np.int8]
    number: npt.NDArray[np.float64]
    code: npt.NDArray[np.int64]


class Column:
    """One filterable key's values. Rows whose kind differs from an array's type hold 0 there (every test of a
    value reads its kind too), so an array no row has written stays the zeros ``np.zeros`` allocated: pages the
    operating system has not handed out yet. A key holding only strings costs 5 bytes a row, not 14."""

    def __init__(self, capacity: int) -> None:
        self.kind = np.zeros(capacity, dtype=np.int8)
        self.number = np.zeros(capacity, dtype=np.float64)
        self.code: npt.NDArray[np.int32] | npt.NDArray[np.int64] = np.zeros(capacity, dtype=np.int32)
        self.flag = np.zeros(capacity, dtype=np.bool_)
        # Which of number, code and flag some row has written (the others are still all zeros).
        self.written: set[str] = set()
        self.arrays: dict[int, tuple[Any, ...]] = {}
        self._exploded: Exploded | None = None

    def grow(self, capacity: int) -> None:
        self.kind = grown(self.kind, capacity)
        # An array never written is replaced, not copied: copying its zeros would make the pages resident.
        self.number = grown(self.number, capacity, copy="number" in self.written)
        self.code = grown(self.code, capacity, copy="code" in self.written)
        self.flag = grown(self.flag, capacity, copy="flag" in self.written)

    def _drop_arrays(self, rows: Rows) -> None:
        """Make the array values among ``rows`` absent (they are about to be overwritten or cleared).

        ``arrays`` must hold exactly the rows whose kind is ARRAY: the exploded view lists every entry, whatever
        the kind column says, so a stale entry would make a row match values it no longer has.
        """
        if self.arrays:
            held = rows[self.kind[rows] == ARRAY]
            if held.size:
                for row in held.tolist():
                    del self.arrays[row]
                self.kind[held] = ABSENT
                self._exploded = None

    def clear(self, rows: Rows) -> None:
        self._drop_arrays(rows)
        self.kind[rows] = ABSENT

    def write(self, row: int, value: Any, vocabulary: Vocabulary) -> None:
        if self.kind[row] == ARRAY:
            del self.arrays[row]
            self._exploded = None
        kind = classify(value)
        self.kind[row] = kind
        if kind == NUMBER:
            self.number[row] = value
            self.written.add("number")
        elif kind == STRING:
            self.code[row] = vocabulary.intern(value)
            self.written.add("code")
        elif kind == BOOLEAN:
            self.flag[row] = value
            self.written.add("flag")
        else:
            self.arrays[row] = tuple(value)
            for element in value:
                if isinstance(element, str):
                    vocabulary.intern(element)
            self._exploded = None

    def write_many(self, rows: list[int], values: list[Any], vocabulary: Vocabulary) -> None:
        """Write many values; when they share one scalar type (the usual case) with a few numpy assignments."""
        kinds = {type(value) for value in values}
        positions = np.asarray(rows, dtype=np.intp)
        self._drop_arrays(positions)
        if kinds <= {int, float}:
            self.kind[positions] = NUMBER
            self.number[positions] = np.asarray(values, dtype=np.float64)
            self.written.add("number")
        elif kinds == {str}:
            intern = vocabulary.intern
            self.kind[positions] = STRING
            self.code[positions] = [intern(value) for value in values]
            self.written.add("code")
        elif kinds == {bool}:
            self.kind[positions] = BOOLEAN
            self.flag[positions] = values
            self.written.add("flag")
        else:
            for row, value in zip(rows, values):
                self.write(row, value, vocabulary)

    def move(self, destination: Rows, source: Rows) -> None:
        """Move the values of rows ``source`` onto rows ``destination`` and leave ``source`` absent (the table
        compacts itself after deletes). The two sets of rows must not overlap."""
        self._drop_arrays(destination)
        kinds = self.kind[source]
        self.kind[destination] = kinds
        self.number[destination] = self.number[source]
        self.code[destination] = self.code[source]
        self.flag[destination] = self.flag[source]
        moved_arrays = kinds == ARRAY
        if bool(np.any(moved_arrays)):
            for target, origin in zip(destination[moved_arrays].tolist(), source[moved_arrays].tolist()):
                self.arrays[target] = self.arrays.pop(origin)
            self._exploded = None
        # A vacated row must read as absent: the next vector appended there may have no value for this key.
        self.kind[source] = ABSENT

    def exploded(self, vocabulary: Vocabulary) -> Exploded:
        if self._exploded is None:
            rows: list[int] = []
            kinds: list[int] = []
            numbers: list[float] = []
            codes: list[int] = []
            for row, elements in self.arrays.items():
                for element in elements:
                    rows.append(row)
                    if isinstance(element, str):
                        kinds.append(STRING)
                        numbers.append(0.0)
                        codes.append(vocabulary.code_of[element])
                    else:
                        kinds.append(NUMBER)
                        numbers.append(float(element))
                        codes.append(-1)
            self._exploded = Exploded(
                np.array(rows, dtype=np.intp),
                np.array(kinds, dtype=np.int8),
                np.array(numbers, dtype=np.float64),
                np.array(codes, dtype=np.int64),
            )
        return self._exploded


class MetadataColumns:
    """All filterable metadata of one index, as typed columns over the table's rows."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.vocabulary = Vocabulary()
        self.columns: dict[str, Column] = {}

    def grow(self, capacity: int) -> None:
        for column in self.columns.values():
            column.grow(capacity)
        self.capacity = capacity

    def clear(self, rows: Rows) -> None:
        for column in self.columns.values():
            column.clear(rows)

    def write(self, rows: Sequence[int], metadata: Sequence[dict[str, Any] | None], filterable: Any) -> None:
        """Write the filterable values of many records: gathered per key, then written per column in bulk."""
        by_key: dict[str, tuple[list[int], list[Any]]] = {}
        for row, values in zip(rows, metadata):
            if not values:
                continue
            for key, value in values.items():
                gathered = by_key.get(key)
                if gathered is None:
                    gathered = by_key[key] = ([], [])
                gathered[0].append(row)
                gathered[1].append(value)
        for key, (key_rows, key_values) in by_key.items():
            if not filterable(key):
                continue
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = Column(self.capacity)
            column.write_many(key_rows, key_values, self.vocabulary)

    def move(self, destination: Rows, source: Rows) -> None:
        for column in self.columns.values():
            column.move(destination, source)
