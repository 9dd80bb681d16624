"""The ASGI application: one :class:`S3VectorsService` behind the service's REST-JSON protocol.

A request is routed and parsed from the service model (``_routing``), its caller read from the SigV4 scope
(``_identity``), and answered by the same ``answer_on_wire`` the in-process send path uses, so injected errors,
validation, the call log and the 20 MiB limit behave exactly as in-process. Nothing a client sends can crash it:
every failure is an answer in the service's error format.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .._errors import ServiceError, internal_error
from .._memory import BodyBytes
from .._service import Caller, S3VectorsService
from .._service_model import service_model
from .._version import __version__
from .._wire import WireAnswer, headers, wire_error
from ..operations import MAX_BODY_BYTES
from ._identity import signed_scope
from ._json import dumps
from ._routing import RequestError, Route, Router, read_params
from .console import Console, console_redirect, is_console_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

logger = logging.getLogger("s3vectors_mock.server")

CONTROL_PREFIX = b"/_s3vectors-mock/"
# Operations whose cost grows with the data they touch run in a worker thread, so a long query or a 20 MiB
# PutVectors does not stall the event loop (other connections, injected latency, health checks). The rest answer
# directly on the loop: a thread hop costs more than GetIndex itself, and the engine serializes under one lock anyway.
OFF_LOOP_OPERATIONS = frozenset(
    {"PutVectors", "GetVectors", "ListVectors", "DeleteVectors", "QueryVectors", "UpdateMetadataConfiguration"}
)


class _ClientGoneError(Exception):
    """The client disconnected before its request was read: there is nobody to answer."""


def _request_error(error: RequestError) -> WireAnswer:
    return dataclasses.replace(wire_error(ServiceError(error.code, error.message)), status=error.status)


def _json_answer(payload: dict[str, Any]) -> WireAnswer:
    body = json.dumps(payload).encode()
    answer_headers = headers()
    answer_headers["content-length"] = str(len(body))
    return WireAnswer(200, answer_headers, body)


async def _read_body(receive: Receive, declared: int | None) -> tuple[bytes | None, int]:
    """The request body and its size; None for a body over the service's limit, read no further than the limit
    (so a client cannot make the server buffer unbounded input)."""
    if declared is not None and declared > MAX_BODY_BYTES:
        return None, declared
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGoneError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None, max(size, declared or 0)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), size


def _framing_and_signature(scope: Scope) -> tuple[int | None, bytes | None]:
    """The declared body length and the Authorization header, in one pass over the headers (ASGI servers give
    header names in lower case)."""
    declared: int | None = None
    authorization: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None
        elif name == b"authorization":
            authorization = value
    return declared, authorization


class S3VectorsApp:
    """ASGI app answering Amazon S3 Vectors requests from ``service`` (plus a health and a reset endpoint)."""

    def __init__(self, service: S3VectorsService) -> None:
        self.service = service
        self._model = service_model()  # today's service: an HTTP caller's SDK may be newer than our botocore
        self._router = Router(self._model)
        self._console = Console(service)
        self._bodies = BodyBytes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is served
        try:
            answer = await self._answer(scope, receive)
        except _ClientGoneError:
            return
        except Exception as bug:  # never a traceback to the client
            logger.exception("s3vectors-mock server failed on %s %s", scope.get("method"), scope.get("path"))
            answer = wire_error(internal_error("the HTTP server", bug))
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(name.encode(), value.encode()) for name, value in answer.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer(self, scope: Scope, receive: Receive) -> WireAnswer:
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if raw_path.startswith(CONTROL_PREFIX):
            return await self._control(method, raw_path, receive, scope["query_string"])
        if raw_path == CONTROL_PREFIX[:-1] and method == "GET":
            return console_redirect()  # a person typing the console's address without its final slash
        raw_query: bytes = scope["query_string"]
        query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else []
        try:
            route, labels = self._router.match(method, raw_path, query)
        except RequestError as error:
            return _request_error(error)
        declared, authorization = _framing_and_signature(scope)
        try:
            access_key, region = signed_scope(authorization, query)
        except RequestError as error:  # a scope no region has: refused before anything is read or logged
            return _request_error(error)
        caller = self.service.identify(access_key, region, self._model)
        body, size = await _read_body(receive, declared)
        delay = self.service.take_latency(route.name)
        if delay:
            await asyncio.sleep(delay)
        if route.name in OFF_LOOP_OPERATIONS:
            handle = functools.partial(self._handle, route, labels, query, scope["headers"], body, size, caller)
            return await asyncio.get_running_loop().run_in_executor(None, handle)
        return self._handle(route, labels, query, scope["headers"], body, size, caller)

    def _handle(
        self,
        route: Route,
        labels: dict[str, str],
        query: list[tuple[str, str]],
        request_headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        size: int,
        caller: Caller,
    ) -> WireAnswer:
        try:
            params = read_params(route.operation, labels, query, request_headers, body)
        except ServiceError as error:
            return self.service.refuse_unread(route.name, caller, error)
        answer = self.service.answer_on_wire(route.name, params, caller, body_size=size, encode=dumps)
        self._bodies.read(size)
        return answer

    async def _control(self, method: str, raw_path: bytes, receive: Receive, query_string: bytes = b"") -> WireAnswer:
        """The server's own endpoints, outside the service's API."""
        body, _ = await _read_body(receive, None)
        endpoint = raw_path[len(CONTROL_PREFIX) :].partition(b"?")[0]
        if is_console_path(endpoint):
            # The console reads the state under the backend's lock: off the loop, like the heavy operations.
            console = functools.partial(self._console.answer, method, endpoint, query_string, body)
            return await asyncio.get_running_loop().run_in_executor(None, console)
        if endpoint == b"health" and method == "GET":
            return _json_answer({"status": "ok", "version": __version__})
        if endpoint == b"reset" and method == "POST":
            self.service.reset()
            return _json_answer({"status": "reset"})
        if endpoint in (b"health", b"reset"):
            expected = "GET" if endpoint == b"health" else "POST"
            return _request_error(
                RequestError("MethodNotAllowedException", f"{raw_path.decode('latin-1')} takes {expected}", 405)
            )
        return _request_error(
            RequestError(
                "UnknownOperationException", f"No s3vectors-mock endpoint at {raw_path.decode('latin-1')}", 404
            )
        )
