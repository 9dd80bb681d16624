"""The catalogue of errors the mock answers with: codes, HTTP statuses and every text.

Operations raise :class:`ServiceError`; the front ends turn it into the exact error response botocore would parse
from the service. Every message the service side sends is defined here, in two blocks: texts verbatim from AWS,
each with the public record of the service sending it, and texts we chose where no record exists (the same list
as docs/fidelity.md, "Error texts we chose"; tests/test_errors.py keeps the two equal, and keeps texts out of
every other module). Templates take their values with ``str.format``. Errors of the Python API (a ValueError for
a bad option) are not service answers and stay with their checks.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    # What the HTTP layer answers for a request no operation listens at (an empty URI label, such as GET /tags/).
    "UnknownOperationException": 404,
    "MethodNotAllowedException": 405,
    # Unmodelled too: the SigV4 front door's answer to a credential scope it cannot accept.
    "InvalidSignatureException": 403,
    # Not the service's: what the mock answers for an operation it does not implement.
    "NotImplemented": 501,
}

VERBATIM: list[str] = []  # every text of the first block, in order
CHOSEN: list[str] = []  # every text of the second block, in order


def _aws(text: str) -> str:
    VERBATIM.append(text)
    return text


def _ours(text: str) -> str:
    CHOSEN.append(text)
    return text


# =================================================================================================================
# Verbatim from AWS. Sources: moto's tests marked aws_verified (github.com/getmoto/moto, tests/test_s3vectors/),
# FarukAda/aws-langchain-s3-vector-ts's live probes (docs/evidence/*.md), ankane/neighbor-s3's live tests
# (test/index_test.rb), and the service model's own documentation (botocore data/s3vectors/2025-07-15).
# =================================================================================================================

# moto test_s3vector_buckets.py, test_s3vector_indexes.py, test_s3vector_policies.py (aws_verified);
# INDEX_NOT_FOUND also FarukAda delete-absent.md; INDEX_EXISTS FarukAda index-create-race.md and neighbor-s3.
BUCKET_NOT_FOUND = _aws("The specified vector bucket could not be found")
INDEX_NOT_FOUND = _aws("The specified index could not be found")
POLICY_NOT_FOUND = _aws("The specified vector bucket policy could not be found")
BUCKET_EXISTS = _aws("A vector bucket with the specified name already exists")
INDEX_EXISTS = _aws("An index with the specified name already exists")
BUCKET_NOT_EMPTY = _aws("The specified vector bucket is not empty")
INVALID_BUCKET_NAME = _aws("Invalid vector bucket name")
BUCKET_NAME_OR_ARN = _aws("Must specify either vectorBucketName or vectorBucketArn but not both")
INDEX_NAME_OR_ARN = _aws("Must specify either indexArn or both vectorBucketName and indexName")

# FarukAda filter-validation.md; NON_FILTERABLE_IN_FILTER also neighbor-s3 test/index_test.rb.
INVALID_FILTER = _aws("Invalid filter")
NON_FILTERABLE_IN_FILTER = _aws("Invalid use of non-filterable metadata in filter")

# FarukAda zero-vector.md and float32-range.md (QueryVectors); the second is the fieldList message.
INVALID_QUERY_VECTOR = _aws("Query vector contains invalid values or is invalid for this index")
QUERY_VECTOR_ZERO_NORM = _aws("Invalid input: cosine distance does not support vectors with zero norm")

# Records: moto test_s3vector_vectors.py (the wrapper and the dimension text, aws_verified); FarukAda
# float32-range.md, zero-vector.md, key-length.md, metadata-value-types.md, metadata-limits.md, and
# test/integration/evidence-guards-run3.test.ts (empty arrays).
RECORD_INVALID = _aws("Invalid record for key '{key}': {problem}")
VECTOR_LENGTH = _aws("vector must have length {dimension}, but has length {length}")
VECTOR_NOT_FINITE = _aws("vector contains NaNs or Infs")
VECTOR_ZERO_NORM = _aws("cosine distance does not support vectors with zero norm")
KEY_TOO_LONG = _aws("Record key length exceeds the maximum allowed")
METADATA_VALUE_TYPE = _aws("Metadata values must be strings, numbers, booleans, or arrays")
METADATA_ARRAY_TYPE = _aws("Metadata array values must be strings or numbers")
METADATA_EMPTY_ARRAY = _aws("Empty arrays are not allowed in metadata")
METADATA_TOO_MANY_KEYS = _aws("Metadata object must have at most {limit} keys")
FILTERABLE_METADATA_TOO_LARGE = _aws("Filterable metadata must have at most {limit} bytes")
METADATA_TOO_LARGE = _aws("Metadata object must have at most {limit} bytes")

# FarukAda index-encryption.md (CreateIndex); the fieldList names the member's shape, not a JSON path.
KMS_KEY_NOT_ALLOWED = _aws("kmsKeyArn must not be specified when sseType is AES256.")
KMS_KEY_REQUIRED = _aws("kmsKeyArn must be specified when sseType is set to aws:kms")
ENCRYPTION_FIELD = "EncryptionConfiguration"

# FarukAda tag-rules.md (CreateIndex).
TOO_MANY_TAGS = _aws("Too many tags specified")
SYSTEM_TAG_ADDED = _aws("System tags cannot be added/updated by requester")
SYSTEM_TAG_CASE = _aws('Invalid System Tag: {key} must be prefixed with "aws:" in lowercase.')

# FarukAda request-payload-limit.md, string-encoding.md (SerializationException, not in the model).
BODY_TOO_LARGE = _aws("Request body exceeds max allowed size")
UNDECODABLE = _aws("UnknownError")

# The SigV4 front door shared by AWS's JSON services, for a credential scope naming no region (code
# InvalidSignatureException, 403): fsouza/s3-upload-proxy issue 241 (MediaStore, REST-JSON like S3 Vectors:
# "Credential should be scoped to a valid region, not ''. ") and cognitect-labs/aws-api issue 27 (the same text,
# trailing space included); aws/aws-sdk-ruby issue 508 and aws/aws-sdk-java issue 1097 (the same form).
SCOPE_REGION = _aws("Credential should be scoped to a valid region, not '{region}'. ")

# The model's documentation of PutVectorsInput.vectors (ServiceUnavailableException); FarukAda
# index-create-race.md (InternalServerException on racing creates).
UNAVAILABLE = _aws("Currently unable to handle the request")
INTERNAL_ERROR = _aws("Internal server error")

# The Smithy validation format, for every constraint of the model: moto test_s3vector_buckets.py and
# test_s3vector_indexes.py (length, enum and range, aws_verified), FarukAda key-length.md (length at a nested
# path), tag-rules.md (pattern), neighbor-s3 test/index_test.rb (ListVectors maxResults range).
VALIDATION_SUMMARY = _aws("{count} validation {errors} detected. {violations}")
VIOLATION = _aws("Value{observed} at '{path}' failed to satisfy constraint: {constraint}")
MUST_BE_BETWEEN = _aws("Member must {verb}between {low} and {high}, inclusive")
MUST_BE_IN_ENUM = _aws("Member must satisfy enum value set: [{values}]")
MUST_MATCH_PATTERN = _aws("Member must satisfy regular expression pattern: ^{pattern}$")


# =================================================================================================================
# Chosen by us, where no public record gives the service's text (docs/fidelity.md, "Error texts we chose").
# =================================================================================================================

# The rest of the Smithy format: one-sided bounds, null and wrong types, in the same form as the recorded ones.
MUST_BE_AT_LEAST = _ours("Member must {verb}greater than or equal to {low}")
MUST_BE_AT_MOST = _ours("Member must {verb}less than or equal to {high}")
MUST_NOT_BE_NULL = _ours("Member must not be null")
MUST_BE_OF_TYPE = _ours("Member must be {type}")

# Names, ARNs, pagination and policies.
INVALID_INDEX_NAME = _ours("Invalid index name")
INVALID_ARN = _ours("Invalid ARN: {arn}")
INVALID_RESOURCE_ARN = _ours("Invalid resource ARN: {arn}")
RESOURCE_NOT_FOUND = _ours("The specified resource could not be found")
INVALID_TOKEN = _ours("The provided pagination token is invalid")
SEGMENT_PAIR = _ours("segmentCount and segmentIndex must be specified together")
SEGMENT_RANGE = _ours("segmentIndex must be less than segmentCount")
INVALID_POLICY = _ours("The policy is not a valid JSON policy document")
SYSTEM_TAG_REMOVED = _ours("System tags cannot be removed by requester")

# Records and query vectors.
VECTOR_DATA_MISSING = _ours("vector data must be provided as float32")
METADATA_NOT_OBJECT = _ours("Metadata must be an object")
METADATA_NULL = _ours("Metadata values must not be null")
METADATA_NOT_FINITE = _ours("Metadata numbers must be finite")
QUERY_VECTOR_LENGTH = _ours("Invalid input: vector must have length {dimension}, but has length {length}")
QUERY_VECTOR_NOT_FINITE = _ours("Invalid input: vector contains NaNs or Infs")

# Quotas.
BUCKET_QUOTA = _ours("You have reached the quota of {limit} vector buckets per Region for this account")
INDEX_QUOTA = _ours("You have reached the quota of {limit} vector indexes per vector bucket")

# Index modes and filters on ENHANCED indexes (2026).
CLASSIC_BUCKET = _ours("CLASSIC index mode is only available for vector buckets created before 2026-09-30")
CLASSIC_INDEX = _ours("CLASSIC index mode is only available for indexes in vector buckets created before 2026-09-30")
CLASSIC_WITH_TEXT_SEARCH = _ours("An index with text search configurations must use ENHANCED index mode")
CLASSIC_QUERY_ON_ENHANCED = _ours("CLASSIC query mode cannot be used with an index in ENHANCED mode")
TOO_MANY_CONSTRAINTS = _ours("Invalid filter: a filter may have at most {limit} constraints")

# Full-text search (2026).
QUERY_NEEDS_VECTOR_OR_TEXTS = _ours("Either queryVector or queryTexts must be specified")
FULL_TEXT_NEEDS_ENHANCED = _ours("Full-text search requires ENHANCED index mode")
KEY_NOT_SEARCHABLE = _ours("Metadata key '{key}' is not configured for text search")
DUPLICATE_QUERY_TEXT_KEY = _ours("Duplicate metadataKey '{key}' in queryTexts")
TEXT_SEARCH_NEEDS_ENHANCED = _ours("Text search configurations require an index in ENHANCED index mode")
DUPLICATE_TEXT_CONFIG = _ours("Duplicate text search configuration for metadata key '{key}'")
ADD_OR_DELETE = _ours("Exactly one of add or delete must be specified")
TEXT_CONFIG_EXISTS = _ours("A text search configuration already exists for metadata key '{key}'")
TEXT_CONFIG_MISSING = _ours("No text search configuration exists for metadata key '{key}'")
TOO_MANY_TEXT_CONFIGS = _ours("An index may have at most {limit} text search configurations")

# Default messages of injected faults (the service's own where recorded: UNAVAILABLE, INTERNAL_ERROR).
THROTTLED = _ours("Rate exceeded")
TIMED_OUT = _ours("Request timed out")
INJECTED = _ours("{code} injected by s3vectors-mock")

# Access control: IAM's documented form of an AccessDenied message (IAM User Guide, "Troubleshoot access denied
# error messages": "User: user is not authorized to perform: action on resource: resource because no type policy
# allows the action action" and "... with an explicit deny in a type policy"); no record shows S3 Vectors' own.
# Without a resource (ListVectorBuckets) the "on resource" part is left out, as in IAM's examples.
ACCESS_DENIED_IMPLICIT = _ours(
    "User: {principal} is not authorized to perform: {action}{on_resource} because no {policy_type} policy allows "
    "the {action} action"
)
ACCESS_DENIED_EXPLICIT = _ours(
    "User: {principal} is not authorized to perform: {action}{on_resource} with an explicit deny in {article} "
    "{policy_type} policy"
)
ON_RESOURCE = _ours("on resource: {resource}")

# The mock's own answers: an operation it does not implement, and a defect of its own.
NOT_IMPLEMENTED = _ours("s3vectors-mock does not implement the operation '{operation}'; the call was not sent anywhere")
INTERNAL_DEFECT = _ours("s3vectors-mock internal error in {operation}: {defect}")
# A change made in memory that the server could not record in its --state-dir (full disk, removed directory).
JOURNAL_FAILED = _ours("s3vectors-mock could not record this change in its state directory: {problem}")
UNKNOWN_MEMBER = _ours(
    "s3vectors-mock does not implement the member '{member}' of {shape}; the request was refused rather than "
    "answered without it"
)


# =================================================================================================================
# Errors
# =================================================================================================================


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


def quota_exceeded(message: str) -> ServiceError:
    return ServiceError("ServiceQuotaExceededException", message)


def access_denied(principal: str, action: str, resource: str, *, explicit: bool, policy_type: str) -> ServiceError:
    """AccessDeniedException (403) for ``principal`` asking ``action`` on ``resource`` (``*``: no resource)."""
    on_resource = " " + ON_RESOURCE.format(resource=resource) if resource != "*" else ""
    if explicit:
        article = "an" if policy_type[0] in "aeiou" else "a"
        message = ACCESS_DENIED_EXPLICIT.format(
            principal=principal, action=action, on_resource=on_resource, article=article, policy_type=policy_type
        )
    else:
        message = ACCESS_DENIED_IMPLICIT.format(
            principal=principal, action=action, on_resource=on_resource, policy_type=policy_type
        )
    return ServiceError("AccessDeniedException", message)


def throttled() -> ServiceError:
    return ServiceError("TooManyRequestsException", THROTTLED)


def undecodable() -> ServiceError:
    """The service's answer to a body it cannot decode (a lone surrogate): not in the model."""
    return ServiceError("SerializationException", UNDECODABLE)


