"""Finding the bucket or index a request names, by name or by ARN, with the service's rules and messages.

Two steps, because the service checks a whole request before it looks anything up: ``*_address`` reads what the
request names (name and ARN rules, raising ValidationException) and touches no state; ``find_*`` looks the address
up (raising NotFoundException). An operation with checks of its own runs them between the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._arns import check_bucket_name, check_index_name, parse_arn, partition_of
from .._errors import (
    BUCKET_NAME_OR_ARN,
    BUCKET_NOT_FOUND,
    INDEX_NAME_OR_ARN,
    INDEX_NOT_FOUND,
    INVALID_ARN,
    not_found,
    validation_error,
)
from .._store import Bucket, Index, Namespace
from ._request import Request


@dataclass(frozen=True)
class Address:
    """Where a request points: an account and region (None when no resource of the caller's endpoint can be
    there), a bucket name and, for index-level requests, an index name."""

    place: tuple[str, str] | None
    bucket: str
    index: str | None = None

    def namespace(self, request: Request) -> Namespace | None:
        return request.backend.namespace(*self.place) if self.place is not None else None


def arn_address(request: Request, arn: str, member: str) -> Address:
    """The address an ARN names. An ARN of another region or partition names nothing the caller's regional endpoint
    holds (it answers NotFound, as for a missing resource); another account's ARN is looked up in that account."""
    parsed = parse_arn(arn)
    if parsed is None:
        raise validation_error(INVALID_ARN.format(arn=arn), member)
    here = parsed.region == request.region and parsed.partition == partition_of(request.region)
    return Address((parsed.account, parsed.region) if here else None, parsed.bucket, parsed.index)


def bucket_address(request: Request, params: Mapping[str, Any]) -> Address:
    """The bucket a bucket-level request names (exactly one of name or ARN)."""
    name, arn = params.get("vectorBucketName"), params.get("vectorBucketArn")
    if (name is None) == (arn is None):
        raise validation_error(BUCKET_NAME_OR_ARN)
    if name is not None:
        check_bucket_name(name)
        return Address((request.account, request.region), name)
    address = arn_address(request, str(arn), "vectorBucketArn")
    if address.index is not None:
        raise validation_error(INVALID_ARN.format(arn=arn), "vectorBucketArn")
    return address


def index_address(request: Request, params: Mapping[str, Any]) -> Address:
    """The index an index-level request names: ``indexArn`` alone, or bucket name and index name."""
    arn = params.get("indexArn")
    bucket_name, index_name = params.get("vectorBucketName"), params.get("indexName")
    if arn is not None and bucket_name is None and index_name is None:
        address = arn_address(request, arn, "indexArn")
        if address.index is None:
            raise validation_error(INVALID_ARN.format(arn=arn), "indexArn")
        return address
    if arn is None and bucket_name is not None and index_name is not None:
        check_bucket_name(bucket_name)
        check_index_name(index_name)
        return Address((request.account, request.region), bucket_name, index_name)
    raise validation_error(INDEX_NAME_OR_ARN)


def find_bucket(request: Request, address: Address) -> Bucket:
    namespace = address.namespace(request)
    bucket = namespace.buckets.get(address.bucket) if namespace is not None else None
    if bucket is None:
        raise not_found(BUCKET_NOT_FOUND)
    return bucket


def find_index(request: Request, address: Address) -> tuple[Bucket, Index]:
    namespace = address.namespace(request)
    bucket = namespace.buckets.get(address.bucket) if namespace is not None else None
    index = bucket.indexes.get(address.index) if bucket is not None and address.index is not None else None
    if bucket is None or index is None:
        # Index-level calls report a missing bucket as a missing index, as the service does.
        raise not_found(INDEX_NOT_FOUND)
    return bucket, index
