"""boto3 over HTTP against ``S3VectorsMock.serve`` (through the ``s3vectors_server`` fixture): the same service,
state, validation and texts as in-process, now through the service's REST-JSON wire format."""

from __future__ import annotations

import socket
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3vectors_mock import mock_s3vectors

from .conftest import RawHTTP, http_client


def test_a_whole_flow_over_http(client: Any, index_arn: str) -> None:
    client.put_vectors(
        indexArn=index_arn,
        vectors=[
            {"key": "a", "data": {"float32": [1, 0, 0]}, "metadata": {"lang": "en", "tags": ["x", "y"], "n": 1}},
            {"key": "b", "data": {"float32": [0, 1, 0]}, "metadata": {"lang": "fr", "n": 2}},
            {"key": "c", "data": {"float32": [0.9, 0.1, 0]}, "metadata": {"lang": "en", "n": 3}},
        ],
    )
    hits = client.query_vectors(
        indexArn=index_arn,
        topK=2,
        queryVector={"float32": [1, 0, 0]},
        filter={"$and": [{"lang": "en"}, {"n": {"$gte": 1}}]},
        returnDistance=True,
        returnMetadata=True,
    )
    assert [hit["key"] for hit in hits["vectors"]] == ["a", "c"]
    assert hits["vectors"][0]["distance"] == 0 and hits["distanceMetric"] == "cosine"
    assert hits["vectors"][0]["metadata"] == {"lang": "en", "tags": ["x", "y"], "n": 1}
    got = client.get_vectors(indexArn=index_arn, keys=["b"], returnData=True, returnMetadata=True)["vectors"]
    assert got == [{"key": "b", "data": {"float32": [0.0, 1.0, 0.0]}, "metadata": {"lang": "fr", "n": 2}}]
    index = client.get_index(indexArn=index_arn)["index"]
    assert index["creationTime"].tzinfo is not None and index["dimension"] == 3
    first = client.list_vectors(indexArn=index_arn, maxResults=2)
    rest = client.list_vectors(indexArn=index_arn, maxResults=2, nextToken=first["nextToken"])
    assert sorted(v["key"] for v in first["vectors"] + rest["vectors"]) == ["a", "b", "c"]
    client.delete_vectors(indexArn=index_arn, keys=["a", "b"])
    assert [v["key"] for v in client.list_vectors(indexArn=index_arn)["vectors"]] == ["c"]


def test_tags_travel_in_the_path_and_the_query_string(client: Any, index_arn: str) -> None:
    client.tag_resource(resourceArn=index_arn, tags={"team": "search", "env": "test", "cost": "1"})
    client.untag_resource(resourceArn=index_arn, tagKeys=["env", "cost"])
    assert client.list_tags_for_resource(resourceArn=index_arn)["tags"] == {"team": "search"}


def test_modelled_errors_with_the_service_texts(client: Any, index_arn: str) -> None:
    with pytest.raises(client.exceptions.ConflictException) as conflict:
        client.create_vector_bucket(vectorBucketName="docs")
    assert conflict.value.response["Error"]["Message"] == "A vector bucket with the specified name already exists"
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(client.exceptions.NotFoundException, match="The specified index could not be found"):
        client.get_index(vectorBucketName="docs", indexName="missing")
    with pytest.raises(client.exceptions.ValidationException) as invalid:
        client.put_vectors(indexArn=index_arn, vectors=[{"key": "z", "data": {"float32": [0, 0, 0]}}])
    assert invalid.value.response["Error"]["Message"] == (
        "Invalid record for key 'z': cosine distance does not support vectors with zero norm"
    )


