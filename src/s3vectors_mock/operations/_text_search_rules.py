"""Full-text search configurations (2026): validation and the stored form GetIndex reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._errors import DUPLICATE_TEXT_CONFIG, TEXT_SEARCH_NEEDS_ENHANCED, validation_error
from ._modes import CLASSIC

MAX_TEXT_CONFIGURATIONS = 10
ACTIVE = "ACTIVE"
FIELD = "metadataConfiguration/textSearchConfigurations"


def text_search_from(configurations: Sequence[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Requested text search configurations, keyed by metadata key (the request's own rules only)."""
    stored: dict[str, dict[str, Any]] = {}
    for entry in configurations or ():
        key = entry["metadataKey"]
        if key in stored:
            raise validation_error(DUPLICATE_TEXT_CONFIG.format(key=key), FIELD)
        stored[key] = {
            "metadataKey": key,
            **({"language": entry["language"]} if "language" in entry else {}),
            "status": ACTIVE,
        }
    return stored


def check_mode_allows_text_search(mode: str, path: str | None = FIELD) -> None:
    """Text search needs an ENHANCED index: refused for an index (or a new index's bucket default) in CLASSIC."""
    if mode == CLASSIC:
        raise validation_error(TEXT_SEARCH_NEEDS_ENHANCED, path)
