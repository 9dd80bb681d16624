"""Rehearsing throttling: an application's own retry wrapper, tested with injected faults."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from s3vectors_mock import S3VectorsMock


def put_with_retry(client: Any, attempts: int = 5, **request: Any) -> int:
    """The application's wrapper: retry throttled writes with exponential backoff; returns the attempts used."""
    for attempt in range(1, attempts + 1):
        try:
            client.put_vectors(**request)
            return attempt
        except client.exceptions.TooManyRequestsException:
            if attempt == attempts:
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


@pytest.fixture
def no_retry_client(s3vectors_mock: S3VectorsMock) -> Any:
    """botocore's own retries off, so that the wrapper's are the ones exercised."""
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    client.create_vector_bucket(vectorBucketName="retry-demo")
    client.create_index(
        vectorBucketName="retry-demo", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    return client


REQUEST: dict[str, Any] = {
    "vectorBucketName": "retry-demo",
    "indexName": "idx",
    "vectors": [{"key": "a", "data": {"float32": [1.0, 0]}}],
}


def test_wrapper_rides_out_two_throttles(s3vectors_mock: S3VectorsMock, no_retry_client: Any) -> None:
    s3vectors_mock.inject_error("PutVectors", "TooManyRequestsException", times=2)
    assert put_with_retry(no_retry_client, **REQUEST) == 3
    outcomes = [call.error_code for call in s3vectors_mock.calls if call.operation == "PutVectors"]
    assert outcomes == ["TooManyRequestsException", "TooManyRequestsException", None]


def test_wrapper_gives_up(s3vectors_mock: S3VectorsMock, no_retry_client: Any) -> None:
    s3vectors_mock.inject_error("PutVectors", "TooManyRequestsException", times=5)
    with pytest.raises(no_retry_client.exceptions.TooManyRequestsException):
        put_with_retry(no_retry_client, attempts=5, **REQUEST)
    assert no_retry_client.list_vectors(vectorBucketName="retry-demo", indexName="idx")["vectors"] == []
