"""Per-row byte strings in one buffer, against a list of bytes."""

from __future__ import annotations

import random

import numpy as np
import pytest

from s3vectors_mock.engine import packed as packed_module
from s3vectors_mock.engine.packed import PackedBytes


@pytest.mark.parametrize("seed", range(4))
def test_random_writes_match_a_list(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed_module, "MINIMUM_GARBAGE", 64)  # rewrite the buffer often
    rng = random.Random(seed)
    packed, model = PackedBytes(), list[bytes]()
    for _ in range(300):
        action = rng.random()
        if action < 0.4 or not model:
            items = [bytes(rng.randrange(256) for _ in range(rng.randrange(12))) for _ in range(rng.randrange(1, 6))]
            packed.extend(items)
            model.extend(items)
        elif action < 0.7:
            row = rng.randrange(len(model))
            model[row] = bytes(rng.randrange(256) for _ in range(rng.randrange(20)))
            packed.set(row, model[row])
        elif action < 0.85:
            size = rng.randrange(len(model))
            holes = sorted(rng.sample(range(size), min(size, len(model) - size)))
            movers = list(range(size, size + len(holes)))
            packed.move(np.asarray(holes, dtype=np.intp), np.asarray(movers, dtype=np.intp))
            for hole, mover in zip(holes, movers):
                model[hole] = model[mover]
            packed.truncate(size)
            del model[size:]
        else:
            size = rng.randrange(len(model) + 1)
            packed.truncate(size)
            del model[size:]
        assert len(packed) == len(model)
        assert [packed.get(row) for row in range(len(model))] == model == packed.get_many(range(len(model)))
    assert packed._garbage <= max(64, len(packed._buffer) // 2)


def test_rows_out_of_range_are_refused() -> None:
    packed = PackedBytes()
    packed.extend([b"a"])
    for row in (1, -1):
        with pytest.raises(IndexError):
            packed.get(row)
        with pytest.raises(IndexError):
            packed.get_many([row])
        with pytest.raises(IndexError):
            packed.set(row, b"x")


def test_offsets_and_lengths_widen_before_they_overflow() -> None:
    packed = PackedBytes(4, np.uint16)
    packed._starts = packed._starts.astype(np.uint8)  # type: ignore[assignment]  # as if the buffer were near 4 GiB: offsets past 255 widen
    packed.extend([b"a" * 200, b"b" * 100])
    packed.extend_joined(b"c" * 70_000, np.asarray([70_000], dtype=np.int64))  # longer than uint16 lengths hold
    packed.set(0, b"d" * 300)
    assert packed._starts.dtype == np.int64 and packed._lengths.dtype == np.uint32
    assert packed.get_many(range(3)) == [b"d" * 300, b"b" * 100, b"c" * 70_000]
