"""Tag operations on vector buckets and indexes, addressed by ARN."""

from __future__ import annotations

from .._arns import parse_arn
from .._errors import not_found, validation_error
from .._store import Bucket, Index
from ._request import Params, Request
from ._tag_rules import check_tag_keys, merged_tags

RESOURCE_NOT_FOUND = "The specified resource could not be found"


def _resource(request: Request, arn: str) -> Bucket | Index:
    parsed = parse_arn(arn)
    if parsed is None:
        raise validation_error(f"Invalid resource ARN: {arn}", "resourceArn")
    bucket = None
    if parsed.region == request.region:
        bucket = request.backend.namespace(parsed.account, parsed.region).buckets.get(parsed.bucket)
    if bucket is None:
        raise not_found(RESOURCE_NOT_FOUND)
    if parsed.index is None:
        return bucket
    index = bucket.indexes.get(parsed.index)
    if index is None:
        raise not_found(RESOURCE_NOT_FOUND)
    return index


def tag_resource(request: Request, params: Params) -> Params:
    resource = _resource(request, params["resourceArn"])
    resource.tags = merged_tags(resource.tags, params["tags"])
    return {}


def untag_resource(request: Request, params: Params) -> Params:
    resource = _resource(request, params["resourceArn"])
    check_tag_keys(params["tagKeys"], removing=True)
    for key in params["tagKeys"]:
        resource.tags.pop(key, None)
    return {}


def list_tags_for_resource(request: Request, params: Params) -> Params:
    return {"tags": dict(_resource(request, params["resourceArn"]).tags)}
