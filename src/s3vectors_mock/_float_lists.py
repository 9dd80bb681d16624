"""The vector data of one request, read once: every float list of a PutVectors request converted in one pass.

A PutVectors request of 500 × 1024 carries half a million Python floats, and several stages look at them: the
model's type checks (numbers, not booleans or strings), the records' float32 conversion and the call log's compact
copy. Each used to walk every float in Python-level C loops of its own (~7 ms each for that
request). Now the service reads a request's lists once, when it starts answering it (:func:`reading`), and every
later stage of the same request asks this module instead.

One C pass decides both the values and the types: ``array("d")`` takes each item as a double and refuses anything
that is not a number (a string, None, a list) and integers beyond the double range; then each stage does its own
exact, slow checks as before. It takes two kinds of items the model's check must look at: ``bool`` (``True`` reads
as 1.0), which the service cannot read as a float, so a list holding a 0 or a 1 somewhere gets its types checked,
a cost paid only by those lists; and ``Decimal``, which botocore sends as a JSON number (its serializer converts it
to float), so the service reads it as one. Other objects that convert to a float cannot reach the service: botocore
refuses them, or cannot serialize them.

A reading lasts for one request (a context variable set by :func:`reading`); it holds the lists it read, so their
ids cannot be reused by other objects while it lasts. Outside a reading every question is answered the slow way.
"""

from __future__ import annotations

import array
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

Doubles = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]
_PLAIN_NUMBERS = frozenset({float, int, Decimal})
F = TypeVar("F", bound=Callable[..., Any])


class _Block:
    """Lists read together in one pass: their doubles, and their float32 form once someone asks for it."""

    def __init__(self, rows: Sequence[Any], read: Doubles) -> None:
        self.rows = rows  # held, so that the lists' ids stay theirs while the reading lasts
        self.doubles = read
        self._float32: Float32 | None = None

    def float32(self) -> Float32:
        if self._float32 is None:
            with np.errstate(over="ignore"):  # beyond the float32 range: infinity, as the service reads it
                self._float32 = self.doubles.astype(np.float32)
        return self._float32


class _Reading:
    """What one request's lists read as: each list's id → (the list, its block, its row in the block).

    ``plain``: lists the caller has proven to hold only plain floats (the in-process path, whose validation looked
    at every item's type), by id; numpy converts them without array("d")'s checks.
    """

    def __init__(self, plain: Sequence[list[Any]] = ()) -> None:
        self.rows: dict[int, tuple[Any, _Block, int]] = {}
        self.plain = {id(values): values for values in plain}

    def find(self, values: Any) -> tuple[_Block, int] | None:
        found = self.rows.get(id(values))
        return (found[1], found[2]) if found is not None and found[0] is values else None


_current: ContextVar[_Reading | None] = ContextVar("s3vectors_mock_float_lists", default=None)


def plain_numbers(values: Any) -> bool:
    """Whether every item is a number the service reads (a float, an int or a Decimal, which botocore sends as a
    number; not a boolean, which it writes as JSON ``true``/``false``). Other lists get callers' exact checks."""
    return was_read(values) or set(map(type, values)) <= _PLAIN_NUMBERS


def was_read(values: Any) -> bool:
    """Whether a list was read in this request (so it holds only numbers)."""
    current = _current.get()
    return current is not None and current.find(values) is not None


def read_rows(rows: Sequence[Any]) -> Doubles | None:
    """Lists of numbers of one length as a (read-only) float64 matrix in one C pass, or None when any list is not
    one (then callers check and convert each list the exact way).

    Within a reading, the lists are remembered: :func:`plain_numbers`, :func:`float32_rows` and :func:`compact_copy`
    answer for them without looking at their items again.
    """
    if not rows or not all(type(row) is list for row in rows):
        return None
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        return None
    try:  # array("d") of a list is one C loop (array.extend is a generic, slower one)
        packed = b"".join([array.array("d", row) for row in rows])
    except (TypeError, OverflowError):  # not a number (a string, None, a list), or an integer beyond doubles
        return None
    read = np.frombuffer(packed, dtype=np.float64).reshape(len(rows), width)
    # Booleans read as 0.0 and 1.0: only lists holding those values need their types checked one by one.
    suspects = np.flatnonzero(((read == 0.0) | (read == 1.0)).any(axis=1))
    for position in suspects.tolist():
        if bool in set(map(type, rows[position])):
            return None
    current = _current.get()
    if current is not None:
        block = _Block(rows, read)
        for position, row in enumerate(rows):
            current.rows[id(row)] = (row, block, position)
    return read


