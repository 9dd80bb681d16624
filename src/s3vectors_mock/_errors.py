"""The catalogue of errors the mock answers with.

Operations raise :class:`ServiceError`; the hook turns it into the exact error response botocore would parse
from the service. Messages that AWS is known to send are kept here verbatim, so that one place holds every text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# HTTP status of every modelled error (the model's `error.httpStatusCode`, 400 where it has none), plus the
# unmodelled SerializationException the service sends for strings it cannot decode.
STATUS_BY_CODE: dict[str, int] = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "NotFoundException": 404,
    "RequestTimeoutException": 408,
    "ConflictException": 409,
    "TooManyRequestsException": 429,
    "ServiceQuotaExceededException": 402,
    "KmsDisabledException": 400,
    "KmsInvalidKeyUsageException": 400,
    "KmsInvalidStateException": 400,
    "KmsNotFoundException": 400,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
    "SerializationException": 400,
    # Not the service's: what the mock answers for an operation of the installed model it does not implement.
    "NotImplemented": 501,
}


@dataclass(frozen=True)
class FieldError:
    """One entry of a ValidationException's `fieldList`."""

    path: str
    message: str


@dataclass
class ServiceError(Exception):
    """An error the service would answer with: code, message, HTTP status and (for validation) a field list."""

    code: str
    message: str
    field_list: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.message}")

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)


def validation_error(message: str, path: str | None = None, field_message: str | None = None) -> ServiceError:
    fields = [FieldError(path, field_message or message)] if path is not None else []
    return ServiceError("ValidationException", message, fields)


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message)


def invalid_arn(arn: str) -> str:
    return f"Invalid ARN: {arn}"


def internal_error(operation: str, bug: Exception) -> ServiceError:
    """What the mock answers for a defect of its own: the service's 500, naming the defect."""
    return ServiceError("InternalServerException", f"s3vectors-mock internal error in {operation}: {bug!r}")


# Verbatim service texts (see shared/spec/s3vectors-behaviour.md §4.2).
BUCKET_NOT_FOUND = "The specified vector bucket could not be found"
INDEX_NOT_FOUND = "The specified index could not be found"
POLICY_NOT_FOUND = "The specified vector bucket policy could not be found"
BUCKET_EXISTS = "A vector bucket with the specified name already exists"
INDEX_EXISTS = "An index with the specified name already exists"
BUCKET_NOT_EMPTY = "The specified vector bucket is not empty"
INVALID_BUCKET_NAME = "Invalid vector bucket name"
INVALID_INDEX_NAME = "Invalid index name"
BUCKET_NAME_OR_ARN = "Must specify either vectorBucketName or vectorBucketArn but not both"
INDEX_NAME_OR_ARN = "Must specify either indexArn or both vectorBucketName and indexName"
INVALID_FILTER = "Invalid filter"
NON_FILTERABLE_IN_FILTER = "Invalid use of non-filterable metadata in filter"
INVALID_QUERY_VECTOR = "Query vector contains invalid values or is invalid for this index"
BODY_TOO_LARGE = "Request body exceeds max allowed size"
INVALID_TOKEN = "The provided pagination token is invalid"
