"""Vector index operations through boto3."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import error_of, make_index


def test_create_and_get_by_name_and_arn(client: Any, bucket: str) -> None:
    arn = make_index(client, "my-index", dimension=5, metric="euclidean")
    assert arn == f"arn:aws:s3vectors:us-east-1:123456789012:bucket/{bucket}/index/my-index"
    by_name = client.get_index(vectorBucketName=bucket, indexName="my-index")["index"]
    by_arn = client.get_index(indexArn=arn)["index"]
    assert by_name == by_arn
    assert by_name["dimension"] == 5
    assert by_name["distanceMetric"] == "euclidean"
    assert by_name["dataType"] == "float32"
    assert by_name["indexArn"] == arn
    assert by_name["vectorBucketName"] == bucket
    assert by_name["creationTime"].tzinfo is not None


def test_create_by_bucket_arn(client: Any, bucket: str) -> None:
    bucket_arn = client.get_vector_bucket(vectorBucketName=bucket)["vectorBucket"]["vectorBucketArn"]
    arn = client.create_index(
        vectorBucketArn=bucket_arn, indexName="by-arn", dataType="float32", dimension=2, distanceMetric="cosine"
    )["indexArn"]
    assert arn == f"{bucket_arn}/index/by-arn"


def test_index_names_may_hold_dots(client: Any, bucket: str) -> None:
    arn = make_index(client, "my.index-1")
    assert arn.endswith("/index/my.index-1")


@pytest.mark.parametrize("name", ["My-index", "my_index", ".index", "index.", "-idx"])
def test_invalid_index_names(client: Any, bucket: str, name: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        make_index(client, name)
    assert error_of(excinfo) == ("ValidationException", "Invalid index name", 400)


def test_metadata_configuration_and_encryption_are_reported(client: Any, bucket: str) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    make_index(
        client,
        "configured",
        metadataConfiguration={"nonFilterableMetadataKeys": ["text", "source"]},
        encryptionConfiguration={"sseType": "aws:kms", "kmsKeyArn": key},
    )
    index = client.get_index(vectorBucketName=bucket, indexName="configured")["index"]
    assert sorted(index["metadataConfiguration"]["nonFilterableMetadataKeys"]) == ["source", "text"]
    assert index["encryptionConfiguration"] == {"sseType": "aws:kms", "kmsKeyArn": key}


def test_kms_pairing_error_names_the_encryption_configuration(client: Any, bucket: str) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        make_index(client, "aes", encryptionConfiguration={"sseType": "AES256", "kmsKeyArn": key})
    message = "kmsKeyArn must not be specified when sseType is AES256."
    assert error_of(excinfo) == ("ValidationException", message, 400)
    assert excinfo.value.response["fieldList"] == [{"path": "EncryptionConfiguration", "message": message}]


def test_index_without_encryption_reports_the_buckets(client: Any, index: str) -> None:
    described = client.get_index(indexArn=index)["index"]
    assert described["encryptionConfiguration"] == {"sseType": "AES256"}
    assert "metadataConfiguration" not in described


def test_duplicate_index_is_a_conflict(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        make_index(client)
    assert error_of(excinfo) == ("ConflictException", "An index with the specified name already exists", 409)


def test_create_in_missing_bucket(client: Any) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as excinfo:
        client.create_index(
            vectorBucketName="nope-bucket", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
        )
    assert error_of(excinfo) == ("NotFoundException", "The specified vector bucket could not be found", 404)


def test_missing_index_or_bucket_gives_the_index_message(client: Any, bucket: str) -> None:
    for bucket_name in (bucket, "no-such-bucket"):
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            client.get_index(vectorBucketName=bucket_name, indexName="nope")
        assert error_of(excinfo) == ("NotFoundException", "The specified index could not be found", 404)


def test_name_and_arn_rules(client: Any, bucket: str, index: str) -> None:
    for kwargs in (
        {"indexArn": index, "vectorBucketName": bucket, "indexName": "test-index"},
        {"indexArn": index, "indexName": "test-index"},
        {"vectorBucketName": bucket},
        {"indexName": "test-index"},
        {},
    ):
        with pytest.raises(client.exceptions.ValidationException) as excinfo:
            client.get_index(**kwargs)
        # AWS's text, aws_verified in moto: https://github.com/getmoto/moto/blob/master/tests/test_s3vectors/test_s3vector_indexes.py
        assert error_of(excinfo)[1] == "Must specify either indexArn or both vectorBucketName and indexName"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"dataType": "float16"},
            "1 validation error detected. Value at '/dataType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [float32]",
        ),
        (
            {"distanceMetric": "dotproduct"},
            "1 validation error detected. Value at '/distanceMetric' failed to satisfy constraint: "
            "Member must satisfy enum value set: [euclidean, cosine]",
        ),
        (
            {"dimension": 99999},
            "1 validation error detected. Value at '/dimension' failed to satisfy constraint: "
            "Member must be between 1 and 4096, inclusive",
        ),
    ],
)
def test_configuration_limits(client: Any, bucket: str, overrides: dict[str, Any], message: str) -> None:
    params = {"dataType": "float32", "dimension": 3, "distanceMetric": "cosine", **overrides}
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_index(vectorBucketName=bucket, indexName="idx", **params)
    assert error_of(excinfo) == ("ValidationException", message, 400)
    assert client.list_indexes(vectorBucketName=bucket)["indexes"] == []


def test_list_indexes_prefix_pagination_and_summaries(client: Any, bucket: str) -> None:
    names = [f"idx-{i:02d}" for i in range(12)]
    for name in names:
        make_index(client, name)
    make_index(client, "zzz")
    page = client.list_indexes(vectorBucketName=bucket, prefix="idx-", maxResults=5)
    assert [i["indexName"] for i in page["indexes"]] == names[:5]
    summary = page["indexes"][0]
    assert set(summary) == {"vectorBucketName", "indexName", "indexArn", "creationTime"}
    paginator = client.get_paginator("list_indexes")
    listed = [
        i["indexName"]
        for p in paginator.paginate(vectorBucketName=bucket, prefix="idx-", PaginationConfig={"PageSize": 4})
        for i in p["indexes"]
    ]
    assert listed == names


def test_delete_index(client: Any, bucket: str, index: str) -> None:
    client.delete_index(indexArn=index)
    assert client.list_indexes(vectorBucketName=bucket)["indexes"] == []
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_index(indexArn=index)
    client.delete_vector_bucket(vectorBucketName=bucket)


def test_index_arn_in_another_region_is_not_found(client: Any, index: str) -> None:
    foreign = index.replace("us-east-1", "eu-west-1")
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_index(indexArn=foreign)


def test_malformed_index_arn(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.get_index(indexArn="arn:aws:s3vectors:us-east-1:123456789012:bucket/test-bucket")


@pytest.mark.s3vectors_mock_only  # lowers the quota inside the in-process service
def test_index_quota(client: Any, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3vectors_mock.operations import indexes

    monkeypatch.setattr(indexes, "MAX_INDEXES_PER_BUCKET", 2)
    make_index(client, "first")
    make_index(client, "second")
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as excinfo:
        make_index(client, "third")
    assert error_of(excinfo)[2] == 402
