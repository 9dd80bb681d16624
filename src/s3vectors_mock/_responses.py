"""What the hook hands back to botocore: an HTTP response and the dict its parser would have produced.

Also the wire form of the same answers (JSON bodies, epoch timestamps), for requests that go through botocore's
real send path so that its retry machinery runs.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import datetime
from email.utils import formatdate
from typing import Any, cast

from botocore.awsrequest import AWSResponse, HeadersDict

from ._errors import ServiceError


class _Body:
    """A raw body for AWSResponse, serialized only if somebody reads it."""

    def __init__(self, payload: Any) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield to_json(self._payload)


class _AnsweredResponse(AWSResponse):
    """An AWSResponse whose case-insensitive headers are built only if somebody reads them.

    botocore itself reads nothing but ``status_code`` of a before-call answer, and building a HeadersDict on every
    call is a measurable part of the mock's per-call cost.
    """

    def __init__(self, url: str, status: int, headers: dict[str, str], raw: Any) -> None:
        self.url = url
        self.status_code = status
        self._plain_headers = headers
        self._headers: HeadersDict | None = None
        self.raw = raw
        self._content = None

    @property
    def headers(self) -> HeadersDict:
        if self._headers is None:
            self._headers = HeadersDict(self._plain_headers)
        return self._headers

    @headers.setter
    def headers(self, value: HeadersDict) -> None:
        self._headers = value


def _http(url: str, status: int, headers: dict[str, str], raw: Any) -> AWSResponse:
    return _AnsweredResponse(url, status, headers, raw)


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def to_json(payload: Any) -> bytes:
    return json.dumps(_wire(payload), separators=(",", ":")).encode("utf-8")


def request_id() -> str:
    """A random request id in AWS's UUID form (cheaper than uuid4, which matters on every call)."""
    hex_digits = secrets.token_hex(16)
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:]}"


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header, formatted once per second."""
    global _date_cache
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache = (second, formatdate(second, usegmt=True))
    return _date_cache[1]


def _headers(request_id: str, error_code: str | None = None) -> dict[str, str]:
    headers = {
        "date": _http_date(),
        "content-type": "application/json",
        "x-amzn-requestid": request_id,
    }
    if error_code is not None:
        headers["x-amzn-errortype"] = error_code
    return headers


def _metadata(status: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "RequestId": headers["x-amzn-requestid"],
        "HTTPStatusCode": status,
        "HTTPHeaders": dict(headers),
        "RetryAttempts": 0,
    }


def error_body(error: ServiceError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": error.message}
    if error.code == "ValidationException" and error.field_list:
        body["fieldList"] = [{"path": item.path, "message": item.message} for item in error.field_list]
    return body


def success(url: str, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    headers = _headers(request_id())
    parsed["ResponseMetadata"] = _metadata(200, headers)
    body = _Body({key: value for key, value in parsed.items() if key != "ResponseMetadata"})
    return _http(url, 200, headers, body), parsed


def failure(url: str, error: ServiceError) -> tuple[AWSResponse, dict[str, Any]]:
    headers = _headers(request_id(), error.code)
    body = error_body(error)
    parsed: dict[str, Any] = {
        "Error": {"Code": error.code, "Message": error.message},
        "ResponseMetadata": _metadata(error.status, headers),
        **body,
    }
    return _http(url, error.status, headers, _Body(body)), parsed


class _BytesRaw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: Any) -> bytes:
        return self._data


def wire_response(url: str, status: int, payload: dict[str, Any], error_code: str | None = None) -> AWSResponse:
    """A real HTTP response for botocore to parse itself (the send path, where retries happen)."""
    headers = _headers(request_id(), error_code)
    data = to_json(payload)
    headers["content-length"] = str(len(data))
    return _http(url, status, headers, _BytesRaw(data))


class _AsyncRaw:
    """The raw body aiobotocore reads with ``await raw.read()``."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, *_: Any) -> bytes:
        return self._data


def as_async_response(response: AWSResponse) -> Any:
    """The same response as aiobotocore's AioAWSResponse, for aiobotocore's send stage."""
    from aiobotocore.awsrequest import AioAWSResponse

    data = b"".join(response.raw.stream())
    return AioAWSResponse(response.url, response.status_code, cast(Any, dict(response.headers)), _AsyncRaw(data))
