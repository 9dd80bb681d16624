"""The service's tag rules beyond the model: at most 50 per resource, and the reserved ``aws:`` prefix."""

from __future__ import annotations

from collections.abc import Iterable

from .._errors import validation_error

MAX_TAGS = 50


def check_tag_keys(keys: Iterable[str], removing: bool = False) -> None:
    for key in keys:
        if key.startswith("aws:"):
            verb = "removed" if removing else "added/updated"
            raise validation_error(f"System tags cannot be {verb} by requester", "tags")
        if key.lower().startswith("aws:"):
            raise validation_error(f'Invalid System Tag: {key} must be prefixed with "aws:" in lowercase.', "tags")


def merged_tags(current: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    check_tag_keys(new)
    merged = {**current, **new}
    if len(merged) > MAX_TAGS:
        raise validation_error("Too many tags specified", "tags")
    return merged
