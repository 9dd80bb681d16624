"""The service: one in-memory Amazon S3 Vectors, independent of how requests reach it.

It answers "operation + parameters + caller → response or modelled error", and owns everything that shapes an
answer: the state (backend), the options, injected faults, the call log and the requests parked on botocore's send
stage. Front ends are thin adapters on it: the botocore hook (in-process clients) and the HTTP server.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from botocore.model import ServiceModel

from ._calls import CallLog, CallRecord
from ._client_view import as_client_sees
from ._errors import ServiceError, internal_error
from ._faults import Faults
from ._float_lists import within_reading
from ._options import Options
from ._rates import RATE_LIMITED_OPERATIONS
from ._store import Backend
from ._wire import JSONEncode, WireAnswer, to_json, wire_answer, wire_error
from .operations import dispatch
from .operations._request import Params, Request

logger = logging.getLogger("s3vectors_mock")
MAX_PARKED = 1000


class Caller(NamedTuple):
    """Who sends a request, from where, and with what client (the model it can send and parse).

    ``access_key`` is the access key id the request was signed with (None when unsigned or unknown); it is what
    identifies the principal, the same way in-process and over HTTP (see :meth:`S3VectorsService.identify`).
    """

    account: str
    region: str
    client: ServiceModel
    access_key: str | None = None


def account_for_key(access_key: str | None, default_account: str) -> str:
    """The account a request signed with ``access_key`` acts in: the key itself when it is 12 digits (so separate
    test suites keep separate accounts with nothing but their dummy keys), otherwise ``default_account``."""
    if access_key is not None and len(access_key) == 12 and access_key.isascii() and access_key.isdigit():
        return access_key
    return default_account


class ParkedRequest(NamedTuple):
    operation: str
    params: Params
    caller: Caller
    body_size: int


class S3VectorsService:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.backend = Backend()
        self.faults = Faults()
        self.calls = CallLog()
        self._parked: OrderedDict[str, ParkedRequest] = OrderedDict()
        self._parked_lock = threading.Lock()

    def reset(self) -> None:
        """Drop every bucket, index, vector, policy and tag, the call log, injected faults and parked requests."""
        self.backend.reset()
        self.faults.clear()
        self.calls.clear()
        with self._parked_lock:
            self._parked.clear()

    def snapshot(self) -> Any:
        """A copy of the whole state (what a decorated class's setup created), for :meth:`restore`."""
        with self.backend.lock:
            return copy.deepcopy(self.backend.namespaces)

    def restore(self, snapshot: Any) -> None:
        """Replace the state with a copy of ``snapshot`` (the snapshot itself stays untouched for the next test)."""
        state = copy.deepcopy(snapshot)
        with self.backend.lock:
            self.backend.namespaces.clear()
            self.backend.namespaces.update(state)

    # ---- who calls -----------------------------------------------------------------------------------------------

    def identify(self, access_key: str | None, region: str, client: ServiceModel) -> Caller:
        """The caller of a request signed with ``access_key`` (None: unsigned), by one rule for every front end:
        a 12-digit access key id is its own account; any other key, or none, acts in the mock's ``account_id``."""
        return Caller(account_for_key(access_key, self.options.account_id), region, client, access_key)

    # ---- answering ----------------------------------------------------------------------------------------------

    @within_reading  # the request's vector data is read once, for every stage (_float_lists)
    def answer(
        self, operation: str, params: Params, caller: Caller, *, body_size: int | Callable[[], int] = 0
    ) -> Params:
        """The service's answer to one request, as the caller's client parses it, or the ServiceError it sends.

        Every outcome is logged. A defect of the mock becomes the service's InternalServerException, never a
        traceback in the caller's code. ``body_size`` may be a function measuring it, called once the request's
        vector data is read.
        """
        request = Request(self.backend, self.options, caller.account, caller.region, caller.client)
        try:
            response = dispatch(request, operation, params, body_size)
        except ServiceError as error:
            self.calls.append(CallRecord(operation, params, caller.region, error.code))
            raise
        except Exception as bug:
            logger.exception("s3vectors-mock failed on %s", operation)
            self.calls.append(CallRecord(operation, params, caller.region, "InternalServerException"))
            raise internal_error(operation, bug) from bug
        self.calls.append(CallRecord(operation, params, caller.region))
        return as_client_sees(operation, response, caller.client)

    def answer_on_wire(
        self, operation: str, params: Params, caller: Caller, *, body_size: int, encode: JSONEncode = to_json
    ) -> WireAnswer:
        """The same answer as HTTP status, headers and body; an injected error is taken first. ``encode`` writes the
        JSON body of a success (the HTTP server passes a faster encoder than the standard library's)."""
        fault = self.faults.take_error(operation)
        if fault is not None:
            self.calls.append(CallRecord(operation, params, caller.region, fault.code))
            return wire_error(fault)
        try:
            return wire_answer(self.answer(operation, params, caller, body_size=body_size), encode)
        except ServiceError as error:
            return wire_error(error)

    def take_latency(self, operation: str) -> float:
        """Seconds an injected latency adds to this call of ``operation`` (0 when none is pending)."""
        return self.faults.take_latency(operation)

    # ---- requests answered on botocore's send stage -------------------------------------------------------------

    def routes_through_send(self, operation: str) -> bool:
        """Whether a call must reach the send stage of an in-process client, so that its retry handler sees each
        attempt: an injected fault is pending, or the write may be throttled by the enforced rate limits."""
        if self.faults.wants_send_path(operation):
            return True
        return self.options.enforce_rate_limits and operation in RATE_LIMITED_OPERATIONS

    def park(self, request: ParkedRequest) -> str:
        """Keep a request routed through the send stage; every attempt of it is answered from here."""
        ticket = secrets.token_hex(16)
        with self._parked_lock:
            self._parked[ticket] = request
            while len(self._parked) > MAX_PARKED:
                self._parked.popitem(last=False)
        return ticket

    def parked(self, ticket: str) -> ParkedRequest | None:
        with self._parked_lock:
            return self._parked.get(ticket)
