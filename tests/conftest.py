"""Suite-wide guards and fixtures.

* No test may open a network connection: any connect to a non-loopback address fails the test loudly.
* Every s3vectors response a test sees is validated against the operation's output shape (as botocore's Stubber
  validates stubbed responses), and every error code must be one the operation declares.
* Tests run without credentials of any kind.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

import boto3
import botocore.client
import pytest
import wrapt
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

from s3vectors_mock import S3VectorsMock
from tests.helpers import make_index

for _variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(_variable, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.pop("AWS_ENDPOINT_URL", None)
# Clients created with no mock active would otherwise probe the EC2 metadata service for credentials.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


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


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


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
    # door's; NotImplemented is the mock's.
    allowed = declared | {"SerializationException", "InvalidSignatureException", "NotImplemented"}
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
def raw_client(mock: S3VectorsMock) -> Any:
    """A client with botocore's own validation off: every request reaches the (mock) service as sent."""
    return boto3.client("s3vectors", region_name="us-east-1", config=botocore.config.Config(parameter_validation=False))


@pytest.fixture
def bucket(client: Any) -> str:
    client.create_vector_bucket(vectorBucketName="test-bucket")
    return "test-bucket"


@pytest.fixture
def index(client: Any, bucket: str) -> str:
    """A 3-dimensional cosine index named test-index in test-bucket; returns its ARN."""
    return make_index(client)