def test_validation_the_client_skips_reaches_the_service(s3vectors_server: Any, index_arn: str) -> None:
    raw_client = http_client(s3vectors_server.url, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as error:
        raw_client.create_vector_bucket(vectorBucketName="x" * 64)
    assert error.value.response["Error"]["Message"] == (
        "1 validation error detected. Value with length 64 at '/vectorBucketName' failed to satisfy constraint: "
        "Member must have length between 3 and 63, inclusive"
    )
    with pytest.raises(ClientError, match="vector contains NaNs or Infs"):  # sent as the string "NaN"
        raw_client.put_vectors(indexArn=index_arn, vectors=[{"key": "n", "data": {"float32": [float("nan"), 1, 0]}}])


def test_the_mock_and_the_server_share_one_world(s3vectors_server: Any, client: Any, index_arn: str) -> None:
    mock = s3vectors_server.mock
    mock.load_vectors(index_arn, ["s1", "s2"], [[1, 0, 0], [0, 1, 0]])
    assert client.get_vectors(indexArn=index_arn, keys=["s1", "s2"])["vectors"]
    assert [call.operation for call in mock.calls] == ["CreateVectorBucket", "CreateIndex", "GetVectors"]
    in_process = boto3.client("s3vectors", region_name="us-east-1")  # answered in-process, same state
    assert len(in_process.list_vectors(indexArn=index_arn)["vectors"]) == 2
    mock.reset()
    assert client.list_vector_buckets()["vectorBuckets"] == []


def test_injected_errors_are_http_errors_and_sdk_retries_see_them(s3vectors_server: Any, raw: RawHTTP) -> None:
    mock = s3vectors_server.mock
    mock.inject_error("ListVectorBuckets", "ServiceUnavailableException")
    answer = raw.request("POST", "/ListVectorBuckets", {})
    assert (answer.status, answer.error_type) == (503, "ServiceUnavailableException")
    assert answer.json["message"]
    retrying = http_client(s3vectors_server.url, config=Config(retries={"mode": "standard", "max_attempts": 3}))
    mock.inject_error("ListVectorBuckets", "TooManyRequestsException", times=2)
    response = retrying.list_vector_buckets()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    outcomes = [call.error_code for call in mock.calls if call.operation == "ListVectorBuckets"]
    assert outcomes == ["ServiceUnavailableException", "TooManyRequestsException", "TooManyRequestsException", None]


def test_injected_latency_delays_the_answer(s3vectors_server: Any, client: Any) -> None:
    s3vectors_server.mock.inject_latency("ListVectorBuckets", 0.3, times=1)
    started = time.monotonic()
    client.list_vector_buckets()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.list_vector_buckets()
    assert time.monotonic() - started < 0.3


def test_regions_and_accounts_come_from_the_sigv4_scope(s3vectors_server: Any) -> None:
    url = s3vectors_server.url
    west = http_client(url, region="eu-west-1")
    east = http_client(url, region="us-east-1")
    other_account = http_client(url, region="eu-west-1", aws_access_key_id="111122223333")
    arn = west.create_vector_bucket(vectorBucketName="shared-name")["vectorBucketArn"]
    assert arn == "arn:aws:s3vectors:eu-west-1:123456789012:bucket/shared-name"
    assert east.list_vector_buckets()["vectorBuckets"] == []
    assert other_account.list_vector_buckets()["vectorBuckets"] == []
    other_arn = other_account.create_vector_bucket(vectorBucketName="shared-name")["vectorBucketArn"]
    assert other_arn == "arn:aws:s3vectors:eu-west-1:111122223333:bucket/shared-name"
    assert [call.region for call in s3vectors_server.mock.calls] == ["eu-west-1", "us-east-1", "eu-west-1", "eu-west-1"]


def test_a_client_without_credentials_is_unsigned_and_acts_in_us_east_1(s3vectors_server: Any) -> None:
    anonymous = boto3.client("s3vectors", endpoint_url=s3vectors_server.url, region_name="eu-west-1")
    anonymous.create_vector_bucket(vectorBucketName="anon")
    assert s3vectors_server.mock.calls[-1].region == "us-east-1"


def test_clients_aimed_at_the_server_go_over_http_while_the_mock_is_active() -> None:
    with mock_s3vectors(account_id="210987654321") as mock, mock.serve() as server:
        over_http = http_client(server.url, region="ap-south-1", aws_access_key_id="111122223333")
        arn = over_http.create_vector_bucket(vectorBucketName="b-http")["vectorBucketArn"]
        # The account came from the access key: the request was answered by the server, not in-process.
        assert arn == "arn:aws:s3vectors:ap-south-1:111122223333:bucket/b-http"
        in_process = boto3.client("s3vectors", region_name="ap-south-1")
        assert in_process.create_vector_bucket(vectorBucketName="b-local")["vectorBucketArn"] == (
            "arn:aws:s3vectors:ap-south-1:210987654321:bucket/b-local"
        )


def test_serve_is_a_context_manager_and_stop_frees_the_port() -> None:
    with mock_s3vectors() as mock:
        server = mock.serve()
        assert server.url == f"http://127.0.0.1:{server.port}" and server.mock is mock
        http_client(server.url).list_vector_buckets()
        server.stop()
        assert not server.running
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5)
        server.stop()  # idempotent


