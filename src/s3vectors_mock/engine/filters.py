"""The QueryVectors metadata filter language: strict parsing with the service's errors, and bulk evaluation.

Parsing follows what the service accepts (docs/fidelity.md lists the live records): exactly one key per condition
object, `$and`/`$or` over non-empty lists, comparison operators only inside a field's operator object, and typed
operands. Every malformed filter is the same ValidationException, "Invalid filter". Evaluation turns the parsed
tree into numpy boolean masks over a table's metadata columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import INVALID_FILTER, NON_FILTERABLE_IN_FILTER, ServiceError, validation_error
from .._json_values import is_finite_number, json_object
from .columns import ABSENT, BOOLEAN, NUMBER, STRING, BoolMask, Column, MetadataColumns

EQUALITY_OPERATORS = ("$eq", "$ne")
RANGE_OPERATORS = ("$gt", "$gte", "$lt", "$lte")
SET_OPERATORS = ("$in", "$nin")
STARTS_WITH = "$startsWith"
LOGICAL_OPERATORS = ("$and", "$or")
# No source gives the service's nesting limit; deeper filters are "Invalid filter" here (a documented choice).
MAX_NESTING = 32


def invalid_filter() -> ServiceError:
    return validation_error(INVALID_FILTER, "filter", INVALID_FILTER)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    operand: Any


@dataclass(frozen=True)
class Logical:
    operator: str  # "$and" or "$or"
    children: tuple[Node, ...]


Node = Condition | Logical


def _is_number(value: Any) -> bool:
    # A number as the service reads it: a double. 10**400 on the wire is infinite, so not a valid operand.
    return is_finite_number(value)


def _is_primitive(value: Any) -> bool:
    return isinstance(value, (str, bool)) or _is_number(value)


def _parse_operand(operator: str, operand: Any, allow_starts_with: bool) -> None:
    if operator in EQUALITY_OPERATORS:
        ok = _is_primitive(operand)
    elif operator in RANGE_OPERATORS:
        ok = _is_number(operand)
    elif operator in SET_OPERATORS:
        ok = isinstance(operand, list) and len(operand) > 0 and all(_is_primitive(v) for v in operand)
    elif operator == "$exists":
        ok = isinstance(operand, bool)
    elif operator == STARTS_WITH:
        ok = allow_starts_with and isinstance(operand, str)
    else:
        ok = False
    if not ok:
        raise invalid_filter()


def _parse(value: Any, allow_starts_with: bool, depth: int = 0) -> Node:
    if not isinstance(value, dict) or depth > MAX_NESTING:
        raise invalid_filter()
    # Keys as they reach the service: botocore's json.dumps writes {1: "x"} as {"1": "x"}.
    value = json_object(value)
    if len(value) != 1:
        raise invalid_filter()
    ((key, operand),) = value.items()
    if key in LOGICAL_OPERATORS:
        if not isinstance(operand, list) or not operand:
            raise invalid_filter()
        return Logical(key, tuple(_parse(child, allow_starts_with, depth + 1) for child in operand))
    if key.startswith("$"):
        raise invalid_filter()
    if isinstance(operand, dict):
        operand = json_object(operand)
        if not operand:
            raise invalid_filter()
        conditions: list[Node] = []
        for operator, argument in operand.items():
            _parse_operand(operator, argument, allow_starts_with)
            conditions.append(Condition(key, operator, argument))
        return conditions[0] if len(conditions) == 1 else Logical("$and", tuple(conditions))
    _parse_operand("$eq", operand, allow_starts_with)
    return Condition(key, "$eq", operand)


def fields_of(node: Node) -> set[str]:
    if isinstance(node, Condition):
        return {node.field}
    return set().union(*(fields_of(child) for child in node.children))


def constraint_count(node: Node) -> int:
    """Constraints as the service counts them: one per evaluated value (`$in` of 3 counts 3)."""
    if isinstance(node, Condition):
        return len(node.operand) if node.operator in SET_OPERATORS else 1
    return sum(constraint_count(child) for child in node.children)


def parse_filter(value: Any, non_filterable: frozenset[str], allow_starts_with: bool = False) -> Node:
    node = _parse(value, allow_starts_with)
    if fields_of(node) & non_filterable:
        raise validation_error(NON_FILTERABLE_IN_FILTER, "filter", NON_FILTERABLE_IN_FILTER)
    return node


# ---- evaluation -------------------------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, columns: MetadataColumns, size: int) -> None:
        self.columns = columns
        self.size = size

    def none(self) -> BoolMask:
        return np.zeros(self.size, dtype=np.bool_)

    def evaluate(self, node: Node) -> BoolMask:
        if isinstance(node, Logical):
            masks = (self.evaluate(child) for child in node.children)
            combine = np.logical_and if node.operator == "$and" else np.logical_or
            result: BoolMask = next(masks)
            for mask in masks:
                result = np.asarray(combine(result, mask), dtype=np.bool_)
            return result
        column = self.columns.columns.get(node.field)
        if column is None:
            # Nothing stored under this key: only "$exists": false can match.
            if node.operator == "$exists" and node.operand is False:
                return np.ones(self.size, dtype=np.bool_)
            return self.none()
        return self.condition(column, node.operator, node.operand)

    def present(self, column: Column) -> BoolMask:
        return np.asarray(column.kind[: self.size] != ABSENT, dtype=np.bool_)

    def condition(self, column: Column, operator: str, operand: Any) -> BoolMask:
        if operator == "$eq":
            return self.matches_any(column, [operand])
        if operator == "$in":
            return self.matches_any(column, operand)
        if operator == "$ne":
            return self.present(column) & ~self.matches_any(column, [operand])
        if operator == "$nin":
            return self.present(column) & ~self.matches_any(column, operand)
        if operator == "$exists":
            present = self.present(column)
            return present if operand else ~present
        if operator == STARTS_WITH:
            codes = self.columns.vocabulary.codes_with_prefix(operand)
            return self.by_element(column, STRING, lambda kind_values: np.isin(kind_values, codes), use_codes=True)
        compare = _RANGE[operator]
        bound = float(operand)
        return self.by_element(column, NUMBER, lambda numbers: compare(numbers, bound))

    def matches_any(self, column: Column, operands: list[Any]) -> BoolMask:
        numbers = [float(v) for v in operands if _is_number(v)]
        flags = [v for v in operands if isinstance(v, bool)]
        code_of = self.columns.vocabulary.code_of
        codes = [code_of[v] for v in operands if isinstance(v, str) and v in code_of]
        masks: list[BoolMask] = []
        if numbers:
            masks.append(self.by_element(column, NUMBER, _one_of(numbers)))
        if codes:
            masks.append(self.by_element(column, STRING, _one_of(codes), use_codes=True))
        if flags:
            kinds = column.kind[: self.size]
            masks.append(np.asarray((kinds == BOOLEAN) & _one_of(flags)(column.flag[: self.size]), dtype=np.bool_))
        if not masks:
            return self.none()
        result = masks[0]
        for mask in masks[1:]:
            result |= mask
        return result

    def by_element(
        self,
        column: Column,
        kind: int,
        test: Callable[[Any], BoolMask],
        use_codes: bool = False,
    ) -> BoolMask:
        """Rows whose scalar value of ``kind`` passes ``test``, or whose array has an element that does."""
        values = column.code if use_codes else column.number
        mask: BoolMask = np.asarray((column.kind[: self.size] == kind) & test(values[: self.size]), dtype=np.bool_)
        if column.arrays:
            exploded = column.exploded(self.columns.vocabulary)
            element_values = exploded.code if use_codes else exploded.number
            hits = exploded.rows[(exploded.kind == kind) & test(element_values)]
            mask[hits[hits < self.size]] = True
        return mask


def _one_of(candidates: list[Any]) -> Callable[[Any], BoolMask]:
    """A vectorized membership test; a single candidate is a plain comparison (cheaper than np.isin)."""
    if len(candidates) == 1:
        only = candidates[0]
        return lambda values: np.asarray(values == only, dtype=np.bool_)
    return lambda values: np.asarray(np.isin(values, candidates), dtype=np.bool_)


_RANGE: dict[str, Callable[[Any, float], BoolMask]] = {
    "$gt": np.greater,
    "$gte": np.greater_equal,
    "$lt": np.less,
    "$lte": np.less_equal,
}


def evaluate_filter(node: Node, columns: MetadataColumns, size: int) -> BoolMask:
    """The rows in ``[0, size)`` that ``node`` matches."""
    return _Evaluator(columns, size).evaluate(node)
