"""JSON in and out of the server, with orjson where it can: it reads a 500 × 256 PutVectors body five times faster
than the standard library, and writes answers several times faster. Whatever orjson refuses is handed to the
standard library, so every request and answer reads and writes exactly as in-process."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from .._wire import to_json


class UnreadableJSONError(ValueError):
    """A body neither orjson nor the standard library can read."""


def loads(body: bytes) -> Any:
    """The JSON document of a request body. orjson refuses lone surrogate escapes, integers beyond 64 bits, bare
    NaN and Infinity, and deep nesting; the standard library reads all but the last, so those values reach the
    validator and get the answers they get in-process (a lone surrogate: the service's "UnknownError"; a NaN in
    metadata, which botocore writes as a bare NaN: "Metadata numbers must be finite")."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise UnreadableJSONError(str(error)) from None


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # the service's timestamps are epoch seconds
    raise TypeError


_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def dumps(payload: Any) -> bytes:
    """An answer body, as ``_wire.to_json`` writes it (the standard library takes what orjson cannot write:
    integers beyond 64 bits, lone surrogates, NaN, which orjson would write as null)."""
    try:
        body = orjson.dumps(payload, default=_default, option=_OPTIONS)
    except TypeError:
        return to_json(payload)
    if b"null" in body:  # orjson writes NaN and infinities as null; the standard library's text is kept
        return to_json(payload)
    return body
