"""The packed keys and their hash index, against a dict from key to row over random writes and deletes."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from s3vectors_mock.engine import keys as keys_module
from s3vectors_mock.engine.keys import PackedKeys

# Pairs of distinct keys with the same CRC32 (found by search): they exercise the overflow of the index.
COLLIDING = [("k97872", "k15860000"), ("k97873", "k15860001"), ("k97870", "k15860002")]


def test_colliding_pairs_collide() -> None:
    for first, second in COLLIDING:
        assert first != second and zlib.crc32(first.encode()) == zlib.crc32(second.encode())


def _check(packed: PackedKeys, model: dict[str, int]) -> None:
    assert len(packed) == len(model) == len(packed.row_of)
    assert {key: row for row, key in enumerate(packed)} == model
    for key, row in model.items():
        assert packed.row_of[key] == row and packed.find(key) == row and key in packed.row_of
        assert int(packed.hashes[row]) == zlib.crc32(key.encode())
    assert packed.find_many(list(model)) == list(model.values())
    for first, second in COLLIDING:
        for key in (first, second, first + "x"):
            assert (packed.find(key) is None) == (key not in model)
    assert packed.row_of.get("never-stored") is None and "never-stored" not in packed.row_of
    with pytest.raises(KeyError):
        packed.row_of["never-stored"]
    order = packed.sorted_rows().tolist()
    assert [packed[row] for row in order] == sorted(model)


@pytest.mark.parametrize("seed", range(6))
def test_random_appends_and_removals_match_a_dict(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny recent part, so that merges, tombstones and bulk inserts all happen within a few hundred keys.
    monkeypatch.setattr(keys_module, "MAXIMUM_RECENT", 8)
    rng = random.Random(seed)
    universe = [f"key-{i}" for i in range(400)] + [key for pair in COLLIDING for key in pair] + ["é", "a\x00", "a"]
    packed = PackedKeys()
    model: dict[str, int] = {}
    for _ in range(60):
        if rng.random() < 0.6 or not model:
            absent = [key for key in universe if key not in model]
            added = rng.sample(absent, min(len(absent), rng.choice([1, 3, 20, 60])))
            packed.append(added)
            for key in added:
                model[key] = len(model)
        else:
            doomed = sorted({model[key] for key in rng.sample(list(model), rng.randint(1, min(30, len(model))))})
            size = len(model) - len(doomed)
            holes = [row for row in doomed if row < size]
            doomed_set = set(doomed)
            movers = [row for row in range(size, len(model)) if row not in doomed_set]
            packed.remove(doomed, holes, movers, size)
            by_row = {row: key for key, row in model.items()}
            for row in doomed:
                del model[by_row[row]]
            for hole, mover in zip(holes, movers):
                model[by_row[mover]] = hole
        _check(packed, model)


def test_loading_a_list_finds_every_key_and_refuses_repeats() -> None:
    listed = ["b", "a", "é", *COLLIDING[0], *COLLIDING[1]]
    packed = PackedKeys.from_list(listed)
    _check(packed, {key: row for row, key in enumerate(listed)})
    hashes = np.asarray([zlib.crc32(key.encode()) for key in listed], dtype=np.uint32)
    assert PackedKeys.from_list(listed, hashes) == listed
    for repeated in (["a", "b", "a"], [COLLIDING[0][0], COLLIDING[0][1], COLLIDING[0][1]]):
        with pytest.raises(ValueError, match="repeated keys"):
            PackedKeys.from_list(repeated)


def test_appending_a_stored_key_is_refused() -> None:
    packed = PackedKeys()
    packed.append(["a"])
    with pytest.raises(ValueError):
        packed.append(["a"])
    assert packed == ["a"]


def test_long_keys_and_keys_with_nul_sort_in_code_point_order() -> None:
    listed = ["b" * 100, "a\x00", "a", "\uffff", "😀", "a" * 70]
    packed = PackedKeys.from_list(listed)
    assert [packed[row] for row in packed.sorted_rows().tolist()] == sorted(listed)
    short = PackedKeys.from_list(["ab", "a", "é", "z"])
    assert [short[row] for row in short.sorted_rows().tolist()] == ["a", "ab", "z", "é"]
