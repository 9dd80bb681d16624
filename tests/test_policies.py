"""Vector bucket policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import error_of

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "s3vectors:*",
                "Resource": "*",
            }
        ],
    }
)


def test_put_get_delete(client: Any, bucket: str) -> None:
    client.put_vector_bucket_policy(vectorBucketName=bucket, policy=POLICY)
    assert client.get_vector_bucket_policy(vectorBucketName=bucket)["policy"] == POLICY
    arn = client.get_vector_bucket(vectorBucketName=bucket)["vectorBucket"]["vectorBucketArn"]
    assert client.get_vector_bucket_policy(vectorBucketArn=arn)["policy"] == POLICY
    client.delete_vector_bucket_policy(vectorBucketArn=arn)
    with pytest.raises(client.exceptions.NotFoundException) as excinfo:
        client.get_vector_bucket_policy(vectorBucketName=bucket)
    assert error_of(excinfo) == ("NotFoundException", "The specified vector bucket policy could not be found", 404)


def test_no_policy_yet(client: Any, bucket: str) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as excinfo:
        client.get_vector_bucket_policy(vectorBucketName=bucket)
    assert error_of(excinfo)[1] == "The specified vector bucket policy could not be found"


@pytest.mark.parametrize("policy", ["not json", "[]", "{}", '{"Version": "2012-10-17"}', '{"Statement": []}'])
def test_not_a_policy_document(client: Any, bucket: str, policy: str) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.put_vector_bucket_policy(vectorBucketName=bucket, policy=policy)
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket_policy(vectorBucketName=bucket)


def test_policy_on_missing_bucket(client: Any) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as excinfo:
        client.put_vector_bucket_policy(vectorBucketName="nope-bucket", policy=POLICY)
    assert error_of(excinfo)[1] == "The specified vector bucket could not be found"


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_a_deeply_nested_policy_is_not_a_policy_document(client: Any, bucket: str, depth: int) -> None:
    for policy in ("[" * depth + "]" * depth, '{"Statement": ' + "[" * depth + "]" * depth + "}"):
        with pytest.raises(client.exceptions.ValidationException) as excinfo:
            client.put_vector_bucket_policy(vectorBucketName=bucket, policy=policy)
        assert error_of(excinfo) == ("ValidationException", "The policy is not a valid JSON policy document", 400)
        assert excinfo.value.response["fieldList"] == [
            {"path": "policy", "message": "The policy is not a valid JSON policy document"}
        ]
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket_policy(vectorBucketName=bucket)
