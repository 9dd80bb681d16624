"""The botocore integration: which clients are mocked, credentials, Stubber, and failing closed."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
from typing import TYPE_CHECKING, Any, ClassVar, cast

import boto3
import botocore.config
import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber

from s3vectors_mock import S3VectorsMock, S3VectorsMockError, mock_s3vectors, patch_client
from s3vectors_mock import operations as operations_module
from tests.helpers import error_of

if TYPE_CHECKING:
    from types_boto3_s3vectors import S3VectorsClient


def test_client_created_before_the_mock_started() -> None:
    early = boto3.client("s3vectors", region_name="us-east-1")
    with mock_s3vectors():
        early.create_vector_bucket(vectorBucketName="early-bucket")
        assert [b["vectorBucketName"] for b in early.list_vector_buckets()["vectorBuckets"]] == ["early-bucket"]


def test_client_created_before_the_package_was_imported() -> None:
    script = textwrap.dedent(
        """
        import os, boto3
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
            os.environ.pop(name, None)
        os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        early = boto3.client("s3vectors", region_name="us-east-1")
        from s3vectors_mock import mock_s3vectors
        with mock_s3vectors():
            arn = early.create_vector_bucket(vectorBucketName="pre-import")["vectorBucketArn"]
        print(arn)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "arn:aws:s3vectors:us-east-1:123456789012:bucket/pre-import"


def test_no_metadata_service_probe_while_active(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    # A session of its own: one made now keeps the metadata service enabled, and boto3's default session would
    # carry that into later tests (which then probed 169.254.169.254 outside any mock).
    session = boto3.Session()
    with mock_s3vectors():
        # With no credentials anywhere, botocore would probe 169.254.169.254 (the suite's socket guard forbids it).
        client = session.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="no-imds")
        # Other services' clients resolve credentials as usual, but find none on the network either.
        session.client("s3", region_name="us-east-1")


