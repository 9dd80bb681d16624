"""botocore in and out: the event handlers that answer s3vectors calls while a mock is active.

Every s3vectors client gets its serializer wrapped and three handlers, registered on its own event emitter the first
time it makes a call (so clients created before the mock started, or before this package was imported, are mocked
too):

* the serializer wrapper (``_lazy_body``) decides, once per call, whether the call is answered in-process and by
  which mock; if so it validates it as botocore does and reads the request botocore would send as the HTTP server
  reads it (the wire parameters), after every ``before-parameter-build`` handler has run;
* ``before-call`` answers the call from those wire parameters (or, when a handler of the user's saw the real body
  first, from that body); botocore then skips signing and HTTP altogether (a client of a region no partition has
  gets the EndpointConnectionError it would get against AWS);
* ``choose-signer`` makes requests unsigned while a mock is active, so no credentials are ever needed;
* ``before-send`` answers the requests a mock deliberately routes through botocore's send path (where its retry
  machinery runs), and fails closed on any other s3vectors request that got that far while a mock is active.

When no mock is active every handler returns None and the client behaves exactly as without this package.

Two more guards, since the mock never needs credentials (its answers are unsigned): an s3vectors client created
while a mock is active resolves static keys only (given to the session, in the environment, or a profile's keys
in the shared files: they identify the caller), never a credential_process, SSO or assume-role (see
_static_credentials); and the credential providers that reach the network (the EC2 instance metadata service and
the container credentials endpoint) find nothing instead of probing, for any client created meanwhile.
``os.environ`` is never touched.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.client
import botocore.credentials
import botocore.handlers
import botocore.session
import wrapt
from botocore.exceptions import EndpointConnectionError

from ._arns import known_partition_of
from ._botocore_responses import as_async_response, failure, send_stage_response, success
from ._errors import ServiceError
from ._exceptions import S3VectorsMockError
from ._lazy_body import DECISION_KEY, DeferredBody, InProcessSerializer, WireRequest, owned, read_real_request
from ._service import ParkedRequest, S3VectorsService
from ._service_model import SERVICE_NAME, client_model
from ._static_credentials import static_credentials, static_credentials_async

# Marks a request the mock routes through botocore's send stage; prepared requests keep headers in every botocore.
TICKET_HEADER = "x-s3vectors-mock-ticket"
_HOOKED = "_s3vectors_mock_hooked"


class _ActiveServices:
    """The services of the mocks started in this process, innermost last; the innermost one answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stack: list[S3VectorsService] = []

    def push(self, service: S3VectorsService) -> None:
        with self._lock:
            self._stack.append(service)

    def remove(self, service: S3VectorsService) -> None:
        with self._lock:
            for position in range(len(self._stack) - 1, -1, -1):
                if self._stack[position] is service:
                    del self._stack[position]
                    return

    def current(self) -> S3VectorsService | None:
        stack = self._stack
        return stack[-1] if stack else None


active_services = _ActiveServices()


class _ServedEndpoints:
    """The ports (and bound hosts) of the HTTP servers this process runs over a mock's service.

    A client aimed at one of them (``endpoint_url=server.url``) talks HTTP on purpose, so while a mock is active
    its calls are not answered in-process: they go over the wire, signed as the client would sign them. Only
    loopback names (or the server's own bound address) count, so no request aimed elsewhere is let through.
    """

    LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[int, str] = {}

    def add(self, host: str, port: int) -> None:
        with self._lock:
            self._hosts = {**self._hosts, port: host}

    def remove(self, port: int) -> None:
        with self._lock:
            self._hosts = {key: value for key, value in self._hosts.items() if key != port}

    def __contains__(self, url: object) -> bool:
        hosts = self._hosts
        if not hosts or not isinstance(url, str):
            return False
        try:
            parts = urlsplit(url)
            port, hostname = parts.port, parts.hostname
        except ValueError:
            return False
        bound = hosts.get(port) if port is not None else None
        return bound is not None and (hostname in self.LOOPBACK or hostname == bound)


served_endpoints = _ServedEndpoints()
# The services that parked requests on the send stage, by id (a ticket names its service; weakly, so a finished
# mock goes, tickets and all).
_parking_services: weakref.WeakValueDictionary[int, S3VectorsService] = weakref.WeakValueDictionary()
OVER_HTTP_KEY = "s3vectors_mock_over_http"
PARKED_KEY = "s3vectors_mock_parked"
# Whether the s3vectors call this thread (or task) is making was decided for the wire at before-call: no mock was
# active then. Every s3vectors call passes through before-call first, which sets it.
_decided_for_the_wire: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "s3vectors_mock_decided_for_the_wire", default=False
)


