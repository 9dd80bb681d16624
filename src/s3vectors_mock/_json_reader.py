"""The one JSON reader of request bodies, for every front end: the HTTP server reads what clients send with it, and
the in-process path reads with it the body botocore would have sent, so both see the same values.

orjson reads large bodies several times faster than the standard library, but the library does not need it: without
orjson (the server extra) the standard library reads every document to the same values. The rules, whichever reads:

* an integer inside the 64-bit range [-2**63, 2**64) is read exactly; any other integer is read as the nearest
  double (infinity beyond the double range), as orjson reads it — so a metadata integer >= 2**64 comes back as a
  double in every front end (docs/fidelity.md);
* lone surrogate escapes, bare ``NaN`` / ``Infinity`` and numbers beyond the double range, which orjson refuses, are
  read by the standard library (the validator then answers them as the service does).
"""

from __future__ import annotations

import json
from typing import Any

try:  # the server extra; the in-process library works without it
    import orjson
except ImportError:  # pragma: no cover - exercised in a subprocess test without orjson
    orjson = None  # type: ignore[assignment]

INT64_LOW = -(2**63)
UINT64_HIGH = 2**64
# Digits of the longest integer inside [-2**63, 2**64): anything longer is outside without converting it.
_LONGEST_IN_RANGE = len(str(UINT64_HIGH))


class UnreadableJSONError(ValueError):
    """A body no JSON reader can read."""


def _integer(text: str) -> int | float:
    """A JSON integer as orjson reads it: exact inside the 64-bit range, else the nearest double."""
    if len(text) <= _LONGEST_IN_RANGE:
        value = int(text)
        if INT64_LOW <= value < UINT64_HIGH:
            return value
    return float(text)  # correctly rounded, infinity beyond the range (never int(): no digit limit applies)


def _standard_loads(body: bytes | str) -> Any:
    try:
        return json.loads(body, parse_int=_integer)
    except (ValueError, RecursionError) as error:
        raise UnreadableJSONError(str(error)) from None


def loads(body: bytes | str) -> Any:
    """The JSON document of a request body (UnreadableJSONError when it is not JSON)."""
    if orjson is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return _standard_loads(body)
