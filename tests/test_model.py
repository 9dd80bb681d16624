"""Validation against the installed service model, as the service performs it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import error_of


def test_client_side_validation_still_applies(client: Any) -> None:
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        client.create_vector_bucket(vectorBucketName="ab")


def test_minimums_and_required_members_without_client_validation(raw_client: Any) -> None:
    with pytest.raises(raw_client.exceptions.ValidationException) as excinfo:
        raw_client.create_vector_bucket(vectorBucketName="ab")
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value with length 2 at '/vectorBucketName' failed to satisfy constraint: "
        "Member must have length between 3 and 63, inclusive"
    )
    with pytest.raises(raw_client.exceptions.ValidationException) as excinfo:
        raw_client.create_vector_bucket()
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value null at '/vectorBucketName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_several_violations_are_counted(raw_client: Any) -> None:
    raw_client.create_vector_bucket(vectorBucketName="test-bucket")
    with pytest.raises(raw_client.exceptions.ValidationException) as excinfo:
        raw_client.create_index(
            vectorBucketName="test-bucket", indexName="idx", dataType="int8", dimension=0, distanceMetric="cosine"
        )
    message = error_of(excinfo)[1]
    assert message.startswith("2 validation errors detected. ")
    assert "'/dataType'" in message and "'/dimension'" in message
    paths = {field["path"] for field in excinfo.value.response["fieldList"]}
    assert paths == {"/dataType", "/dimension"}


def test_wrong_types_are_validation_errors(raw_client: Any) -> None:
    raw_client.create_vector_bucket(vectorBucketName="test-bucket")
    with pytest.raises(raw_client.exceptions.ValidationException) as excinfo:
        raw_client.create_index(
            vectorBucketName="test-bucket", indexName="idx", dataType="float32", dimension="3", distanceMetric="cosine"
        )
    assert "'/dimension'" in error_of(excinfo)[1]


def test_list_maximums_reach_the_service(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.get_vectors(indexArn=index, keys=[f"k{i}" for i in range(101)])
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value with size 101 at '/keys' failed to satisfy constraint: "
        "Member must have length between 1 and 100, inclusive"
    )
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.list_vectors(indexArn=index, maxResults=1001)
    assert error_of(excinfo)[1].endswith("Member must be between 1 and 1000, inclusive")


def test_lone_surrogate_is_a_serialization_error(client: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as excinfo:
        client.create_vector_bucket(vectorBucketName="test-bucket", tags={"k": "\ud800"})
    assert error_of(excinfo) == ("SerializationException", "UnknownError", 400)
    assert client.list_vector_buckets()["vectorBuckets"] == []


def test_request_body_limit(client: Any, bucket: str, index: str) -> None:
    client.create_index(
        vectorBucketName=bucket, indexName="wide", dataType="float32", dimension=4096, distanceMetric="cosine"
    )
    row = [0.123456789] * 4096
    vectors = [{"key": f"k{i}", "data": {"float32": row}} for i in range(500)]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.put_vectors(vectorBucketName=bucket, indexName="wide", vectors=vectors)
    # AWS's text, measured live: github.com/FarukAda/aws-langchain-s3-vector-ts docs/evidence/request-payload-limit.md
    assert error_of(excinfo)[1] == "Request body exceeds max allowed size"
    assert client.list_vectors(vectorBucketName=bucket, indexName="wide")["vectors"] == []
