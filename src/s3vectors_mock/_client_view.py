"""What a caller's client keeps of an answer: the members its own model declares.

The service answers with today's members; botocore's parser drops members its (older) model lacks. An in-process
answer skips the parser, so the mock drops them itself. A plan per operation and client model says where the
client's output shape lacks members, so answers that need no trimming (the usual case) are not even walked.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from ._service_model import operation_model, service_model


@dataclass
class _Plan:
    """Members to drop at this level, and plans for the members below it that need trimming."""

    drop: frozenset[str] = frozenset()
    below: dict[str, _Plan] = field(default_factory=dict)
    items: _Plan | None = None  # for lists and maps: the plan of each item

    @property
    def empty(self) -> bool:
        return not self.drop and not self.below and self.items is None


def _plan(service: Shape, client: Shape) -> _Plan:
    if isinstance(service, StructureShape) and isinstance(client, StructureShape):
        plan = _Plan(drop=frozenset(set(service.members) - set(client.members)))
        for name, member in service.members.items():
            if name in client.members:
                below = _plan(member, client.members[name])
                if not below.empty:
                    plan.below[name] = below
        return plan
    if isinstance(service, ListShape) and isinstance(client, ListShape):
        items = _plan(service.member, client.member)
        return _Plan(items=None if items.empty else items)
    if isinstance(service, MapShape) and isinstance(client, MapShape):
        items = _plan(service.value, client.value)
        return _Plan(items=None if items.empty else items)
    return _Plan()


@functools.cache
def _plan_for(operation: str, client: ServiceModel) -> _Plan | None:
    service_output = operation_model(operation).output_shape
    client_output = operation_model(operation, client).output_shape
    if service_output is None or client_output is None:
        return None
    plan = _plan(service_output, client_output)
    return None if plan.empty else plan


def _trim(value: Any, plan: _Plan) -> Any:
    if isinstance(value, dict):
        if plan.items is not None:  # a map
            return {key: _trim(item, plan.items) for key, item in value.items()}
        trimmed = {key: item for key, item in value.items() if key not in plan.drop}
        for name, below in plan.below.items():
            if name in trimmed:
                trimmed[name] = _trim(trimmed[name], below)
        return trimmed
    if isinstance(value, list) and plan.items is not None:
        return [_trim(item, plan.items) for item in value]
    return value


def as_client_sees(operation: str, response: dict[str, Any], client: ServiceModel) -> dict[str, Any]:
    """``response`` without the members ``client``'s model does not declare (as its parser would drop them)."""
    if client is service_model():
        return response
    plan = _plan_for(operation, client)
    return response if plan is None else dict(_trim(response, plan))
