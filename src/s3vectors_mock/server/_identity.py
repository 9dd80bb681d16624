"""Who calls, and in which region: read from the SigV4 credential scope, never verified.

``Credential=AKID/20260101/REGION/s3vectors/aws4_request`` (in the ``Authorization`` header, or ``X-Amz-Credential``
in the query string of a presigned request). The service turns the access key id into a caller
(``S3VectorsService.identify``), by the same rule as for in-process clients. An unsigned request acts in
``us-east-1``. A scope naming no region any partition has (``..``, ``us east 1``, an empty one) is refused as
AWS's front door refuses it, InvalidSignatureException (403): such a region has no endpoint, and in-process its
client meets botocore's EndpointConnectionError.
"""

from __future__ import annotations

from .._arns import known_partition_of
from .._errors import SCOPE_REGION
from ._routing import RequestError

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
    (None, us-east-1) for an unsigned one. Raises RequestError for a scope whose region is not a region."""
    scope = _scope(authorization, query)
    if scope is None:
        return None, DEFAULT_REGION
    if len(scope) < 3:
        return scope[0], DEFAULT_REGION
    region = scope[2]
    if known_partition_of(region) is None:
        raise RequestError("InvalidSignatureException", SCOPE_REGION.format(region=region), 403)
    return scope[0], region
