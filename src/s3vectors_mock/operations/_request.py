"""What every operation receives: the backend and who is calling from where."""

from __future__ import annotations

from typing import NamedTuple

from .._store import Backend, Namespace


class Request(NamedTuple):
    backend: Backend
    account: str
    region: str

    @property
    def namespace(self) -> Namespace:
        return self.backend.namespace(self.account, self.region)
