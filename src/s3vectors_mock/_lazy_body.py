"""Skipping the JSON body nobody reads: botocore's serializer, made lazy for calls the mock answers in-process.

botocore validates a request, then formats it into a JSON body (for PutVectors, every float of every vector). A
call the mock answers at ``before-call`` never sends that body, and formatting it is nearly all of botocore's cost
for large writes. So each s3vectors client's serializer is wrapped: while a mock is active, a call that will be
answered in-process is validated exactly as before (same ``ParamValidationError``) and gets a request dict whose
body is a :class:`DeferredBody` — empty, but able to produce the real bytes on demand. Everything else (no mock,
``parameter_validation=False``, requests with URI members, calls routed through the send stage for injected
faults or rate limits) goes through the real serializer untouched.

The 20 MiB body limit still holds: :func:`body_size` bounds the JSON size from the parameters cheaply, and only
when that bound comes near the limit does it format the real body to measure it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel
from botocore.validate import ParamValidationDecorator

from ._float_lists import short_numbers

# A JSON number botocore writes for a float is at most 24 characters ("-1.7976931348623157e+308"), plus ", ".
MAX_FLOAT_CHARACTERS = 26
# json.dumps escapes non-ASCII: at most 12 characters per Python character (a surrogate pair), plus quotes.
MAX_STRING_CHARACTERS_PER_CHARACTER = 12
# Integers beyond this are not written out to bound them (str() of a huge integer is slow, and may be refused).
# A constant: computing 10**4000 costs ~20 µs, which was paid for every integer in every request.
_HUGE_INT = 10**4000


class DeferredBody(bytes):
    """An empty body standing in for the JSON botocore did not format; ``serialize()`` formats it."""

    serialize: Callable[[], bytes]
    parameters: dict[str, Any]

    def __new__(cls, serialize: Callable[[], bytes], parameters: dict[str, Any]) -> DeferredBody:
        body = super().__new__(cls, b"")
        body.serialize = serialize
        body.parameters = parameters
        return body


class InProcessSerializer:
    """Wraps a client's serializer; ``answered_in_process(operation)`` says whether a call will skip the wire."""

    def __init__(self, real: Any, answered_in_process: Callable[[str], bool]) -> None:
        self.real = real
        self._answered_in_process = answered_in_process

    def serialize_to_request(self, parameters: dict[str, Any], operation_model: OperationModel) -> dict[str, Any]:
        real = self.real
        http = operation_model.http
        if (
            not isinstance(real, ParamValidationDecorator)
            or "{" in http.get("requestUri", "{")
            or not self._answered_in_process(operation_model.name)
        ):
            serialized: dict[str, Any] = real.serialize_to_request(parameters, operation_model)
            return serialized
        input_shape = operation_model.input_shape
        if input_shape is not None:
            report = cast(Any, real)._param_validator.validate(parameters, input_shape)
            if report.has_errors():
                raise ParamValidationError(report=report.generate_report())
        inner = cast(Any, real)._serializer

        def serialize() -> bytes:
            body: bytes = inner.serialize_to_request(parameters, operation_model)["body"]
            return body

        return {
            "url_path": http["requestUri"],
            "query_string": {},
            "method": http["method"],
            "headers": {"Content-Type": "application/json"},
            "body": DeferredBody(serialize, parameters),
        }


def _string_bound(value: str) -> int:
    return 2 + (len(value) if value.isascii() else MAX_STRING_CHARACTERS_PER_CHARACTER * len(value))


def _json_bound(value: Any) -> int | None:
    """An upper bound of the length of ``json.dumps(value)``, or None when no cheap bound is known."""
    if isinstance(value, str):
        return _string_bound(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, float):
        return MAX_FLOAT_CHARACTERS
    if isinstance(value, int):
        return len(str(value)) + 2 if abs(value) < _HUGE_INT else None
    if isinstance(value, dict):
        total = 2
        for key, item in value.items():
            item_bound = _json_bound(item)
            if item_bound is None or not isinstance(key, str):
                return None
            total += _string_bound(key) + 2 + item_bound + 2
        return total
    if isinstance(value, (list, tuple)):
        # Vector data: already read as numbers below 2**64 (_float_lists: at most 24 characters each), or else one
        # type check in C; no walk either way.
        if value and (short_numbers(value) or set(map(type, value)) == {float}):
            return 2 + MAX_FLOAT_CHARACTERS * len(value)
        total = 2
        for item in value:
            item_bound = _json_bound(item)
            if item_bound is None:
                return None
            total += item_bound + 2
        return total
    return None


def body_size(body: bytes, limit: int) -> int:
    """The size of a request body; for a deferred one, a bound when it is safely under ``limit``, else exact."""
    if not isinstance(body, DeferredBody):
        return len(body)
    bound = _json_bound(body.parameters)
    if bound is not None and bound <= limit:
        return bound
    return len(body.serialize())
