"""Fixtures for server-mode tests: HTTP clients of a server on a free loopback port."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.config import Config

pytest.importorskip("uvicorn", reason="server mode needs the server extra")

# A 12-digit access key id is the caller's account; anything else acts as the server's default account.
DUMMY_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def http_client(url: str, region: str = "us-east-1", **overrides: Any) -> Any:
    """A boto3 client of the server at ``url``, signing with dummy credentials."""
    options = {**DUMMY_CREDENTIALS, **overrides}
    config = options.pop("config", Config(retries={"mode": "standard", "max_attempts": 1}))
    return boto3.client("s3vectors", endpoint_url=url, region_name=region, config=config, **options)


class RawAnswer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_type(self) -> str | None:
        return self.headers.get("x-amzn-errortype")


class RawHTTP:
    """Plain http.client requests, for what no SDK would send."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> RawAnswer:
        if isinstance(body, dict):
            body = json.dumps(body)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return RawAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()


@pytest.fixture
def client(s3vectors_server: Any) -> Any:
    return http_client(s3vectors_server.url)


@pytest.fixture
def raw(s3vectors_server: Any) -> RawHTTP:
    return RawHTTP(s3vectors_server.port)


@pytest.fixture
def index_arn(client: Any) -> Iterator[str]:
    client.create_vector_bucket(vectorBucketName="docs")
    yield client.create_index(
        vectorBucketName="docs", indexName="chunks", dataType="float32", dimension=3, distanceMetric="cosine"
    )["indexArn"]
