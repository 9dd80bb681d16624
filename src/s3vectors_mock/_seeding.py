"""Seeding an index in bulk (``load_vectors``): PutVectors' validation and atomicity without botocore's cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._arns import parse_arn, partition_of
from ._errors import INDEX_NOT_FOUND, MUST_BE_OF_TYPE, between, not_found, smithy_validation_error, violation
from ._store import Backend
from .operations.vectors import last_wins, validate_records


def _shallow_copy(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    # Seeding is the bulk path: a shallow copy isolates the stored record from later changes to the caller's dict
    # at a fraction of a deep copy's cost (array values are copied too, as lists).
    if not metadata:
        return None
    return {key: list(value) if isinstance(value, list) else value for key, value in metadata.items()}


def seed(
    backend: Backend,
    index_arn: str,
    keys: Sequence[str],
    vectors: npt.ArrayLike,
    metadata: Sequence[dict[str, Any] | None] | None = None,
) -> None:
    """Store the records in the index named by ``index_arn``, or raise the ServiceError PutVectors would raise."""
    keys = list(keys)
    matrix = np.asarray(vectors)
    if matrix.ndim != 2 or matrix.shape[0] != len(keys):
        raise ValueError(f"vectors must be a 2-D array with one row per key ({len(keys)} rows)")
    records_metadata = list(metadata) if metadata is not None else [None] * len(keys)
    if len(records_metadata) != len(keys):
        raise ValueError("metadata must have one entry (or None) per key")
    parsed = parse_arn(index_arn)
    if parsed is None or parsed.index is None or parsed.partition != partition_of(parsed.region):
        raise not_found(INDEX_NOT_FOUND)
    with backend.lock:
        bucket = backend.namespace(parsed.account, parsed.region).buckets.get(parsed.bucket)
        index = bucket.indexes.get(parsed.index) if bucket is not None else None
        if index is None:
            raise not_found(INDEX_NOT_FOUND)
        for position, key in enumerate(keys):
            if not isinstance(key, str) or not 1 <= len(key) <= 1024:
                path = f"/vectors/{position}/key"
                problem = (
                    violation(path, between(1, 1024, "have length "), length=len(key))
                    if isinstance(key, str)
                    else violation(path, MUST_BE_OF_TYPE.format(type="a string"))
                )
                raise smithy_validation_error([problem])
        checked = validate_records(index, keys, cast(Any, matrix), records_metadata)
        keep = last_wins(keys)
        if len(keep) == len(keys):  # no repeated key: store the checked matrix as it is, without a copy
            index.store(keys, checked, [_shallow_copy(values) for values in records_metadata])
        else:
            index.store([keys[i] for i in keep], checked[keep], [_shallow_copy(records_metadata[i]) for i in keep])