def _located(rows: Sequence[Any]) -> tuple[_Block, list[int]] | None:
    current = _current.get()
    if current is None or not rows:
        return None
    block: _Block | None = None
    positions = []
    for row in rows:
        found = current.find(row)
        if found is None or (block is not None and found[0] is not block):
            return None
        block = found[0]
        positions.append(found[1])
    assert block is not None
    return block, positions


def float32_rows(rows: Sequence[Any]) -> Float32 | None:
    """Lists read together in this request as one float32 matrix (the block itself when they are all of it, in
    order: no copy), or None when they were not (or outside a reading)."""
    located = _located(rows)
    if located is None:
        return None
    block, positions = located
    matrix = block.float32()
    if positions == list(range(len(matrix))):
        return matrix
    return matrix[positions]


def logged_form(values: Any) -> Doubles | list[Any] | None:
    """What the call log keeps of a list the caller proved plain floats in this request (:func:`reading`), which
    may be the caller's own list: its doubles when it was read (exactly its values; the log makes the list again
    when it is read), else a copy. None for any other list (the reader's own, kept as it is)."""
    current = _current.get()
    proven = current.plain.get(id(values)) if current is not None else None
    if current is None or proven is None or proven is not values:
        return None
    found = current.find(proven)
    if found is None:
        return list(proven)
    block, position = found
    return cast(Doubles, block.doubles[position])


def compact_copy(values: Any) -> array.array[float] | None:
    """A list read in this request as the call log's compact copy (``array("f")``), without looking at its items."""
    current = _current.get()
    found = current.find(values) if current is not None else None
    if found is None:
        return None
    block, position = found
    return array.array("f", block.float32()[position].tobytes())


def _read_plain(current: _Reading, rows: list[Any]) -> bool:
    """Read lists all proven plain floats (``current.plain``) of one length, at once, with numpy: no item can be
    anything but a float, so array("d")'s checks are not needed. The doubles are exactly the values sent, which
    the call log keeps instead of the lists (:func:`logged_doubles`)."""
    plain = current.plain
    if not plain or not all(plain.get(id(row)) is row for row in rows):
        return False
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        return False
    block = _Block(rows, np.array(rows, dtype=np.float64))
    for position, row in enumerate(rows):
        current.rows[id(row)] = (row, block, position)
    return True


def read_request(params: dict[str, Any]) -> None:
    """Read the vector data of a PutVectors request's records at once (records of unexpected shapes, which the
    model's checks refuse, are left to those checks)."""
    records = params.get("vectors")
    if not isinstance(records, list):
        return
    rows = []
    for record in records:
        data = record.get("data") if type(record) is dict else None
        values = data.get("float32") if type(data) is dict else None
        if values is None:
            return
        rows.append(values)
    current = _current.get()
    if rows and current is not None and _read_plain(current, rows):
        return
    read_rows(rows)


def within_reading(function: F) -> F:
    """``function`` with every call inside its own :func:`reading` (the service's answer to one request)."""

    @functools.wraps(function)
    def read_once(*args: Any, **kwargs: Any) -> Any:
        with reading():
            return function(*args, **kwargs)

    return cast(F, read_once)


@contextmanager
def reading(plain: Sequence[list[Any]] = ()) -> Iterator[None]:
    """A scope for one request: lists read inside it are remembered until it ends. ``plain``: lists the caller
    proved to hold only plain floats (exactly ``float``, nothing else)."""
    token = _current.set(_Reading(plain))
    try:
        yield
    finally:
        _current.reset(token)
