"""Tag operations on vector buckets and indexes, addressed by ARN."""

from __future__ import annotations

from .._arns import parse_arn
from .._errors import INVALID_RESOURCE_ARN, RESOURCE_NOT_FOUND, not_found, validation_error
from .._store import Bucket, Index
from ._request import Params, Request
from ._resolve import Address, arn_address
from ._tag_rules import check_tag_keys, merged_tags


def _address(request: Request, arn: str) -> Address:
    if parse_arn(arn) is None:
        raise validation_error(INVALID_RESOURCE_ARN.format(arn=arn), "resourceArn")
    return arn_address(request, arn, "resourceArn")


def _resource(request: Request, address: Address) -> Bucket | Index:
    namespace = address.namespace(request)
    bucket = namespace.buckets.get(address.bucket) if namespace is not None else None
    if bucket is None:
        raise not_found(RESOURCE_NOT_FOUND)
    if address.index is None:
        return bucket
    index = bucket.indexes.get(address.index)
    if index is None:
        raise not_found(RESOURCE_NOT_FOUND)
    return index


def tag_resource(request: Request, params: Params) -> Params:
    address = _address(request, params["resourceArn"])
    merged_tags({}, params["tags"])  # the request's own tags first: reserved keys, and 50 at most
    resource = _resource(request, address)
    resource.tags = merged_tags(resource.tags, params["tags"])
    return {}


def untag_resource(request: Request, params: Params) -> Params:
    address = _address(request, params["resourceArn"])
    check_tag_keys(params["tagKeys"], removing=True)
    resource = _resource(request, address)
    for key in params["tagKeys"]:
        resource.tags.pop(key, None)
    return {}


def list_tags_for_resource(request: Request, params: Params) -> Params:
    return {"tags": dict(_resource(request, _address(request, params["resourceArn"])).tags)}
