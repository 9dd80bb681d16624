"""Reaching a target outside the process: recognising an endpoint of ours, and deleting what a test created (and
nothing else) where nothing can be reset. Against a server in this process, standing in for AWS."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import boto3
import pytest

from s3vectors_mock import S3VectorsMock, _remote_targets
from s3vectors_mock._remote_targets import Creations, is_ours, reset
from s3vectors_mock._targets import TargetError

pytest.importorskip("uvicorn", reason="the stand-in is a server")

POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
    '"Action": "s3vectors:GetVectorBucket", "Resource": "*"}]}'
)


class StandIn(NamedTuple):
    url: str
    mock: S3VectorsMock
    watched: Any  # a client whose creations are recorded
    other: Any  # a client of the same endpoint that nobody watches
    creations: Creations


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    mock = S3VectorsMock()
    with mock.serve() as server:
        clients = [
            boto3.client(
                "s3vectors",
                endpoint_url=server.url,
                region_name="us-east-1",
                aws_access_key_id="stand-in",
                aws_secret_access_key="stand-in",
            )
            for _ in range(2)
        ]
        creations = Creations()
        creations.watch(clients[0])
        yield StandIn(server.url, mock, clients[0], clients[1], creations)


def make_index(client: Any, bucket: str, name: str) -> str:
    arn: str = client.create_index(
        vectorBucketName=bucket, indexName=name, dataType="float32", dimension=2, distanceMetric="cosine"
    )["indexArn"]
    return arn


def buckets(client: Any) -> list[str]:
    return sorted(bucket["vectorBucketName"] for bucket in client.list_vector_buckets()["vectorBuckets"])


def indexes(client: Any, bucket: str) -> list[str]:
    return sorted(index["indexName"] for index in client.list_indexes(vectorBucketName=bucket)["indexes"])


def test_only_what_the_watched_client_created_is_deleted(stand_in: StandIn) -> None:
    watched, other = stand_in.watched, stand_in.other
    other.create_vector_bucket(vectorBucketName="theirs")
    make_index(other, "theirs", "their-index")
    watched.create_vector_bucket(vectorBucketName="mine")
    make_index(watched, "mine", "my-index")
    make_index(other, "mine", "unwatched-in-mine")  # made in a bucket the run created: it goes with the bucket
    make_index(watched, "theirs", "mine-in-theirs")
    watched.put_vector_bucket_policy(vectorBucketName="mine", policy=POLICY)
    with pytest.raises(watched.exceptions.ConflictException):  # failed creations are not recorded
        watched.create_vector_bucket(vectorBucketName="theirs")

    assert stand_in.creations.clean_up() == []
    assert buckets(other) == ["theirs"]
    assert indexes(other, "theirs") == ["their-index"]
    assert stand_in.creations.clean_up() == []  # nothing left to do twice


def test_what_the_test_deleted_itself_is_no_leftover(stand_in: StandIn) -> None:
    watched = stand_in.watched
    watched.create_vector_bucket(vectorBucketName="gone")
    arn = make_index(watched, "gone", "gone-index")
    watched.delete_index(indexArn=arn)
    watched.delete_vector_bucket(vectorBucketName="gone")
    assert stand_in.creations.clean_up() == []


def test_a_refused_deletion_is_reported_with_its_arn(stand_in: StandIn) -> None:
    stand_in.watched.create_vector_bucket(vectorBucketName="stuck")
    stand_in.mock.inject_error("DeleteVectorBucket", "AccessDeniedException")
    (leftover,) = stand_in.creations.clean_up()
    assert leftover.arn == "arn:aws:s3vectors:us-east-1:123456789012:bucket/stuck"
    assert leftover.reason.startswith("delete_vector_bucket: An error occurred (AccessDeniedException)")
    assert str(leftover).startswith("arn:aws:s3vectors:us-east-1:123456789012:bucket/stuck (delete_vector_bucket:")
    assert buckets(stand_in.other) == ["stuck"]


def test_a_conflict_is_tried_again_before_it_is_reported(stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_remote_targets, "CONFLICT_PAUSES", (0.0, 0.0))
    stand_in.watched.create_vector_bucket(vectorBucketName="slow")
    stand_in.mock.inject_error("DeleteVectorBucket", "ConflictException", times=2)
    assert stand_in.creations.clean_up() == []
    assert buckets(stand_in.other) == []
    stand_in.watched.create_vector_bucket(vectorBucketName="slower")
    stand_in.mock.inject_error("DeleteVectorBucket", "ConflictException", times=3)
    (leftover,) = stand_in.creations.clean_up()
    assert "ConflictException" in leftover.reason


def test_an_endpoint_of_ours_is_recognised_and_reset(stand_in: StandIn) -> None:
    stand_in.watched.create_vector_bucket(vectorBucketName="before")
    assert is_ours(stand_in.url)
    reset(stand_in.url)
    assert buckets(stand_in.other) == []


def test_nothing_answering_is_refused_and_something_else_is_not_ours() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(TargetError, match=f"nothing answers at the s3vectors target http://127.0.0.1:{port}"):
        is_ours(f"http://127.0.0.1:{port}")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        assert not is_ours(f"http://127.0.0.1:{server.get_host_and_port()[1]}")
    finally:
        server.stop()


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_target_server_dies_with_the_test_process() -> None:
    """A test process killed outright (SIGKILL, an OOM kill) leaves no server of the server target behind."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom s3vectors_mock._remote_targets import ServerProcess\n"
            "server = ServerProcess()\nprint(server._process.pid, flush=True)\ntime.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(server_pid, signal.SIGKILL)
    raise AssertionError("the server outlived the test process that started it")