def not_implemented(operation: str) -> ServiceError:
    return ServiceError("NotImplemented", NOT_IMPLEMENTED.format(operation=operation))


def journal_failed(problem: OSError) -> ServiceError:
    """A change the server made in memory but could not record in its state directory: answered as the service's
    500, so the client does not take it for kept."""
    return ServiceError("InternalServerException", JOURNAL_FAILED.format(problem=problem))


def unknown_member(member: str, shape: str) -> ServiceError:
    """A member the shipped model lacks (a newer client's): refused by name, never silently dropped."""
    return ServiceError("NotImplemented", UNKNOWN_MEMBER.format(member=member, shape=shape))


def internal_error(operation: str, bug: Exception) -> ServiceError:
    """What the mock answers for a defect of its own: the service's 500, naming the defect."""
    return ServiceError("InternalServerException", INTERNAL_DEFECT.format(operation=operation, defect=repr(bug)))


# ---- the Smithy validation format -------------------------------------------------------------------------------


def violation(path: str, constraint: str, *, length: int | None = None, size: int | None = None) -> FieldError:
    """One constraint violation at a JSON-pointer ``path`` ("Value with length 64 at '/name' failed to …")."""
    observed = f" with length {length}" if length is not None else f" with size {size}" if size is not None else ""
    return FieldError(path, VIOLATION.format(observed=observed, path=path, constraint=constraint))


def null_violation(path: str) -> FieldError:
    return FieldError(path, VIOLATION.format(observed=" null", path=path, constraint=MUST_NOT_BE_NULL))


def between(low: float, high: float, verb: str = "be ") -> str:
    """The constraint text of a range (``verb`` "be ") or of a length or size range (``verb`` "have length ")."""
    return MUST_BE_BETWEEN.format(verb=verb, low=low, high=high)


def bounds(low: float | None, high: float | None, verb: str = "be ") -> str | None:
    """The constraint text of a range with either end open (None when both are)."""
    if low is not None and high is not None:
        return between(low, high, verb)
    if low is not None:
        return MUST_BE_AT_LEAST.format(verb=verb, low=low)
    if high is not None:
        return MUST_BE_AT_MOST.format(verb=verb, high=high)
    return None


def smithy_validation_error(violations: Sequence[FieldError]) -> ServiceError:
    """ "1 validation error detected. …" (or "N validation errors …"), with one fieldList entry per violation."""
    count = len(violations)
    message = VALIDATION_SUMMARY.format(
        count=count,
        errors="error" if count == 1 else "errors",
        violations="; ".join(item.message for item in violations),
    )
    return ServiceError("ValidationException", message, list(violations))