def test_health_and_reset_endpoints(s3vectors_server: Any, raw: RawHTTP, client: Any) -> None:
    health = raw.request("GET", "/_s3vectors-mock/health")
    from s3vectors_mock import __version__

    assert (health.status, health.json) == (200, {"status": "ok", "version": __version__})
    client.create_vector_bucket(vectorBucketName="gone-soon")
    assert raw.request("POST", "/_s3vectors-mock/reset").status == 200
    assert client.list_vector_buckets()["vectorBuckets"] == []
    assert raw.request("POST", "/_s3vectors-mock/health").status == 405
    assert raw.request("GET", "/_s3vectors-mock/nothing").status == 404


def test_the_newest_api_is_served_whatever_botocore_the_test_has(raw: RawHTTP, client: Any) -> None:
    # Today's model parses the request: full-text search, even when this environment's botocore predates it.
    client.create_vector_bucket(vectorBucketName="text")
    created = raw.request(
        "POST",
        "/CreateIndex",
        {
            "vectorBucketName": "text",
            "indexName": "notes",
            "dataType": "float32",
            "dimension": 2,
            "distanceMetric": "cosine",
            "metadataConfiguration": {"textSearchConfigurations": [{"metadataKey": "body", "language": "en"}]},
        },
    )
    assert created.status == 200, created.body
    put = raw.request(
        "POST",
        "/PutVectors",
        {
            "vectorBucketName": "text",
            "indexName": "notes",
            "vectors": [
                {"key": "cheese", "data": {"float32": [1, 0]}, "metadata": {"body": "cheese and wine"}},
                {"key": "cat", "data": {"float32": [0, 1]}, "metadata": {"body": "a sleeping cat"}},
            ],
        },
    )
    assert put.status == 200, put.body
    found = raw.request(
        "POST",
        "/QueryVectors",
        {
            "vectorBucketName": "text",
            "indexName": "notes",
            "topK": 5,
            "queryTexts": [{"metadataKey": "body", "text": "wine"}],
            "returnScores": True,
        },
    )
    assert found.status == 200, found.body
    assert [hit["key"] for hit in found.json["vectors"]] == ["cheese"]
    assert found.json["vectors"][0]["scores"]["bm25Scores"][0]["metadataKey"] == "body"


def test_a_nan_in_metadata_gets_the_in_process_answer(client: Any, index_arn: str) -> None:
    # botocore writes a NaN inside a document as a bare NaN, which is not JSON; read anyway, it meets the same rule.
    with pytest.raises(client.exceptions.ValidationException, match="Metadata numbers must be finite"):
        client.put_vectors(
            indexArn=index_arn, vectors=[{"key": "m", "data": {"float32": [1, 0, 0]}, "metadata": {"x": float("nan")}}]
        )
