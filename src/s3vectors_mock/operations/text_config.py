"""UpdateMetadataConfiguration (2026): add or delete full-text search configurations of an index."""

from __future__ import annotations

from .._errors import ADD_OR_DELETE, TEXT_CONFIG_EXISTS, TEXT_CONFIG_MISSING, TOO_MANY_TEXT_CONFIGS, validation_error
from ._request import Params, Request
from ._resolve import find_index, index_address
from ._text_search_rules import MAX_TEXT_CONFIGURATIONS, check_mode_allows_text_search, text_search_from


def update_metadata_configuration(request: Request, params: Params) -> Params:
    address = index_address(request, params)
    to_add = (params.get("add") or {}).get("textSearchConfigurations")
    to_delete = (params.get("delete") or {}).get("textSearchConfigurations")
    if (to_add is None) == (to_delete is None):
        raise validation_error(ADD_OR_DELETE)
    added = text_search_from(to_add)
    _, index = find_index(request, address)
    check_mode_allows_text_search(index.index_mode, None)
    if to_add is not None:
        clashes = sorted(set(added) & set(index.text_search))
        if clashes:
            raise validation_error(TEXT_CONFIG_EXISTS.format(key=clashes[0]))
        if len(index.text_search) + len(added) > MAX_TEXT_CONFIGURATIONS:
            raise validation_error(TOO_MANY_TEXT_CONFIGS.format(limit=MAX_TEXT_CONFIGURATIONS))
        index.add_text_search(added)
    else:
        keys = [entry["metadataKey"] for entry in to_delete or []]
        missing = [key for key in keys if key not in index.text_search]
        if missing:
            raise validation_error(TEXT_CONFIG_MISSING.format(key=missing[0]))
        index.remove_text_search(keys)
    return {"indexArn": index.arn}
