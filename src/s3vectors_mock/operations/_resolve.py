"""Finding the bucket or index a request names, by name or by ARN, with the service's rules and messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._arns import check_bucket_name, check_index_name, parse_arn
from .._errors import (
    BUCKET_NAME_OR_ARN,
    BUCKET_NOT_FOUND,
    INDEX_NAME_OR_ARN,
    INDEX_NOT_FOUND,
    not_found,
    validation_error,
)
from .._store import Bucket, Index, Namespace
from ._request import Request


def _namespace_of_arn(request: Request, arn: str, path: str) -> tuple[Namespace | None, str, str | None]:
    parsed = parse_arn(arn)
    if parsed is None:
        raise validation_error(f"Invalid ARN: {arn}", path)
    if parsed.region != request.region:
        # The client's regional endpoint holds only its own region's resources.
        return None, parsed.bucket, parsed.index
    return request.backend.namespace(parsed.account, parsed.region), parsed.bucket, parsed.index


def bucket_address(request: Request, params: Mapping[str, Any]) -> tuple[Namespace | None, str]:
    """The namespace and bucket name a bucket-level request names (exactly one of name or ARN)."""
    name, arn = params.get("vectorBucketName"), params.get("vectorBucketArn")
    if (name is None) == (arn is None):
        raise validation_error(BUCKET_NAME_OR_ARN)
    if name is not None:
        check_bucket_name(name)
        return request.namespace, name
    namespace, bucket, index = _namespace_of_arn(request, str(arn), "vectorBucketArn")
    if index is not None:
        raise validation_error(f"Invalid ARN: {arn}", "vectorBucketArn")
    return namespace, bucket


def find_bucket(request: Request, params: Mapping[str, Any]) -> Bucket:
    namespace, name = bucket_address(request, params)
    bucket = namespace.buckets.get(name) if namespace is not None else None
    if bucket is None:
        raise not_found(BUCKET_NOT_FOUND)
    return bucket


def find_index(request: Request, params: Mapping[str, Any]) -> tuple[Bucket, Index]:
    """The bucket and index an index-level request names: ``indexArn`` alone, or bucket name and index name."""
    arn = params.get("indexArn")
    bucket_name, index_name = params.get("vectorBucketName"), params.get("indexName")
    if arn is not None and bucket_name is None and index_name is None:
        namespace, bucket_name, index_name = _namespace_of_arn(request, arn, "indexArn")
        if index_name is None:
            raise validation_error(f"Invalid ARN: {arn}", "indexArn")
    elif arn is None and bucket_name is not None and index_name is not None:
        check_bucket_name(bucket_name)
        check_index_name(index_name)
        namespace = request.namespace
    else:
        raise validation_error(INDEX_NAME_OR_ARN)
    bucket = namespace.buckets.get(bucket_name) if namespace is not None else None
    index = bucket.indexes.get(index_name) if bucket is not None else None
    if bucket is None or index is None:
        # Index-level calls report a missing bucket as a missing index, as the service does.
        raise not_found(INDEX_NOT_FOUND)
    return bucket, index