def _refusal(operation: str) -> S3VectorsMockError:
    return S3VectorsMockError(
        f"s3vectors-mock is active, but the s3vectors {operation} request reached botocore's send stage instead of "
        "being answered by the mock (another before-call handler must have declined it). It was stopped here and "
        "nothing was sent to the network."
    )


class _Answering:
    """The before-call and before-send handlers of one kind of client.

    Async clients (aiobotocore) await whatever a handler returns, so their answers can wait for injected latency
    with ``asyncio.sleep`` instead of blocking the event loop, and their send-stage answers must be aiobotocore
    responses, whose body is read with ``await``.
    """

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    def _after(self, delay: float, answer: Callable[[], Any]) -> Any:
        if self.is_async:

            async def later() -> Any:
                if delay:
                    await asyncio.sleep(delay)
                return answer()

            return later()
        if delay:
            time.sleep(delay)
        return answer()

    def before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> Any:
        # The mock the serializer chose keeps the call, even if it stopped (or another started) since: a call is
        # decided once (an empty deferred body must never reach the wire, nor a call be answered without its
        # parameters). A call the serializer sent on (no mock then) is answered by a mock started meanwhile, from
        # its real body, rather than refused at the send stage.
        decided: S3VectorsService | None = params.get(DECISION_KEY)
        service = decided if decided is not None else active_services.current()
        # Remembered for the send stage of this call (same thread or task): sent as decided, not refused there.
        _decided_for_the_wire.set(service is None)
        if service is None:
            return None
        body = params.get("body")
        if params.get("url") in served_endpoints:
            # Unsigned only when the client has no credentials to sign with (credentials are never required).
            context[OVER_HTTP_KEY] = getattr(kwargs.get("request_signer"), "_credentials", None) is not None
            if isinstance(body, DeferredBody):  # it goes on the wire after all: the real body
                params["body"] = body.serialize()
            return None
        operation = model.name
        region = context.get("client_region") or "us-east-1"
        url = params.get("url", "")
        if _nowhere(region, url):
            # What the client meets against AWS: botocore makes up an endpoint for the unknown region, and no such
            # host answers. A client with its own endpoint_url reaches that endpoint whatever its region.
            raise EndpointConnectionError(endpoint_url=url)
        caller = service.identify(_access_key(kwargs.get("request_signer")), region, client_model())
        wire: WireRequest = body.wire if isinstance(body, DeferredBody) else read_real_request(operation, params)
        if wire.error is None and service.routes_through_send(operation):
            # Let botocore send it, so its retry handler sees each attempt; before-send answers every attempt. What
            # goes through the send stage is the real body, never the empty deferred one.
            if isinstance(body, DeferredBody):  # a fault was injected after the call was decided
                params["body"] = body.serialize()
            ticket = service.park(ParkedRequest(operation, owned(wire), caller, wire.size))
            _parking_services[id(service)] = service
            context[PARKED_KEY] = True  # unsigned every attempt, even if the mock stops meanwhile
            params.setdefault("headers", {})[TICKET_HEADER] = f"{id(service):x}.{ticket}"
            return None

        def answer() -> Any:
            try:
                if wire.error is not None:
                    service.note_unread(operation, caller, wire.error)
                    raise wire.error
                answered = service.answer(
                    operation, wire.params, caller, body_size=wire.size, plain_lists=wire.plain_lists
                )
                return success(url, answered)
            except ServiceError as error:
                return failure(url, error)

        delay = service.take_latency(operation)
        if not delay and not self.is_async:
            return answer()
        return self._after(delay, answer)

    def before_send(self, request: Any, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        header = request.headers.get(TICKET_HEADER)
        if header is None:
            if active_services.current() is None or request.url in served_endpoints:
                return None
            if _decided_for_the_wire.get():
                return None  # no mock was active when its before-call ran: a mock started since does not take it
            raise _refusal(operation)
        # A parked request is answered by the mock that parked it, even if it stopped since (decided once).
        owner, dot, ticket = (header.decode() if isinstance(header, bytes) else str(header)).partition(".")
        try:
            service = _parking_services.get(int(owner, 16)) if dot else None
        except ValueError:
            service = None
        parked = service.parked(ticket) if service is not None else None
        if service is None or parked is None:
            raise _refusal(operation)

        def answer() -> Any:
            wire = service.answer_on_wire(parked.operation, parked.params, parked.caller, body_size=parked.body_size)
            return self._wire(send_stage_response(request.url, wire))

        return self._after(service.take_latency(operation), answer)

    def _wire(self, response: Any) -> Any:
        return as_async_response(response) if self.is_async else response


def _access_key(request_signer: Any) -> str | None:
    """The access key id of the client's credentials, as a server would read it from the signature; None for a
    client without credentials. Only credentials already resolved are read (never a refresh)."""
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        return None
    # Read the stored value: the access_key property of refreshable credentials may refresh them (a network call).
    stored = vars(credentials)
    access_key = stored.get("_access_key", stored.get("access_key"))
    return access_key if isinstance(access_key, str) and access_key else None


def _nowhere(region: str, url: str) -> bool:
    """Whether ``url`` is the endpoint botocore derived from a region no partition has (``xx-nowhere-1``)."""
    if known_partition_of(region) is not None:
        return False
    return region in (urlsplit(url).hostname or "").split(".")


_SYNC = _Answering(is_async=False)
_ASYNC = _Answering(is_async=True)


def _answering(client: Any) -> Callable[[str], S3VectorsService | None]:
    """The decision of one client's serializer: the mock that answers this call in-process, if any."""

    def answering(operation: str) -> S3VectorsService | None:
        # A new call of this thread or task: nothing is decided for the wire until its own before-call decides it
        # (a value left by an earlier call must not let this one through the send stage if that never runs).
        _decided_for_the_wire.set(False)
        service = active_services.current()
        if service is None or service.routes_through_send(operation):
            return None
        if getattr(client.meta, "endpoint_url", None) in served_endpoints:
            return None  # aimed at one of our servers: it goes over HTTP, with its real body
        return service

    return answering


# botocore's own before-call handlers (recursion detection, API version header) and ours read no body.
_KNOWN_BEFORE_CALL = frozenset(
    handler for event, handler, *_ in botocore.handlers.BUILTIN_HANDLERS if event.split(".")[0] == "before-call"
)


def _user_reads_body(client: Any) -> Callable[[str], bool]:
    """Whether a before-call handler other than botocore's and ours will see a call of one client's (a user's
    handler, a Stubber): then the request dict carries the real body, as without the mock."""
    known = _KNOWN_BEFORE_CALL | {_SYNC.before_call, _ASYNC.before_call}

    def user_reads_body(operation: str) -> bool:
        emitter = getattr(client.meta.events, "_emitter", client.meta.events)
        event = f"before-call.{SERVICE_NAME}.{operation}"
        try:
            handlers = emitter._lookup_cache.get(event)
            if handlers is None:
                handlers = emitter._handlers.prefix_search(event)
        except AttributeError:  # an emitter we do not know: assume somebody reads the body (correct, only slower)
            return True
        return any(handler not in known for handler in handlers)

    return user_reads_body


def _unsigned_while_mocked(context: dict[str, Any] | None = None, **_: Any) -> Any:
    if context is not None and context.get(PARKED_KEY):
        return botocore.UNSIGNED  # a mock answers it at the send stage, whatever happened since it was parked
    if active_services.current() is None:
        return None
    if context is not None and context.get(OVER_HTTP_KEY):
        return None  # a call over HTTP to one of our servers, by a client with credentials: signed as usual
    return botocore.UNSIGNED


def patch_client(client: Any) -> None:
    """Register the mock's handlers on one client. Idempotent; clients are also patched on their first call."""
    if client.__dict__.get(_HOOKED):
        return
    is_s3vectors = client.meta.service_model.service_name == SERVICE_NAME
    if is_s3vectors:
        events = client.meta.events
        answering = _ASYNC if inspect.iscoroutinefunction(inspect.unwrap(type(client)._make_api_call)) else _SYNC
        events.register(f"before-call.{SERVICE_NAME}", answering.before_call, unique_id="s3vectors-mock-call")
        events.register(f"choose-signer.{SERVICE_NAME}", _unsigned_while_mocked, unique_id="s3vectors-mock-signer")
        events.register(f"before-send.{SERVICE_NAME}", answering.before_send, unique_id="s3vectors-mock-send")
        if not isinstance(client._serializer, InProcessSerializer):
            client._serializer = InProcessSerializer(client._serializer, _answering(client), _user_reads_body(client))
    client.__dict__[_HOOKED] = True


def _hook_then_call(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if not instance.__dict__.get(_HOOKED):
        patch_client(instance)
    return wrapped(*args, **kwargs)


_install_lock = threading.Lock()
_installed = False


def _no_network_credentials(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if active_services.current() is not None:
        return None
    return wrapped(*args, **kwargs)


async def _nothing() -> None:
    return None


def _no_network_credentials_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if active_services.current() is not None:
        return _nothing()
    return wrapped(*args, **kwargs)


NETWORK_CREDENTIAL_PROVIDERS = ("InstanceMetadataProvider", "ContainerProvider")

# Set while an s3vectors client is created with a mock active: its session then resolves static keys only.
_creating_mocked_client: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "s3vectors_mock_creating_client", default=False
)


def _creates_mocked_client(args: Any, kwargs: Any) -> bool:
    service_name = kwargs.get("service_name", args[0] if args else None)
    return service_name == SERVICE_NAME and active_services.current() is not None


def _create_client_without_credentials(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    """Create an s3vectors client with static credentials only while a mock is active: the mock answers it
    unsigned, so no credential_process runs and no profile whose credentials cannot be had here
    (credential_source = Ec2InstanceMetadata) fails the creation, yet its keys still say who calls."""
    if not _creates_mocked_client(args, kwargs):
        return wrapped(*args, **kwargs)
    token = _creating_mocked_client.set(True)
    try:
        return wrapped(*args, **kwargs)
    finally:
        _creating_mocked_client.reset(token)


def _session_credentials(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    # Static keys only (they identify the caller); not cached on the session, whose other clients resolve
    # credentials as usual.
    return static_credentials(instance) if _creating_mocked_client.get() else wrapped(*args, **kwargs)


async def _create_client_without_credentials_async(wrapped: Any, args: Any, kwargs: Any) -> Any:
    token = _creating_mocked_client.set(True)
    try:
        return await wrapped(*args, **kwargs)
    finally:
        _creating_mocked_client.reset(token)


def _aio_create_client(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if not _creates_mocked_client(args, kwargs):
        return wrapped(*args, **kwargs)
    return _create_client_without_credentials_async(wrapped, args, kwargs)


def _aio_session_credentials(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    return static_credentials_async(instance) if _creating_mocked_client.get() else wrapped(*args, **kwargs)


def install() -> None:
    """Wrap botocore's (and, once imported, aiobotocore's) client call method, once per process."""
    global _installed
    with _install_lock:
        if _installed:
            return
        wrapt.wrap_function_wrapper(botocore.client.BaseClient, "_make_api_call", _hook_then_call)
        for provider in NETWORK_CREDENTIAL_PROVIDERS:
            wrapt.wrap_function_wrapper(getattr(botocore.credentials, provider), "load", _no_network_credentials)
        wrapt.wrap_function_wrapper(botocore.session.Session, "create_client", _create_client_without_credentials)
        wrapt.wrap_function_wrapper(botocore.session.Session, "get_credentials", _session_credentials)
        wrapt.register_post_import_hook(_wrap_aiobotocore_client, "aiobotocore.client")
        wrapt.register_post_import_hook(_wrap_aiobotocore_credentials, "aiobotocore.credentials")
        wrapt.register_post_import_hook(_wrap_aiobotocore_session, "aiobotocore.session")
        _installed = True


def _wrap_aiobotocore_client(module: Any) -> None:
    wrapt.wrap_function_wrapper(module.AioBaseClient, "_make_api_call", _hook_then_call)


def _wrap_aiobotocore_credentials(module: Any) -> None:
    for provider in NETWORK_CREDENTIAL_PROVIDERS:
        cls = getattr(module, f"Aio{provider}", None)
        if cls is not None and "load" in vars(cls):
            wrapt.wrap_function_wrapper(cls, "load", _no_network_credentials_async)


def _wrap_aiobotocore_session(module: Any) -> None:
    # AioSession.create_client returns a context manager; the client is made (and credentials resolved) in the
    # coroutine _create_client, which AioSession defines itself, like its awaitable get_credentials.
    wrapt.wrap_function_wrapper(module.AioSession, "_create_client", _aio_create_client)
    wrapt.wrap_function_wrapper(module.AioSession, "get_credentials", _aio_session_credentials)
