"""Vector bucket policy operations."""

from __future__ import annotations

from .._errors import INVALID_POLICY, POLICY_NOT_FOUND, not_found, validation_error
from ..access.policies import PolicyError, parse_policy
from ._request import Params, Request
from ._resolve import bucket_address, find_bucket


def _check_policy_document(policy: str) -> None:
    # The grammar of a resource-based policy (the parser access control evaluates it with).
    try:
        parse_policy(policy, resource_based=True)
    except PolicyError:
        raise validation_error(INVALID_POLICY, "policy") from None


def put_vector_bucket_policy(request: Request, params: Params) -> Params:
    address = bucket_address(request, params)
    _check_policy_document(params["policy"])
    find_bucket(request, address).policy = params["policy"]
    return {}


def get_vector_bucket_policy(request: Request, params: Params) -> Params:
    bucket = find_bucket(request, bucket_address(request, params))
    if bucket.policy is None:
        raise not_found(POLICY_NOT_FOUND)
    return {"policy": bucket.policy}


def delete_vector_bucket_policy(request: Request, params: Params) -> Params:
    # Deleting a policy that does not exist succeeds, as S3's DeleteBucketPolicy does (UNCONFIRMED for S3 Vectors).
    find_bucket(request, bucket_address(request, params)).policy = None
    return {}
