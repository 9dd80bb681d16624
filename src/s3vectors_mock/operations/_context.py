"""What every operation receives: the backend and who is calling from where."""

from __future__ import annotations

from dataclasses import dataclass

from .._store import Backend, Namespace


@dataclass(frozen=True)
class Request:
    backend: Backend
    account: str
    region: str

    @property
    def namespace(self) -> Namespace:
        return self.backend.namespace(self.account, self.region)
