"""Access control inside the service: what a request asks (actions on a resource, read from the request alone)
and whether its caller may, decided under the backend lock because the owning bucket's policy is state."""

from __future__ import annotations

from dataclasses import dataclass

from .._arns import bucket_arn, check_bucket_name, check_index_name, parse_arn
from .._errors import INVALID_RESOURCE_ARN, access_denied, validation_error
from ..access.evaluation import Requester, Target, decide
from ..access.policies import Policy, parse_stored_bucket_policy
from ..access.required import RESOURCE_OF, required_actions
from ._request import Params, Request
from ._resolve import Address, arn_address, bucket_address, index_address


@dataclass(frozen=True)
class Asked:
    """The actions a request needs on one resource (an ARN, or ``*``), the resource's account and the bucket
    whose policy governs it (None for ``*``)."""

    actions: tuple[str, ...]
    resource: str
    account: str
    bucket: Address | None


def _bucket_resource(address: Address, given_arn: str | None) -> tuple[str, str]:
    """The ARN and account of the bucket at ``address`` (or holding its index)."""
    if address.place is not None:
        account, region = address.place
        return bucket_arn(region, account, address.bucket), account
    # An ARN of another region or partition: named as given (it was parsed, so it has an account).
    parsed = parse_arn(str(given_arn))
    assert parsed is not None
    return f"arn:{parsed.partition}:s3vectors:{parsed.region}:{parsed.account}:bucket/{parsed.bucket}", parsed.account


def asked(request: Request, operation: str, params: Params) -> Asked:
    """What ``operation`` with ``params`` asks for. Raises the ValidationException the operation itself raises
    for a name or ARN it cannot read (in the same order of checks), and reads no state."""
    actions = required_actions(operation, params)
    kind = RESOURCE_OF[operation]
    if kind == "account":
        return Asked(actions, "*", request.account, None)
    if operation == "CreateVectorBucket":
        name = params["vectorBucketName"]
        check_bucket_name(name)
        address = Address((request.account, request.region), name)
        return Asked(actions, bucket_arn(request.region, request.account, name), request.account, address)
    if kind == "resourceArn":
        arn = params["resourceArn"]
        if parse_arn(arn) is None:
            raise validation_error(INVALID_RESOURCE_ARN.format(arn=arn), "resourceArn")
        address = arn_address(request, arn, "resourceArn")
        given = arn
    elif operation == "CreateIndex":
        address = bucket_address(request, params)
        check_index_name(params["indexName"])
        address = Address(address.place, address.bucket, params["indexName"])
        given = params.get("vectorBucketArn")
    elif kind == "bucket":
        address = bucket_address(request, params)
        given = params.get("vectorBucketArn")
    else:
        address = index_address(request, params)
        given = params.get("indexArn")
    resource, account = _bucket_resource(address, given.split("/index/", 1)[0] if given else None)
    if address.index is not None:
        resource = f"{resource}/index/{address.index}"
    return Asked(actions, resource, account, address)


def _bucket_policy(request: Request, address: Address | None) -> Policy | None:
    # Read without creating a namespace: a missing bucket (or one of another region) has no policy.
    if address is None or address.place is None:
        return None
    namespace = request.backend.namespaces.get(address.place)
    bucket = namespace.buckets.get(address.bucket) if namespace is not None else None
    if bucket is None or bucket.policy is None:
        return None
    return parse_stored_bucket_policy(bucket.policy)


def authorize(request: Request, wanted: Asked, requester: Requester) -> None:
    """Raise AccessDeniedException (403) unless ``requester`` may perform every action ``wanted`` names; the first
    action refused is the one the message names. Call under the backend lock."""
    policy = _bucket_policy(request, wanted.bucket)
    for action in wanted.actions:
        reason = decide(requester, Target(action, wanted.resource, wanted.account, request.region, policy))
        if reason is not None:
            explicit, policy_type = reason.value
            raise access_denied(requester.arn, action, wanted.resource, explicit=explicit, policy_type=policy_type)
