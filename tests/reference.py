"""Straightforward reference implementations that the engine is compared with: one vector at a time, in Python."""

from __future__ import annotations

import math
from collections.abc import Callable
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
        return bool(present == operand)
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
    compare: Callable[[float, float], bool] = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }[operator]
    return any(_is_number(v) and compare(float(v), float(operand)) for v in values)


def exact_distances(vectors: list[list[float]], query: list[float], metric: str) -> list[float]:
    """AWS's distances in float64 of float32 vectors: cosine = 1 - cos clipped to [0, 2], euclidean = squared L2."""
    if not vectors:
        return []
    x = np.asarray(vectors, dtype=np.float32).astype(np.float64)
    q = np.asarray(query, dtype=np.float32).astype(np.float64)
    if metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", x, x)) * math.sqrt(float(np.dot(q, q)))
        distances = np.clip(1.0 - np.einsum("ij,j->i", x, q) / norms, 0.0, 2.0)
    else:
        difference = x - q
        distances = np.einsum("ij,ij->i", difference, difference)
    return [float(d) for d in distances]


LARGEST_FLOAT32 = float(np.finfo(np.float32).max)


def as_reported(distance: float) -> float:
    """A distance as the service reports it: float32, and float32's largest value beyond its range (every answer is
    strict JSON, which has no infinity; docs/fidelity.md)."""
    with np.errstate(over="ignore"):
        return min(float(np.float32(distance)), LARGEST_FLOAT32)


def distance(stored: list[float], query: list[float], metric: str) -> float:
    return as_reported(exact_distances([stored], query, metric)[0])


def brute_force(
    vectors: dict[str, list[float]],
    metadata: dict[str, dict[str, Any]],
    query: list[float],
    top_k: int,
    metric: str,
    filter_: dict[str, Any] | None = None,
) -> list[tuple[str, float]]:
    """The top_k (key, reported distance), ranked by the float64 distance, ties by key."""
    keys = [key for key in vectors if filter_ is None or matches(filter_, metadata.get(key) or {})]
    exact = exact_distances([vectors[key] for key in keys], query, metric)
    ranked = sorted(zip(exact, keys))[:top_k]
    return [(key, as_reported(value)) for value, key in ranked]
