"""One order of checks for every operation: the request alone (syntax, then limits), then the lookup of what it
names (NotFound), then the state of what was found (conflicts).

Each case sends a request with one fault of the request itself that also names a resource that does not exist (or,
for CreateVectorBucket, one that already exists). The answer must be the request's ValidationException; the same
request without the fault then proves the lookup (or the conflict) would have failed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from botocore import xform_name

from s3vectors_mock._service_model import operation_names
from tests.helpers import client_can, error_of

MISSING_BUCKET = "arn:aws:s3vectors:us-east-1:123456789012:bucket/missing-bucket"
MISSING_INDEX = f"{MISSING_BUCKET}/index/missing-index"
MISSING = {"vectorBucketName": "missing-bucket", "indexName": "missing-index"}
DENY_ALL = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}'
)
WIDE_KEY = "é" * 600  # 600 characters, 1200 UTF-8 bytes: within the model's length, over the service's byte limit
QUERY = {"indexArn": MISSING_INDEX, "queryVector": {"float32": [1.0, 0.0, 0.0]}, "topK": 1}


class Case(NamedTuple):
    operation: str
    faulty: dict[str, Any]
    message: str
    sound: dict[str, Any]  # the same request without the fault
    sound_code: str | None  # what that gets: the lookup's or the state's error, or None for an answer


CASES = [
    Case(
        "CreateVectorBucket",
        {"vectorBucketName": "taken-bucket", "encryptionConfiguration": {"sseType": "aws:kms"}},
        "kmsKeyArn must be specified when sseType is set to aws:kms",
        {"vectorBucketName": "taken-bucket"},
        "ConflictException",
    ),
    Case(
        "GetVectorBucket",
        {"vectorBucketName": "missing_bucket"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket"},
        "NotFoundException",
    ),
    Case("ListVectorBuckets", {"maxResults": 501}, "Member must be between 1 and 500, inclusive", {}, None),
    Case(
        "DeleteVectorBucket",
        {"vectorBucketName": "missing_bucket"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket"},
        "NotFoundException",
    ),
    Case(
        "PutVectorBucketDefaultIndexMode",
        {"vectorBucketName": "missing_bucket", "defaultIndexMode": "ENHANCED"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket", "defaultIndexMode": "ENHANCED"},
        "NotFoundException",
    ),
    Case(
        "CreateIndex",
        {**MISSING, "indexName": "Bad_Index", "dataType": "float32", "dimension": 3, "distanceMetric": "cosine"},
        "Invalid index name",
        {**MISSING, "dataType": "float32", "dimension": 3, "distanceMetric": "cosine"},
        "NotFoundException",
    ),
    Case("GetIndex", {**MISSING, "indexName": "Bad_Index"}, "Invalid index name", dict(MISSING), "NotFoundException"),
    Case(
        "ListIndexes",
        {"vectorBucketName": "missing_bucket"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket"},
        "NotFoundException",
    ),
    Case(
        "DeleteIndex", {**MISSING, "indexName": "Bad_Index"}, "Invalid index name", dict(MISSING), "NotFoundException"
    ),
    Case(
        "UpdateIndexMode",
        {**MISSING, "indexName": "Bad_Index", "indexMode": "ENHANCED"},
        "Invalid index name",
        {**MISSING, "indexMode": "ENHANCED"},
        "NotFoundException",
    ),
    Case(
        "UpdateMetadataConfiguration",
        {
            "indexArn": MISSING_INDEX,
            "add": {"textSearchConfigurations": [{"metadataKey": "body"}]},
            "delete": {"textSearchConfigurations": [{"metadataKey": "title"}]},
        },
        "Exactly one of add or delete must be specified",
        {"indexArn": MISSING_INDEX, "add": {"textSearchConfigurations": [{"metadataKey": "body"}]}},
        "NotFoundException",
    ),
    Case(
        "PutVectorBucketPolicy",
        {"vectorBucketArn": MISSING_BUCKET, "policy": "not a policy"},
        "The policy is not a valid JSON policy document",
        {"vectorBucketArn": MISSING_BUCKET, "policy": DENY_ALL},
        "NotFoundException",
    ),
    Case(
        "GetVectorBucketPolicy",
        {"vectorBucketName": "missing_bucket"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket"},
        "NotFoundException",
    ),
    Case(
        "DeleteVectorBucketPolicy",
        {"vectorBucketName": "missing_bucket"},
        "Invalid vector bucket name",
        {"vectorBucketName": "missing-bucket"},
        "NotFoundException",
    ),
    Case(
        "TagResource",
        {"resourceArn": MISSING_INDEX, "tags": {"aws:team": "search"}},
        "System tags cannot be added/updated by requester",
        {"resourceArn": MISSING_INDEX, "tags": {"team": "search"}},
        "NotFoundException",
    ),
    Case(
        "UntagResource",
        {"resourceArn": MISSING_INDEX, "tagKeys": ["aws:team"]},
        "System tags cannot be removed by requester",
        {"resourceArn": MISSING_INDEX, "tagKeys": ["team"]},
        "NotFoundException",
    ),
    Case(
        "ListTagsForResource",
        {"resourceArn": "arn:aws:s3vectors:us-east-1:123456789012:bucket"},
        "Invalid resource ARN: arn:aws:s3vectors:us-east-1:123456789012:bucket",
        {"resourceArn": MISSING_BUCKET},
        "NotFoundException",
    ),
    Case(
        "PutVectors",
        {"indexArn": MISSING_INDEX, "vectors": [{"key": WIDE_KEY, "data": {"float32": [1.0, 0.0, 0.0]}}]},
        "Record key length exceeds the maximum allowed",
        {"indexArn": MISSING_INDEX, "vectors": [{"key": "k", "data": {"float32": [1.0, 0.0, 0.0]}}]},
        "NotFoundException",
    ),
    Case(
        "GetVectors",
        {"indexArn": MISSING_INDEX, "keys": [WIDE_KEY]},
        "Record key length exceeds the maximum allowed",
        {"indexArn": MISSING_INDEX, "keys": ["k"]},
        "NotFoundException",
    ),
    Case(
        "DeleteVectors",
        {"indexArn": MISSING_INDEX, "keys": [WIDE_KEY]},
        "Record key length exceeds the maximum allowed",
        {"indexArn": MISSING_INDEX, "keys": ["k"]},
        "NotFoundException",
    ),
    Case(
        "ListVectors",
        {"indexArn": MISSING_INDEX, "segmentCount": 2},
        "segmentCount and segmentIndex must be specified together",
        {"indexArn": MISSING_INDEX, "segmentCount": 2, "segmentIndex": 1},
        "NotFoundException",
    ),
    Case("QueryVectors", {**QUERY, "filter": {}}, "Invalid filter", dict(QUERY), "NotFoundException"),
    Case(
        "QueryVectors",
        {**QUERY, "topK": 10_001},
        "1 validation error detected. Value at '/topK' failed to satisfy constraint: "
        "Member must be between 1 and 10000, inclusive",
        dict(QUERY),
        "NotFoundException",
    ),
]


def test_every_operation_has_a_case() -> None:
    assert {case.operation for case in CASES} == operation_names()


@pytest.mark.parametrize("case", CASES, ids=[f"{case.operation}-{n}" for n, case in enumerate(CASES)])
def test_the_request_is_checked_before_anything_is_looked_up(raw_client: Any, case: Case) -> None:
    if not client_can(case.operation):
        pytest.skip(f"this botocore's client has no {case.operation}")
    for member in set(case.faulty) | set(case.sound):
        if not client_can(case.operation, member):
            pytest.skip(f"this botocore's client has no {case.operation}.{member}")
    raw_client.create_vector_bucket(vectorBucketName="taken-bucket")
    call = getattr(raw_client, xform_name(case.operation))
    with pytest.raises(raw_client.exceptions.ValidationException) as excinfo:
        call(**case.faulty)
    message = error_of(excinfo)[1]
    assert message == case.message or message.endswith(case.message), message
    if case.sound_code is None:
        call(**case.sound)
    else:
        with pytest.raises(raw_client.exceptions.ClientError) as excinfo:
            call(**case.sound)
        assert error_of(excinfo)[0] == case.sound_code
