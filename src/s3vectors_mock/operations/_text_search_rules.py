"""Full-text search configurations (2026): validation and the stored form GetIndex reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._errors import validation_error
from ._modes import CLASSIC

MAX_TEXT_CONFIGURATIONS = 10
ACTIVE = "ACTIVE"


def text_search_from(configurations: Sequence[dict[str, Any]] | None, mode: str | None) -> dict[str, dict[str, Any]]:
    """The text search configurations of a new index, keyed by metadata key."""
    if not configurations:
        return {}
    if mode == CLASSIC:
        raise validation_error(
            "Text search configurations require an index in ENHANCED index mode",
            "metadataConfiguration/textSearchConfigurations",
        )
    stored: dict[str, dict[str, Any]] = {}
    for entry in configurations:
        key = entry["metadataKey"]
        if key in stored:
            raise validation_error(
                f"Duplicate text search configuration for metadata key '{key}'",
                "metadataConfiguration/textSearchConfigurations",
            )
        stored[key] = {
            "metadataKey": key,
            **({"language": entry["language"]} if "language" in entry else {}),
            "status": ACTIVE,
        }
    return stored
