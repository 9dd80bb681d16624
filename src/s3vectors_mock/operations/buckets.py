"""Vector bucket operations."""

from __future__ import annotations

from .._arns import bucket_arn, check_bucket_name
from .._errors import (
    BUCKET_EXISTS,
    BUCKET_NOT_EMPTY,
    BUCKET_QUOTA,
    CLASSIC_BUCKET,
    conflict,
    quota_exceeded,
    validation_error,
)
from .._store import Bucket, now
from ._encryption import DEFAULT, encryption_from
from ._modes import CLASSIC, default_mode_for_bucket_created
from ._paging import page_of_names, page_response
from ._request import Params, Request
from ._resolve import bucket_address, find_bucket
from ._tag_rules import merged_tags

MAX_BUCKETS_PER_REGION = 10_000


def create_vector_bucket(request: Request, params: Params) -> Params:
    name = params["vectorBucketName"]
    check_bucket_name(name)
    encryption = encryption_from(params.get("encryptionConfiguration")) or dict(DEFAULT)
    tags = merged_tags({}, params.get("tags") or {})
    namespace = request.namespace
    if name in namespace.buckets:
        raise conflict(BUCKET_EXISTS)
    if len(namespace.buckets) >= MAX_BUCKETS_PER_REGION:
        raise quota_exceeded(BUCKET_QUOTA.format(limit=MAX_BUCKETS_PER_REGION))
    created = now()
    bucket = Bucket(
        name=name,
        arn=bucket_arn(request.region, request.account, name),
        creation_time=created,
        encryption=encryption,
        default_index_mode=default_mode_for_bucket_created(created),
        tags=tags,
    )
    namespace.buckets[name] = bucket
    return {"vectorBucketArn": bucket.arn}


def describe_bucket(bucket: Bucket) -> Params:
    described: Params = {
        "vectorBucketName": bucket.name,
        "vectorBucketArn": bucket.arn,
        "creationTime": bucket.creation_time,
        "encryptionConfiguration": dict(bucket.encryption),
        "defaultIndexMode": bucket.default_index_mode,
    }
    return described


def get_vector_bucket(request: Request, params: Params) -> Params:
    return {"vectorBucket": describe_bucket(find_bucket(request, bucket_address(request, params)))}


def list_vector_buckets(request: Request, params: Params) -> Params:
    namespace = request.namespace
    scope = f"ListVectorBuckets:{request.account}:{request.region}"
    names, token = page_of_names(request, params, list(namespace.buckets), scope)
    summaries = [
        {
            "vectorBucketName": bucket.name,
            "vectorBucketArn": bucket.arn,
            "creationTime": bucket.creation_time,
        }
        for bucket in (namespace.buckets[name] for name in names)
    ]
    return page_response("vectorBuckets", summaries, token)


def delete_vector_bucket(request: Request, params: Params) -> Params:
    address = bucket_address(request, params)
    bucket = find_bucket(request, address)
    if bucket.indexes:
        raise conflict(BUCKET_NOT_EMPTY)
    namespace = address.namespace(request)
    assert namespace is not None  # find_bucket found the bucket there
    del namespace.buckets[bucket.name]
    return {}


def put_vector_bucket_default_index_mode(request: Request, params: Params) -> Params:
    bucket = find_bucket(request, bucket_address(request, params))
    mode = params["defaultIndexMode"]
    if mode == CLASSIC and default_mode_for_bucket_created(bucket.creation_time) != CLASSIC:
        raise validation_error(CLASSIC_BUCKET)
    bucket.default_index_mode = mode
    return {}
