"""What the service reads of the values botocore serializes: the JSON form of Python objects.

botocore writes request bodies with ``json.dumps``, and the service reads numbers as doubles. So a dict key ``1``
arrives as ``"1"`` (``None`` as ``"null"``, ``True`` as ``"true"``), and an integer beyond the double range
arrives as a number the service reads as infinity, which is not a valid number anywhere.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import numpy.typing as npt


def json_key(name: Any) -> str:
    """A dict key exactly as json.dumps writes it ("1", "1.5", "true", "null"); TypeError for a key JSON cannot
    write (botocore's serializer raises the same before any request is made)."""
    if type(name) is str:
        return name
    (converted,) = json.loads(json.dumps({name: None}))
    return str(converted)


def json_object(value: dict[Any, Any]) -> dict[str, Any]:
    """A dict with its keys as JSON writes them; when two keys write the same, the last wins (as a JSON reader
    keeps the last of repeated names). The dict itself when every key is already a string."""
    if all(type(name) is str for name in value):
        return value
    return {json_key(name): item for name, item in value.items()}


def is_finite_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number the service reads as a finite double (booleans are not numbers)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond the double range: infinite once read as a double
        return False


def as_double(value: Any) -> float:
    """A number as a JSON reader of doubles sees it: an integer beyond the double range is ±infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def as_doubles(rows: Any) -> npt.NDArray[np.float64]:
    """Vector values (a list, or a list of equally long lists) as float64, ±infinity beyond the double range."""
    try:
        return np.asarray(rows, dtype=np.float64)
    except OverflowError:  # an integer beyond 1.8e308 somewhere: the rare path, one value at a time
        if len(rows) and isinstance(rows[0], (list, tuple)):
            return np.asarray([[as_double(value) for value in row] for row in rows], dtype=np.float64)
        return np.asarray([as_double(value) for value in rows], dtype=np.float64)
