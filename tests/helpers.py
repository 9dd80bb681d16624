"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def make_index(client: Any, name: str = "test-index", dimension: int = 3, metric: str = "cosine", **extra: Any) -> str:
    arn: str = client.create_index(
        vectorBucketName="test-bucket",
        indexName=name,
        dataType="float32",
        dimension=dimension,
        distanceMetric=metric,
        **extra,
    )["indexArn"]
    return arn


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]
