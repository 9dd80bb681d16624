"""HTTP requests in, operation and API parameters out, driven by the service model's REST-JSON bindings.

Each operation's ``http`` trait gives its method and request URI; each input member's ``location`` says where it
travels (a URI label, the query string, a header, or the JSON body). Nothing is listed per operation, so a newer
model routes and parses its new operations and members by itself.

Both front ends read requests here: the server reads what arrives, and the in-process path reads the request dict
botocore would send (``_lazy_body``), so an in-process call is answered from exactly what the server would read.
A body member the model lacks (sent by a client with a newer model) is refused by name, never silently dropped.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from .._errors import ServiceError, unknown_member
from .._json_reader import UnreadableJSONError, loads

Params = dict[str, Any]
Headers = Iterable[tuple[bytes, bytes]]

# The strings JSON protocols use for the float values JSON cannot write; botocore sends them for float members.
SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class RequestError(Exception):
    """A request the service cannot even read: answered with ``code`` and ``status`` before any operation runs."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def serialization_error(message: str) -> RequestError:
    return RequestError("SerializationException", message, 400)


@dataclass(frozen=True)
class _Label:
    name: str
    greedy: bool  # `{Key+}`: the rest of the path, slashes included


@dataclass(frozen=True)
class Route:
    """Where one operation listens: its method, its path segments (literals and labels) and literal query pairs."""

    operation: OperationModel
    name: str
    method: str
    segments: tuple[str | _Label, ...]
    query: tuple[tuple[str, str], ...] = ()

    def match(self, segments: list[str], query: list[tuple[str, str]]) -> dict[str, str] | None:
        """The label values when ``segments`` (already percent-decoded) name this route, else None."""
        labels: dict[str, str] = {}
        for position, expected in enumerate(self.segments):
            if isinstance(expected, _Label) and expected.greedy:
                rest = segments[position:]
                if not rest or not rest[0]:
                    return None
                labels[expected.name] = "/".join(rest)
                break
            if position >= len(segments):
                return None
            if isinstance(expected, _Label):
                labels[expected.name] = segments[position]
            elif segments[position] != expected:
                return None
        else:
            if len(segments) != len(self.segments):
                return None
        if any(pair not in query for pair in self.query):
            return None
        return labels


def _route(operation: OperationModel) -> Route:
    uri = operation.http.get("requestUri", "/")
    path, _, literal_query = uri.partition("?")
    segments: list[str | _Label] = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            segments.append(_Label(name.rstrip("+"), name.endswith("+")))
        else:
            segments.append(segment)
    query = tuple(parse_qsl(literal_query, keep_blank_values=True))
    return Route(operation, operation.name, operation.http.get("method", "POST").upper(), tuple(segments), query)


def split_path(raw_path: bytes) -> list[str]:
    """The percent-decoded segments of a raw request path. Undecodable bytes survive as lone surrogates, which the
    validator answers as the service does for strings it cannot decode."""
    text = raw_path.decode("latin-1").partition("?")[0]
    segments = text.strip("/").split("/")
    if "%" not in text:
        return segments
    return [unquote(segment, errors="surrogateescape") for segment in segments]


class Router:
    """The routes of every operation of one model, and the parser of each operation's input."""

    def __init__(self, model: ServiceModel) -> None:
        self.routes = [_route(model.operation_model(name)) for name in model.operation_names]
        # Routes by their first path segment (most are `/<OperationName>`), so a request looks at one or two routes.
        self._by_first: dict[str, list[Route]] = {}
        self._label_first: list[Route] = []
        for route in self.routes:
            first = route.segments[0] if route.segments else ""
            if isinstance(first, _Label):
                self._label_first.append(route)
            else:
                self._by_first.setdefault(first, []).append(route)
        # Most requests are `POST /<OperationName>`: one dictionary lookup finds their route.
        self._static = {
            (route.method, ("/" + "/".join(literals)).encode()): route
            for route in self.routes
            if not route.query
            and len(literals := [s for s in route.segments if isinstance(s, str)]) == len(route.segments)
        }

    def match(self, method: str, raw_path: bytes, query: list[tuple[str, str]]) -> tuple[Route, dict[str, str]]:
        """The route and URI labels of a request; RequestError when no operation listens there."""
        static = self._static.get((method, raw_path))
        if static is not None:
            return static, {}
        segments = split_path(raw_path)
        allowed: list[str] = []
        for route in [*self._by_first.get(segments[0], ()), *self._label_first]:
            labels = route.match(segments, query)
            if labels is None:
                continue
            if route.method == method:
                return route, labels
            allowed.append(f"{route.method} ({route.name})")
        path = raw_path.decode("latin-1")
        if allowed:
            raise RequestError(
                "MethodNotAllowedException",
                f"{method} is not allowed on {path}; this path takes {', '.join(sorted(allowed))}",
                405,
            )
        raise RequestError("UnknownOperationException", f"No Amazon S3 Vectors operation at {method} {path}", 404)


