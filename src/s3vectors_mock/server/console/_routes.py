"""The console's URLs: pages, their static files and the JSON endpoints the pages poll, all under /_s3vectors-mock/.

Pages are static HTML shells whose scripts fetch the JSON endpoints and build the page with DOM calls
(``textContent``, never ``innerHTML``), so no stored string (key, metadata, name) is ever parsed as HTML; a strict
Content-Security-Policy (scripts and styles from this server only) backs that up.

| path (after /_s3vectors-mock/)                        | answer |
|-------------------------------------------------------|--------|
| ``""``                                                | the overview page |
| ``calls``                                             | the call log page |
| ``indexes/{account}/{region}/{bucket}/{index}``       | an index's page |
| ``static/{file}``                                     | the pages' CSS and scripts |
| ``api/overview``                                      | accounts, regions, buckets, indexes |
| ``api/calls?limit=N``                                 | the newest N calls, newest first |
| ``api/indexes/{a}/{r}/{b}/{i}``                       | one index's configuration |
| ``api/indexes/{a}/{r}/{b}/{i}/vectors?offset&limit&prefix`` | a page of its vectors in key order |
| ``api/indexes/{a}/{r}/{b}/{i}/projection``            | the 2-D map of a sample of its vectors |
| ``POST api/indexes/{a}/{r}/{b}/{i}/query``            | a query's hits (JSON body: see docs/api.md) |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote

from ..._errors import ServiceError
from ..._service import S3VectorsService
from ..._wire import WireAnswer, headers
from . import _views
from ._projection import ProjectionCache, compute, identity_of, sample_of
from ._query import ConsoleError, error_json, run_query

PAGES = {"": "overview.html", "calls": "calls.html"}
INDEX_PAGE = "index.html"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
# Everything the pages load comes from this server; no inline script or style, no frames, no form posts elsewhere.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class ConsoleRequest:
    method: str
    segments: list[str]  # the path after /_s3vectors-mock/, split on "/" and percent-decoded
    query: dict[str, list[str]]
    body: bytes | None


def _answer(status: int, content_type: str, body: bytes, *, page: bool = False) -> WireAnswer:
    answer_headers = headers()
    answer_headers.update(
        {
            "content-type": content_type,
            "content-length": str(len(body)),
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        }
    )
    if page:
        answer_headers["content-security-policy"] = PAGE_POLICY
        answer_headers["referrer-policy"] = "no-referrer"
    return WireAnswer(status, answer_headers, body)


def json_answer(payload: Any, status: int = 200) -> WireAnswer:
    return _answer(status, JSON_TYPE, json.dumps(payload, separators=(",", ":"), allow_nan=False).encode())


def _console_error(status: int, code: str, message: str) -> WireAnswer:
    return json_answer({"error": {"code": code, "message": message}}, status)


def _static(name: str) -> bytes | None:
    resource = resources.files(__package__).joinpath("static").joinpath(name)
    return resource.read_bytes() if resource.is_file() else None


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [str(default)])[0])
    except ValueError:
        return default


def console_redirect() -> WireAnswer:
    """GET /_s3vectors-mock (no final slash): a permanent redirect to the overview."""
    answer = _answer(308, "text/plain; charset=utf-8", b"")
    answer.headers["location"] = "/_s3vectors-mock/"
    return answer


def is_console_path(endpoint: bytes) -> bool:
    """Whether a path after /_s3vectors-mock/ is the console's (the server's own health and reset are not)."""
    first = endpoint.split(b"/", 1)[0]
    return first in (b"", b"calls", b"indexes", b"static", b"api")


class Console:
    """The console of one service: answers GET requests for its pages and JSON, and POSTed queries."""

    def __init__(self, service: S3VectorsService) -> None:
        self.service = service
        self.projections = ProjectionCache()

    def answer(self, method: str, endpoint: bytes, query_string: bytes, body: bytes | None) -> WireAnswer:
        """The answer to one console request (``endpoint``: the raw path after /_s3vectors-mock/). It reads the
        state under the backend's lock, so the server calls it off the event loop."""
        request = ConsoleRequest(
            method,
            [unquote(part.decode("latin-1")) for part in endpoint.split(b"/")],
            parse_qs(query_string.decode("latin-1")),
            body,
        )
        first = request.segments[0]
        if first == "api":
            return self._api(request)
        if request.method != "GET":
            return _console_error(405, "MethodNotAllowed", "Console pages take GET.")
        if first == "static" and len(request.segments) == 2:
            name = request.segments[1]
            suffix = name[name.rfind(".") :] if "." in name else ""
            content = _static(name) if suffix in STATIC_TYPES and "/" not in name and ".." not in name else None
            if content is not None:
                return _answer(200, STATIC_TYPES[suffix], content)
        elif "/".join(request.segments) in PAGES or (first == "indexes" and len(request.segments) == 5):
            page = PAGES.get("/".join(request.segments), INDEX_PAGE)
            content = _static(page)
            if content is not None:
                return _answer(200, HTML_TYPE, content, page=True)
        return _console_error(404, "NotFound", "No console page here.")

    def _api(self, request: ConsoleRequest) -> WireAnswer:
        rest = request.segments[1:]
        if rest[:1] == ["indexes"] and len(rest) in (5, 6):
            return self._index_api(request, (rest[1], rest[2], rest[3], rest[4]), rest[5] if len(rest) == 6 else "")
        if request.method != "GET":
            return _console_error(405, "MethodNotAllowed", "This console endpoint takes GET.")
        if rest == ["overview"]:
            return json_answer(_views.overview(self.service))
        if rest == ["calls"]:
            return json_answer(_views.calls(self.service, _int(request.query, "limit", 200)))
        return _console_error(404, "NotFound", "No console endpoint here.")

    def _index_api(self, request: ConsoleRequest, address: tuple[str, str, str, str], view: str) -> WireAnswer:
        expected = "POST" if view == "query" else "GET"
        if view not in ("", "vectors", "projection", "query"):
            return _console_error(404, "NotFound", "No console endpoint here.")
        if request.method != expected:
            return _console_error(405, "MethodNotAllowed", f"This console endpoint takes {expected}.")
        if view == "":
            detail = _views.index_detail(self.service, *address)
            return json_answer(detail) if detail is not None else _console_error(404, "NotFound", "No such index.")
        if view == "query":
            return self._query(request, address)
        if view == "vectors":
            offset, limit = _int(request.query, "offset", 0), _int(request.query, "limit", 50)
            prefix = request.query.get("prefix", [""])[0]
            page = _views.vectors_page(self.service, address, offset, limit, prefix)
            return json_answer(page) if page is not None else _console_error(404, "NotFound", "No such index.")
        # Only the sample is copied under the backend's lock; the PCA runs outside it.
        with self.service.backend.lock:
            located = _views.locate(self.service, *address)
            if located is None:
                return _console_error(404, "NotFound", "No such index.")
            projection = self.projections.cached(located[1])
            if projection is None:
                identity, sample = identity_of(located[1]), sample_of(located[1])
        if projection is None:
            projection = compute(sample)
            self.projections.store(identity, projection)
        return json_answer(projection.payload)

    def _query(self, request: ConsoleRequest, address: tuple[str, str, str, str]) -> WireAnswer:
        try:
            form = json.loads(request.body or b"null")
        except ValueError:
            form = None
        if not isinstance(form, dict):
            return _console_error(400, "BadRequest", "A console query is a JSON object.")
        # A refused query is a result the page shows, not a failed request: 200 with the error (a 4xx would also
        # put a "failed to load resource" line in the browser's console for every mistyped filter).
        try:
            return json_answer(run_query(self.service, self.projections, address, form))
        except (ServiceError, ConsoleError) as error:
            return json_answer(error_json(error))
