"""Validation of requests against the s3vectors model, with the service's Smithy-style messages.

botocore checks only types, required members and minimums on the client. The service checks the rest of the
model (maximums, ranges, enums and patterns) and answers with Smithy-style ValidationException texts; clients
with ``parameter_validation=False`` reach the service with anything at all. This module reproduces that check.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

from ._errors import (
    MUST_BE_IN_ENUM,
    MUST_BE_OF_TYPE,
    MUST_MATCH_PATTERN,
    FieldError,
    bounds,
    null_violation,
    smithy_validation_error,
    undecodable,
    violation,
)
from ._float_lists import plain_numbers
from ._service_model import operation_model


@functools.cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    # Model patterns are Java regexes with Unicode classes such as \p{L}; the `regex` module reads them as-is.
    return regex.compile(pattern)


def contains_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Violations:
    def __init__(self) -> None:
        self.items: list[FieldError] = []
        self.undecodable = False  # a lone surrogate somewhere: the service cannot even read the body

    def add(self, item: FieldError) -> None:
        self.items.append(item)


def _describe_bounds(shape: Shape, verb: str) -> str:
    low, high = _bounds(shape)
    return bounds(low, high, verb) or ""


@functools.cache
def _bounds(shape: Shape) -> tuple[float | None, float | None]:
    return shape.metadata.get("min"), shape.metadata.get("max")


def _outside(shape: Shape, number: float) -> bool:
    low, high = _bounds(shape)
    return (low is not None and number < low) or (high is not None and number > high)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "boolean": "a boolean",
    "list": "a list",
    "map": "a map",
    "structure": "an object",
}


def _type_ok(shape: Shape, value: Any) -> bool:
    kind = shape.type_name
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double"):
        # A Decimal is a number: botocore's serializer sends it as one (float(value)).
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, (list, tuple))
    if kind in ("map", "structure"):
        return isinstance(value, Mapping)
    return True


def _check_size(shape: Shape, value: Any, path: str, out: _Violations) -> None:
    if _outside(shape, len(value)):
        out.add(violation(path, _describe_bounds(shape, "have length "), size=len(value)))


def _check(shape: Shape, value: Any, path: str, out: _Violations) -> None:
    if not _type_ok(shape, value):
        word = _TYPE_WORDS.get(shape.type_name, shape.type_name)
        out.add(violation(path, MUST_BE_OF_TYPE.format(type=word)))
        return
    kind = shape.type_name
    if kind == "string":
        if contains_lone_surrogate(value):
            out.undecodable = True
        _check_string(shape, value, path, out)
    elif kind in ("integer", "long", "float", "double"):
        if _outside(shape, value):
            out.add(violation(path, _describe_bounds(shape, "be ")))
    elif isinstance(shape, StructureShape):
        if shape.metadata.get("document"):
            # Free-form JSON (filters, metadata): the service's own rules check it, once it can decode it.
            out.undecodable = out.undecodable or find_lone_surrogate(value)
            return
        for name in shape.required_members:
            if value.get(name) is None:
                out.add(null_violation(f"{path}/{name}"))
        for name, member_value in value.items():
            member_shape = shape.members.get(name)
            if member_shape is not None and member_value is not None:
                _check(member_shape, member_value, f"{path}/{name}", out)
    elif isinstance(shape, ListShape):
        _check_size(shape, value, path, out)
        if shape.member.type_name in ("float", "double") and plain_numbers(value):
            return  # vector data: hundreds of floats, checked in bulk (_float_lists) rather than one call each
        if _plain_records(shape.member, value):
            return  # PutVectors records of the usual form: the same verdict as the walk below, in one pass
        for position, item in enumerate(value):
            _check(shape.member, item, f"{path}/{position}", out)
    elif isinstance(shape, MapShape):
        _check_size(shape, value, path, out)
        for key, item in value.items():
            _check(shape.key, key, path, out)
            _check(shape.value, item, f"{path}/{key}", out)


_RECORD_MEMBERS = frozenset({"key", "data", "metadata"})


def _plain_records(shape: Shape, records: Any) -> bool:
    """Whether every item is a PutVectors record the walk of :func:`_check` would find nothing wrong with: a dict
    of a plain string key within the model's bounds, data holding only a float32 list of plain numbers, and
    metadata (if any) a dict without lone surrogates. False sends the records through that walk, which finds the errors.
    """
    if shape.name != "PutInputVector":
        return False
    key_shape = shape.members["key"]  # type: ignore[attr-defined]
    if _string_rules(key_shape) != (None, None):
        return False  # a key pattern or enum in a newer model: the walk checks it
    low, high = _bounds(key_shape)
    low, high = low or 0, math.inf if high is None else high
    for record in records:
        if type(record) is not dict or not record.keys() <= _RECORD_MEMBERS:
            return False
        key, data, metadata = record.get("key"), record.get("data"), record.get("metadata")
        if type(key) is not str or not low <= len(key) <= high or (not key.isascii() and contains_lone_surrogate(key)):
            return False
        if type(data) is not dict or len(data) != 1 or type(values := data.get("float32")) is not list:
            return False
        if not plain_numbers(values):
            return False
        if metadata is not None and (type(metadata) is not dict or find_lone_surrogate(metadata)):
            return False
    return True


@functools.cache
def _string_rules(shape: Shape) -> tuple[list[str] | None, str | None]:
    return shape.metadata.get("enum"), shape.metadata.get("pattern")


def _check_string(shape: Shape, value: str, path: str, out: _Violations) -> None:
    if _outside(shape, len(value)):
        out.add(violation(path, _describe_bounds(shape, "have length "), length=len(value)))
    enum, pattern = _string_rules(shape)
    if enum and value not in enum:
        out.add(violation(path, MUST_BE_IN_ENUM.format(values=", ".join(enum))))
    if pattern and not _compiled(pattern).fullmatch(value):
        out.add(violation(path, MUST_MATCH_PATTERN.format(pattern=pattern)))


def find_lone_surrogate(value: Any) -> bool:
    """Whether any string in a JSON value (keys included) holds a lone surrogate; iterative, so that deeply nested
    documents cannot exhaust the interpreter's recursion limit."""
    # The strings are gathered and checked at once: nearly all are ASCII, which one isascii() of their join proves
    # (a per-string encode cost ~4 ms for the metadata of 500 records). A lone surrogate stays lone when joined:
    # Python never pairs surrogate code points, so the join fails to encode exactly when one of its parts does.
    strings: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)  # exact types first: isinstance against the Mapping ABC is slow
        if kind is str:
            strings.append(item)
        elif kind is dict:
            pending.extend(item)
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif isinstance(item, str):
            strings.append(item)
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    joined = "".join(strings)
    return not joined.isascii() and contains_lone_surrogate(joined)


def _raise_for(violations: _Violations) -> None:
    if violations.undecodable:
        # The service cannot decode such a body; it answers with an error that is not in the model.
        raise undecodable()
    if violations.items:
        raise smithy_validation_error(violations.items)


def validate_request(operation: str, params: Mapping[str, Any]) -> None:
    """Raise the ServiceError the service answers when ``params`` break the service model's constraints."""
    shape = operation_model(operation).input_shape
    if shape is None:
        return
    violations = _Violations()
    _check(shape, params, "", violations)
    _raise_for(violations)


def validate_put_records(records: Sequence[Mapping[str, Any]]) -> None:
    """The model's checks of PutVectors records (key, data, metadata), with the paths and texts PutVectors gives,
    but without the request's 500-record limit: bulk seeding has none."""
    request = operation_model("PutVectors").input_shape
    assert request is not None
    vectors = request.members["vectors"]
    assert isinstance(vectors, ListShape)
    violations = _Violations()
    for position, record in enumerate(records):
        _check(vectors.member, record, f"/vectors/{position}", violations)
    _raise_for(violations)
