"""Vector records from request to store: what the service reads, whether it accepts them, and the stored form.

PutVectors and bulk seeding (``load_vectors``) both go through :func:`checked_batch`, so they accept the same records
and answer the same errors; seeding first makes the checks the model makes of a PutVectors request (botocore and
the service's front door do them for PutVectors). Everything happens before the store is touched: a batch with any
invalid record changes nothing.

What the service reads is the JSON botocore sends, so records are first put in that form: object keys as
``json.dumps`` writes them (``1`` → ``"1"``, ``None`` → ``"null"``), tuples as lists, and numbers as the service's
JSON reader sees them, as doubles (an integer beyond the double range is infinite, so not a valid number).

Checks run in request order and the first offending record is reported; within one record the vector checks come
before the metadata checks. Vector checks happen after conversion to float32, as on the service (``1e39`` becomes
infinity, tiny values may round to a zero vector).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import (
    FILTERABLE_METADATA_TOO_LARGE,
    KEY_TOO_LONG,
    METADATA_ARRAY_TYPE,
    METADATA_EMPTY_ARRAY,
    METADATA_NOT_FINITE,
    METADATA_NOT_OBJECT,
    METADATA_NULL,
    METADATA_TOO_LARGE,
    METADATA_TOO_MANY_KEYS,
    METADATA_VALUE_TYPE,
    RECORD_INVALID,
    VECTOR_DATA_MISSING,
    VECTOR_LENGTH,
    VECTOR_NOT_FINITE,
    VECTOR_ZERO_NORM,
    ServiceError,
    undecodable,
    validation_error,
)
from ._float_lists import float32_rows
from ._json_values import as_doubles, is_finite_number, json_key
from ._store import Index
from ._validation import contains_lone_surrogate, find_lone_surrogate, validate_put_records

MAX_KEY_CHARACTERS = 1024
MAX_KEY_BYTES = 1024
MAX_METADATA_KEYS = 50
MAX_FILTERABLE_BYTES = 2048
MAX_METADATA_BYTES = 40960
CHECK_BLOCK_ROWS = 8192
PATH = "vectors"

Matrix = npt.NDArray[np.float32]
Metadata = dict[str, Any]


@dataclass(frozen=True)
class Batch:
    """Checked records ready to store: one per key (the last record of a repeated key), metadata copied."""

    keys: list[str]
    vectors: Matrix
    metadata: list[Metadata | None]


def record_error(key: str, problem: str, path: str) -> ServiceError:
    return validation_error(RECORD_INVALID.format(key=key, problem=problem), path, problem)


# ---- the wire form ----------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON carries it: subclasses of str, int and float as the plain type, tuples as lists.

    Only one level of arrays is converted: metadata arrays hold scalars, and anything deeper is refused by the
    checks as it is (and may be nested too deep for recursion).
    """
    if isinstance(value, (list, tuple)):
        return [_plain_scalar(element) for element in value]
    return _plain_scalar(value)


