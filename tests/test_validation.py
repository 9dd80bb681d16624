"""The validator's helpers that the bulk PutVectors path relies on."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from s3vectors_mock._validation import find_lone_surrogate


class _Text(str):
    pass


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"genre": "doc", "year": 2000, "tags": ["a", "b"], "ok": True, "none": None}, False),
        ({"genre": "café", "tags": ["日本", "émoji 🙂"]}, False),
        ({"genre": "a\ud800b"}, True),
        ({"\udc00": 1}, True),  # keys too
        ({"tags": ["a", ("b", ["\udfff"])]}, True),
        (OrderedDict(a={"deep": [{"x": "\ud801"}]}), True),  # any Mapping
        ({"a": _Text("\ud800")}, True),  # str subclasses
        (["\ud800", "\udc00"], True),  # a high and a low surrogate in separate strings are two lone ones
        ({1: "x", 2.5: ["y"]}, False),  # keys that are not strings are not text
        ("plain", False),
    ],
)
def test_find_lone_surrogate(value: Any, found: bool) -> None:
    assert find_lone_surrogate(value) is found


def test_find_lone_surrogate_in_deep_documents() -> None:
    deep: Any = "\ud800"
    for _ in range(100_000):
        deep = [deep]
    assert find_lone_surrogate({"m": deep})
