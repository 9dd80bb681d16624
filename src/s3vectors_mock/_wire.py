"""The service's answers on the wire (REST-JSON): status, headers and JSON body, for answers and errors alike.

Front-end independent: the botocore hook uses it for requests routed through botocore's send stage, and the HTTP
server for every request.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from typing import Any

from ._errors import ServiceError


@dataclass(frozen=True)
class WireAnswer:
    """One HTTP answer: status, headers (lower-case names) and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


JSONEncode = Callable[[Any], bytes]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for every answer: json.dumps with options builds a new one per call. Its ``default`` hook converts
# timestamps, so the C encoder walks the payload, not Python code.
_encoder = json.JSONEncoder(separators=(",", ":"), default=_json_default)


def to_json(payload: Any) -> bytes:
    """A response body as the service sends it: timestamps as epoch seconds, compact JSON."""
    return _encoder.encode(payload).encode("utf-8")


# Request ids are no secret, so they need not come from os.urandom (a system call on every answer is a measurable
# part of a small call's cost); a generator of our own leaves the caller's `random` state alone.
_ids = random.Random()


def request_id() -> str:
    """A random request id in AWS's UUID form."""
    hex_digits = f"{_ids.getrandbits(128):032x}"
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:]}"


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header, formatted once per second."""
    global _date_cache
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache = (second, formatdate(second, usegmt=True))
    return _date_cache[1]


def headers(error_code: str | None = None) -> dict[str, str]:
    """The headers of one answer, with a fresh request id (and the error type of an error)."""
    result = {"date": _http_date(), "content-type": "application/json", "x-amzn-requestid": request_id()}
    if error_code is not None:
        result["x-amzn-errortype"] = error_code
    return result


def error_body(error: ServiceError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": error.message}
    if error.code == "ValidationException" and error.field_list:
        body["fieldList"] = [{"path": item.path, "message": item.message} for item in error.field_list]
    return body


def wire_answer(payload: dict[str, Any], encode: JSONEncode = to_json) -> WireAnswer:
    body = encode(payload)
    answer_headers = headers()
    answer_headers["content-length"] = str(len(body))
    return WireAnswer(200, answer_headers, body)


def wire_error(error: ServiceError) -> WireAnswer:
    body = to_json(error_body(error))
    answer_headers = headers(error.code)
    answer_headers["content-length"] = str(len(body))
    return WireAnswer(error.status, answer_headers, body)
