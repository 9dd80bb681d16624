"""The two s3vectors models the mock reads: the service's, and the client's.

The real service does not know which SDK version calls it. What it accepts, rejects and returns is the service as
it is today, so the mock validates and answers from ``service_model()``: a copy of the newest s3vectors model,
shipped with this package (``data/s3vectors-service-2.json.gz``, from botocore 1.44.8). The installed botocore's
model, ``client_model()``, only decides what an in-process client can send and what its parser keeps of an answer.
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICE_NAME = "s3vectors"
SHIPPED_MODEL = "s3vectors-service-2.json.gz"


@functools.cache
def service_model() -> ServiceModel:
    """The service as it is today (the newest model we know), whatever botocore the caller has."""
    raw = resources.files(__package__).joinpath("data").joinpath(SHIPPED_MODEL).read_bytes()
    return ServiceModel(json.loads(gzip.decompress(raw)), service_name=SERVICE_NAME)


@functools.cache
def client_model() -> ServiceModel:
    """The installed botocore's model: what an in-process client can send and parse."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@functools.cache
def operation_names(model: ServiceModel | None = None) -> frozenset[str]:
    return frozenset((model or service_model()).operation_names)


@functools.cache
def operation_model(operation: str, model: ServiceModel | None = None) -> OperationModel:
    return (model or service_model()).operation_model(operation)


@functools.cache
def input_members(operation: str, model: ServiceModel | None = None) -> frozenset[str]:
    shape = operation_model(operation, model).input_shape
    return frozenset(shape.members) if shape is not None else frozenset()


@functools.cache
def output_members(operation: str, model: ServiceModel) -> frozenset[str]:
    shape = operation_model(operation, model).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def has_member(operation: str, member: str, model: ServiceModel | None = None) -> bool:
    """Whether ``model`` (the service's by default) declares ``member`` in the input of ``operation``."""
    return operation in operation_names(model) and member in input_members(operation, model)
