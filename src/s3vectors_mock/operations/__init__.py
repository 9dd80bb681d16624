"""One function per API operation: request parameters in, response dict out.

Nothing here knows about botocore clients; :func:`dispatch` is the single entry point a front end calls.
"""

from __future__ import annotations

from collections.abc import Callable

from .._errors import BODY_TOO_LARGE, not_implemented, validation_error
from .._float_lists import read_request
from .._service_model import operation_names
from .._validation import validate_request
from ..access.evaluation import Requester
from . import buckets, indexes, policies, query, tags, text_config, vectors
from ._authorize import Asked, asked, authorize
from ._request import Params, Request

Operation = Callable[[Request, Params], Params]
MAX_BODY_BYTES = 20 * 1024 * 1024

OPERATIONS: dict[str, Operation] = {
    "CreateVectorBucket": buckets.create_vector_bucket,
    "GetVectorBucket": buckets.get_vector_bucket,
    "ListVectorBuckets": buckets.list_vector_buckets,
    "DeleteVectorBucket": buckets.delete_vector_bucket,
    "PutVectorBucketDefaultIndexMode": buckets.put_vector_bucket_default_index_mode,
    "CreateIndex": indexes.create_index,
    "GetIndex": indexes.get_index,
    "ListIndexes": indexes.list_indexes,
    "DeleteIndex": indexes.delete_index,
    "UpdateIndexMode": indexes.update_index_mode,
    "UpdateMetadataConfiguration": text_config.update_metadata_configuration,
    "PutVectorBucketPolicy": policies.put_vector_bucket_policy,
    "GetVectorBucketPolicy": policies.get_vector_bucket_policy,
    "DeleteVectorBucketPolicy": policies.delete_vector_bucket_policy,
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
    "PutVectors": vectors.put_vectors,
    "GetVectors": vectors.get_vectors,
    "ListVectors": vectors.list_vectors,
    "DeleteVectors": vectors.delete_vectors,
    "QueryVectors": query.query_vectors,
}


def dispatch(
    request: Request,
    operation: str,
    params: Params,
    body_size: int = 0,
    requester: Requester | None = None,
    wanted: Asked | None = None,
) -> Params:
    """Run one operation as the service would, raising :class:`ServiceError` for every failure.

    One order of checks for every operation, as the service validates a request before it looks anything up:
    the request alone (the body's size, the model's constraints, then each operation's own rules of syntax and
    its limits), then the lookup of the bucket or index it names (NotFoundException), then the state of what was
    found (conflicts, modes, what depends on the index). So an invalid request naming a missing resource is a
    ValidationException, never a NotFoundException. Nothing is changed before every check has passed, and each
    operation runs under the backend's lock, so a failed request changes nothing and concurrent requests behave
    as some serial order of them.

    With a ``requester`` (access enforced), the caller's right to the request is decided once the request's shape
    is known to be valid (the model's constraints, and the names or ARNs it addresses) and before the operation's
    own rules or any lookup: an unauthorized caller learns nothing of what exists (AccessDeniedException whether
    or not the resource does) and changes nothing. ``wanted`` is what the request asks, when the caller has read
    it already; otherwise it is read here, after the model's constraints (raising the name or ARN errors).
    """
    handler = OPERATIONS.get(operation)
    if handler is None or operation not in operation_names():
        raise not_implemented(operation)
    if operation == "PutVectors":
        read_request(params)  # every vector of the request read at once, for the checks and stages that follow
    if body_size > MAX_BODY_BYTES:
        raise validation_error(BODY_TOO_LARGE)
    validate_request(operation, params)
    if requester is not None and wanted is None:
        wanted = asked(request, operation, params)
    with request.backend.lock:
        if requester is not None and wanted is not None:
            authorize(request, wanted, requester)
        return handler(request, params)
