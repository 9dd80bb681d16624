"""What an in-process call sent: the request botocore would put on the wire, read as the HTTP server reads it.

The in-process path must accept and refuse exactly what botocore would send, and answer from the parameters the
server would read from that request (so both front ends give one answer by construction). Formatting the whole body
is nearly all of botocore's cost for large writes (500 × 1024 floats: ~450 ms against ~15 ms of validation), and
for vector data it is pure waste: ``json.dumps`` of a finite float read back is the float itself, and the strings
botocore writes for NaN and the infinities read back as the same values.

So each s3vectors client's serializer is wrapped. When the call will be answered in-process (decided here, once:
see ``_hooks``), it is validated exactly as botocore validates it (same ``ParamValidationError``), then botocore's
own serializer formats a copy of the parameters in which every vector-data ``float32`` list made only of plain
floats is an empty placeholder; the resulting request (URI, query string, headers, body) is read with the server's
own readers (``server/_routing``, ``_json_reader``), and copies of the float lists are put back in place. Lists of
anything else (Decimal, ints, bools, 10**400) go through the real serializer, so they are formatted — or refused,
with botocore's own exception — exactly as without the mock.

botocore's validation of those lists (an ``isinstance`` call per float) is done in bulk where that cannot change
its report (:class:`BulkParamValidator`), and the same pass tells which lists are plain floats.

The request dict then carries a :class:`DeferredBody`: empty, holding the parameters read (fresh objects, which is
what the call log keeps) and the body's size, and able to produce the real bytes on demand. When a user's own
``before-call`` handler will see the request, the real body is formatted instead, as botocore gives it.

The 20 MiB body limit counts the body botocore would send: the placeholder body's real length (escapes included)
plus the JSON length of the float lists (a cheap upper bound when far under the limit, exact near it).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl

from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel
from botocore.utils import percent_encode_sequence
from botocore.validate import ParamValidationDecorator, ParamValidator, range_check

from ._collector import collection_paused
from ._errors import ServiceError
from ._service_model import operation_names, service_model
from .operations import MAX_BODY_BYTES
from .server._routing import RequestError, Router, read_params

if TYPE_CHECKING:
    from ._service import S3VectorsService

Params = dict[str, Any]
# The longest JSON number botocore writes for a float ("-1.7976931348623157e+308", or the string "-Infinity"),
# plus the ", " separating list items.
MAX_FLOAT_CHARACTERS = 26
# The request dict key carrying the service that will answer an in-process call (botocore ignores extra keys).
DECISION_KEY = "s3vectors_mock_service"
# The operations that carry vector data (formatted as placeholders, put back after reading).
VECTOR_DATA_OPERATIONS = frozenset({"PutVectors", "QueryVectors"})


@dataclass(frozen=True)
class WireRequest:
    """An in-process request as the service reads it: its parameters (or the error reading them) and body size."""

    params: Params
    error: ServiceError | None
    size: int
    # The vector-data lists put back into ``params``, lists of plain floats (the reading of the request converts
    # them without checking their items again, _float_lists); a PutVectors record's is the caller's own list.
    plain_lists: tuple[list[float], ...] = ()


class DeferredBody(bytes):
    """An empty body standing in for the JSON botocore did not format; ``serialize()`` formats it, ``wire`` is the
    request as the server would read it."""

    serialize: Callable[[], bytes]
    wire: WireRequest

    def __new__(cls, serialize: Callable[[], bytes], wire: WireRequest) -> DeferredBody:
        body = super().__new__(cls, b"")
        body.serialize = serialize
        body.wire = wire
        return body


# ---- reading a request dict as the server reads the request --------------------------------------------------------


@functools.cache
def _router() -> Router:
    return Router(service_model())


def _headers(headers: dict[str, Any]) -> Iterator[tuple[bytes, bytes]]:
    # Lazily: only an operation with members bound to headers reads them (none of today's).
    for name, value in headers.items():
        yield str(name).encode("latin-1", "replace"), str(value).encode("latin-1", "replace")


def read_request(operation: str, request: dict[str, Any], body: bytes | None, size: int) -> WireRequest:
    """Read a botocore request dict (``url_path``, ``query_string``, ``headers``) and ``body`` as the HTTP server
    reads the request botocore sends (None: a body over the limit, which the server does not parse)."""
    if operation not in operation_names():
        return WireRequest({}, None, size)  # the service refuses the operation by name
    encoded_query = percent_encode_sequence(request.get("query_string") or {})
    query = parse_qsl(encoded_query, keep_blank_values=True) if encoded_query else []
    raw_path = str(request.get("url_path", "/")).encode("latin-1", "replace")
    try:
        route, labels = _router().match(str(request.get("method", "POST")).upper(), raw_path, query)
        params = read_params(route.operation, labels, query, _headers(request.get("headers") or {}), body)
    except RequestError as error:
        return WireRequest({}, ServiceError(error.code, error.message), size)
    except ServiceError as error:
        return WireRequest({}, error, size)
    return WireRequest(params, None, size)


def read_real_request(operation: str, request: dict[str, Any]) -> WireRequest:
    """Read a request dict whose body is real bytes (a user's handler saw it, or the call was decided on the wire)."""
    body = request.get("body")
    data = body.serialize() if isinstance(body, DeferredBody) else body
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data if isinstance(data, bytes) else b""
    return read_request(operation, request, data if len(data) <= MAX_BODY_BYTES else None, len(data))


# ---- vector data: formatted as placeholders, put back after reading ------------------------------------------------


# Lists proven to hold only plain floats during one call's validation: id -> the list (held, so the id stays its).
Proven = dict[int, Any]


class BulkParamValidator(ParamValidator):
    """botocore's parameter validator, with one shortcut: a non-empty list of a float member without value bounds
    whose items are all plain floats (one C pass over their types) cannot fail any of its item checks, in any
    botocore version (each item's check is ``isinstance(item, (float, Decimal, int))`` plus the member's ``min``,
    which it has none of), so only the list's own length is checked. Anything else is botocore's own check: the
    report is the same for every input. Those are nearly all the work of validating a PutVectors (an isinstance
    call per float: ~13 ms for 500 × 1024), and the same pass tells the placeholder path which lists it may skip
    formatting (:attr:`plain_float_lists`), so the types are looked at once."""

    def __init__(self) -> None:
        super().__init__()
        self.plain_float_lists: Proven = {}

    def _validate_list(self, param: Any, shape: Any, errors: Any, name: str) -> None:
        member = shape.member
        if (
            type(param) in (list, tuple)
            and param
            and member.type_name in ("float", "double")
            and "min" not in member.metadata
            and "max" not in member.metadata
            and _all_floats(param)
        ):
            range_check(name, len(param), shape, "invalid length", errors)
            self.plain_float_lists[id(param)] = param
            return
        cast(Any, ParamValidator)._validate_list(self, param, shape, errors, name)  # private: not in the stubs


def _all_floats(values: list[Any] | tuple[Any, ...]) -> bool:
    """Whether every item is exactly a float (not a bool, int, Decimal or subclass): C passes over the types, no
    call per item. Counting the types in a list is ~1.5x faster than building their set."""
    return list(map(type, values)).count(float) == len(values)


def _pure_floats(values: Any, proven: Proven) -> bool:
    if values is not None and proven.get(id(values)) is values:
        return True  # proven by this call's validation
    # Bools, ints, Decimals and subclasses take the real path.
    return isinstance(values, (list, tuple)) and bool(values) and _all_floats(values)


def _strip_data(container: Any, lists: list[Sequence[float]], proven: Proven) -> Any:
    """``container`` (a dict holding ``float32``) with a placeholder for a list of plain floats (kept in ``lists``)."""
    if isinstance(container, dict) and _pure_floats(container.get("float32"), proven):
        lists.append(container["float32"])
        return {**container, "float32": []}
    lists.append([])  # keeps positions aligned: nothing to put back here
    return container


def _stripped(operation: str, parameters: Params, proven: Proven) -> tuple[Params, list[Sequence[float]]]:
    """A shallow copy of ``parameters`` with vector data replaced by placeholders, and the lists replaced, in order.

    Vector data lives in two places: PutVectors ``vectors[*].data.float32`` and QueryVectors
    ``queryVector.float32``; everything else is formatted for real.
    """
    lists: list[Sequence[float]] = []
    if operation == "PutVectors" and isinstance(parameters.get("vectors"), (list, tuple)):
        records = []
        for record in parameters["vectors"]:
            if isinstance(record, dict) and "data" in record:
                data = _strip_data(record["data"], lists, proven)
                record = record if data is record["data"] else {**record, "data": data}
            else:
                lists.append([])
            records.append(record)
        return {**parameters, "vectors": records}, lists
    if operation == "QueryVectors" and "queryVector" in parameters:
        query = _strip_data(parameters["queryVector"], lists, proven)
        return {**parameters, "queryVector": query}, lists
    return parameters, lists


def _put_back(operation: str, params: Params, lists: list[Sequence[float]]) -> tuple[list[float], ...]:
    """Put the float lists where the placeholders were read, and return those put back: they hold only plain
    floats, and are read once as a block (_float_lists).

    A PutVectors record's list is the caller's own: copying 500 lists cost ~1.5 ms, and the copies, alive while the
    call is answered, ~2 ms more in the collections walking them. The service only reads them, and whatever outlives
    the call makes its own copy: the call log keeps the doubles read (or a copy, _calls), a call parked for the
    send stage copies them (:func:`owned`). A tuple, and the query vector (not read as a block), are copied here.
    """
    put_back: list[list[float]] = []

    def restore(container: Any, values: Sequence[float], copy: bool) -> None:
        if values and isinstance(container, dict) and container.get("float32") == []:
            restored = list(values) if copy or type(values) is not list else cast(list[float], values)
            container["float32"] = restored
            put_back.append(restored)

    if operation == "PutVectors":
        records = params.get("vectors")
        if isinstance(records, list) and len(records) == len(lists):
            for record, values in zip(records, lists):
                if values and isinstance(record, dict):
                    restore(record.get("data"), values, copy=False)
    elif operation == "QueryVectors" and lists:
        restore(params.get("queryVector"), lists[0], copy=True)
    return tuple(put_back)


def owned(wire: WireRequest) -> Params:
    """The parameters of ``wire`` holding copies of the caller's lists put back in them, for a request kept
    beyond the call (parked for botocore's send stage). The dicts are the reader's own, changed in place."""
    if not wire.plain_lists:
        return wire.params
    caller_lists = {id(values) for values in wire.plain_lists}
    records = wire.params.get("vectors")
    for record in records if isinstance(records, list) else ():
        data = record.get("data") if isinstance(record, dict) else None
        if isinstance(data, dict) and id(data.get("float32")) in caller_lists:
            data["float32"] = list(data["float32"])
    return wire.params


def _exact_json_length(values: Sequence[float]) -> int:
    """The length of the JSON botocore writes for a list of floats (NaN and the infinities as quoted strings)."""
    specials = sum(1 for value in values if not math.isfinite(value))
    return len(json.dumps(list(values))) + 2 * specials  # json.dumps writes NaN bare; botocore writes "NaN"


def _size(placeholder_body: bytes, lists: Sequence[Sequence[float]]) -> int:
    """The size of the body botocore would send: an upper bound when far under the limit, else exact."""
    present = [values for values in lists if values]
    bound = len(placeholder_body) + sum(MAX_FLOAT_CHARACTERS * len(values) for values in present)
    if bound <= MAX_BODY_BYTES:
        return bound
    return len(placeholder_body) + sum(_exact_json_length(values) - 2 for values in present)


def _read_with_placeholders(
    serializer: Any, parameters: Params, operation_model: OperationModel, proven: Proven
) -> tuple[dict[str, Any], WireRequest]:
    """The request dict of ``parameters`` with vector data as placeholders, and the request as the server reads it,
    with copies of the vector data put back in place. ``proven``: lists validation found to hold plain floats."""
    operation = operation_model.name
    stripped, lists = _stripped(operation, parameters, proven)
    request: dict[str, Any] = serializer.serialize_to_request(stripped, operation_model)
    placeholder_body: bytes = request["body"]
    size = _size(placeholder_body, lists)
    wire = read_request(operation, request, placeholder_body if size <= MAX_BODY_BYTES else None, size)
    if wire.error is None:
        wire = dataclasses.replace(wire, plain_lists=_put_back(operation, wire.params, lists))
    return request, wire


class InProcessSerializer:
    """Wraps a client's serializer.

    ``answering(operation)`` is the service that will answer this call in-process, or None (the call goes through
    botocore's send stage, or no mock is active); it is asked once per call, here. ``user_reads_body(operation)``
    says whether a handler of the user's will see the request at ``before-call`` (then it gets the real body).
    """

    def __init__(
        self,
        real: Any,
        answering: Callable[[str], S3VectorsService | None],
        user_reads_body: Callable[[str], bool],
    ) -> None:
        self.real = real
        self._answering = answering
        self._user_reads_body = user_reads_body

    def serialize_to_request(self, parameters: Params, operation_model: OperationModel) -> dict[str, Any]:
        real = self.real
        operation = operation_model.name
        service = self._answering(operation)
        if service is None:
            serialized: dict[str, Any] = real.serialize_to_request(parameters, operation_model)
            return serialized
        inner = real
        proven: Proven = {}
        if isinstance(real, ParamValidationDecorator):
            input_shape = operation_model.input_shape
            if input_shape is not None:
                validator = cast(Any, real)._param_validator
                if type(validator) is ParamValidator:  # botocore's own (a custom one is used as it is)
                    validator = BulkParamValidator()
                    proven = validator.plain_float_lists
                report = validator.validate(parameters, input_shape)
                if report.has_errors():
                    raise ParamValidationError(report=report.generate_report())
            inner = cast(Any, real)._serializer
        if self._user_reads_body(operation):
            request: dict[str, Any] = inner.serialize_to_request(parameters, operation_model)
            request[DECISION_KEY] = service
            return request
        if operation in VECTOR_DATA_OPERATIONS:
            with collection_paused():  # a burst of small containers (_collector)
                request, wire = _read_with_placeholders(inner, parameters, operation_model, proven)
        else:
            request = inner.serialize_to_request(parameters, operation_model)
            body: bytes = request["body"]
            wire = read_request(operation, request, body if len(body) <= MAX_BODY_BYTES else None, len(body))

        def serialize() -> bytes:
            real_body: bytes = inner.serialize_to_request(parameters, operation_model)["body"]
            return real_body

        request["body"] = DeferredBody(serialize, wire)
        request[DECISION_KEY] = service
        return request