# ---- reading the members bound outside the body ------------------------------------------------------------------


def _scalar(shape: Shape, text: str, where: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return SPECIAL_FLOATS.get(text) or float(text)
        if kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
    except ValueError:
        raise serialization_error(f"Cannot read {text!r} in {where} as {kind}") from None
    return text  # strings (and kinds the service model does not bind outside the body)


def _header_values(headers: Headers) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in headers:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        values[key] = f"{values[key]},{text}" if key in values else text
    return values


@functools.cache
def _bound(operation: OperationModel) -> tuple[tuple[str, Shape, str, str], ...]:
    """(member name, shape, location, wire name) of each input member bound outside the body."""
    shape = operation.input_shape
    if shape is None:
        return ()
    return tuple(
        (name, member, member.serialization["location"], member.serialization.get("name", name))
        for name, member in shape.members.items()
        if member.serialization.get("location") is not None
    )


def bound_members(
    operation: OperationModel, labels: dict[str, str], query: list[tuple[str, str]], headers: Headers
) -> Params:
    """The input members the operation binds to the URI, the query string and headers."""
    params: Params = {}
    header_values: dict[str, str] | None = None
    for name, member, location, wire_name in _bound(operation):
        if location == "uri":
            if wire_name in labels:
                params[name] = _scalar(member, labels[wire_name], f"the URI label {wire_name}")
        elif location == "querystring":
            if isinstance(member, MapShape):  # every query parameter not bound to another member
                taken = {other for _, _, where, other in _bound(operation) if where == "querystring"}
                params[name] = {key: value for key, value in query if key not in taken}
                continue
            values = [value for key, value in query if key == wire_name]
            if not values:
                continue
            if isinstance(member, ListShape):
                where = f"the query parameter {wire_name}"
                params[name] = [_scalar(member.member, value, where) for value in values]
            else:
                params[name] = _scalar(member, values[0], f"the query parameter {wire_name}")
        elif location in ("header", "headers"):
            header_values = header_values if header_values is not None else _header_values(headers)
            if location == "headers":  # a prefix map
                prefix = wire_name.lower()
                params[name] = {
                    key[len(prefix) :]: value for key, value in header_values.items() if key.startswith(prefix)
                }
            elif wire_name.lower() in header_values:
                params[name] = _scalar(member, header_values[wire_name.lower()], f"the header {wire_name}")
    return params


# ---- reading the JSON body -----------------------------------------------------------------------------------------

Decode = Callable[[Any], Any]


@dataclass
class _Plan:
    """How to turn one JSON value into API parameters, where that takes more than taking it as it is: members
    renamed on the wire, special float strings, epoch-second timestamps and base64 blobs."""

    convert: Decode | None = None  # scalars
    members: dict[str, tuple[str, _Plan | None]] = field(default_factory=dict)  # wire name -> (member, plan)
    items: _Plan | None = None  # list items, map values
    structure: str | None = None  # the shape name of a structure, whose unknown members are refused by name
    # Whether applying the plan only checks member names and changes nothing (no renames or conversions below):
    # then the parsed value, the reader's own, is checked in place instead of copied (~1,000 dicts a PutVectors).
    checks_only: bool = False


def _finished(plan: _Plan) -> _Plan:
    plan.checks_only = (
        plan.convert is None
        and (plan.items is None or plan.items.checks_only)
        and all(
            name == wire_name and (below is None or below.checks_only)
            for wire_name, (name, below) in plan.members.items()
        )
    )
    return plan


def _float(value: Any) -> Any:
    return SPECIAL_FLOATS.get(value, value) if isinstance(value, str) else value


def _timestamp(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    return value


def _blob(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise serialization_error("A blob member is not valid base64") from None
    return value


def _plan(shape: Shape, floats: bool, seen: frozenset[str] = frozenset()) -> _Plan | None:
    """The decoding plan of ``shape``, or None when its JSON value is already the API value."""
    if shape.name in seen:  # recursive shapes: below the first level, values are taken as they are
        return None
    seen = seen | {shape.name}
    kind = shape.type_name
    if kind in ("float", "double"):
        return _Plan(convert=_float) if floats else None
    if kind == "timestamp":
        return _Plan(convert=_timestamp)
    if kind == "blob":
        return _Plan(convert=_blob)
    if isinstance(shape, StructureShape):
        if shape.metadata.get("document"):
            return None
        # Always a plan: even a structure with nothing to convert is checked for members the model lacks.
        plan = _Plan(structure=shape.name)
        for name, member in shape.members.items():
            if member.serialization.get("location") is not None:
                continue  # bound elsewhere (only top-level members are): body_members ignores a value in the body
            plan.members[member.serialization.get("name", name)] = (name, _plan(member, floats, seen))
        return _finished(plan)
    if isinstance(shape, (ListShape, MapShape)):
        items = _plan(shape.member if isinstance(shape, ListShape) else shape.value, floats, seen)
        return None if items is None else _finished(_Plan(items=items))
    return None


def _check(plan: _Plan, value: Any) -> None:
    """What :func:`_apply` checks, for a plan that checks only: the same refusals, in the same order."""
    if isinstance(value, list) and plan.items is not None:
        items = plan.items
        for item in value:
            _check(items, item)
    elif isinstance(value, dict):
        if plan.items is not None:
            for item in value.values():
                _check(plan.items, item)
        elif plan.structure is not None:
            members = plan.members
            for wire_name, item in value.items():
                member = members.get(wire_name)
                if member is None:
                    raise unknown_member(wire_name, plan.structure)
                below = member[1]
                if below is not None and item is not None:
                    _check(below, item)


def _apply(plan: _Plan, value: Any) -> Any:
    if plan.checks_only:
        _check(plan, value)
        return value
    if plan.convert is not None:
        return plan.convert(value)
    if isinstance(value, list) and plan.items is not None:
        return [_apply(plan.items, item) for item in value]
    if isinstance(value, dict):
        if plan.items is not None:
            return {key: _apply(plan.items, item) for key, item in value.items()}
        if plan.structure is not None:
            result = {}
            members = plan.members
            for wire_name, item in value.items():
                member = members.get(wire_name)
                if member is None:
                    raise unknown_member(wire_name, plan.structure)
                name, below = member
                result[name] = _apply(below, item) if below is not None and item is not None else item
            return result
    return value


@functools.cache
def _body_members(operation: OperationModel) -> dict[str, tuple[str, _Plan | None, _Plan | None] | None]:
    """Wire name -> (member name, plan, plan with special floats) of each member the operation carries in its body;
    None for the names of members bound elsewhere (a value of theirs in the body is ignored)."""
    shape = operation.input_shape
    members: dict[str, tuple[str, _Plan | None, _Plan | None] | None] = {}
    if shape is None:
        return members
    for name, member in shape.members.items():
        wire_name = member.serialization.get("name", name)
        if member.serialization.get("location") is None:
            members[wire_name] = (name, _plan(member, floats=False), _plan(member, floats=True))
        else:
            members.setdefault(wire_name, None)
            members.setdefault(name, None)
    return members


@functools.cache
def _has_body(operation: OperationModel) -> bool:
    return any(member is not None for member in _body_members(operation).values())


# A body whose capital N or I bytes are this many or more is searched for the special float strings as a whole.
_FEW_CAPITALS = 64


def _has_special_floats(body: bytes) -> bool:
    """Whether the body may hold the string "NaN", "Infinity" or "-Infinity" (false positives only cost a walk).

    A substring search of a 10 MB body costs ~4 ms a word, about as much as orjson needs to read a tenth of it; a
    one-byte search (memchr) runs ten times faster. Vector bodies hold few capital N or I bytes (member names such
    as "indexName"), so each is found with memchr and the word checked where it would stand.
    """
    for capital, word, offset in ((b"N", b'"NaN"', 1), (b"I", b'Infinity"', 0)):
        position = body.find(capital)
        for _ in range(_FEW_CAPITALS):
            if position < 0:
                break
            start = position - offset
            if start >= 0 and body[start : start + len(word)] == word:
                return True
            position = body.find(capital, position + 1)
        else:  # many capitals: one substring search from the first one not yet checked
            if position >= 0 and body.find(word, max(position - offset, 0)) >= 0:
                return True
    return False


def body_members(operation: OperationModel, body: bytes) -> Params:
    """The input members the operation carries in its JSON body. A member the model does not declare at all is
    refused by name (ServiceError ``NotImplemented``): it can only come from a client with a newer model, and
    answering without it could answer another question than the one asked."""
    if not body or not _has_body(operation):
        return {}
    members = _body_members(operation)
    try:
        document = loads(body)
    except UnreadableJSONError as error:
        raise serialization_error(f"The request body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise serialization_error(f"The request body must be a JSON object, not {type(document).__name__}")
    # Special float strings are rare; a quick scan of the raw bytes spares walking 128,000 floats to find none.
    floats = _has_special_floats(body)
    params: Params = {}
    for wire_name, value in document.items():
        if wire_name not in members:
            shape = operation.input_shape
            raise unknown_member(wire_name, shape.name if shape is not None else operation.name)
        member = members[wire_name]
        if member is None:
            continue
        name, plan, float_plan = member
        chosen = float_plan if floats else plan
        params[name] = _apply(chosen, value) if chosen is not None and value is not None else value
    return params


def read_params(
    operation: OperationModel,
    labels: dict[str, str],
    query: list[tuple[str, str]],
    headers: Headers,
    body: bytes | None,
) -> Params:
    """Every input member of one request, as the service reads it; a request it cannot read raises the ServiceError
    it answers (SerializationException for unreadable values, NotImplemented for members the model lacks). An
    oversized body (None) is not parsed: the service answers its size first."""
    try:
        params = bound_members(operation, labels, query, headers)
        if body is not None:
            params.update(body_members(operation, body))
    except RequestError as error:
        raise ServiceError(error.code, error.message) from None
    return params
