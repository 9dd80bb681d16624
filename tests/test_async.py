"""aiobotocore and aioboto3 clients: mocked by the same object, sharing its state."""

from __future__ import annotations

import asyncio
import time

import boto3
import pytest

from s3vectors_mock import mock_s3vectors

aiobotocore_session = pytest.importorskip("aiobotocore.session")
aioboto3 = pytest.importorskip("aioboto3")


async def test_aiobotocore_client_shares_state_with_sync_clients() -> None:
    async with mock_s3vectors() as m:
        session = aiobotocore_session.get_session()
        async with session.create_client("s3vectors", region_name="us-east-1") as client:
            arn = (await client.create_vector_bucket(vectorBucketName="async-bucket"))["vectorBucketArn"]
            described = (await client.get_vector_bucket(vectorBucketArn=arn))["vectorBucket"]
            assert described["creationTime"].tzinfo is not None
            await client.create_index(
                vectorBucketName="async-bucket",
                indexName="idx",
                dataType="float32",
                dimension=2,
                distanceMetric="cosine",
            )
            await client.put_vectors(
                vectorBucketName="async-bucket",
                indexName="idx",
                vectors=[{"key": "a", "data": {"float32": [1, 0]}}, {"key": "b", "data": {"float32": [0, 1]}}],
            )
            hits = await client.query_vectors(
                vectorBucketName="async-bucket", indexName="idx", topK=1, queryVector={"float32": [0.9, 0.1]}
            )
            assert hits["vectors"] == [{"key": "a"}]
            with pytest.raises(client.exceptions.ConflictException):
                await client.create_vector_bucket(vectorBucketName="async-bucket")
        sync_client = boto3.client("s3vectors", region_name="us-east-1")
        assert [b["vectorBucketName"] for b in sync_client.list_vector_buckets()["vectorBuckets"]] == ["async-bucket"]
    assert m.calls[-1].operation == "ListVectorBuckets"


async def test_aioboto3_client_and_paginator() -> None:
    async with mock_s3vectors():
        session = aioboto3.Session()
        async with session.client("s3vectors", region_name="eu-west-1") as client:
            for i in range(5):
                await client.create_vector_bucket(vectorBucketName=f"bucket-{i}")
            paginator = client.get_paginator("list_vector_buckets")
            names = [
                bucket["vectorBucketName"]
                async for page in paginator.paginate(PaginationConfig={"PageSize": 2})
                for bucket in page["vectorBuckets"]
            ]
            assert names == [f"bucket-{i}" for i in range(5)]


async def test_injected_throttles_are_retried_by_aiobotocore() -> None:
    from botocore.config import Config

    async with mock_s3vectors() as m:
        session = aiobotocore_session.get_session()
        config = Config(retries={"mode": "standard", "max_attempts": 3})
        async with session.create_client("s3vectors", region_name="us-east-1", config=config) as client:
            await client.create_vector_bucket(vectorBucketName="retry-bucket")
            m.inject_error("GetVectorBucket", "TooManyRequestsException", times=2)
            response = await client.get_vector_bucket(vectorBucketName="retry-bucket")
            assert response["ResponseMetadata"]["RetryAttempts"] == 2
            m.inject_error("GetVectorBucket", "ServiceUnavailableException", times=9)
            with pytest.raises(client.exceptions.ServiceUnavailableException):
                await client.get_vector_bucket(vectorBucketName="retry-bucket")


async def test_injected_latency_does_not_block_the_event_loop() -> None:
    async with mock_s3vectors() as m:
        session = aiobotocore_session.get_session()
        async with session.create_client("s3vectors", region_name="us-east-1") as client:
            m.inject_latency("ListVectorBuckets", 0.3, times=1)
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            task = asyncio.create_task(ticker())
            started = time.perf_counter()
            await client.list_vector_buckets()
            elapsed = time.perf_counter() - started
            task.cancel()
            assert elapsed >= 0.3
            assert ticks >= 10  # the loop kept running while the call waited


@mock_s3vectors
async def test_decorated_async_test_with_aiobotocore() -> None:
    session = aiobotocore_session.get_session()
    async with session.create_client("s3vectors", region_name="us-east-1") as client:
        assert (await client.list_vector_buckets())["vectorBuckets"] == []


def test_client_created_outside_the_mock() -> None:
    async def scenario() -> list[str]:
        session = aiobotocore_session.get_session()
        async with session.create_client("s3vectors", region_name="us-east-1") as client, mock_s3vectors():
            await client.create_vector_bucket(vectorBucketName="early-async")
            return [b["vectorBucketName"] for b in (await client.list_vector_buckets())["vectorBuckets"]]

    assert asyncio.run(scenario()) == ["early-async"]
