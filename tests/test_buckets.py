"""Vector bucket operations through boto3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of


def test_create_returns_the_bucket_arn(client: Any) -> None:
    response = client.create_vector_bucket(vectorBucketName="my-bucket")
    assert response["vectorBucketArn"] == "arn:aws:s3vectors:us-east-1:123456789012:bucket/my-bucket"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_get_by_name_and_by_arn(client: Any) -> None:
    arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    by_name = client.get_vector_bucket(vectorBucketName="my-bucket")["vectorBucket"]
    by_arn = client.get_vector_bucket(vectorBucketArn=arn)["vectorBucket"]
    assert by_name == by_arn
    assert by_name["vectorBucketName"] == "my-bucket"
    assert by_name["vectorBucketArn"] == arn
    assert by_name["encryptionConfiguration"] == {"sseType": "AES256"}
    assert isinstance(by_name["creationTime"], datetime)
    assert by_name["creationTime"].tzinfo is not None


def test_kms_encryption_is_kept(client: Any) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/abcd"
    client.create_vector_bucket(
        vectorBucketName="my-bucket", encryptionConfiguration={"sseType": "aws:kms", "kmsKeyArn": key}
    )
    described = client.get_vector_bucket(vectorBucketName="my-bucket")["vectorBucket"]
    assert described["encryptionConfiguration"] == {"sseType": "aws:kms", "kmsKeyArn": key}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/a"},
            "kmsKeyArn must not be specified when sseType is AES256.",
        ),
        (
            {"sseType": "AES256", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/a"},
            "kmsKeyArn must not be specified when sseType is AES256.",
        ),
        ({"sseType": "aws:kms"}, "kmsKeyArn must be specified when sseType is set to aws:kms"),
    ],
)
def test_kms_pairing_rules(client: Any, config: dict[str, str], message: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_vector_bucket(vectorBucketName="my-bucket", encryptionConfiguration=config)
    assert error_of(excinfo) == ("ValidationException", message, 400)
    # The live answer names the member's shape (docs/evidence/index-encryption.md), not '/encryptionConfiguration'.
    assert excinfo.value.response["fieldList"] == [{"path": "EncryptionConfiguration", "message": message}]
    assert client.list_vector_buckets()["vectorBuckets"] == []


def test_duplicate_name_is_a_conflict(client: Any) -> None:
    client.create_vector_bucket(vectorBucketName="my-bucket")
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        client.create_vector_bucket(vectorBucketName="my-bucket")
    assert error_of(excinfo) == ("ConflictException", "A vector bucket with the specified name already exists", 409)


@pytest.mark.parametrize("name", ["my_bucket", "my&bucket", "My-bucket", "-bucket", "bucket-", "my.bucket"])
def test_invalid_bucket_names(client: Any, name: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_vector_bucket(vectorBucketName=name)
    assert error_of(excinfo) == ("ValidationException", "Invalid vector bucket name", 400)


def test_bucket_name_too_long_gets_the_model_message(client: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_vector_bucket(vectorBucketName="a" * 64)
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value with length 64 at '/vectorBucketName' failed to satisfy constraint: "
        "Member must have length between 3 and 63, inclusive"
    )
    assert excinfo.value.response["fieldList"][0]["path"] == "/vectorBucketName"


def test_missing_bucket(client: Any) -> None:
    for call in (client.get_vector_bucket, client.delete_vector_bucket, client.list_indexes):
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            call(vectorBucketName="nope-bucket")
        assert error_of(excinfo) == ("NotFoundException", "The specified vector bucket could not be found", 404)


def test_name_and_arn_together_or_neither(client: Any) -> None:
    arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    for kwargs in ({"vectorBucketName": "my-bucket", "vectorBucketArn": arn}, {}):
        with pytest.raises(client.exceptions.ValidationException) as excinfo:
            client.get_vector_bucket(**kwargs)
        assert error_of(excinfo)[1] == "Must specify either vectorBucketName or vectorBucketArn but not both"


def test_delete_bucket_with_indexes_is_a_conflict(client: Any, bucket: str, index: str) -> None:
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        client.delete_vector_bucket(vectorBucketName=bucket)
    # AWS's text, aws_verified in moto: https://github.com/getmoto/moto/blob/master/tests/test_s3vectors/test_s3vector_buckets.py
    assert error_of(excinfo) == ("ConflictException", "The specified vector bucket is not empty", 409)


def test_delete_then_gone_from_listing(client: Any) -> None:
    arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    assert client.delete_vector_bucket(vectorBucketArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert client.list_vector_buckets()["vectorBuckets"] == []
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket(vectorBucketName="my-bucket")


def test_list_with_prefix_and_pagination(client: Any) -> None:
    names = [f"bucket-{i:03d}" for i in range(25)] + ["other-bucket"]
    for name in reversed(names):
        client.create_vector_bucket(vectorBucketName=name)
    first = client.list_vector_buckets(prefix="bucket-", maxResults=10)
    assert [b["vectorBucketName"] for b in first["vectorBuckets"]] == names[:10]
    assert "nextToken" in first
    paginator = client.get_paginator("list_vector_buckets")
    listed = [
        b["vectorBucketName"]
        for page in paginator.paginate(prefix="bucket-", PaginationConfig={"PageSize": 7})
        for b in page["vectorBuckets"]
    ]
    assert listed == names[:25]
    everything = client.list_vector_buckets()
    assert "nextToken" not in everything
    assert len(everything["vectorBuckets"]) == 26


def test_forged_token_is_rejected(client: Any) -> None:
    client.create_vector_bucket(vectorBucketName="my-bucket")
    with pytest.raises(client.exceptions.ValidationException):
        client.list_vector_buckets(nextToken="not-a-token")


def test_token_from_another_listing_is_rejected(client: Any, bucket: str) -> None:
    for i in range(3):
        client.create_vector_bucket(vectorBucketName=f"more-{i}")
    token = client.list_vector_buckets(maxResults=1)["nextToken"]
    with pytest.raises(client.exceptions.ValidationException):
        client.list_indexes(vectorBucketName=bucket, nextToken=token)


def test_regions_and_accounts_are_separate(mock: Any) -> None:
    east = boto3.client("s3vectors", region_name="us-east-1")
    west = boto3.client("s3vectors", region_name="us-west-2")
    east.create_vector_bucket(vectorBucketName="my-bucket")
    assert west.list_vector_buckets()["vectorBuckets"] == []
    arn = west.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    assert arn == "arn:aws:s3vectors:us-west-2:123456789012:bucket/my-bucket"
    with pytest.raises(ClientError):
        east.get_vector_bucket(vectorBucketArn=arn)


def test_account_id_option() -> None:
    from s3vectors_mock import mock_s3vectors

    with mock_s3vectors(account_id="111122223333"):
        client = boto3.client("s3vectors", region_name="eu-west-1")
        arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    assert arn == "arn:aws:s3vectors:eu-west-1:111122223333:bucket/my-bucket"


@pytest.mark.s3vectors_mock_only  # lowers the quota inside the in-process service
def test_bucket_quota(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3vectors_mock.operations import buckets

    monkeypatch.setattr(buckets, "MAX_BUCKETS_PER_REGION", 3)
    for i in range(3):
        client.create_vector_bucket(vectorBucketName=f"quota-{i}")
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as excinfo:
        client.create_vector_bucket(vectorBucketName="quota-3")
    assert error_of(excinfo)[2] == 402  # sic: the model's ServiceQuotaExceededException (botocore's service-2.json)
    assert len(client.list_vector_buckets()["vectorBuckets"]) == 3
