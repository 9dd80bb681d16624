"""The dense vector table: upserts, overwrites and compacting deletes keep every row where its key says."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from s3vectors_mock.engine.filters import evaluate_filter, parse_filter
from s3vectors_mock.engine.table import VectorTable

operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.lists(st.integers(0, 30), min_size=1, max_size=8)),
        st.tuples(st.just("delete"), st.lists(st.integers(0, 30), min_size=1, max_size=8)),
    ),
    max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(operations=operations)
def test_table_matches_a_dict_model(operations: list[tuple[str, list[int]]]) -> None:
    table = VectorTable(2, lambda key: True, capacity=2)
    model: dict[str, tuple[list[float], dict[str, Any]]] = {}
    for step, (kind, numbers) in enumerate(operations):
        keys = list(dict.fromkeys(f"k{n}" for n in numbers))
        if kind == "put":
            vectors = np.array([[float(step), float(i)] for i in range(len(keys))], dtype=np.float32)
            metadata: list[dict[str, Any] | None] = [{"step": step, "tag": ["x", key]} for key in keys]
            table.upsert(keys, vectors, metadata)
            for key, vector, values in zip(keys, vectors.tolist(), metadata):
                assert values is not None
                model[key] = (vector, values)
        else:
            table.delete(keys)
            for key in keys:
                model.pop(key, None)
        assert table.size == len(model)
        assert sorted(table.keys) == sorted(model)
        for key, (vector, values) in model.items():
            row = table.row_of[key]
            assert table.keys[row] == key
            assert table.data[row].tolist() == vector
            assert table.metadata[row] == values
        # The typed columns moved with their rows: filtering by each key's own tag finds exactly that key.
        for key in model:
            mask = evaluate_filter(parse_filter({"tag": key}, frozenset()), table.columns, table.size)
            assert [table.keys[row] for row in np.flatnonzero(mask)] == [key]
        assert sorted(table.sorted_keys()[0]) == sorted(model)


def test_squared_norms_and_inverse_norms() -> None:
    table = VectorTable(2, lambda key: True)
    table.upsert(["a", "zero"], np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32), [None, None])
    assert table.squared_norms[:2].tolist() == [25.0, 0.0]
    assert table.inverse_norms[:2].tolist() == [np.float32(0.2), 0.0]
