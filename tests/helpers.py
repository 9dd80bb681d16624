"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from s3vectors_mock._service_model import client_model, has_member, operation_names


def client_can(operation: str, member: str | None = None) -> bool:
    """Whether the installed botocore's client can call ``operation`` (and send ``member``).

    Tests skip on what the CLIENT can do, never on what the service does: today's service is the same for every
    client, but a member the client's model lacks cannot be sent, and a response member it lacks is not parsed.
    """
    if member is None:
        return operation in operation_names(client_model())
    return has_member(operation, member, client_model())


def needs_client(operation: str, member: str | None = None) -> pytest.MarkDecorator:
    what = f"{operation}.{member}" if member else operation
    return pytest.mark.skipif(not client_can(operation, member), reason=f"this botocore's client has no {what}")


# The bucket fixture's bucket for the running test: test-bucket, or a name unique to the run where the target's
# state is shared (a URL target, AWS). Tests run one at a time in a process, so one value serves.
current_bucket = "test-bucket"


def make_index(
    client: Any,
    name: str = "test-index",
    dimension: int = 3,
    metric: str = "cosine",
    *,
    bucket: str | None = None,
    **extra: Any,
) -> str:
    arn: str = client.create_index(
        vectorBucketName=bucket or current_bucket,
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


def put_in_batches(client: Any, index_arn: str, keys: list[str], data: Any) -> None:
    """Seed an index through the API (batches of 500, PutVectors' limit), so that a test seeds any target alike;
    ``mock.load_vectors`` is the in-process shortcut."""
    for start in range(0, len(keys), 500):
        records = [
            {"key": key, "data": {"float32": [float(value) for value in row]}}
            for key, row in zip(keys[start : start + 500], data[start : start + 500])
        ]
        client.put_vectors(indexArn=index_arn, vectors=records)
