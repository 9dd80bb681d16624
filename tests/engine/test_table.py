"""The dense vector table: upserts, overwrites and compacting deletes keep every row where its key says."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from s3vectors_mock.engine.columns import ABSENT, ARRAY
from s3vectors_mock.engine.filters import evaluate_filter, parse_filter
from s3vectors_mock.engine.table import VectorTable

metadata_values = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "n": st.integers(-3, 3),
            "s": st.sampled_from(["a", "b"]),
            "flag": st.booleans(),
            "tag": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2),
        },
    ),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.lists(st.tuples(st.integers(0, 30), metadata_values), min_size=1, max_size=8)),
        st.tuples(st.just("delete"), st.lists(st.integers(0, 30), min_size=1, max_size=8)),
    ),
    max_size=25,
)


def check_columns(table: VectorTable) -> None:
    """The typed columns hold exactly the table's metadata: nothing at or past ``size``, arrays where ARRAY says."""
    for name, column in table.columns.columns.items():
        assert not column.kind[table.size :].any(), f"column {name!r} has values past the live rows"
        assert set(column.arrays) == set(np.flatnonzero(column.kind == ARRAY).tolist())
        for row in range(table.size):
            stored = (table.metadata[row] or {}).get(name)
            if stored is None:
                assert column.kind[row] == ABSENT
            elif isinstance(stored, list):
                assert column.arrays[row] == tuple(stored)


@settings(max_examples=150, deadline=None)
@given(operations=operations)
def test_table_matches_a_dict_model(operations: list[tuple[str, list[Any]]]) -> None:
    table = VectorTable(2, lambda key: True, capacity=2)
    model: dict[str, tuple[list[float], dict[str, Any] | None]] = {}
    for step, (kind, items) in enumerate(operations):
        if kind == "put":
            batch = {f"k{n}": values for n, values in items}  # one record per key, as the caller guarantees
            keys = list(batch)
            # Row 0 of step 0 is a zero vector and odd steps hold huge ones: every norm class comes and goes.
            scale = 1e20 if step % 2 else 1.0
            vectors = np.array([[float(step) * scale, float(i)] for i in range(len(keys))], dtype=np.float32)
            table.upsert(keys, vectors, list(batch.values()))
            for key, vector in zip(keys, vectors.tolist()):
                model[key] = (vector, batch[key])
        else:
            keys = list(dict.fromkeys(f"k{n}" for n in items))
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
        check_columns(table)
        # The per-class row counts that let search skip its float64 fallback follow overwrites and deletes.
        live_classes = np.bincount(table.norm_class[: table.size], minlength=3)
        assert table.norm_class_counts.tolist() == live_classes.tolist()
        # Filters see each key's own values only: $exists and each tag find exactly the vectors that hold them.
        for name in ("n", "s", "flag", "tag"):
            mask = evaluate_filter(parse_filter({name: {"$exists": True}}, frozenset()), table.columns, table.size)
            found = sorted(table.keys[row] for row in np.flatnonzero(mask))
            assert found == sorted(key for key, (_, values) in model.items() if values and name in values)
        for tag in ("a", "b", "c"):
            mask = evaluate_filter(parse_filter({"tag": tag}, frozenset()), table.columns, table.size)
            found = sorted(table.keys[row] for row in np.flatnonzero(mask))
            assert found == sorted(
                key for key, (_, values) in model.items() if tag in ((values or {}).get("tag") or [])
            )
        assert sorted(table.sorted_keys()) == sorted(model)


def test_squared_norms_and_inverse_norms() -> None:
    table = VectorTable(2, lambda key: True)
    table.upsert(["a", "zero"], np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32), [None, None])
    assert table.squared_norms[:2].tolist() == [25.0, 0.0]
    assert table.inverse_norms[:2].tolist() == [np.float32(0.2), 0.0]


