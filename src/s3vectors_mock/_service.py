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
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from botocore.model import ServiceModel

from ._arns import partition_of
from ._calls import CallLog, CallRecord
from ._client_view import as_client_sees
from ._errors import ServiceError, internal_error, journal_failed
from ._faults import Faults
from ._float_lists import reading
from ._options import Options
from ._rates import RATE_LIMITED_OPERATIONS
from ._store import Backend, fixed_clock, now
from ._wire import JSONEncode, WireAnswer, to_json, wire_answer, wire_error
from .access.evaluation import Requester
from .access.ledger import RUN_LEDGER, Ledger
from .access.principals import PrincipalRegistry, root_arn
from .operations import dispatch
from .operations._authorize import Asked, asked
from .operations._request import Params, Request

if TYPE_CHECKING:
    from ._records import Batch

logger = logging.getLogger("s3vectors_mock")
MAX_PARKED = 1000
# The operations that change the state: what a journal must record (the others only read it).
MUTATING_OPERATIONS = frozenset(
    {
        "CreateVectorBucket",
        "DeleteVectorBucket",
        "PutVectorBucketDefaultIndexMode",
        "CreateIndex",
        "DeleteIndex",
        "UpdateIndexMode",
        "UpdateMetadataConfiguration",
        "PutVectorBucketPolicy",
        "DeleteVectorBucketPolicy",
        "TagResource",
        "UntagResource",
        "PutVectors",
        "DeleteVectors",
    }
)


class Caller(NamedTuple):
    """Who sends a request, from where, and with what client (the model it can send and parse).

    ``access_key`` is the access key id the request was signed with (None when unsigned or unknown); it is what
    identifies the principal, the same way in-process and over HTTP (see :meth:`S3VectorsService.identify`).
    ``principal`` is the ARN of the registered IAM role or user that key belongs to (None: the account's root).
    """

    account: str
    region: str
    client: ServiceModel
    access_key: str | None = None
    principal: str | None = None


def account_for_key(access_key: str | None, default_account: str) -> str:
    """The account a request signed with ``access_key`` acts in: the key itself when it is 12 digits (so separate
    test suites keep separate accounts with nothing but their dummy keys), otherwise ``default_account``."""
    if access_key is not None and len(access_key) == 12 and access_key.isascii() and access_key.isdigit():
        return access_key
    return default_account


