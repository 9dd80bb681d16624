"""Clients other than boto3 against the server: aiobotocore, the AWS CLI (a real process), and 8 concurrent
threads mixing writes and reads."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import http_client


async def test_aiobotocore(s3vectors_server: Any) -> None:
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    session = aiobotocore_session.get_session()
    async with session.create_client(
        "s3vectors",
        endpoint_url=s3vectors_server.url,
        region_name="eu-west-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ) as client:
        await client.create_vector_bucket(vectorBucketName="async-bucket")
        await client.create_index(
            vectorBucketName="async-bucket", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
        )
        await client.put_vectors(
            vectorBucketName="async-bucket", indexName="idx", vectors=[{"key": "a", "data": {"float32": [1, 0]}}]
        )
        hits = await client.query_vectors(
            vectorBucketName="async-bucket", indexName="idx", topK=1, queryVector={"float32": [1, 0]}
        )
        assert [hit["key"] for hit in hits["vectors"]] == ["a"]
        with pytest.raises(client.exceptions.ConflictException):
            await client.create_vector_bucket(vectorBucketName="async-bucket")
    assert {call.region for call in s3vectors_server.mock.calls} == {"eu-west-2"}


def aws(url: str, *args: str) -> subprocess.Popen[str]:
    """Start ``aws s3vectors ARGS --endpoint-url URL`` with dummy credentials (in its environment only)."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    command = [sys.executable, "-m", "awscli", "s3vectors", *args, "--endpoint-url", url, "--output", "json"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def test_the_aws_cli(s3vectors_server: Any) -> None:
    if importlib.util.find_spec("awscli") is None:
        pytest.skip("the AWS CLI (awscli) is not installed in this environment")
    url = s3vectors_server.url
    code, stdout, stderr = finished(aws(url, "create-vector-bucket", "--vector-bucket-name", "cli-bucket"))
    assert code == 0, stderr
    assert json.loads(stdout)["vectorBucketArn"] == "arn:aws:s3vectors:us-west-2:123456789012:bucket/cli-bucket"
    http_client(url, region="us-west-2").create_index(
        vectorBucketName="cli-bucket", indexName="cli-index", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    # Each CLI process takes seconds to start: the two independent calls run side by side.
    vectors = json.dumps([{"key": "k", "data": {"float32": [1, 0]}, "metadata": {"lang": "en"}}])
    put = aws(
        url, "put-vectors", "--vector-bucket-name", "cli-bucket", "--index-name", "cli-index", "--vectors", vectors
    )
    conflict = aws(url, "create-vector-bucket", "--vector-bucket-name", "cli-bucket")
    code, _, stderr = finished(put)
    assert code == 0, stderr
    code, _, stderr = finished(conflict)
    assert code != 0
    assert "ConflictException" in stderr and "A vector bucket with the specified name already exists" in stderr
    listed = http_client(url, region="us-west-2").list_vectors(
        vectorBucketName="cli-bucket", indexName="cli-index", returnMetadata=True
    )
    assert listed["vectors"] == [{"key": "k", "metadata": {"lang": "en"}}]


def test_eight_concurrent_clients(s3vectors_server: Any) -> None:
    setup = http_client(s3vectors_server.url)
    setup.create_vector_bucket(vectorBucketName="busy")
    setup.create_index(
        vectorBucketName="busy", indexName="shared", dataType="float32", dimension=4, distanceMetric="euclidean"
    )

    def worker(number: int) -> int:
        client = http_client(s3vectors_server.url)
        own = f"own-{number}"
        client.create_index(
            vectorBucketName="busy", indexName=own, dataType="float32", dimension=4, distanceMetric="cosine"
        )
        for batch in range(10):
            vectors = [
                {"key": f"w{number}-{batch}-{i}", "data": {"float32": [number, batch, i, 1]}, "metadata": {"w": number}}
                for i in range(20)
            ]
            client.put_vectors(vectorBucketName="busy", indexName="shared", vectors=vectors)
            client.put_vectors(vectorBucketName="busy", indexName=own, vectors=vectors)
            hits = client.query_vectors(
                vectorBucketName="busy",
                indexName="shared",
                topK=5,
                queryVector={"float32": [number, batch, 0, 1]},
                filter={"w": number},
            )["vectors"]
            assert hits and all(hit["key"].startswith(f"w{number}-") for hit in hits)
            client.get_index(vectorBucketName="busy", indexName=own)
        # Delete half of this worker's vectors again.
        doomed = [f"w{number}-{batch}-{i}" for batch in range(10) for i in range(0, 20, 2)]
        for start in range(0, len(doomed), 50):
            client.delete_vectors(vectorBucketName="busy", indexName="shared", keys=doomed[start : start + 50])
        return number

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(worker, range(8))) == list(range(8))

    keys: list[str] = []
    request: dict[str, Any] = {"vectorBucketName": "busy", "indexName": "shared", "maxResults": 1000}
    while True:
        page = setup.list_vectors(**request)
        keys.extend(vector["key"] for vector in page["vectors"])
        if "nextToken" not in page:
            break
        request["nextToken"] = page["nextToken"]
    expected = {f"w{n}-{b}-{i}" for n in range(8) for b in range(10) for i in range(1, 20, 2)}
    assert len(keys) == len(expected) and set(keys) == expected
    for number in range(8):
        own = setup.list_vectors(vectorBucketName="busy", indexName=f"own-{number}", maxResults=1000)["vectors"]
        assert len(own) == 200
    indexes = setup.list_indexes(vectorBucketName="busy")["indexes"]
    assert sorted(index["indexName"] for index in indexes) == sorted(["shared", *(f"own-{n}" for n in range(8))])
