"""The public mock object: a switch (decorator, sync and async context manager, start()/stop()) and the verbs a
test uses on the service it switches on (calls, fault injection, seeding, reset)."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._calls import CallRecord
from ._decorate import decorate_callable, decorate_class
from ._options import DEFAULT_ACCOUNT_ID, DEFAULT_APPROXIMATE_ABOVE, Options

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._service import S3VectorsService

if TYPE_CHECKING:
    from .server import ServerHandle

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
        enforce_access: bool = False,
    ) -> None:
        """See :class:`s3vectors_mock.Options` for what each option does; invalid values raise at once."""
        self._options = Options(
            account_id=account_id,
            classic_search_window=classic_search_window,
            approximate_above=approximate_above,
            enforce_rate_limits=enforce_rate_limits,
            enforce_access=enforce_access,
        )
        self._service_instance: S3VectorsService | None = None
        self._depth = 0
        self._depth_lock = threading.RLock()

    @property
    def account_id(self) -> str:
        """The account every caller of this mock acts as (it appears in every ARN)."""
        return self._options.account_id

    @property
    def options(self) -> Options:
        """The options this mock was created with."""
        return self._options

    @property
    def _service(self) -> S3VectorsService:
        # Created on first use, so that decorating a test imports nothing heavy until the test runs.
        if self._service_instance is None:
            from ._service import S3VectorsService

            self._service_instance = S3VectorsService(self._options)
        return self._service_instance

    # ---- activation -------------------------------------------------------------------------------------------

    def start(self) -> S3VectorsMock:
        """Start answering s3vectors calls. Nested starts of the same mock are counted."""
        from ._hooks import active_services, install

        install()
        with self._depth_lock:
            self._depth += 1
            if self._depth == 1:
                active_services.push(self._service)
        return self

    def stop(self) -> None:
        """Stop answering; the state stays until :meth:`reset` (a decorated call drops it when it ends)."""
        with self._depth_lock:
            if self._depth == 0:
                raise RuntimeError("stop() called on a mock_s3vectors that is not started")
            self._depth -= 1
            if self._depth == 0:
                from ._hooks import active_services

                active_services.remove(self._service)

    def _stop_and_forget(self) -> None:
        """Stop; when that ends the mock's last activation, drop its state (a decorated call, a decorated class or a
        fixture ends: nothing of a finished test stays in memory). One step, so no start in another thread can come
        between the check and the reset."""
        with self._depth_lock:
            self.stop()
            if self._depth == 0:
                self.reset()

    @property
    def active(self) -> bool:
        """Whether this mock is started (it answers calls unless a mock started after it is active too)."""
        return self._depth > 0

    def reset(self) -> None:
        """Drop every bucket, index, vector, policy and tag, the call log, the least-privilege record and any
        injected faults. Registered principals stay (they are configuration, like ``account_id``)."""
        if self._service_instance is not None:
            self._service.reset()

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

    # ---- inspection, faults and seeding -----------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """The calls this mock answered, oldest first (the newest 10,000; see docs/fidelity.md, Memory bounds)."""
        return self._service.calls.snapshot()

    def inject_error(self, operation: str, code: str, *, times: int = 1, message: str | None = None) -> None:
        """Make the next ``times`` calls of ``operation`` fail with the modelled error ``code``.

        These calls go through botocore's real send path, so the client's retry configuration applies exactly as
        against AWS (and ``ResponseMetadata["RetryAttempts"]`` counts the retries).
        """
        self._service.faults.inject_error(operation, code, times, message)

    def inject_latency(self, operation: str, seconds: float, *, times: int | None = None) -> None:
        """Delay the next ``times`` calls of ``operation`` (every call when ``times`` is None) by ``seconds``."""
        self._service.faults.inject_latency(operation, seconds, times)

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
        self._service.seed(index_arn, keys, vectors, metadata)

    # ---- access control ---------------------------------------------------------------------------------------

    def add_principal(self, arn: str, *, access_key_id: str, policies: Iterable[str | Mapping[str, Any]] = ()) -> None:
        """Register the IAM role or user ``arn`` (``arn:aws:iam::ACCOUNT:role/NAME`` or ``:user/PATH/NAME``): calls
        signed with ``access_key_id`` are made by it, in the account of its ARN, under ``policies`` (its
        identity-based policies: dicts or JSON texts). Registering the same ARN again replaces its key and
        policies. Raises ValueError for an invalid ARN or policy, or a key another principal already has.

        Any other access key acts as its account's root user. Policies are evaluated with ``enforce_access=True``.
        """
        self._service.principals.add(arn, access_key_id, policies)

    def required_policy(self) -> dict[str, Any]:
        """The least-privilege identity-based policy for the calls this mock answered (since the last
        :meth:`reset`): exactly the actions each resource needed, denied and failed calls included, one statement
        per resource, sorted. Enforcement need not be on."""
        from .access.ledger import policy_document

        return policy_document(self._service.ledger.pairs())

    # ---- for the class decorator ------------------------------------------------------------------------------

    def _snapshot_state(self) -> Any:
        return self._service.snapshot()

    def _restore_state(self, snapshot: Any) -> None:
        self._service.restore(snapshot)

    # ---- server mode ------------------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
        """Serve this mock's state over HTTP (the service's REST-JSON protocol) from a background thread, for other
        SDKs, the AWS CLI and other processes; ``port=0`` picks a free port. Returns a handle with ``.url`` and
        ``.stop()`` (also a context manager). Needs ``pip install 's3vectors-mock[server]'``."""
        from .server import start_server

        return start_server(self._service, host, port, mock=self)