def _profiles(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A config file with a credential_process profile (which leaves a marker when it runs) and a role profile
    whose source credentials only EC2 instance metadata could give; returns the marker's path."""
    marker = tmp_path / "credential-process-ran"
    script = tmp_path / "credentials.py"
    script.write_text(
        "import json, pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDEXAMPLE', 'SecretAccessKey': 'secret'}))\n"
    )
    config = tmp_path / "config"
    config.write_text(
        f"[profile process]\ncredential_process = {sys.executable} {script}\n\n"
        "[profile instance-role]\nrole_arn = arn:aws:iam::123456789012:role/tests\n"
        "credential_source = Ec2InstanceMetadata\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return marker


def test_no_credential_provider_runs_for_a_mocked_client(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = _profiles(tmp_path, monkeypatch)
    with mock_s3vectors():
        for profile in ("process", "instance-role"):
            client = boto3.Session(profile_name=profile).client("s3vectors", region_name="us-east-1")
            client.create_vector_bucket(vectorBucketName=f"from-{profile}")
            session = botocore.session.Session(profile=profile)
            # botocore's stubs type a session's clients as BaseClient; this one is an s3vectors client.
            cast("S3VectorsClient", session.create_client("s3vectors", region_name="us-east-1")).list_vector_buckets()
    assert not marker.exists()
    # Without a mock the same profile runs its process when the client is created (so the test above means it).
    boto3.Session(profile_name="process").client("s3vectors", region_name="us-east-1")
    assert marker.read_text() == "ran"


async def test_no_credential_provider_runs_for_a_mocked_async_client(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    marker = _profiles(tmp_path, monkeypatch)
    with mock_s3vectors():
        for profile in ("process", "instance-role"):
            session = aiobotocore_session.AioSession(profile=profile)
            async with session.create_client("s3vectors", region_name="us-east-1") as client:
                await client.create_vector_bucket(vectorBucketName=f"from-{profile}")
    assert not marker.exists()


def test_botocore_session_clients_are_mocked(mock: S3VectorsMock) -> None:
    client = cast(
        "S3VectorsClient", botocore.session.get_session().create_client("s3vectors", region_name="ap-south-1")
    )
    assert client.create_vector_bucket(vectorBucketName="plain-botocore")["vectorBucketArn"].startswith(
        "arn:aws:s3vectors:ap-south-1:"
    )


def test_no_credentials_needed_and_environment_untouched(mock: S3VectorsMock) -> None:
    import os

    before = dict(os.environ)
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="no-creds")
    assert dict(os.environ) == before


def test_inactive_mock_leaves_clients_alone() -> None:
    """Without an active mock the request heads for AWS: it reaches the network layer, which the suite forbids."""
    client = boto3.client("s3vectors", region_name="us-east-1")
    with pytest.raises(Exception) as excinfo:
        client.list_vector_buckets()
    assert not isinstance(excinfo.value, ClientError)


def test_stubber_on_a_client_wins_while_active(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="real-bucket")
    with Stubber(client) as stubber:
        stubber.add_response("list_vector_buckets", {"vectorBuckets": []})
        assert client.list_vector_buckets()["vectorBuckets"] == []
        stubber.assert_no_pending_responses()
    assert [b["vectorBucketName"] for b in client.list_vector_buckets()["vectorBuckets"]] == ["real-bucket"]


def test_unimplemented_operation_is_a_clear_error(mock: S3VectorsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(operations_module.OPERATIONS, "ListVectorBuckets")
    client = boto3.client("s3vectors", region_name="us-east-1")
    with pytest.raises(ClientError) as excinfo:
        client.list_vector_buckets()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("NotImplemented", 501)
    assert "ListVectorBuckets" in message


@pytest.mark.parametrize("earlier_call_unmocked", [False, True])
def test_request_reaching_send_while_active_fails_closed(mock: S3VectorsMock, earlier_call_unmocked: bool) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    patch_client(client)
    if earlier_call_unmocked:  # a call of this thread decided for the wire must not let a later one through
        mock.stop()
        unmocked = boto3.client(
            "s3vectors",
            region_name="us-east-1",
            endpoint_url="http://127.0.0.1:9",  # nothing listens: refused at once, on this machine
            aws_access_key_id="k",
            aws_secret_access_key="s",
            config=botocore.config.Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(EndpointConnectionError):
            unmocked.list_vector_buckets()
        mock.start()
    # Another before-call handler that declines to answer and stops ours (as a misbehaving plugin might).
    client.meta.events.register_first("before-call.s3vectors.ListVectorBuckets", lambda **_: None)
    client.meta.events.unregister("before-call.s3vectors", unique_id="s3vectors-mock-call")
    with pytest.raises(S3VectorsMockError, match="nothing was sent to the network"):
        client.list_vector_buckets()


def test_internal_defect_becomes_a_modelled_error(mock: S3VectorsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: Any, params: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(operations_module.OPERATIONS, "ListVectorBuckets", broken)
    client = boto3.client("s3vectors", region_name="us-east-1")
    with pytest.raises(client.exceptions.InternalServerException) as excinfo:
        client.list_vector_buckets()
    assert "boom" in error_of(excinfo)[1]


def test_response_metadata_is_complete(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    metadata = client.list_vector_buckets()["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["RetryAttempts"] == 0
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert metadata["HTTPHeaders"]["content-type"] == "application/json"


def test_custom_endpoint_url_is_mocked_too(mock: S3VectorsMock) -> None:
    """The mock answers before any URL is used: a client pointed at another endpoint is mocked as well."""
    client = boto3.client("s3vectors", region_name="us-east-1", endpoint_url="http://localhost:4566")
    client.create_vector_bucket(vectorBucketName="custom-endpoint")
    assert mock.calls[-1].operation == "CreateVectorBucket"


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in for AWS: records every request that reaches the network, answers an empty success."""

    bodies: ClassVar[list[bytes]] = []
    ANSWER = b'{"vectorBucketArn": "arn:aws:s3vectors:us-east-1:123456789012:bucket/ingest"}'

    def do_PUT(self) -> None:  # CreateVectorBucket is POST; any method is recorded the same way
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.bodies.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.send_header("Content-Length", str(len(self.ANSWER)))
        self.end_headers()
        self.wfile.write(self.ANSWER)

    def log_message(self, *_: Any) -> None:
        pass


def test_a_mock_started_and_stopped_in_another_thread_never_splits_a_call() -> None:
    """C18: a background ingest while another thread starts and stops a mock. Each call is decided once: answered
    in-process from its own parameters, or sent with its real body; never an empty body on the wire, never an
    answer to empty parameters (before the fix: 677 of 837 empty bodies, 266 wrong "Value null at ...")."""
    _Recorder.bodies.clear()
    network = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=network.serve_forever, daemon=True).start()
    client = boto3.client(
        "s3vectors",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{network.server_address[1]}",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    mock = S3VectorsMock()
    stop = threading.Event()

    def toggle() -> None:
        while not stop.is_set():
            mock.start()
            mock.stop()

    names = [f"ingest-{i:04d}" for i in range(300)]
    wrong: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so calls and toggles interleave at every step
    toggler = threading.Thread(target=toggle)
    toggler.start()
    try:
        for name in names:
            try:
                client.create_vector_bucket(vectorBucketName=name)
            except (ClientError, S3VectorsMockError) as error:
                wrong.append(f"{name}: {error!r}")
    finally:
        stop.set()
        toggler.join()
        sys.setswitchinterval(interval)
        network.shutdown()
        network.server_close()
    assert wrong == []
    sent = [json.loads(body)["vectorBucketName"] if body else "<empty>" for body in _Recorder.bodies]
    assert "<empty>" not in sent
    assert set(sent) <= set(names)
    answered = {call.params["vectorBucketName"] for call in mock.calls if call.operation == "CreateVectorBucket"}
    assert answered <= set(names) and answered.isdisjoint(sent)
    assert len(answered) + len(sent) == len(names)  # every call went exactly one way


NEWER_CLIENT = """
import json, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from s3vectors_mock import mock_s3vectors

def outcome(call):
    try:
        call()
    except ClientError as error:
        return [error.response["Error"]["Code"], error.response["Error"]["Message"],
                error.response["ResponseMetadata"]["HTTPStatusCode"]]
    return "answered"

config = Config(retries={"max_attempts": 1})
with mock_s3vectors() as m, m.serve() as server:
    results = {}
    for way, client in (("in-process", boto3.client("s3vectors", region_name="us-east-1", config=config)),
                        ("over HTTP", boto3.client("s3vectors", region_name="us-east-1", config=config,
                                                   endpoint_url=server.url))):
        client.create_vector_bucket(vectorBucketName="bkt-" + way[:2])
        where = {"vectorBucketName": "bkt-" + way[:2], "indexName": "idx"}
        client.create_index(**where, dataType="float32", dimension=2, distanceMetric="cosine")
        results[way] = [
            outcome(lambda: client.query_vectors(**where, topK=1, queryVector={"float32": [1.0, 0.0]}, rerank=True)),
            outcome(lambda: client.put_vectors(**where, vectors=[{"key": "k", "data": {"float32": [1.0, 0.0]},
                                                                  "ttl": True}])),
            outcome(lambda: client.query_vectors(**where, topK=1, queryVector={"float32": [1.0, 0.0]})),
        ]
    print(json.dumps(results))
"""


def test_a_member_the_shipped_model_lacks_is_refused_by_name_in_both_front_ends(tmp_path: Any) -> None:
    """C19: a client with a newer botocore (simulated: a model under AWS_DATA_PATH with two new members) sends
    members the service model lacks; they are refused by name, never silently dropped."""
    model = botocore.loaders.Loader().load_service_model("s3vectors", "service-2")
    model["shapes"]["QueryVectorsInput"]["members"]["rerank"] = {"shape": "Boolean"}
    model["shapes"]["PutInputVector"]["members"]["ttl"] = {"shape": "Boolean"}
    target = tmp_path / "s3vectors" / model["metadata"]["apiVersion"]
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    environment = {**os.environ, "AWS_DATA_PATH": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", NEWER_CLIENT], capture_output=True, text=True, env=environment, timeout=120
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert results["in-process"] == results["over HTTP"]
    rerank, ttl, plain = results["in-process"]
    assert rerank[0] == "NotImplemented" and rerank[2] == 501
    assert "member 'rerank' of QueryVectorsInput" in rerank[1]
    assert ttl[0] == "NotImplemented" and "member 'ttl' of PutInputVector" in ttl[1]
    assert plain == "answered"


def test_a_call_parked_on_the_send_stage_is_answered_by_its_mock_even_if_it_stopped() -> None:
    """Decided once, kept to: a request routed through the send stage (an injected fault) is answered by the mock
    that parked it, every attempt, even when the mock stops between botocore's before-call and its send."""
    mock = S3VectorsMock()
    mock.start()
    try:
        client = boto3.client(
            "s3vectors", region_name="us-east-1", config=botocore.config.Config(retries={"mode": "standard"})
        )
        client.create_vector_bucket(vectorBucketName="parked")
        mock.inject_error("GetVectorBucket", "ServiceUnavailableException")
        stopped: list[bool] = []

        def stop_the_mock(**_: Any) -> None:
            if not stopped:
                stopped.append(True)
                mock.stop()

        client.meta.events.register("before-send.s3vectors.GetVectorBucket", stop_the_mock)
        response = client.get_vector_bucket(vectorBucketName="parked")
    finally:
        if not stopped:
            mock.stop()
    assert response["vectorBucket"]["vectorBucketName"] == "parked"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
