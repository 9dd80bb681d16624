"""Queries from the console: answered by the same operations as any caller's, but not as a call of the code under test.

They run through :func:`operations.dispatch` (the model's validation, each operation's checks, the engine) with the
service's own state and options, so a console query returns what QueryVectors would and shows the same errors.
They bypass :meth:`S3VectorsService.answer`: nothing is appended to the call log, no injected fault or latency is
consumed, and no caller's permissions are counted. A query never pages (the console asks for at most one page of
hits), so it issues no pagination token: the console leaves the token book, like all other state, untouched.
"""

from __future__ import annotations

from typing import Any

from ..._errors import ServiceError
from ..._service import S3VectorsService
from ..._service_model import service_model
from ...operations import dispatch
from ...operations._request import Params, Request
from ...operations.query import PAGE_SIZE
from ._projection import ProjectionCache
from ._views import locate

MAX_CONSOLE_TOP_K = PAGE_SIZE


class ConsoleError(Exception):
    """A console request the console itself refuses (before anything reaches the service)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _request(service: S3VectorsService, account: str, region: str) -> Request:
    # Today's model: the console is as new as the service, whatever botocore is installed.
    return Request(service.backend, service.options, account, region, service_model())


def _query_params(form: dict[str, Any], bucket: str, index: str, stored_vector: list[float] | None) -> Params:
    params: Params = {
        "vectorBucketName": bucket,
        "indexName": index,
        "topK": form.get("topK", 10),
        "returnDistance": True,
        "returnMetadata": True,
    }
    if stored_vector is not None:
        params["queryVector"] = {"float32": stored_vector}
    elif form.get("vector") is not None:
        params["queryVector"] = {"float32": form["vector"]}
    if form.get("filter") is not None:
        params["filter"] = form["filter"]
    text = form.get("queryText")
    if isinstance(text, dict) and text.get("text"):
        params["queryTexts"] = [{"metadataKey": text.get("metadataKey"), "text": text["text"]}]
        params["returnScores"] = True
    return params


def _stored_vector(request: Request, bucket: str, index: str, key: Any) -> list[float]:
    found = dispatch(
        request, "GetVectors", {"vectorBucketName": bucket, "indexName": index, "keys": [key], "returnData": True}
    )
    if not found["vectors"]:
        raise ConsoleError(404, "NotFound", f"No vector with key {key!r} in this index.")
    values: list[float] = found["vectors"][0]["data"]["float32"]
    return values


def run_query(
    service: S3VectorsService,
    projections: ProjectionCache,
    address: tuple[str, str, str, str],
    form: dict[str, Any],
) -> dict[str, Any]:
    """The hits of a console query, each placed on the index's map, and where the query vector falls.

    Raises ServiceError for what the service refuses and ConsoleError for what the console does.
    """
    account, region, bucket, index = address
    top_k = form.get("topK", 10)
    if isinstance(top_k, int) and not isinstance(top_k, bool) and top_k > MAX_CONSOLE_TOP_K:
        raise ConsoleError(400, "TopKTooLarge", f"The console shows at most {MAX_CONSOLE_TOP_K} hits (topK).")
    request = _request(service, account, region)
    # One hold of the (reentrant) lock for the lookup, the query and the map: the hits and their places agree.
    with service.backend.lock:
        located = locate(service, account, region, bucket, index)
        if located is None:
            raise ConsoleError(404, "NotFound", "No such index.")
        _, found = located
        key = form.get("key")
        stored = _stored_vector(request, bucket, index, key) if key not in (None, "") else None
        answer = dispatch(request, "QueryVectors", _query_params(form, bucket, index, stored))
        projection = projections.get(found)
        table = found.table
        found_rows = table.keys.find_many([hit["key"] for hit in answer["vectors"]])
        present = [hit for hit, row in zip(answer["vectors"], found_rows) if row is not None]
        rows = [row for row in found_rows if row is not None]
        places = projection.place(table.data[rows]).tolist() if present else []
        query_values = stored if stored is not None else form.get("vector")
        query_place = projection.place(query_values)[0].tolist() if query_values is not None else None
    hits = []
    for hit, place in zip(present, places):
        shown = {"key": hit["key"], "metadata": hit.get("metadata", {}), "x": float(place[0]), "y": float(place[1])}
        if "distance" in hit:
            shown["distance"] = hit["distance"]
        if "scores" in hit:
            shown["scores"] = hit["scores"]
        hits.append(shown)
    result: dict[str, Any] = {"distanceMetric": answer["distanceMetric"], "hits": hits}
    if query_place is not None:
        result["query"] = {"x": query_place[0], "y": query_place[1], "key": key if stored is not None else None}
    return result


def error_json(error: ServiceError | ConsoleError) -> dict[str, Any]:
    """A refusal as the page shows it: the error code, its message and the HTTP status the service would send."""
    return {"error": {"code": error.code, "message": error.message, "status": error.status}}


__all__ = ["ConsoleError", "error_json", "run_query"]