class Journal(Protocol):
    """Where a service records every change of its state as it happens (``--state-dir``: see ``_state_dir``).

    Each method is called under the backend's lock right after the change, so the journal's order is the order
    in which the changes were made; it raises ``OSError`` when the record could not be written.
    """

    def request(self, operation: str, params: Params, caller: Caller, moment: datetime) -> None:
        """A mutating request succeeded; ``moment`` is the time it used (creation times)."""

    def seeded(self, index_arn: str, batch: Batch) -> None:
        """``load_vectors`` stored ``batch`` in the index ``index_arn``."""

    def reset(self) -> None:
        """The whole state was dropped."""


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
        # Set while the state is kept in a state directory: every change is recorded there before it is answered.
        self.journal: Journal | None = None
        # Configuration, like the options: principals survive reset(). What the calls asked for does not.
        self.principals = PrincipalRegistry()
        self.ledger = Ledger()

    def reset(self) -> None:
        """Drop every bucket, index, vector, policy and tag, the call log, what the calls asked for (the
        least-privilege policy), injected faults and parked requests. Registered principals stay."""
        with self.backend.lock:
            self.backend.reset()
            if self.journal is not None:
                self.journal.reset()
        self.faults.clear()
        self.calls.clear()
        self.ledger.clear()
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

    def seed(
        self,
        index_arn: str,
        keys: Sequence[str],
        vectors: Any,
        metadata: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """``load_vectors``: store records in bulk as PutVectors would (recorded in the journal, if any)."""
        from ._seeding import seed

        journal = self.journal
        seed(self.backend, index_arn, keys, vectors, metadata, journal.seeded if journal is not None else None)

    # ---- who calls -----------------------------------------------------------------------------------------------

    def identify(self, access_key: str | None, region: str, client: ServiceModel) -> Caller:
        """The caller of a request signed with ``access_key`` (None: unsigned), by one rule for every front end:
        the key of a registered principal is that role or user, in the account of its ARN; any other key is its
        account's root user, where a 12-digit key is its own account and any other key, or none, acts in the
        mock's ``account_id``."""
        principal = self.principals.by_access_key(access_key)
        if principal is not None:
            return Caller(principal.account, region, client, access_key, principal.arn)
        return Caller(account_for_key(access_key, self.options.account_id), region, client, access_key)

    def _requester(self, caller: Caller) -> Requester:
        principal = self.principals.by_arn(caller.principal) if caller.principal is not None else None
        if principal is not None:
            return Requester(principal.arn, principal.account, principal.policies)
        return Requester(root_arn(caller.account, partition_of(caller.region)), caller.account, None)

    def _record_asked(self, request: Request, operation: str, params: Params) -> Asked | None:
        """Note what the call asks for, for the least-privilege policy: every call, denied and failed ones too,
        as long as its resource can be read from it (an unknown operation or an unreadable name asks nothing).
        Returns it, so that an enforced call is decided on the same reading."""
        try:
            wanted = asked(request, operation, params)
        except Exception:  # whatever the request lacks (a member, a valid name), the call itself reports it
            return None
        self.ledger.record(wanted.actions, wanted.resource)
        RUN_LEDGER.record(wanted.actions, wanted.resource)
        return wanted

    # ---- answering ----------------------------------------------------------------------------------------------

    def answer(
        self,
        operation: str,
        params: Params,
        caller: Caller,
        *,
        body_size: int = 0,
        plain_lists: Sequence[list[float]] = (),
    ) -> Params:
        """The service's answer to one request, as the caller's client parses it, or the ServiceError it sends.

        Every outcome is logged. A defect of the mock becomes the service's InternalServerException, never a
        traceback in the caller's code. ``plain_lists``: vector-data lists of ``params`` the caller proved to hold
        only plain floats (the in-process path, from botocore's validation), read without checking their items.
        """
        # The request's vector data is read once, for every stage (_float_lists).
        with reading(plain_lists):
            return self._answer(operation, params, caller, body_size)

    def _answer(self, operation: str, params: Params, caller: Caller, body_size: int) -> Params:
        request = Request(self.backend, self.options, caller.account, caller.region, caller.client)
        wanted = self._record_asked(request, operation, params)
        requester = self._requester(caller) if self.options.enforce_access else None
        try:
            response = self._dispatch(request, operation, params, body_size, caller, requester, wanted)
        except ServiceError as error:
            self.calls.append(CallRecord(operation, params, caller.region, error.code, account=caller.account))
            raise
        except Exception as bug:
            logger.exception("s3vectors-mock failed on %s", operation)
            self.calls.append(
                CallRecord(operation, params, caller.region, "InternalServerException", account=caller.account)
            )
            raise internal_error(operation, bug) from bug
        self.calls.append(CallRecord(operation, params, caller.region, account=caller.account))
        return as_client_sees(operation, response, caller.client)

    def _dispatch(
        self,
        request: Request,
        operation: str,
        params: Params,
        body_size: int,
        caller: Caller,
        requester: Requester | None,
        wanted: Asked | None,
    ) -> Params:
        journal = self.journal
        if journal is None or operation not in MUTATING_OPERATIONS:
            return dispatch(request, operation, params, body_size, requester, wanted)
        # One hold of the lock from the change to its record, so that the journal's order is the order of the
        # changes; the clock is fixed first so that the record carries the creation time the operation used.
        with self.backend.lock, fixed_clock(now()) as moment:
            response = dispatch(request, operation, params, body_size, requester, wanted)
            try:
                journal.request(operation, params, caller, moment)
            except OSError as error:
                # Answered as a failure: the client must not believe the change is kept (it is only in memory).
                logger.error("s3vectors-mock could not record %s in its state directory: %s", operation, error)
                raise journal_failed(error) from None
        return response

    def answer_on_wire(
        self, operation: str, params: Params, caller: Caller, *, body_size: int, encode: JSONEncode = to_json
    ) -> WireAnswer:
        """The same answer as HTTP status, headers and body; an injected error is taken first. ``encode`` writes the
        JSON body of a success (the HTTP server passes a faster encoder than the standard library's)."""
        fault = self.faults.take_error(operation)
        if fault is not None:
            request = Request(self.backend, self.options, caller.account, caller.region, caller.client)
            self._record_asked(request, operation, params)
            self.calls.append(
                CallRecord(operation, params, caller.region, fault.code, account=caller.account, injected=True)
            )
            return wire_error(fault)
        try:
            return wire_answer(self.answer(operation, params, caller, body_size=body_size), encode)
        except ServiceError as error:
            return wire_error(error)

    def refuse_unread(self, operation: str, caller: Caller, error: ServiceError) -> WireAnswer:
        """The answer to a request the service could not read (logged with no parameters), on the wire."""
        self.note_unread(operation, caller, error)
        return wire_error(error)

    def note_unread(self, operation: str, caller: Caller, error: ServiceError) -> None:
        """Log a request the service could not read: it is refused with ``error`` before any operation runs."""
        self.calls.append(CallRecord(operation, {}, caller.region, error.code, account=caller.account))

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
