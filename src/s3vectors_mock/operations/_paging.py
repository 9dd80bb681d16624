"""Name-ordered pagination for ListVectorBuckets and ListIndexes."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from ._request import Request

DEFAULT_PAGE_SIZE = 500


def page_of_names(
    request: Request, params: Mapping[str, Any], names: list[str], scope: str
) -> tuple[list[str], str | None]:
    """One page of ``names`` (sorted, filtered by ``prefix``) and the token for the next page, if any.

    The token remembers the last name returned, so names created or deleted between pages never make a listing
    repeat or skip a name that existed throughout.
    """
    prefix = params.get("prefix") or ""
    limit = params.get("maxResults") or DEFAULT_PAGE_SIZE
    ordered = sorted(name for name in names if name.startswith(prefix))
    start = 0
    token = params.get("nextToken")
    if token is not None:
        after = request.backend.tokens.redeem(token, scope)
        start = bisect.bisect_right(ordered, after)
    page = ordered[start : start + limit]
    more = start + limit < len(ordered)
    next_token = None
    if more and page:
        next_token = request.backend.tokens.issue(scope, page[-1], size=len(page[-1]), after=token)
    elif token is not None:
        request.backend.tokens.release(token)  # the listing is complete: its tokens are no longer needed
    return page, next_token


def page_response(member: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """A list response: the items under ``member``, and ``nextToken`` only when there is a next page."""
    response: dict[str, Any] = {member: items}
    if token is not None:
        response["nextToken"] = token
    return response
