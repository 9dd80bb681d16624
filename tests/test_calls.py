"""The call log's records: when each call was logged, whose it was, and whether its outcome was an injected fault."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._calls import CallLog, CallRecord


def test_records_are_stamped_when_logged_unless_they_carry_a_time() -> None:
    log = CallLog()
    before = time.time()
    log.append(CallRecord("ListVectorBuckets", {}, "us-east-1"))
    log.append(CallRecord("ListVectorBuckets", {}, "us-east-1", time=12.5))
    stamped, kept = log.snapshot()
    assert stamped.time is not None and before <= stamped.time <= time.time()
    assert kept.time == 12.5
    # The first four fields still build a record, positionally, as before.
    assert CallRecord("GetIndex", {}, "eu-west-1", "NotFoundException")[:4] == (
        "GetIndex",
        {},
        "eu-west-1",
        "NotFoundException",
    )


def test_in_process_calls_carry_the_callers_account(mock: S3VectorsMock, client: Any) -> None:
    client.list_vector_buckets()
    other = boto3.client(
        "s3vectors",
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="test",
    )
    other.list_vector_buckets()
    first, second = mock.calls
    assert (first.account, first.region, first.injected) == (mock.account_id, "us-east-1", False)
    assert (second.account, second.region) == ("111122223333", "eu-west-1")


def test_injected_faults_are_marked(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"max_attempts": 0}))
    mock.inject_error("ListVectorBuckets", "ServiceUnavailableException")
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        client.list_vector_buckets()
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket(vectorBucketName="missing")
    injected, refused = mock.calls
    assert (injected.error_code, injected.injected) == ("ServiceUnavailableException", True)
    assert (refused.error_code, refused.injected) == ("NotFoundException", False)
