"""The documentation says what the code does: the API reference's coverage table is generated from the registry."""

from __future__ import annotations

import os
import pathlib

from s3vectors_mock._service_model import operation_model, operation_names
from s3vectors_mock.operations import OPERATIONS

API_PAGE = pathlib.Path(__file__).parent.parent / "docs" / "api.md"
BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"
# What each operation's answer covers beyond the model's members, in a few words.
NOTES = {
    "QueryVectors": "exact k-NN (IVF above `approximate_above`), filters, topK ≤ 10,000 in pages, full-text, hybrid",
    "ListVectors": "pages (1 MB cut), segments",
    "PutVectors": "record, key and metadata rules; 20 MiB body limit",
    "PutVectorBucketPolicy": "IAM policy grammar; evaluated with `enforce_access`",
    "CreateIndex": "encryption, non-filterable keys, text search configurations, quotas",
    "CreateVectorBucket": "encryption, default index mode, quotas",
    "UpdateMetadataConfiguration": "adds or deletes text search configurations (backfilled at once)",
}


def coverage_table() -> str:
    rows = ["| operation | HTTP | implemented | notes |", "|---|---|---|---|"]
    for name in sorted(operation_names()):
        http = operation_model(name).http
        implemented = "yes" if name in OPERATIONS else "**no**: NotImplemented (501)"
        rows.append(f"| {name} | `{http['method']} {http['requestUri']}` | {implemented} | {NOTES.get(name, '')} |")
    return "\n".join(rows)


def test_the_api_page_lists_every_operation_of_the_service() -> None:
    page = API_PAGE.read_text(encoding="utf-8")
    generated = f"{BEGIN}\n{coverage_table()}\n{END}"
    if os.environ.get("S3VECTORS_MOCK_WRITE_DOCS"):
        start, end = page.index(BEGIN), page.index(END) + len(END)
        API_PAGE.write_text(page[:start] + generated + page[end:], encoding="utf-8")
        page = API_PAGE.read_text(encoding="utf-8")
    assert generated in page, "docs/api.md is stale: run S3VECTORS_MOCK_WRITE_DOCS=1 ./dev test tests/test_docs.py"


def test_every_public_name_is_documented() -> None:
    import s3vectors_mock

    page = API_PAGE.read_text(encoding="utf-8")
    for name in s3vectors_mock.__all__:
        assert f"`{name}" in page, name
    verbs = ("start", "stop", "active", "reset", "calls", "inject_error", "inject_latency", "load_vectors")
    for verb in (
        *verbs,
        "add_principal",
        "required_policy",
        "enforce_access",
        "--s3vectors-policy",
        "--enforce-access",
    ):
        assert f"`{verb}" in page, verb
