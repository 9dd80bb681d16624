"""Suite-wide guards and fixtures.

* No test may open a network connection: any connect to a non-loopback address fails the test loudly.
* Every s3vectors response a test sees is validated against the operation's output shape (as botocore's Stubber
  validates stubbed responses), and every error code must be one the operation declares.
* Tests run without credentials of any kind.

Under ``--s3vectors-target=aws`` (a maintainer's run against AWS, docs/verifying-against-aws.md) the first and the
last do not apply: the environment's credentials and AWS's network are the point of that run. Under a URL target the
network is allowed too (the endpoint may run elsewhere).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import botocore.client
import pytest
import wrapt
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

from s3vectors_mock import S3VectorsMock
from tests import helpers
from tests.helpers import make_index

# The web stack is imported once, before any test: a test using pytester drops every module imported while it ran
# (pytester restores sys.modules), and a later import of httptools then makes new Python exception classes while
# its C parser still raises the first ones, so uvicorn's `except httptools.HttpParserError` stops matching.
with contextlib.suppress(ImportError):  # no server extra: the server tests skip
    import uvicorn.protocols.http.httptools_impl  # noqa: F401


def _isolate_from_aws() -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(variable, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ.pop("AWS_ENDPOINT_URL", None)
    # Clients created with no mock active would otherwise probe the EC2 metadata service for credentials.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def _forbid_the_network() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


class NetworkAccessError(AssertionError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0])
    return host in ("localhost", "::1") or host.startswith("127.")


def _guarded_connect(self: socket.SocketType, address: Any) -> None:
    if not _is_local(address):
        raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.SocketType, address: Any) -> int:
    if not _is_local(address):
        raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
    return _real_connect_ex(self, address)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Before the plugin resolves the target (it checks AWS credentials under aws).
    target = config.getoption("--s3vectors-target", None) or os.environ.get("S3VECTORS_MOCK_TARGET") or "mock"
    if target != "aws":
        _isolate_from_aws()
    if target in ("mock", "server"):  # a URL target may be another machine (a container, a colleague's server)
        _forbid_the_network()


def _check_timestamps(value: Any, path: str = "") -> None:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"naive datetime at {path}"
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_timestamps(item, f"{path}/{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_timestamps(item, f"{path}/{position}")


def check_response(operation_model: Any, response: dict[str, Any]) -> None:
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    if operation_model.output_shape is not None:
        validate_parameters(body, operation_model.output_shape)
    else:
        assert body == {}
    metadata = response.get("ResponseMetadata")  # botocore's Stubber answers without one
    if metadata is not None:
        assert set(metadata) >= {"RequestId", "HTTPStatusCode", "HTTPHeaders", "RetryAttempts"}
    _check_timestamps(body)


def check_error(operation_model: Any, error: ClientError) -> None:
    code = error.response["Error"]["Code"]
    declared = {shape.name for shape in operation_model.error_shapes} | {"ValidationException"}
    # SerializationException is the service's own undeclared answer, InvalidSignatureException its SigV4 front
    # door's; NotImplemented is the mock's; a request no operation listens at (an empty ARN in the URI: GET /tags/)
    # gets the service's UnknownOperationException.
    allowed = declared | {
        "SerializationException",
        "InvalidSignatureException",
        "NotImplemented",
        "UnknownOperationException",
    }
    assert code in allowed, f"{code} is not declared by {operation_model.name}"
    assert error.response["Error"]["Message"]
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] >= 400


def _validating(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if instance.meta.service_model.service_name != "s3vectors":
        return wrapped(*args, **kwargs)
    operation_model = instance.meta.service_model.operation_model(args[0])
    try:
        response = wrapped(*args, **kwargs)
    except ClientError as error:
        check_error(operation_model, error)
        raise
    check_response(operation_model, response)
    return response


# Installed after s3vectors_mock's own wrapper, so it sees the final answer of every sync call.
wrapt.wrap_function_wrapper(botocore.client.BaseClient, "_make_api_call", _validating)


# The suite uses the plugin's own fixtures (short names for brevity): what users get is what the tests exercise.
@pytest.fixture
def mock(s3vectors_mock: S3VectorsMock) -> S3VectorsMock:
    return s3vectors_mock


@pytest.fixture
def client(s3vectors_client: Any) -> Any:
    return s3vectors_client


@pytest.fixture
def raw_client(s3vectors_client_factory: Any) -> Any:
    """A client with botocore's own validation off: every request reaches the service (of the target) as sent."""
    return s3vectors_client_factory(config=botocore.config.Config(parameter_validation=False))


@pytest.fixture
def bucket(client: Any, s3vectors_target: str, s3vectors_name: Any) -> Iterator[str]:
    """test-bucket, or a name unique to the run where the target's state is shared (a URL target, AWS)."""
    name = s3vectors_name("test-bucket") if s3vectors_target in ("url", "aws") else "test-bucket"
    client.create_vector_bucket(vectorBucketName=name)
    helpers.current_bucket = name  # make_index's default bucket
    yield name
    helpers.current_bucket = "test-bucket"


@pytest.fixture
def index(client: Any, bucket: str) -> str:
    """A 3-dimensional cosine index named test-index in the bucket fixture's bucket; returns its ARN."""
    return make_index(client, bucket=bucket)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under another target, a test that uses none of the plugin's target fixtures would still run in-process and
    # check nothing about the target: it is skipped, counted and named like the mock-only ones.
    if (config.getoption("--s3vectors-target", None) or os.environ.get("S3VECTORS_MOCK_TARGET") or "mock") == "mock":
        return
    for item in items:
        if "s3vectors_client_factory" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="runs in-process whatever the target (uses no target fixture)"))
