"""The log of calls a mock answered."""

from __future__ import annotations

from typing import Any, NamedTuple


class CallRecord(NamedTuple):
    """One handled call: the operation, the API parameters as the caller passed them, and the outcome."""

    operation: str
    params: dict[str, Any]
    region: str
    error_code: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error_code is None
