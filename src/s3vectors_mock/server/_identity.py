"""Who calls, and in which region: read from the SigV4 credential scope, never verified.

``Credential=AKID/20260101/REGION/s3vectors/aws4_request`` (in the ``Authorization`` header, or ``X-Amz-Credential``
in the query string of a presigned request). The service turns the access key id into a caller
(``S3VectorsService.identify``), by the same rule as for in-process clients. An unsigned request acts in
``us-east-1``.
"""

from __future__ import annotations

DEFAULT_REGION = "us-east-1"
_CREDENTIAL = "Credential="


def _scope(authorization: bytes | None, query: list[tuple[str, str]]) -> list[str] | None:
    if authorization is not None:
        text = authorization.decode("latin-1")
        start = text.find(_CREDENTIAL)
        if start < 0:
            return None
        return text[start + len(_CREDENTIAL) :].split(",", 1)[0].strip().split("/")
    for key, credential in query:
        if key == "X-Amz-Credential":
            return credential.split("/")
    return None


def signed_scope(authorization: bytes | None, query: list[tuple[str, str]]) -> tuple[str | None, str]:
    """(access key id, region) of a request, from its ``Authorization`` header or its presigned query string;
    (None, us-east-1) for an unsigned one."""
    scope = _scope(authorization, query)
    if scope is None:
        return None, DEFAULT_REGION
    region = scope[2] if len(scope) >= 3 and scope[2] else DEFAULT_REGION
    return scope[0], region
