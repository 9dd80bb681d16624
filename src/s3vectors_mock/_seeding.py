"""Seeding an index in bulk (``load_vectors``): PutVectors' checks and atomicity without botocore's per-call cost,
and PutVectors' errors raised as the modelled exceptions a boto3 client raises."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ._arns import parse_arn, partition_of
from ._botocore_responses import failure
from ._errors import INDEX_NOT_FOUND, ServiceError, not_found
from ._memory import LARGE_LOAD, release_free_memory
from ._records import PATH, Batch, check_key_bytes, seeded_batch, seeded_records
from ._service_model import service_model
from ._store import Backend, Index


def _index_at(backend: Backend, index_arn: str) -> Index:
    parsed = parse_arn(index_arn)
    if parsed is not None and parsed.partition != partition_of(parsed.region):
        parsed = None  # an ARN of another partition names nothing here
    bucket = backend.namespace(parsed.account, parsed.region).buckets.get(parsed.bucket) if parsed else None
    index = bucket.indexes.get(parsed.index) if bucket is not None and parsed and parsed.index else None
    if index is None:
        raise not_found(INDEX_NOT_FOUND)
    return index


def modelled_client_error(error: ServiceError, operation: str) -> ClientError:
    """``error`` as botocore would raise it from a ``boto3.client("s3vectors")`` call: that client's modelled class
    (so ``except client.exceptions.ValidationException`` catches it), with the parsed body and ResponseMetadata."""
    # Each botocore session creates its own exception classes; those of boto3's default session are the ones
    # boto3.client() clients raise.
    session: Any = boto3._get_default_session()._session
    exceptions = session._get_internal_component("exceptions_factory").create_client_exceptions(service_model())
    _, parsed = failure("", error)
    exception: ClientError = exceptions.from_code(error.code)(parsed, operation)
    return exception


def seed(
    backend: Backend,
    index_arn: str,
    keys: Sequence[str],
    vectors: Any,
    metadata: Sequence[dict[str, Any] | None] | None = None,
    on_stored: Callable[[str, Batch], None] | None = None,
) -> None:
    """Store the records in the index named by ``index_arn`` as PutVectors would, or raise what it would raise.

    ``on_stored(index_arn, batch)`` is called with what was stored, still under the backend's lock (the journal).
    """
    try:
        # As for PutVectors: the request's own checks first, then the index, then the records against it.
        records = seeded_records(keys, vectors, metadata)
        check_key_bytes(records.keys, PATH)  # a check of the request alone: before the lookup, as in PutVectors
        with backend.lock:
            index = _index_at(backend, index_arn)
            batch = seeded_batch(index, records)
            index.store(batch.keys, batch.vectors, batch.metadata)
            if on_stored is not None:
                on_stored(index.arn, batch)
    except ServiceError as error:
        raise modelled_client_error(error, "PutVectors") from None
    if len(keys) >= LARGE_LOAD:
        release_free_memory()
