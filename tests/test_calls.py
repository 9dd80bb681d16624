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


def _put(key: str, values: int) -> CallRecord:
    return CallRecord("PutVectors", {"vectors": [{"key": key, "data": {"float32": [0.5] * values}}]}, "us-east-1")


def test_the_log_keeps_the_newest_calls_within_its_count_and_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    from s3vectors_mock import _calls

    monkeypatch.setattr(_calls, "MAX_RECORDS", 5)
    monkeypatch.setattr(_calls, "MAX_WEIGHT", 1_000)
    monkeypatch.setattr(_calls, "FULL_VECTOR_VALUES", 300)
    log = CallLog()
    for number in range(8):
        log.append(CallRecord("GetIndex", {"indexArn": str(number)}, "us-east-1"))
    assert [record.params["indexArn"] for record in log.snapshot()] == ["3", "4", "5", "6", "7"]
    for number in range(4):  # each weighs 200 values + one record (100): three fit in 1,000 with nothing else
        log.append(_put(f"k{number}", 200))
    kept = log.snapshot()
    assert [record.params["vectors"][0]["key"] for record in kept] == ["k1", "k2", "k3"]
    # Only the newest full lists are kept as lists; the older ones are compact copies of the same values.
    assert [type(record.params["vectors"][0]["data"]["float32"]).__name__ for record in kept] == [
        "array",
        "array",
        "list",
    ]
    assert all(list(record.params["vectors"][0]["data"]["float32"]) == [0.5] * 200 for record in kept)
    log.append(_put("huge", 5_000))  # heavier than the whole budget: kept alone, as the newest call
    assert [record.params["vectors"][0]["key"] for record in log.snapshot()] == ["huge"]
    log.append(CallRecord("GetIndex", {}, "us-east-1"))
    assert [record.operation for record in log.snapshot()] == ["GetIndex"]
    log.clear()
    assert log.snapshot() == [] and log._weight == 0 and log._full_values == 0
