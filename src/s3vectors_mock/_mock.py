"""The public mock object: a decorator, a (sync and async) context manager, and start()/stop()."""

from __future__ import annotations

import inspect
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import numpy.typing as npt
from botocore.awsrequest import AWSResponse

from ._calls import CallRecord
from ._decorate import decorate_callable, decorate_class
from ._errors import ServiceError
from ._faults import Faults
from ._hooks import active_mocks, install
from ._rates import RATE_LIMITED_OPERATIONS, WriteRateLimiter
from ._responses import error_body, failure, success, wire_response
from ._seeding import seed
from ._store import Backend
from .operations import dispatch

logger = logging.getLogger("s3vectors_mock")

DEFAULT_ACCOUNT_ID = "123456789012"
MAX_PARKED = 1000
DEFAULT_APPROXIMATE_ABOVE = 500_000
Function = TypeVar("Function", bound=Callable[..., Any])


class S3VectorsMock:
    """An in-memory Amazon S3 Vectors that answers every s3vectors call of every botocore client while active.

    Each instance is its own world: separate instances share no state. While several are active, the most
    recently started one answers.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        classic_search_window: int | None = None,
        approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE,
        enforce_rate_limits: bool = False,
    ) -> None:
        """``account_id`` appears in every ARN.

        ``classic_search_window``: when set, filtered queries on CLASSIC indexes (and on every index with a botocore
        older than index modes) look only at that many nearest vectors before filtering, reproducing AWS's "fewer
        than topK" results; by default every query is exact.

        ``approximate_above``: unfiltered queries on an index holding more vectors than this use an IVF index
        (recall@10 ≥ 0.95) instead of exact search; ``None`` keeps every query exact whatever the size.

        ``enforce_rate_limits``: apply the service's per-index write limits (1,000 requests/s and 2,500 vectors/s
        for PutVectors and DeleteVectors together) with TooManyRequestsException, through botocore's retries.
        """
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if classic_search_window is not None and classic_search_window < 1:
            raise ValueError("classic_search_window must be a positive number of vectors")
        self.account_id = account_id
        self.backend = Backend()
        self.backend.classic_search_window = classic_search_window
        self.backend.approximate_above = approximate_above
        if enforce_rate_limits:
            self.backend.write_limits = WriteRateLimiter()
        self.faults = Faults()
        self._calls: list[CallRecord] = []
        self._depth = 0
        self._depth_lock = threading.Lock()
        self._parked: OrderedDict[str, tuple[str, dict[str, Any], str, int]] = OrderedDict()
        self._parked_lock = threading.Lock()

    # ---- activation -------------------------------------------------------------------------------------------

    def start(self) -> S3VectorsMock:
        """Start answering s3vectors calls. Nested starts of the same mock are counted."""
        install()
        with self._depth_lock:
            self._depth += 1
            if self._depth == 1:
                active_mocks.push(self)
        return self

    def stop(self) -> None:
        """Stop answering; the state stays until :meth:`reset` (a decorated call starts from a fresh one)."""
        with self._depth_lock:
            if self._depth == 0:
                raise RuntimeError("stop() called on a mock_s3vectors that is not started")
            self._depth -= 1
            if self._depth == 0:
                active_mocks.remove(self)

    @property
    def active(self) -> bool:
        return self._depth > 0

    def reset(self) -> None:
        """Drop every bucket, index, vector, policy and tag, the call log and any injected faults."""
        self.backend.reset()
        self.faults.clear()
        self._calls.clear()
        with self._parked_lock:
            self._parked.clear()

    def __enter__(self) -> S3VectorsMock:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> S3VectorsMock:
        return self.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- decoration -------------------------------------------------------------------------------------------

    def __call__(self, target: Function) -> Function:
        """Decorate a function (sync, async, generator) or a test class: each call or test gets fresh state."""
        if inspect.isclass(target):
            return decorate_class(self, target)
        return decorate_callable(self, target)

    # ---- inspection and seeding -------------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """The calls this mock answered, oldest first."""
        return list(self._calls)

    def inject_error(self, operation: str, code: str, *, times: int = 1, message: str | None = None) -> None:
        """Make the next ``times`` calls of ``operation`` fail with the modelled error ``code``.

        These calls go through botocore's real send path, so the client's retry configuration applies exactly as
        against AWS (and ``ResponseMetadata["RetryAttempts"]`` counts the retries).
        """
        self.faults.inject_error(operation, code, times, message)

    def inject_latency(self, operation: str, seconds: float, *, times: int | None = None) -> None:
        """Delay the next ``times`` calls of ``operation`` (every call when ``times`` is None) by ``seconds``."""
        self.faults.inject_latency(operation, seconds, times)

    def load_vectors(
        self,
        index_arn: str,
        keys: Sequence[str],
        vectors: npt.ArrayLike,
        metadata: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """Seed an index in bulk without going through botocore, validated exactly like PutVectors (atomic).

        Raises the modelled exception PutVectors would raise for invalid records (a ``ClientError``; the class of
        ``boto3.client("s3vectors").exceptions``, e.g. ``ValidationException``).
        """
        seed(self.backend, index_arn, keys, vectors, metadata)

    # ---- answering (called by the hooks) ----------------------------------------------------------------------

    def _run(self, operation: str, params: dict[str, Any], region: str, body_size: int) -> dict[str, Any]:
        try:
            response = dispatch(self.backend, self.account_id, region, operation, params, body_size)
        except ServiceError as error:
            self._calls.append(CallRecord(operation, params, region, error.code))
            raise
        except Exception as bug:  # a defect of the mock: answer like the service would, never a traceback
            logger.exception("s3vectors-mock failed on %s", operation)
            self._calls.append(CallRecord(operation, params, region, "InternalServerException"))
            raise ServiceError(
                "InternalServerException", f"s3vectors-mock internal error in {operation}: {bug!r}"
            ) from bug
        self._calls.append(CallRecord(operation, params, region))
        return response

    def answer(
        self, operation: str, params: dict[str, Any], region: str, *, url: str, body_size: int
    ) -> tuple[AWSResponse, dict[str, Any]]:
        try:
            return success(url, self._run(operation, params, region, body_size))
        except ServiceError as error:
            return failure(url, error)

    def routes_through_send(self, operation: str) -> bool:
        """Whether this call must go through botocore's send stage, so that botocore's retry handler sees it:
        an injected fault is pending, or the write may be throttled by the enforced rate limits."""
        if self.faults.wants_send_path(operation):
            return True
        return self.backend.write_limits is not None and operation in RATE_LIMITED_OPERATIONS

    def park(self, operation: str, params: dict[str, Any], region: str, body_size: int) -> str:
        """Keep a request routed through botocore's send stage; every attempt of it is answered from here."""
        ticket = secrets.token_hex(16)
        with self._parked_lock:
            self._parked[ticket] = (operation, params, region, body_size)
            while len(self._parked) > MAX_PARKED:
                self._parked.popitem(last=False)
        return ticket

    def is_parked(self, ticket: str) -> bool:
        with self._parked_lock:
            return ticket in self._parked

    def answer_parked(self, ticket: str, *, url: str) -> AWSResponse:
        with self._parked_lock:
            parked = self._parked[ticket]
        operation, params, region, body_size = parked
        return self.answer_on_wire(operation, params, region, url=url, body_size=body_size)

    def answer_on_wire(
        self, operation: str, params: dict[str, Any], region: str, *, url: str, body_size: int
    ) -> AWSResponse:
        fault = self.faults.take_error(operation)
        if fault is not None:
            self._calls.append(CallRecord(operation, params, region, fault.code))
            return wire_response(url, fault.status, error_body(fault), fault.code)
        try:
            return wire_response(url, 200, self._run(operation, params, region, body_size))
        except ServiceError as error:
            return wire_response(url, error.status, error_body(error), error.code)
