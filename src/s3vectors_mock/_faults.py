"""Injected faults and latency, for rehearsing the failures production will throw at the code under test."""

from __future__ import annotations

import numbers
import threading
from collections import deque
from dataclasses import dataclass

from ._errors import INJECTED, INTERNAL_ERROR, STATUS_BY_CODE, THROTTLED, TIMED_OUT, UNAVAILABLE, ServiceError
from ._service_model import operation_model, operation_names

DEFAULT_MESSAGES = {
    "TooManyRequestsException": THROTTLED,
    "ServiceUnavailableException": UNAVAILABLE,
    "InternalServerException": INTERNAL_ERROR,
    "RequestTimeoutException": TIMED_OUT,
}


@dataclass
class _Fault:
    error: ServiceError
    remaining: int


@dataclass
class _Latency:
    seconds: float
    remaining: int | None


def _count(times: object, *, allow_none: bool) -> int | None:
    """A positive whole number of calls (``None``: every call, where allowed); a bool is not a count."""
    if times is None and allow_none:
        return None
    if not isinstance(times, numbers.Integral) or isinstance(times, bool):
        expected = "a positive int or None" if allow_none else "a positive int"
        raise TypeError(f"times must be {expected}, got {times!r}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    return int(times)


def _delay(seconds: object) -> float:
    # Checked here, not when a call sleeps: NaN, infinity or a delay beyond what time.sleep accepts would
    # otherwise raise a raw Python error from the next call of the code under test.
    if not isinstance(seconds, numbers.Real) or isinstance(seconds, bool):
        raise TypeError(f"seconds must be a number, got {seconds!r}")
    delay = float(seconds)
    if not 0 <= delay <= threading.TIMEOUT_MAX:  # False for NaN too
        raise ValueError(f"seconds must be between 0 and {threading.TIMEOUT_MAX:g}, got {seconds!r}")
    return delay


def check_operation(operation: str) -> None:
    # Faults belong to the service, which has today's operations whatever botocore is installed (a client whose
    # model lacks the operation simply never calls it).
    if operation not in operation_names():
        known = ", ".join(sorted(operation_names()))
        raise ValueError(f"{operation!r} is not an s3vectors operation; known: {known}")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: dict[str, deque[_Fault]] = {}
        self._latency: dict[str, _Latency] = {}

    def inject_error(self, operation: str, code: str, times: int = 1, message: str | None = None) -> None:
        check_operation(operation)
        declared = {shape.name for shape in operation_model(operation).error_shapes} | {"ValidationException"}
        if code not in declared:
            raise ValueError(f"{operation} does not declare {code!r}; it declares: {', '.join(sorted(declared))}")
        if code not in STATUS_BY_CODE:
            raise ValueError(f"unknown error code {code!r}")
        count = _count(times, allow_none=False)
        assert count is not None
        if message is not None and not isinstance(message, str):
            raise TypeError(f"message must be a str or None, got {message!r}")
        text = message or DEFAULT_MESSAGES.get(code, INJECTED.format(code=code))
        with self._lock:
            self._errors.setdefault(operation, deque()).append(_Fault(ServiceError(code, text), count))

    def inject_latency(self, operation: str, seconds: float, times: int | None = None) -> None:
        check_operation(operation)
        delay, count = _delay(seconds), _count(times, allow_none=True)
        with self._lock:
            self._latency[operation] = _Latency(delay, count)

    def wants_send_path(self, operation: str) -> bool:
        return bool(self._errors.get(operation))

    def take_error(self, operation: str) -> ServiceError | None:
        with self._lock:
            queue = self._errors.get(operation)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault.error

    def take_latency(self, operation: str) -> float:
        if not self._latency:  # the common case, without taking the lock
            return 0.0
        with self._lock:
            latency = self._latency.get(operation)
            if latency is None:
                return 0.0
            if latency.remaining is not None:
                latency.remaining -= 1
                if latency.remaining <= 0:
                    del self._latency[operation]
            return latency.seconds

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._latency.clear()