def _plain_scalar(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value  # a type JSON has no form for (or an array or object): left for the checks to reject


def wire_metadata(metadata: Any) -> Any:
    """A fresh copy of a record's metadata in the form the service receives it (see the module's docstring).

    Array values are copied too, so neither the caller's later changes reach the store nor the reverse.
    """
    if not isinstance(metadata, Mapping):
        return metadata
    copied: Metadata = {}
    for name, value in metadata.items():
        kind = type(value)
        if kind is not str and kind is not int and kind is not float and kind is not bool:
            value = _plain(value)
        copied[json_key(name)] = value
    return copied


def returned_metadata(stored: Metadata | None) -> Metadata:
    """A copy of stored metadata as the service returns it: ``{}`` when the vector has none."""
    if not stored:
        return {}
    return {name: list(value) if type(value) is list else value for name, value in stored.items()}


# ---- metadata checks (docs/fidelity.md, Records) ------------------------------------------------------------------


def _value_cost(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, (int, float)):
        return 4
    return sum(4 + _value_cost(element) for element in value)


def _value_problem(value: Any) -> str | None:
    if value is None:
        return METADATA_NULL
    if isinstance(value, (bool, str)):
        return None
    if isinstance(value, (int, float)):
        return None if is_finite_number(value) else METADATA_NOT_FINITE
    if isinstance(value, list):
        if not value:
            return METADATA_EMPTY_ARRAY
        for element in value:
            if isinstance(element, bool) or not isinstance(element, (str, int, float)):
                return METADATA_ARRAY_TYPE
            if not isinstance(element, str) and not is_finite_number(element):
                return METADATA_NOT_FINITE
        return None
    return METADATA_VALUE_TYPE


def metadata_problem(metadata: Any, non_filterable: frozenset[str]) -> str | None:
    """The service's complaint about one record's metadata (in wire form), or None (docs/fidelity.md, Records).

    Every string is measured in UTF-8 (ASCII ones by length): a lone surrogate raises UnicodeEncodeError.
    """
    if not isinstance(metadata, Mapping):
        return METADATA_NOT_OBJECT
    if len(metadata) > MAX_METADATA_KEYS:
        return METADATA_TOO_MANY_KEYS.format(limit=MAX_METADATA_KEYS)
    total = filterable = 4
    for name, value in metadata.items():
        kind = type(value)
        # The usual scalar values take the short way; anything else gets the full checks.
        if kind is str:
            cost = len(value) if value.isascii() else len(value.encode("utf-8"))
        elif kind is bool:
            cost = 0
        elif kind is int and value.bit_length() <= 1000:  # far inside the double range
            cost = 4
        else:
            problem = _value_problem(value)
            if problem is not None:
                return problem
            cost = _value_cost(value)
        cost += 8 + (len(name) if name.isascii() else len(name.encode("utf-8")))
        total += cost
        if name not in non_filterable:
            filterable += cost
    if filterable > MAX_FILTERABLE_BYTES:
        return FILTERABLE_METADATA_TOO_LARGE.format(limit=MAX_FILTERABLE_BYTES)
    if total > MAX_METADATA_BYTES:
        return METADATA_TOO_LARGE.format(limit=MAX_METADATA_BYTES)
    return None


def _first_metadata_problem(
    metadata: Sequence[Any], non_filterable: frozenset[str], stop: int, find_undecodable: bool
) -> tuple[int, str] | None:
    """The first record before ``stop`` whose metadata the service refuses, and the text.

    With ``find_undecodable`` (seeding, which skipped the model's checks) every record is scanned for lone surrogates
    whatever the outcome: an undecodable body is refused before any record is looked at.
    """
    first: tuple[int, str] | None = None
    end = len(metadata) if find_undecodable else stop
    try:
        for position in range(end):
            values = metadata[position]
            if values is None:
                continue
            problem = metadata_problem(values, non_filterable)
            if problem is None:
                continue
            if find_undecodable and find_lone_surrogate(values):
                raise undecodable()
            if first is None and position < stop:
                first = position, problem
                if not find_undecodable:
                    break
    except UnicodeEncodeError:
        raise undecodable() from None
    return first


# ---- vector checks (docs/fidelity.md, Records) --------------------------------------------------------------------


def check_key_bytes(keys: Sequence[str], path: str) -> None:
    for position, key in enumerate(keys):
        if len(key) * 4 > MAX_KEY_BYTES and len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise validation_error(KEY_TOO_LONG, f"{path}[{position}]", KEY_TOO_LONG)


def vector_problems(
    vectors: npt.NDArray[np.float32], metric: str
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per row: whether it holds NaN/Inf, and whether it is a zero vector a cosine index refuses.

    Checked a block of rows at a time, so that seeding a large matrix needs no matrix-sized temporaries.
    """
    not_finite = np.zeros(len(vectors), dtype=np.bool_)
    zero = np.zeros(len(vectors), dtype=np.bool_)
    for start in range(0, len(vectors), CHECK_BLOCK_ROWS):
        block = vectors[start : start + CHECK_BLOCK_ROWS]
        not_finite[start : start + len(block)] = ~np.isfinite(block).all(axis=1)
        if metric == "cosine":
            zero[start : start + len(block)] = ~np.any(block != 0, axis=1)
    return not_finite, zero


def _float32_rows(data: Sequence[Any], dimension: int) -> tuple[Matrix, int | None]:
    """The vectors up to the first whose length is not ``dimension``, as a float32 matrix, and that position."""
    if isinstance(data, np.ndarray):  # seeding: a checked 2-D array of real numbers
        if data.shape[1] != dimension:
            return np.empty((0, dimension), dtype=np.float32), 0
        with np.errstate(over="ignore", invalid="ignore"):
            return data.astype(np.float32, copy=False), None
    bad_length = next((position for position, values in enumerate(data) if len(values) != dimension), None)
    convertible = data if bad_length is None else data[:bad_length]
    if not len(convertible):
        return np.empty((0, dimension), dtype=np.float32), bad_length
    read = float32_rows(convertible)  # PutVectors: the request's vector data, already read (_float_lists)
    if read is not None:
        return read, bad_length
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = as_doubles(convertible).astype(np.float32)
    return matrix.reshape(len(convertible), dimension), bad_length


def _first_vector_problem(matrix: Matrix, metric: str) -> tuple[int, str] | None:
    """The position and text of the first row with NaN/Inf, or a zero vector on a cosine index."""
    not_finite, zero = vector_problems(matrix, metric)
    bad = np.flatnonzero(not_finite | zero)
    if not bad.size:
        return None
    position = int(bad[0])
    if not_finite[position]:
        return position, VECTOR_NOT_FINITE
    return position, VECTOR_ZERO_NORM


def last_wins(keys: Sequence[str]) -> list[int]:
    """Positions of the last occurrence of each key, in order (a batch that repeats a key keeps its last record)."""
    last = {key: position for position, key in enumerate(keys)}
    return sorted(last.values())


# ---- batches ------------------------------------------------------------------------------------------------------


def checked_batch(
    index: Index, keys: Sequence[str], data: Any, metadata: Sequence[Any], *, seeded: bool = False
) -> Batch:
    """The records as a batch ready to store, or the service's error for the first invalid record.

    ``data`` is a list of float lists (as PutVectors receives it) or, for seeding, a 2-D array of real numbers.
    """
    check_key_bytes(keys, PATH)
    copies = [wire_metadata(values) for values in metadata]
    matrix, bad_length = _float32_rows(data, index.dimension)
    vector_problem = _first_vector_problem(matrix, index.distance_metric)
    # The matrix holds the records before any of the wrong length: the first problem among them comes first.
    stop = vector_problem[0] if vector_problem is not None else len(keys) if bad_length is None else bad_length
    problem = _first_metadata_problem(copies, index.non_filterable_keys, stop, find_undecodable=seeded)
    if problem is not None:
        position, text = problem
        raise record_error(keys[position], text, f"{PATH}[{position}].metadata")
    if vector_problem is not None:
        position, text = vector_problem
        raise record_error(keys[position], text, f"{PATH}[{position}]")
    if bad_length is not None:
        length = data.shape[1] if isinstance(data, np.ndarray) else len(data[bad_length])
        raise record_error(
            keys[bad_length],
            VECTOR_LENGTH.format(dimension=index.dimension, length=length),
            f"{PATH}[{bad_length}]",
        )
    keep = last_wins(keys)
    if len(keep) == len(keys):  # no repeated key: the checked matrix as it is, without a copy
        return Batch(list(keys), matrix, copies)
    return Batch([keys[i] for i in keep], matrix[keep], [copies[i] for i in keep])


def request_batch(index: Index, records: Sequence[Mapping[str, Any]]) -> Batch:
    """PutVectors' records (the request already passed the model's checks) as a checked batch."""
    keys = [record["key"] for record in records]
    data = []
    for position, record in enumerate(records):
        values = (record.get("data") or {}).get("float32")
        if values is None:
            raise record_error(record["key"], VECTOR_DATA_MISSING, f"{PATH}[{position}].data")
        data.append(values)
    return checked_batch(index, keys, data, [record.get("metadata") for record in records])


def _keys_pass_the_model(keys: Sequence[Any]) -> bool:
    for key in keys:
        if type(key) is not str or not 1 <= len(key) <= MAX_KEY_CHARACTERS:
            return False
        if not key.isascii() and contains_lone_surrogate(key):
            return False
    return True


_PLAIN_NUMBERS = frozenset({float, int})


def _rows_pass_the_model(rows: Sequence[Any]) -> bool:
    return all(isinstance(row, (list, tuple)) and set(map(type, row)) <= _PLAIN_NUMBERS for row in rows)


@dataclass(frozen=True)
class SeededRecords:
    """``load_vectors``' arguments as records that passed the model's checks, ready for :func:`checked_batch`."""

    keys: list[str]
    data: Any  # a 2-D array of real numbers, or a list of float lists
    metadata: list[Any]


def seeded_records(keys: Sequence[Any], vectors: Any, metadata: Sequence[Any] | None) -> SeededRecords:
    """``load_vectors``' arguments, checked as the model checks a PutVectors request before the service looks at
    the index (keys of 1 to 1024 characters, numbers in the vector data, no lone surrogate anywhere).

    A 2-D numpy array of real numbers is used as it is; anything else is read as PutVectors reads its lists.
    Arguments that do not describe records at all (shapes that do not match the keys) are a ValueError.
    """
    keys = list(keys)
    data: Any
    if isinstance(vectors, np.ndarray):
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ValueError(f"vectors must be a 2-D array with one row per key ({len(keys)} rows)")
        data = vectors
        data_ok = vectors.dtype.kind in "fiu"  # not bool, complex, object or strings
    else:
        data = [row.tolist() if isinstance(row, np.ndarray) else row for row in vectors]
        if len(data) != len(keys):
            raise ValueError(f"vectors must be a 2-D array with one row per key ({len(keys)} rows)")
        data_ok = _rows_pass_the_model(data)
    records_metadata = list(metadata) if metadata is not None else [None] * len(keys)
    if len(records_metadata) != len(keys):
        raise ValueError("metadata must have one entry (or None) per key")
    if not (data_ok and _keys_pass_the_model(keys)):
        _check_like_the_model(keys, data, data_ok, records_metadata)
    if isinstance(data, np.ndarray) and not data_ok:
        data = data.tolist()  # numbers of other types (the model's checks passed): read them as PutVectors does
    return SeededRecords(keys, data, records_metadata)


def seeded_batch(index: Index, records: SeededRecords) -> Batch:
    """Checked seeded records as a batch for ``index``, exactly as PutVectors checks its records."""
    return checked_batch(index, records.keys, records.data, records.metadata, seeded=True)


def _check_like_the_model(keys: list[Any], data: Any, data_ok: bool, metadata: list[Any]) -> None:
    """Raise the error the model's checks give for these records as a PutVectors request (the slow, exact way)."""
    rows = data.tolist() if isinstance(data, np.ndarray) else data
    records = []
    for position, key in enumerate(keys):
        record: dict[str, Any] = {"key": key, "data": {"float32": [] if data_ok else rows[position]}}
        if metadata[position] is not None:
            record["metadata"] = metadata[position]
        records.append(record)
    validate_put_records(records)
