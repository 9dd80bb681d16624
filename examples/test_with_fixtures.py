"""The pytest plugin's fixtures and marker: no conftest.py needed, fresh state in every test."""

from __future__ import annotations

from typing import Any

import boto3
import pytest


def test_the_client_fixture(s3vectors_client: Any) -> None:
    s3vectors_client.create_vector_bucket(vectorBucketName="fixture-bucket")
    assert [b["vectorBucketName"] for b in s3vectors_client.list_vector_buckets()["vectorBuckets"]] == [
        "fixture-bucket"
    ]


def test_state_is_fresh(s3vectors_client: Any) -> None:
    assert s3vectors_client.list_vector_buckets()["vectorBuckets"] == []


@pytest.fixture
def app_client() -> Any:
    """An application fixture that makes its own client: mocked, because the marker's mock is set up first."""
    return boto3.client("s3vectors", region_name="eu-west-1")


@pytest.mark.s3vectors(account_id="210987654321")
def test_marker_with_the_applications_own_client(app_client: Any) -> None:
    arn = app_client.create_vector_bucket(vectorBucketName="app-bucket")["vectorBucketArn"]
    assert arn == "arn:aws:s3vectors:eu-west-1:210987654321:bucket/app-bucket"
