"""Who calls, and in which region: read from the SigV4 credential scope, never verified.

``Credential=AKID/20260101/REGION/s3vectors/aws4_request`` (in the ``Authorization`` header, or ``X-Amz-Credential``
in the query string of a presigned request). The access key id is the account when it is 12 digits (so separate
test suites can keep separate accounts with nothing but their dummy keys); otherwise the server's default account.
An unsigned request acts in ``us-east-1``.
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


def caller_identity(authorization: bytes | None, query: list[tuple[str, str]], default_account: str) -> tuple[str, str]:
    """(account, region) of a request, from its ``Authorization`` header or its presigned query string."""
    scope = _scope(authorization, query)
    if scope is None:
        return default_account, DEFAULT_REGION
    access_key = scope[0]
    account = access_key if len(access_key) == 12 and access_key.isascii() and access_key.isdigit() else default_account
    region = scope[2] if len(scope) >= 3 and scope[2] else DEFAULT_REGION
    return account, region