def test_copies_are_independent_and_rebuild_what_cannot_be_copied() -> None:
    """Class-level setup state is copied for each test (see _decorate): tables and text fields must deep-copy."""
    import copy

    from s3vectors_mock.engine.text import TextField

    table = VectorTable(2, lambda key: True)
    others = [f"o{i}" for i in range(20)]  # enough vectors to train an IVF index
    vectors = np.random.default_rng(0).standard_normal((22, 2)).astype(np.float32)
    table.upsert(["a", "b", *others], vectors, [{"t": ["x"]}, None, *[None] * 20])
    table.approximate("cosine")
    clone = copy.deepcopy(table)
    assert clone._approximate is not table._approximate
    clone.delete(["a"])
    clone.upsert(["c"], np.array([[1, 1]], dtype=np.float32), [{"t": ["y"]}])
    assert sorted(table.keys) == sorted(["a", "b", *others]) and table.columns.columns["t"].arrays == {0: ("x",)}
    assert sorted(clone.keys) == sorted(["b", "c", *others])
    text = TextField("en")
    text.write(["a", "b"], ["red apples", "green pears"])
    copied = copy.deepcopy(text)
    copied.write(["c"], ["red wine"])
    assert [key for key, _ in text.search("red")] == ["a"]
    assert sorted(key for key, _ in copied.search("red")) == ["a", "c"]


def test_metadata_rows_read_as_the_dicts_stored() -> None:
    from s3vectors_mock.engine.table import MetadataRows

    rows = MetadataRows()
    stored: list[dict[str, Any] | None] = [{"a": 1, "b": [1, "x"]}, None, {}, {"b": 2.5, "a": "s"}, {"a": 3, "b": 4}]
    rows.extend(stored)
    assert len(rows) == 5 and rows == stored and list(rows) == stored
    assert [list(row) if row else row for row in rows] == [["a", "b"], None, {}, ["b", "a"], ["a", "b"]]  # order kept
    assert rows[:2] == stored[:2] and rows[-1] == {"a": 3, "b": 4}
    assert rows._names == [("a", "b"), (), ("b", "a")]  # names are stored once, shared by the rows that have them
    assert type(rows[0]["a"]) is int and type(rows[3]["b"]) is float  # type: ignore[index]
    rows[1] = {"c": True}
    rows.append(None)
    rows[0] = rows[3]
    rows.truncate(4)
    assert rows == [{"b": 2.5, "a": "s"}, {"c": True}, {}, {"b": 2.5, "a": "s"}]
    copied = rows[0]
    assert copied is not None
    copied["z"] = 1  # a read is a fresh dict: changing it changes nothing stored
    assert rows[0] == {"b": 2.5, "a": "s"}
    assert rows != [{"b": 2.5}] and rows != "not a list"


def test_metadata_rows_keep_any_value_exactly() -> None:
    from decimal import Decimal

    from s3vectors_mock.engine.table import PICKLED, MetadataRows

    rows = MetadataRows()
    stored: list[dict[str, Any] | None] = [
        {"big": 10**400, "neg": -(2**70), "true": True, "zero": 0.0, "minus": -0.0, "text": "é\x00😀", "l": []},
        {"decimal": Decimal("1.5")},  # not a value marshal writes: pickled
    ]
    rows.extend(stored)
    assert rows == stored and str(rows[0]["minus"]) == "-0.0"  # type: ignore[index]
    assert rows._rows.get(1)[:1] == PICKLED and rows._rows.get(0)[:1] != PICKLED
    first = rows[0]
    assert first is not None
    first["l"].append(1)  # a read shares no list with what is stored
    assert rows[0] == stored[0]


def test_a_filter_is_evaluated_once_until_the_table_changes() -> None:
    table = VectorTable(2, lambda key: True)
    table.upsert(["a", "b"], np.ones((2, 2), dtype=np.float32), [{"n": 1}, {"n": 2}])
    node = parse_filter({"n": 1}, frozenset())
    evaluations = []

    def evaluate() -> Any:
        evaluations.append(1)
        return evaluate_filter(node, table.columns, table.size)

    first = table.filter_mask(repr(node), evaluate)
    assert first.tolist() == [True, False] and table.filter_mask(repr(node), evaluate) is first
    assert len(evaluations) == 1 and not first.flags.writeable  # shared by queries: nobody may change it
    table.upsert(["c"], np.ones((1, 2), dtype=np.float32), [{"n": 1}])
    assert table.filter_mask(repr(node), evaluate).tolist() == [True, False, True] and len(evaluations) == 2
    for value in range(10):  # only the last few filters are kept
        other = parse_filter({"n": value}, frozenset())
        table.filter_mask(repr(other), functools.partial(evaluate_filter, other, table.columns, table.size))
    table.filter_mask(repr(node), evaluate)
    assert len(evaluations) == 3
