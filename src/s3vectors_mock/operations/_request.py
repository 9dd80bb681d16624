"""What every operation receives: the state, the mock's options, who is calling from where, and what the caller's
client can parse."""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.model import ServiceModel

from .._options import Options
from .._service_model import has_member
from .._store import Backend, Namespace

# A request's or a response's members, as botocore hands them over and parses them.
Params = dict[str, Any]


class Request(NamedTuple):
    backend: Backend
    options: Options
    account: str
    region: str
    client: ServiceModel  # the model of the caller's SDK: what it can send and parse

    @property
    def namespace(self) -> Namespace:
        return self.backend.namespace(self.account, self.region)

    def client_has(self, operation: str, member: str) -> bool:
        """Whether the caller's client declares ``member`` in the input of ``operation`` (and so can use it)."""
        return has_member(operation, member, self.client)
