"""The s3vectors service model: which operations and members exist, and their shapes.

botocore's installed model decides what a client can send and parse; these lookups read it.
"""

from __future__ import annotations

import functools

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICE_NAME = "s3vectors"


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@functools.cache
def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


@functools.cache
def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


@functools.cache
def input_members(operation: str) -> frozenset[str]:
    shape = operation_model(operation).input_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def has_member(operation: str, member: str) -> bool:
    """Whether the installed model's input for ``operation`` declares ``member`` (a feature probe)."""
    return operation in operation_names() and member in input_members(operation)
