"""Encryption configurations: the service's pairing rules for sseType and kmsKeyArn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import validation_error

AES256 = "AES256"
KMS = "aws:kms"
DEFAULT = {"sseType": AES256}
# The service's fieldList names the member's shape, not its JSON path: a live CreateIndex answered the pairing error
# with path "EncryptionConfiguration" (FarukAda/aws-langchain-s3-vector-ts, docs/evidence/index-encryption.md).
FIELD = "EncryptionConfiguration"


def encryption_from(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored form of a requested configuration, or None when none was requested."""
    if config is None:
        return None
    sse_type = config.get("sseType")
    kms_key = config.get("kmsKeyArn")
    if kms_key is not None and sse_type != KMS:
        raise validation_error("kmsKeyArn must not be specified when sseType is AES256.", FIELD)
    if sse_type == KMS and kms_key is None:
        raise validation_error("kmsKeyArn must be specified when sseType is set to aws:kms", FIELD)
    result: dict[str, Any] = {"sseType": sse_type or AES256}
    if kms_key is not None:
        result["kmsKeyArn"] = kms_key
    return result
