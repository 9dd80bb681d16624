"""Fault injection: modelled errors through botocore's real retry machinery, and latency."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from s3vectors_mock import S3VectorsMock

if TYPE_CHECKING:
    from types_boto3_s3vectors.type_defs import PutInputVectorTypeDef


def retrying_client(attempts: int) -> Any:
    return boto3.client(
        "s3vectors", region_name="us-east-1", config=Config(retries={"mode": "standard", "max_attempts": attempts})
    )


def test_throttles_then_success_are_retried(mock: S3VectorsMock) -> None:
    client = retrying_client(3)
    client.create_vector_bucket(vectorBucketName="retry-bucket")
    mock.inject_error("GetVectorBucket", "TooManyRequestsException", times=2)
    response = client.get_vector_bucket(vectorBucketName="retry-bucket")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["vectorBucket"]["vectorBucketName"] == "retry-bucket"
    assert response["vectorBucket"]["creationTime"].tzinfo is not None
    outcomes = [call.error_code for call in mock.calls if call.operation == "GetVectorBucket"]
    assert outcomes == ["TooManyRequestsException", "TooManyRequestsException", None]


def test_persistent_throttling_raises_after_the_retry_budget(mock: S3VectorsMock) -> None:
    client = retrying_client(3)
    mock.inject_error("ListVectorBuckets", "TooManyRequestsException", times=10)
    with pytest.raises(client.exceptions.TooManyRequestsException) as excinfo:
        client.list_vector_buckets()
    response = excinfo.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    # botocore reads retries={"max_attempts": 3} as three *retries*: four attempts in all.
    assert response["ResponseMetadata"]["RetryAttempts"] == 3
    assert response["Error"]["Message"] == "Rate exceeded"


@pytest.mark.parametrize(
    ("code", "status"),
    [("ServiceUnavailableException", 503), ("InternalServerException", 500), ("RequestTimeoutException", 408)],
)
def test_retryable_server_errors(mock: S3VectorsMock, code: str, status: int) -> None:
    client = retrying_client(3)
    mock.inject_error("ListVectorBuckets", code, times=1)
    assert client.list_vector_buckets()["ResponseMetadata"]["RetryAttempts"] == 1
    mock.inject_error("ListVectorBuckets", code, times=1)
    no_retries = retrying_client(0)
    with pytest.raises(getattr(no_retries.exceptions, code)) as excinfo:
        no_retries.list_vector_buckets()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_non_retryable_error_with_custom_message(mock: S3VectorsMock) -> None:
    client = retrying_client(3)
    mock.inject_error("ListVectorBuckets", "AccessDeniedException", message="no access for you")
    with pytest.raises(client.exceptions.AccessDeniedException) as excinfo:
        client.list_vector_buckets()
    assert excinfo.value.response["Error"]["Message"] == "no access for you"
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert client.list_vector_buckets()["vectorBuckets"] == []


def test_a_failed_fault_changes_nothing(mock: S3VectorsMock) -> None:
    client = retrying_client(0)
    mock.inject_error("CreateVectorBucket", "ServiceUnavailableException")
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        client.create_vector_bucket(vectorBucketName="never-made")
    assert client.list_vector_buckets()["vectorBuckets"] == []


def test_undeclared_codes_and_unknown_operations_are_refused(mock: S3VectorsMock) -> None:
    with pytest.raises(ValueError, match="does not declare"):
        mock.inject_error("ListVectorBuckets", "NotFoundException")
    with pytest.raises(ValueError, match="not an s3vectors operation"):
        mock.inject_error("Frobnicate", "ValidationException")


def test_latency(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    mock.inject_latency("ListVectorBuckets", 0.2, times=1)
    started = time.perf_counter()
    client.list_vector_buckets()
    assert time.perf_counter() - started >= 0.2
    started = time.perf_counter()
    client.list_vector_buckets()
    assert time.perf_counter() - started < 0.2


def test_enforced_write_limits_throttle_through_real_retries() -> None:
    from s3vectors_mock import mock_s3vectors

    with mock_s3vectors(enforce_rate_limits=True) as m:
        client = retrying_client(0)
        client.create_vector_bucket(vectorBucketName="limited")
        arn = client.create_index(
            vectorBucketName="limited", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
        )["indexArn"]
        batch: list[PutInputVectorTypeDef] = [
            {"key": f"k{i}", "data": {"float32": [1.0, float(i)]}} for i in range(500)
        ]
        for _ in range(5):  # 2,500 vectors: exactly the per-second budget
            client.put_vectors(indexArn=arn, vectors=batch)
        with pytest.raises(client.exceptions.TooManyRequestsException) as excinfo:
            client.put_vectors(indexArn=arn, vectors=batch[:1])
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        # A client that retries rides out the throttling: botocore backs off until the window has passed.
        patient = boto3.client(
            "s3vectors", region_name="us-east-1", config=Config(retries={"mode": "standard", "max_attempts": 10})
        )
        patient.put_vectors(indexArn=arn, vectors=batch[:1])
        outcomes = [c.error_code for c in m.calls if c.operation == "PutVectors"]
        assert outcomes[:5] == [None] * 5
        assert outcomes[5] == "TooManyRequestsException"
        assert outcomes[-1] is None  # the patient client's last attempt went through
        stored = client.list_vectors(indexArn=arn)["vectors"]
        assert len(stored) == 500  # the throttled request changed nothing; the retried one overwrote k0


def test_limits_are_off_by_default(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    batch: list[PutInputVectorTypeDef] = [
        {"key": f"k{i}", "data": {"float32": [1.0, 0.5, float(i)]}} for i in range(500)
    ]
    for _ in range(8):
        client.put_vectors(indexArn=index, vectors=batch)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"seconds": float("nan")}, ValueError),
        ({"seconds": float("inf")}, ValueError),
        ({"seconds": -0.5}, ValueError),
        ({"seconds": 1e20}, ValueError),
        ({"seconds": "1"}, TypeError),
        ({"seconds": True}, TypeError),
        ({"seconds": 0.1, "times": 0}, ValueError),
        ({"seconds": 0.1, "times": -1}, ValueError),
        ({"seconds": 0.1, "times": 2.5}, TypeError),
        ({"seconds": 0.1, "times": True}, TypeError),
    ],
)
def test_bad_latency_is_refused_when_injected(mock: S3VectorsMock, kwargs: dict[str, Any], error: type) -> None:
    seconds = kwargs.pop("seconds")
    with pytest.raises(error):
        mock.inject_latency("ListVectorBuckets", seconds, **kwargs)
    client = boto3.client("s3vectors", region_name="us-east-1")
    started = time.perf_counter()
    client.list_vector_buckets()  # nothing was injected
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"times": 0}, ValueError),
        ({"times": -1}, ValueError),
        ({"times": 2.5}, TypeError),
        ({"times": None}, TypeError),
        ({"times": True}, TypeError),
        ({"message": 5}, TypeError),
    ],
)
def test_bad_error_injection_is_refused(mock: S3VectorsMock, kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        mock.inject_error("ListVectorBuckets", "InternalServerException", **kwargs)
    assert boto3.client("s3vectors", region_name="us-east-1").list_vector_buckets()["vectorBuckets"] == []


def test_counts_and_delays_of_other_numeric_types(mock: S3VectorsMock) -> None:
    import numpy as np

    client = boto3.client("s3vectors", region_name="us-east-1")
    mock.inject_error("ListVectorBuckets", "ServiceUnavailableException", times=np.int64(1))
    mock.inject_latency("GetVectorBucket", np.float32(0.01), times=np.int8(1))
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        retrying_client(0).list_vector_buckets()
    assert client.list_vector_buckets()["vectorBuckets"] == []
