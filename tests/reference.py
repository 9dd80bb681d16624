"""Straightforward reference implementations that the engine is compared with: one vector at a time, in Python."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _same(stored: Any, operand: Any) -> bool:
    if isinstance(stored, bool) or isinstance(operand, bool):
        return isinstance(stored, bool) and isinstance(operand, bool) and stored == operand
    if isinstance(stored, str) or isinstance(operand, str):
        return isinstance(stored, str) and isinstance(operand, str) and stored == operand
    return float(stored) == float(operand)


def _values(stored: Any) -> list[Any]:
    return list(stored) if isinstance(stored, list) else [stored]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def matches(filter_: dict[str, Any], metadata: dict[str, Any]) -> bool:
    ((key, operand),) = filter_.items()
    if key == "$and":
        return all(matches(child, metadata) for child in operand)
    if key == "$or":
        return any(matches(child, metadata) for child in operand)
    conditions = operand if isinstance(operand, dict) else {"$eq": operand}
    return all(_condition(metadata, key, op, arg) for op, arg in conditions.items())


def _condition(metadata: dict[str, Any], key: str, operator: str, operand: Any) -> bool:
    present = key in metadata
    if operator == "$exists":
        return present == operand
    if not present:
        return False
    values = _values(metadata[key])
    if operator == "$eq":
        return any(_same(v, operand) for v in values)
    if operator == "$ne":
        return not any(_same(v, operand) for v in values)
    if operator == "$in":
        return any(_same(v, o) for v in values for o in operand)
    if operator == "$nin":
        return not any(_same(v, o) for v in values for o in operand)
    if operator == "$startsWith":
        return any(isinstance(v, str) and v.startswith(operand) for v in values)
    compare = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }[operator]
    return any(_is_number(v) and compare(float(v), float(operand)) for v in values)


def distance(stored: list[float], query: list[float], metric: str) -> float:
    x = np.asarray(stored, dtype=np.float32).astype(np.float64)
    q = np.asarray(query, dtype=np.float32).astype(np.float64)
    if metric == "cosine":
        value = min(2.0, max(0.0, 1.0 - float(x @ q) / (math.sqrt(float(x @ x)) * math.sqrt(float(q @ q)))))
    else:
        value = float(((x - q) ** 2).sum())
    return float(np.float32(value))


def brute_force(
    vectors: dict[str, list[float]],
    metadata: dict[str, dict[str, Any]],
    query: list[float],
    top_k: int,
    metric: str,
    filter_: dict[str, Any] | None = None,
) -> list[tuple[str, float]]:
    scored = [
        (key, distance(data, query, metric))
        for key, data in vectors.items()
        if filter_ is None or matches(filter_, metadata.get(key) or {})
    ]
    scored.sort(key=lambda item: (item[1], item[0]))
    return scored[:top_k]
