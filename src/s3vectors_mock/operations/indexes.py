"""Vector index operations."""

from __future__ import annotations

from typing import Any

from .._arns import check_index_name, index_arn
from .._errors import (
    CLASSIC_INDEX,
    CLASSIC_WITH_TEXT_SEARCH,
    INDEX_EXISTS,
    INDEX_QUOTA,
    conflict,
    quota_exceeded,
    validation_error,
)
from .._store import Index, now
from ..engine.table import VectorTable
from ._encryption import encryption_from
from ._modes import CLASSIC, ENHANCED, default_mode_for_bucket_created
from ._paging import page_of_names, page_response
from ._request import Params, Request
from ._resolve import bucket_address, find_bucket, find_index, index_address
from ._tag_rules import merged_tags
from ._text_search_rules import check_mode_allows_text_search, text_search_from

MAX_INDEXES_PER_BUCKET = 10_000


def create_index(request: Request, params: Params) -> Params:
    # The request alone first, then the bucket, then the bucket's state (see operations.dispatch).
    address = bucket_address(request, params)
    name = params["indexName"]
    check_index_name(name)
    encryption = encryption_from(params.get("encryptionConfiguration"))
    tags = merged_tags({}, params.get("tags") or {})
    configuration = params.get("metadataConfiguration")
    requested_keys = list(dict.fromkeys((configuration or {}).get("nonFilterableMetadataKeys") or []))
    non_filterable = frozenset(requested_keys)
    text_search = text_search_from((configuration or {}).get("textSearchConfigurations"))
    bucket = find_bucket(request, address)
    if text_search:
        check_mode_allows_text_search(bucket.default_index_mode)
    if name in bucket.indexes:
        raise conflict(INDEX_EXISTS)
    if len(bucket.indexes) >= MAX_INDEXES_PER_BUCKET:
        raise quota_exceeded(INDEX_QUOTA.format(limit=MAX_INDEXES_PER_BUCKET))
    stored_configuration = None
    if configuration is not None:
        stored_configuration = {"nonFilterableMetadataKeys": requested_keys} if requested_keys else {}
    index = Index(
        bucket_name=bucket.name,
        name=name,
        arn=index_arn(request.region, _account_of(bucket.arn), bucket.name, name),
        creation_time=now(),
        data_type=params["dataType"],
        dimension=params["dimension"],
        distance_metric=params["distanceMetric"],
        metadata_configuration=stored_configuration,
        encryption=encryption,
        index_mode=bucket.default_index_mode,
        table=VectorTable(params["dimension"], lambda key: key not in non_filterable),
        tags=tags,
    )
    index.add_text_search(text_search)
    bucket.indexes[name] = index
    return {"indexArn": index.arn}


def _account_of(arn: str) -> str:
    return arn.split(":")[4]


def describe_index(index: Index, bucket_encryption: dict[str, Any]) -> Params:
    described: Params = {
        "vectorBucketName": index.bucket_name,
        "indexName": index.name,
        "indexArn": index.arn,
        "creationTime": index.creation_time,
        "dataType": index.data_type,
        "dimension": index.dimension,
        "distanceMetric": index.distance_metric,
        # An index without its own configuration is encrypted with its bucket's (reported, not omitted).
        "encryptionConfiguration": dict(index.encryption or bucket_encryption),
        "indexMode": index.index_mode,
    }
    # Copies all the way down (the key list too): the caller may change its answer, never the index.
    configuration = None
    if index.metadata_configuration is not None:
        configuration = {
            name: list(value) if isinstance(value, list) else value
            for name, value in index.metadata_configuration.items()
        }
    if index.text_search:
        configuration = configuration or {}
        configuration["textSearchConfigurations"] = [dict(entry) for entry in index.text_search.values()]
    if configuration is not None:
        described["metadataConfiguration"] = configuration
    return described


def get_index(request: Request, params: Params) -> Params:
    bucket, index = find_index(request, index_address(request, params))
    return {"index": describe_index(index, bucket.encryption)}


def list_indexes(request: Request, params: Params) -> Params:
    bucket = find_bucket(request, bucket_address(request, params))
    names, token = page_of_names(request, params, list(bucket.indexes), f"ListIndexes:{bucket.arn}")
    summaries = [
        {
            "vectorBucketName": bucket.name,
            "indexName": index.name,
            "indexArn": index.arn,
            "creationTime": index.creation_time,
        }
        for index in (bucket.indexes[name] for name in names)
    ]
    return page_response("indexes", summaries, token)


def delete_index(request: Request, params: Params) -> Params:
    bucket, index = find_index(request, index_address(request, params))
    del bucket.indexes[index.name]
    return {}


def update_index_mode(request: Request, params: Params) -> Params:
    bucket, index = find_index(request, index_address(request, params))
    mode = params["indexMode"]
    if mode == CLASSIC and index.index_mode != CLASSIC:
        if default_mode_for_bucket_created(bucket.creation_time) != CLASSIC:
            raise validation_error(CLASSIC_INDEX)
        if index.text_search:
            raise validation_error(CLASSIC_WITH_TEXT_SEARCH)
    index.index_mode = mode if mode in (CLASSIC, ENHANCED) else index.index_mode
    return {}
