"""What each operation asks of IAM: the actions it needs, and on which resource.

Every operation needs ``s3vectors:<Operation>``; some parameters need more, as the service model documents in each
operation's "Permissions" paragraph (``tests/test_access_required.py`` derives this table from those paragraphs, so
a newer model naming another action fails a test until the table learns it):

* QueryVectors with ``filter``, ``returnMetadata`` or ``queryTexts`` also needs ``s3vectors:GetVectors``;
* ListVectors with ``returnData`` or ``returnMetadata`` also needs ``s3vectors:GetVectors``;
* CreateVectorBucket and CreateIndex with ``tags`` also need ``s3vectors:TagResource``.

The resource is the one the Service Authorization Reference gives each action: the vector bucket for bucket-level
operations, the index for index and vector operations (CreateIndex included: the index it creates), the ARN
named by ``resourceArn`` for the tag operations, and none (``*``) for ListVectorBuckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

SERVICE_PREFIX = "s3vectors"

ResourceKind = Literal["account", "bucket", "index", "resourceArn"]

RESOURCE_OF: dict[str, ResourceKind] = {
    "ListVectorBuckets": "account",
    "CreateVectorBucket": "bucket",
    "GetVectorBucket": "bucket",
    "DeleteVectorBucket": "bucket",
    "PutVectorBucketDefaultIndexMode": "bucket",
    "ListIndexes": "bucket",
    "PutVectorBucketPolicy": "bucket",
    "GetVectorBucketPolicy": "bucket",
    "DeleteVectorBucketPolicy": "bucket",
    "CreateIndex": "index",
    "GetIndex": "index",
    "DeleteIndex": "index",
    "UpdateIndexMode": "index",
    "UpdateMetadataConfiguration": "index",
    "PutVectors": "index",
    "GetVectors": "index",
    "ListVectors": "index",
    "DeleteVectors": "index",
    "QueryVectors": "index",
    "TagResource": "resourceArn",
    "UntagResource": "resourceArn",
    "ListTagsForResource": "resourceArn",
}

# Operation -> (extra action, the request members any of whose use needs it), from the Permissions paragraphs.
EXTRA_ACTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "CreateVectorBucket": (("TagResource", ("tags",)),),
    "CreateIndex": (("TagResource", ("tags",)),),
    "ListVectors": (("GetVectors", ("returnData", "returnMetadata")),),
    "QueryVectors": (("GetVectors", ("filter", "returnMetadata", "queryTexts")),),
}


def action(operation: str) -> str:
    return f"{SERVICE_PREFIX}:{operation}"


def _uses(value: Any) -> bool:
    # A flag set to true, or a value given: a filter, a non-empty map of tags or list of query texts. A flag set
    # to false, or an empty map or list, asks for nothing more (UNCONFIRMED for the empty ones).
    if value is None or value is False:
        return False
    if isinstance(value, (dict, list, str)):
        return bool(value)
    return True


def required_actions(operation: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The actions one request needs, its own first (the order in which a denial names them)."""
    needed = [action(operation)]
    for extra, members in EXTRA_ACTIONS.get(operation, ()):
        if any(_uses(params.get(member)) for member in members):
            needed.append(action(extra))
    return tuple(needed)
