"""The service's tag rules beyond the model: at most 50 per resource, and the reserved ``aws:`` prefix."""

from __future__ import annotations

from collections.abc import Iterable

from .._errors import SYSTEM_TAG_ADDED, SYSTEM_TAG_CASE, SYSTEM_TAG_REMOVED, TOO_MANY_TAGS, validation_error

MAX_TAGS = 50


def check_tag_keys(keys: Iterable[str], removing: bool = False) -> None:
    for key in keys:
        if key.startswith("aws:"):
            raise validation_error(SYSTEM_TAG_REMOVED if removing else SYSTEM_TAG_ADDED, "tags")
        if key.lower().startswith("aws:"):
            raise validation_error(SYSTEM_TAG_CASE.format(key=key), "tags")


def merged_tags(current: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    check_tag_keys(new)
    merged = {**current, **new}
    if len(merged) > MAX_TAGS:
        raise validation_error(TOO_MANY_TAGS, "tags")
    return merged
