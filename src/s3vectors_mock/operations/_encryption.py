"""Encryption configurations: the service's pairing rules for sseType and kmsKeyArn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import ENCRYPTION_FIELD, KMS_KEY_NOT_ALLOWED, KMS_KEY_REQUIRED, validation_error

AES256 = "AES256"
KMS = "aws:kms"
DEFAULT = {"sseType": AES256}


def encryption_from(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored form of a requested configuration, or None when none was requested."""
    if config is None:
        return None
    sse_type = config.get("sseType")
    kms_key = config.get("kmsKeyArn")
    if kms_key is not None and sse_type != KMS:
        raise validation_error(KMS_KEY_NOT_ALLOWED, ENCRYPTION_FIELD)
    if sse_type == KMS and kms_key is None:
        raise validation_error(KMS_KEY_REQUIRED, ENCRYPTION_FIELD)
    result: dict[str, Any] = {"sseType": sse_type or AES256}
    if kms_key is not None:
        result["kmsKeyArn"] = kms_key
    return result
