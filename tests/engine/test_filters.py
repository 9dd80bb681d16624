"""The filter engine on its own: parsing with the service's one error, and bulk evaluation over typed columns
compared with a one-record-at-a-time reference (tests/reference.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3vectors_mock._errors import ServiceError
from s3vectors_mock.engine.filters import constraint_count, evaluate_filter, parse_filter
from s3vectors_mock.engine.table import VectorTable
from tests.reference import matches

RECORDS: list[dict[str, Any] | None] = [
    {"genre": "drama", "year": 2019, "tags": ["a", "b"], "ok": True},
    {"genre": "comedy", "year": 2021.5, "tags": ["b", 3], "ok": False},
    {"genre": "drama", "tags": ["c"]},
    None,
    {"year": -1, "genre": "documentary"},
]


def _table(records: list[dict[str, Any] | None]) -> VectorTable:
    table = VectorTable(2, lambda key: True)
    keys = [f"k{i}" for i in range(len(records))]
    table.upsert(keys, np.ones((len(records), 2), dtype=np.float32), records)
    return table


def _matching(filter_: Any, records: list[dict[str, Any] | None] = RECORDS) -> list[int]:
    table = _table(records)
    mask = evaluate_filter(parse_filter(filter_, frozenset(), allow_starts_with=True), table.columns, table.size)
    return [int(table.keys[row][1:]) for row in np.flatnonzero(mask)]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"genre": "drama"}, [0, 2]),
        ({"tags": {"$eq": "b"}}, [0, 1]),  # any element of an array
        ({"tags": {"$in": [3, "c"]}}, [1, 2]),
        ({"year": {"$gte": 2019, "$lt": 2022}}, [0, 1]),
        ({"year": {"$exists": False}}, [2, 3]),
        ({"genre": {"$ne": "drama"}}, [1, 4]),  # a record without the key never matches $ne
        ({"genre": {"$startsWith": "d"}}, [0, 2, 4]),
        ({"$or": [{"ok": True}, {"year": {"$lt": 0}}]}, [0, 4]),
        ({"$and": [{"genre": "drama"}, {"tags": {"$nin": ["a"]}}]}, [2]),
        ({"missing": "x"}, []),
    ],
)
def test_evaluation(filter_: Any, expected: list[int]) -> None:
    assert _matching(filter_) == expected


@pytest.mark.parametrize(
    "filter_",
    [{}, {"a": 1, "b": 2}, {"$eg": 1}, {"a": {"$in": []}}, {"a": {"$gt": "1"}}, {"a": None}, {"$and": []}, "a"],
)
def test_malformed_filters_are_the_one_invalid_filter_error(filter_: Any) -> None:
    with pytest.raises(ServiceError) as excinfo:
        parse_filter(filter_, frozenset())
    assert (excinfo.value.code, excinfo.value.message) == ("ValidationException", "Invalid filter")


def test_non_filterable_keys_are_refused() -> None:
    with pytest.raises(ServiceError, match="Invalid use of non-filterable metadata in filter"):
        parse_filter({"$or": [{"a": 1}, {"secret": 2}]}, frozenset({"secret"}))


def test_constraints_are_counted_per_evaluated_value() -> None:
    assert constraint_count(parse_filter({"$and": [{"a": {"$in": [1, 2, 3]}}, {"b": 1}]}, frozenset())) == 4


scalars = st.one_of(st.sampled_from(["a", "b", "ab", ""]), st.integers(-3, 3), st.booleans(), st.just(1.5))
values = st.one_of(scalars, st.lists(st.one_of(st.sampled_from(["a", "b"]), st.integers(-3, 3)), min_size=1))
records = st.lists(st.one_of(st.none(), st.dictionaries(st.sampled_from(["x", "y"]), values, max_size=2)), max_size=8)
conditions = st.one_of(
    st.builds(lambda k, v: {k: v}, st.sampled_from(["x", "y"]), scalars),
    st.builds(
        lambda k, op, v: {k: {op: v}},
        st.sampled_from(["x", "y"]),
        st.sampled_from(["$eq", "$ne"]),
        scalars,
    ),
    st.builds(
        lambda k, op, v: {k: {op: v}}, st.sampled_from(["x", "y"]), st.sampled_from(["$gt", "$lte"]), st.integers(-3, 3)
    ),
    st.builds(
        lambda k, op, v: {k: {op: v}},
        st.sampled_from(["x", "y"]),
        st.sampled_from(["$in", "$nin"]),
        st.lists(scalars, min_size=1, max_size=3),
    ),
    st.builds(lambda k, v: {k: {"$exists": v}}, st.sampled_from(["x", "y"]), st.booleans()),
)
filters = st.recursive(
    conditions,
    lambda inner: st.builds(
        lambda op, xs: {op: xs}, st.sampled_from(["$and", "$or"]), st.lists(inner, min_size=1, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(records=records, filter_=filters)
def test_bulk_evaluation_matches_the_reference(records: list[dict[str, Any] | None], filter_: Any) -> None:
    expected = [i for i, record in enumerate(records) if matches(filter_, record or {})]
    assert _matching(filter_, records) == expected
