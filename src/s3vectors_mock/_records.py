"""Validation of vector records (PutVectors and bulk seeding) with the service's messages.

Checks run in request order and the first offending record is reported, so a request with any invalid record
stores nothing and its error names the key. Vector checks happen after conversion to float32, as on the service
(``1e39`` becomes infinity, tiny values may round to a zero vector).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    VECTOR_NOT_FINITE,
    VECTOR_ZERO_NORM,
    ServiceError,
    validation_error,
)

MAX_KEY_BYTES = 1024
MAX_METADATA_KEYS = 50
MAX_FILTERABLE_BYTES = 2048
MAX_METADATA_BYTES = 40960
CHECK_BLOCK_ROWS = 8192


def record_error(key: str, problem: str, path: str) -> ServiceError:
    return validation_error(RECORD_INVALID.format(key=key, problem=problem), path, problem)


def check_key_bytes(keys: Sequence[str], path: str) -> None:
    for position, key in enumerate(keys):
        if len(key) * 4 > MAX_KEY_BYTES and len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise validation_error(KEY_TOO_LONG, f"{path}[{position}]", KEY_TOO_LONG)


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
        return None if math.isfinite(value) else METADATA_NOT_FINITE
    if isinstance(value, (list, tuple)):
        if not value:
            return METADATA_EMPTY_ARRAY
        for element in value:
            if isinstance(element, bool) or not isinstance(element, (str, int, float)):
                return METADATA_ARRAY_TYPE
            if isinstance(element, float) and not math.isfinite(element):
                return METADATA_NOT_FINITE
        return None
    return METADATA_VALUE_TYPE


def check_metadata(key: str, metadata: Any, non_filterable: frozenset[str], path: str) -> None:
    """Raise the service's error if ``metadata`` breaks the type or size rules (spec §1.4)."""
    if not isinstance(metadata, Mapping):
        raise record_error(key, METADATA_NOT_OBJECT, path)
    if len(metadata) > MAX_METADATA_KEYS:
        raise record_error(key, METADATA_TOO_MANY_KEYS.format(limit=MAX_METADATA_KEYS), path)
    total = filterable = 4
    for name, value in metadata.items():
        kind = type(value)
        # The usual scalar values take the short way; anything else gets the full checks.
        if kind is str:
            cost = len(value) if value.isascii() else len(value.encode("utf-8"))
        elif kind is int or kind is bool:
            cost = 0 if kind is bool else 4
        else:
            problem = _value_problem(value)
            if problem is not None:
                raise record_error(key, problem, path)
            cost = _value_cost(value)
        cost += 8 + (len(name) if name.isascii() else len(name.encode("utf-8")))
        total += cost
        if name not in non_filterable:
            filterable += cost
    if filterable > MAX_FILTERABLE_BYTES:
        raise record_error(key, FILTERABLE_METADATA_TOO_LARGE.format(limit=MAX_FILTERABLE_BYTES), path)
    if total > MAX_METADATA_BYTES:
        raise record_error(key, METADATA_TOO_LARGE.format(limit=MAX_METADATA_BYTES), path)


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


def as_float32_rows(data: Sequence[Any], dimension: int) -> tuple[npt.NDArray[np.float32], int | None]:
    """The vectors up to the first whose length is not ``dimension``, as a float32 matrix, and that position."""
    bad_length = next((position for position, values in enumerate(data) if len(values) != dimension), None)
    convertible = data if bad_length is None else data[:bad_length]
    if not len(convertible):
        return np.empty((0, dimension), dtype=np.float32), bad_length
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = np.asarray(convertible, dtype=np.float64).astype(np.float32)
    return matrix.reshape(len(convertible), dimension), bad_length


def first_vector_problem(matrix: npt.NDArray[np.float32], metric: str) -> tuple[int, str] | None:
    """The position and text of the first row with NaN/Inf, or a zero vector on a cosine index."""
    not_finite, zero = vector_problems(matrix, metric)
    bad = np.flatnonzero(not_finite | zero)
    if not bad.size:
        return None
    position = int(bad[0])
    if not_finite[position]:
        return position, VECTOR_NOT_FINITE
    return position, VECTOR_ZERO_NORM
