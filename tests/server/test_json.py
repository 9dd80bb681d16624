"""The server's JSON: orjson where it can, the standard library for what orjson refuses, the same values either way."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest

from s3vectors_mock._wire import to_json
from s3vectors_mock.server._json import UnreadableJSONError, dumps, loads


@pytest.mark.parametrize(
    "payload",
    [
        {"index": {"creationTime": datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc), "dimension": 3}},
        {"vectors": [{"key": "é", "distance": 0.05719095841050148, "data": {"float32": [0.4000000059604645, 1e-7]}}]},
        {"metadata": {"big": 10**20}},
        {"metadata": {"odd": "\ud800"}},
        {"nothing": None, "text": "nullable"},
    ],
)
def test_dumps_writes_what_to_json_writes(payload: dict[str, object]) -> None:
    assert json.loads(dumps(payload)) == json.loads(to_json(payload))


def test_nan_is_written_as_the_standard_library_writes_it_not_as_null() -> None:
    assert dumps({"distance": math.nan}) == to_json({"distance": math.nan}) == b'{"distance":NaN}'


def test_loads_reads_what_orjson_refuses() -> None:
    assert loads(b'{"n": NaN, "big": 100000000000000000000, "s": "\\ud800"}')["big"] == 10**20
    with pytest.raises(UnreadableJSONError):
        loads(b"[" * 100_000)
