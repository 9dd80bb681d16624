"""Service answers as botocore objects: an in-process answer (an HTTP response plus the dict botocore's parser
would have produced) and a send-stage answer (a real HTTP response botocore parses itself, sync or aiobotocore)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from botocore.awsrequest import AWSResponse, HeadersDict

from ._errors import ServiceError
from ._wire import WireAnswer, error_body, headers, to_json


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


def _metadata(status: int, answer_headers: dict[str, str]) -> dict[str, Any]:
    return {
        "RequestId": answer_headers["x-amzn-requestid"],
        "HTTPStatusCode": status,
        "HTTPHeaders": dict(answer_headers),
        "RetryAttempts": 0,
    }


def success(url: str, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    answer_headers = headers()
    body = _Body(dict(parsed))
    parsed["ResponseMetadata"] = _metadata(200, answer_headers)
    return _AnsweredResponse(url, 200, answer_headers, body), parsed


def failure(url: str, error: ServiceError) -> tuple[AWSResponse, dict[str, Any]]:
    answer_headers = headers(error.code)
    body = error_body(error)
    parsed: dict[str, Any] = {
        "Error": {"Code": error.code, "Message": error.message},
        "ResponseMetadata": _metadata(error.status, answer_headers),
        **body,
    }
    return _AnsweredResponse(url, error.status, answer_headers, _Body(body)), parsed


def client_error_response(error: ServiceError) -> dict[str, Any]:
    """The ``response`` of the ClientError botocore raises for ``error``."""
    return failure("", error)[1]


class _BytesRaw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: Any) -> bytes:
        return self._data


def send_stage_response(url: str, answer: WireAnswer) -> AWSResponse:
    """A real HTTP response for botocore to parse itself (the send stage, where retries happen)."""
    return _AnsweredResponse(url, answer.status, answer.headers, _BytesRaw(answer.body))


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
