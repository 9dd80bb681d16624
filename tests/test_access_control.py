"""Access control through boto3, in-process: who calls (access keys and principals), what is denied and how,
what a denied call leaves behind, cross-account access, and the least-privilege policy of a realistic sequence."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock, mock_s3vectors
from s3vectors_mock.access.policies import PolicyError
from tests.helpers import error_of

OWNER = "111122223333"
OTHER = "444455556666"
READER = f"arn:aws:iam::{OWNER}:role/reader"
VISITOR = f"arn:aws:iam::{OTHER}:role/visitor"
BUCKET_ARN = f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/docs"
INDEX_ARN = f"{BUCKET_ARN}/index/chunks"


def client(access_key: str, region: str = "us-east-1") -> Any:
    return boto3.client("s3vectors", region_name=region, aws_access_key_id=access_key, aws_secret_access_key="secret")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def seed(admin: Any) -> None:
    admin.create_vector_bucket(vectorBucketName="docs")
    admin.create_index(
        vectorBucketName="docs", indexName="chunks", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    admin.put_vectors(
        vectorBucketName="docs",
        indexName="chunks",
        vectors=[{"key": "a", "data": {"float32": [1.0, 0.0]}, "metadata": {"genre": "doc"}}],
    )


@pytest.fixture
def enforced() -> Any:
    with mock_s3vectors(account_id=OWNER, enforce_access=True) as mock:
        yield mock


@pytest.fixture
def admin(enforced: S3VectorsMock) -> Any:
    """The owner account's root (an unregistered key), with the bucket docs and its index chunks."""
    root = client("AKIAOWNERROOT")
    seed(root)
    return root


def denied(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def query(caller: Any, **extra: Any) -> Any:
    return caller.query_vectors(
        vectorBucketName="docs", indexName="chunks", topK=1, queryVector={"float32": [1.0, 0.0]}, **extra
    )


# ---- off by default ---------------------------------------------------------------------------------------------


def test_without_enforcement_nothing_is_denied() -> None:
    with mock_s3vectors(account_id=OWNER) as mock:
        mock.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(deny("*"))])
        reader = client("AKIAREADER")
        seed(reader)
        reader.put_vector_bucket_policy(vectorBucketName="docs", policy=json.dumps(policy(deny("*", Principal="*"))))
        assert query(reader, returnMetadata=True)["vectors"][0]["metadata"] == {"genre": "doc"}
        reader.delete_vector_bucket_policy(vectorBucketName="docs")
        assert all(call.succeeded for call in mock.calls)


@pytest.mark.s3vectors(enforce_access=True)
def test_the_marker_turns_it_on(mock: S3VectorsMock) -> None:
    assert mock.options.enforce_access
    mock.add_principal(READER.replace(OWNER, mock.account_id), access_key_id="AKIANOBODY")
    code, _, status = denied(lambda: client("AKIANOBODY").list_vector_buckets())
    assert (code, status) == ("AccessDeniedException", 403)


def test_the_option_is_validated() -> None:
    with pytest.raises(TypeError, match="enforce_access must be True or False"):
        mock_s3vectors(enforce_access="yes")  # type: ignore[call-overload]


# ---- who calls --------------------------------------------------------------------------------------------------


def test_keys_pick_the_account_without_enforcement() -> None:
    with mock_s3vectors(account_id=OWNER) as mock:
        mock.add_principal(VISITOR, access_key_id="AKIAVISITOR")
        assert client("AKIAVISITOR").create_vector_bucket(vectorBucketName="bb1")["vectorBucketArn"] == (
            f"arn:aws:s3vectors:us-east-1:{OTHER}:bucket/bb1"
        )
        assert client("999988887777").create_vector_bucket(vectorBucketName="bb1")["vectorBucketArn"] == (
            "arn:aws:s3vectors:us-east-1:999988887777:bucket/bb1"
        )
        assert client("AKIAUNKNOWN").create_vector_bucket(vectorBucketName="bb1")["vectorBucketArn"] == (
            f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/bb1"
        )


def test_add_principal_refuses_what_iam_would() -> None:
    mock = mock_s3vectors()
    with pytest.raises(ValueError, match="is not the ARN of an IAM role or user"):
        mock.add_principal("arn:aws:iam::123456789012:root", access_key_id="AKIA1")
    with pytest.raises(PolicyError, match="policy 1 is not a valid identity-based policy"):
        mock.add_principal(READER, access_key_id="AKIA1", policies=['{"Statement": "nope"}'])
    mock.add_principal(READER, access_key_id="AKIA1")
    with pytest.raises(ValueError, match=f"access key id 'AKIA1' already belongs to {READER}"):
        mock.add_principal(VISITOR, access_key_id="AKIA1")


def test_principals_survive_reset_and_can_be_replaced(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:ListVectorBuckets"))])
    enforced.reset()
    assert client("AKIAREADER").list_vector_buckets()["vectorBuckets"] == []
    enforced.add_principal(READER, access_key_id="AKIAREADER2", policies=[json.dumps(policy(allow("s3vectors:Get*")))])
    # The old key is nobody now: it is its account's root (the mock's account).
    assert client("AKIAREADER").list_vector_buckets()["vectorBuckets"] == []
    _, message, _ = denied(lambda: client("AKIAREADER2").list_vector_buckets())
    assert message.startswith(f"User: {READER} is not authorized")


# ---- what a denied caller gets ----------------------------------------------------------------------------------


def test_the_documented_extra_permission_of_query_vectors(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:QueryVectors"))])
    reader = client("AKIAREADER")
    assert query(reader, returnDistance=True)["vectors"][0]["key"] == "a"
    for extra in ({"returnMetadata": True}, {"filter": {"genre": "doc"}}):
        assert denied(lambda: query(reader, **extra)) == (  # noqa: B023 - called at once
            "AccessDeniedException",
            f"User: {READER} is not authorized to perform: s3vectors:GetVectors on resource: {INDEX_ARN} because no "
            "identity-based policy allows the s3vectors:GetVectors action",
            403,
        )
    enforced.add_principal(
        READER, access_key_id="AKIAREADER", policies=[policy(allow(["s3vectors:QueryVectors", "s3vectors:GetVectors"]))]
    )
    assert query(reader, returnMetadata=True, filter={"genre": "doc"})["vectors"][0]["metadata"] == {"genre": "doc"}


def test_list_vectors_with_data_needs_get_vectors(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:ListVectors"))])
    reader = client("AKIAREADER")
    assert reader.list_vectors(vectorBucketName="docs", indexName="chunks")["vectors"] == [{"key": "a"}]
    code, message, _ = denied(lambda: reader.list_vectors(vectorBucketName="docs", indexName="chunks", returnData=True))
    assert code == "AccessDeniedException" and "perform: s3vectors:GetVectors on resource" in message


def test_creating_with_tags_needs_tag_resource(enforced: S3VectorsMock) -> None:
    enforced.add_principal(
        READER, access_key_id="AKIAREADER", policies=[policy(allow(["s3vectors:CreateVectorBucket"]))]
    )
    maker = client("AKIAREADER")
    _, message, _ = denied(lambda: maker.create_vector_bucket(vectorBucketName="tagged", tags={"team": "search"}))
    assert message == (
        f"User: {READER} is not authorized to perform: s3vectors:TagResource on resource: "
        f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/tagged because no identity-based policy allows the "
        "s3vectors:TagResource action"
    )
    maker.create_vector_bucket(vectorBucketName="untagged")


def test_list_vector_buckets_names_no_resource(enforced: S3VectorsMock) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER")
    assert denied(lambda: client("AKIAREADER").list_vector_buckets())[1] == (
        f"User: {READER} is not authorized to perform: s3vectors:ListVectorBuckets because no identity-based "
        "policy allows the s3vectors:ListVectorBuckets action"
    )


def test_explicit_deny_in_an_identity_policy(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(
        READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:*")), policy(deny("s3vectors:Delete*"))]
    )
    reader = client("AKIAREADER")
    assert reader.get_index(indexArn=INDEX_ARN)["index"]["indexName"] == "chunks"
    assert denied(lambda: reader.delete_index(indexArn=INDEX_ARN))[1] == (
        f"User: {READER} is not authorized to perform: s3vectors:DeleteIndex on resource: {INDEX_ARN} with an "
        "explicit deny in an identity-based policy"
    )


def test_a_bucket_deny_stops_even_the_root_user(enforced: S3VectorsMock, admin: Any) -> None:
    admin.put_vector_bucket_policy(
        vectorBucketName="docs", policy=json.dumps(policy(deny("s3vectors:DeleteIndex", Principal="*")))
    )
    assert denied(lambda: admin.delete_index(indexArn=INDEX_ARN)) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{OWNER}:root is not authorized to perform: s3vectors:DeleteIndex on resource: "
        f"{INDEX_ARN} with an explicit deny in a resource-based policy",
        403,
    )
    assert admin.get_index(indexArn=INDEX_ARN)["index"]["indexName"] == "chunks"


def test_deny_wins_over_an_allow_in_the_other_policy(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:*"))])
    admin.put_vector_bucket_policy(
        vectorBucketName="docs",
        policy=json.dumps(policy(deny("s3vectors:PutVectors", f"{BUCKET_ARN}/*", Principal={"AWS": READER}))),
    )
    reader = client("AKIAREADER")
    put = {"indexArn": INDEX_ARN, "vectors": [{"key": "b", "data": {"float32": [0.0, 1.0]}}]}
    assert "explicit deny in a resource-based policy" in denied(lambda: reader.put_vectors(**put))[1]
    admin.put_vectors(**put)  # the root user is not named by that statement


def test_a_bucket_policy_grants_a_principal_of_the_same_account(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER")
    reader = client("AKIAREADER")
    assert "no identity-based policy allows" in denied(lambda: reader.get_index(indexArn=INDEX_ARN))[1]
    admin.put_vector_bucket_policy(
        vectorBucketName="docs", policy=json.dumps(policy(allow("s3vectors:GetIndex", Principal={"AWS": READER})))
    )
    assert reader.get_index(indexArn=INDEX_ARN)["index"]["indexName"] == "chunks"


def test_a_denied_call_changes_nothing_and_is_logged(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:Get*"))])
    reader = client("AKIAREADER")
    before = admin.list_vectors(indexArn=INDEX_ARN, returnData=True, returnMetadata=True)["vectors"]
    for call in (
        lambda: reader.put_vectors(indexArn=INDEX_ARN, vectors=[{"key": "z", "data": {"float32": [0.5, 0.5]}}]),
        lambda: reader.delete_vectors(indexArn=INDEX_ARN, keys=["a"]),
        lambda: reader.delete_index(indexArn=INDEX_ARN),
        lambda: reader.delete_vector_bucket(vectorBucketName="docs"),
        lambda: reader.tag_resource(resourceArn=BUCKET_ARN, tags={"team": "x"}),
        lambda: reader.put_vector_bucket_policy(
            vectorBucketName="docs", policy=json.dumps(policy(allow("*", Principal="*")))
        ),
    ):
        assert denied(call)[0] == "AccessDeniedException"
    assert admin.list_vectors(indexArn=INDEX_ARN, returnData=True, returnMetadata=True)["vectors"] == before
    assert admin.list_tags_for_resource(resourceArn=BUCKET_ARN)["tags"] == {}
    assert denied(lambda: admin.get_vector_bucket_policy(vectorBucketName="docs"))[0] == "NotFoundException"
    codes = [
        call.error_code for call in enforced.calls if call.operation in {"PutVectors", "DeleteVectors", "DeleteIndex"}
    ]
    assert codes[-3:] == ["AccessDeniedException"] * 3


def test_existence_is_not_revealed_to_a_caller_without_rights(enforced: S3VectorsMock, admin: Any) -> None:
    """Authorization runs before any lookup: a missing and an existing index answer alike to a caller without
    rights; a caller with rights learns that the missing one is missing."""
    enforced.add_principal(READER, access_key_id="AKIAREADER")
    enforced.add_principal(
        f"arn:aws:iam::{OWNER}:user/ops/alice", access_key_id="AKIAALICE", policies=[policy(allow("s3vectors:*"))]
    )
    nobody, alice = client("AKIAREADER"), client("AKIAALICE")
    missing = f"{BUCKET_ARN}/index/missing"
    for arn in (INDEX_ARN, missing, f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/nope/index/chunks"):
        code, message, status = denied(lambda: nobody.get_index(indexArn=arn))  # noqa: B023 - called at once
        assert (code, status) == ("AccessDeniedException", 403) and message.endswith(
            "because no identity-based policy allows the s3vectors:GetIndex action"
        )
    assert denied(lambda: alice.get_index(indexArn=missing))[0] == "NotFoundException"
    # A request that is invalid in itself is refused as such before anyone's rights are looked at.
    assert denied(lambda: nobody.get_index(indexArn="not-an-arn"))[0] == "ValidationException"


def test_tag_operations_address_their_resource_arn(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(
        READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:TagResource", INDEX_ARN))]
    )
    reader = client("AKIAREADER")
    reader.tag_resource(resourceArn=INDEX_ARN, tags={"team": "search"})
    assert (
        f"on resource: {BUCKET_ARN} because"
        in denied(lambda: reader.tag_resource(resourceArn=BUCKET_ARN, tags={"team": "search"}))[1]
    )


# ---- across accounts, in-process --------------------------------------------------------------------------------


def test_cross_account_needs_both_policies(enforced: S3VectorsMock, admin: Any) -> None:
    enforced.add_principal(VISITOR, access_key_id="AKIAVISITOR", policies=[policy(allow("s3vectors:QueryVectors"))])
    visitor = client("AKIAVISITOR")

    def visit() -> Any:
        return visitor.query_vectors(indexArn=INDEX_ARN, topK=1, queryVector={"float32": [1.0, 0.0]})

    assert denied(visit)[1] == (
        f"User: {VISITOR} is not authorized to perform: s3vectors:QueryVectors on resource: {INDEX_ARN} because no "
        "resource-based policy allows the s3vectors:QueryVectors action"
    )
    admin.put_vector_bucket_policy(
        vectorBucketName="docs",
        policy=json.dumps(policy(allow("s3vectors:QueryVectors", f"{BUCKET_ARN}/index/*", Principal={"AWS": OTHER}))),
    )
    assert visit()["vectors"][0]["key"] == "a"
    # The identity side must allow too: another role of that account has no identity policy.
    enforced.add_principal(f"arn:aws:iam::{OTHER}:role/idle", access_key_id="AKIAIDLE")
    idle = client("AKIAIDLE")
    assert (
        "no identity-based policy allows"
        in denied(lambda: idle.query_vectors(indexArn=INDEX_ARN, topK=1, queryVector={"float32": [1.0, 0.0]}))[1]
    )
    # Names in the other account are its own: the visitor's bucket "docs" is another bucket.
    assert (
        "because no identity-based policy allows the s3vectors:GetIndex action"
        in denied(lambda: visitor.get_index(vectorBucketName="docs", indexName="chunks"))[1]
    )


# ---- least privilege ---------------------------------------------------------------------------------------------


def rag_sequence(caller: Any) -> None:
    """Ingest and query, as a retrieval-augmented app does it."""
    caller.create_vector_bucket(vectorBucketName="knowledge", tags={"app": "rag"})
    caller.create_index(
        vectorBucketName="knowledge",
        indexName="passages",
        dataType="float32",
        dimension=3,
        distanceMetric="cosine",
        metadataConfiguration={"nonFilterableMetadataKeys": ["text"]},
    )
    caller.put_vectors(
        vectorBucketName="knowledge",
        indexName="passages",
        vectors=[
            {"key": f"p{i}", "data": {"float32": [1.0, float(i), 0.5]}, "metadata": {"doc": "d1", "text": "..."}}
            for i in range(3)
        ],
    )
    hits = caller.query_vectors(
        vectorBucketName="knowledge",
        indexName="passages",
        topK=2,
        queryVector={"float32": [1.0, 0.0, 0.5]},
        filter={"doc": "d1"},
        returnMetadata=True,
    )["vectors"]
    caller.get_vectors(
        vectorBucketName="knowledge", indexName="passages", keys=[hit["key"] for hit in hits], returnMetadata=True
    )
    caller.list_vectors(vectorBucketName="knowledge", indexName="passages")


RAG_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3vectors:CreateVectorBucket", "s3vectors:TagResource"],
            "Resource": f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/knowledge",
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3vectors:CreateIndex",
                "s3vectors:GetVectors",
                "s3vectors:ListVectors",
                "s3vectors:PutVectors",
                "s3vectors:QueryVectors",
            ],
            "Resource": f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/knowledge/index/passages",
        },
    ],
}


def run_as_role(identity_policy: dict[str, Any]) -> str | None:
    """Run the sequence in a fresh enforcing mock as a role with only ``identity_policy``; the first error code."""
    with mock_s3vectors(account_id=OWNER, enforce_access=True) as mock:
        mock.add_principal(READER, access_key_id="AKIARAG", policies=[identity_policy])
        try:
            rag_sequence(client("AKIARAG"))
        except ClientError as error:
            return str(error.response["Error"]["Code"])
    return None


def test_required_policy_of_a_rag_sequence() -> None:
    with mock_s3vectors(account_id=OWNER) as mock:
        rag_sequence(client("AKIAANY"))
        learned = mock.required_policy()
    assert learned == RAG_POLICY
    assert json.dumps(learned) == json.dumps(mock.required_policy())  # deterministic


def test_the_required_policy_is_sufficient_and_minimal() -> None:
    """Re-applied as the role's only policy it lets the sequence pass; without any one statement, or any one action
    of a statement, some call is denied."""
    assert run_as_role(RAG_POLICY) is None
    for position, statement in enumerate(RAG_POLICY["Statement"]):
        without_statement = copy.deepcopy(RAG_POLICY)
        del without_statement["Statement"][position]
        if not without_statement["Statement"]:
            without_statement["Statement"] = [allow("s3vectors:GetIndex", "arn:aws:s3vectors:::nothing")]
        assert run_as_role(without_statement) == "AccessDeniedException", statement
        for action in statement["Action"]:
            without_action = copy.deepcopy(RAG_POLICY)
            without_action["Statement"][position]["Action"].remove(action)
            assert run_as_role(without_action) == "AccessDeniedException", action


def test_required_policy_counts_denied_and_failed_calls_and_resets(enforced: S3VectorsMock) -> None:
    enforced.add_principal(READER, access_key_id="AKIAREADER")
    reader = client("AKIAREADER")
    denied(lambda: reader.get_index(indexArn=INDEX_ARN))  # denied
    root = client("AKIAROOT")
    denied(lambda: root.delete_index(indexArn=INDEX_ARN))  # allowed, then NotFound
    denied(lambda: root.get_index(indexArn="not-an-arn"))  # unreadable: it names no resource
    assert enforced.required_policy()["Statement"] == [
        {"Effect": "Allow", "Action": ["s3vectors:DeleteIndex", "s3vectors:GetIndex"], "Resource": INDEX_ARN}
    ]
    enforced.reset()
    assert enforced.required_policy() == {"Version": "2012-10-17", "Statement": []}


def test_the_readmes_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's "Testing permissions" example runs as written and prints what it promises."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    example = readme.split("## Testing permissions", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    exec(compile(example, "README.md", "exec"), {})  # our own documentation
    printed = capsys.readouterr().out
    assert '"s3vectors:GetVectors"' in printed and '"s3vectors:TagResource"' in printed
    assert "is not authorized to perform: s3vectors:DeleteIndex" in printed


async def test_async_clients_get_the_same_decisions() -> None:
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    with mock_s3vectors(account_id=OWNER, enforce_access=True) as mock:
        seed(client("AKIAOWNERROOT"))
        mock.add_principal(READER, access_key_id="AKIAREADER", policies=[policy(allow("s3vectors:QueryVectors"))])
        session = aiobotocore_session.AioSession()
        async with session.create_client(
            "s3vectors", region_name="us-east-1", aws_access_key_id="AKIAREADER", aws_secret_access_key="secret"
        ) as reader:
            found = await reader.query_vectors(indexArn=INDEX_ARN, topK=1, queryVector={"float32": [1.0, 0.0]})
            assert found["vectors"] == [{"key": "a"}]
            with pytest.raises(ClientError) as excinfo:
                await reader.query_vectors(
                    indexArn=INDEX_ARN, topK=1, queryVector={"float32": [1.0, 0.0]}, returnMetadata=True
                )
    assert error_of(excinfo)[:2] == (
        "AccessDeniedException",
        f"User: {READER} is not authorized to perform: s3vectors:GetVectors on resource: {INDEX_ARN} because no "
        "identity-based policy allows the s3vectors:GetVectors action",
    )


def test_identify_is_the_one_rule() -> None:
    """S3VectorsService.identify: a registered key is its principal in its ARN's account; any other key is a root."""
    from s3vectors_mock._service import S3VectorsService
    from s3vectors_mock._service_model import service_model

    mock = mock_s3vectors(account_id=OWNER)
    mock.add_principal(VISITOR, access_key_id="AKIAVISITOR")
    service: S3VectorsService = mock._service
    model = service_model()
    assert service.identify("AKIAVISITOR", "eu-west-1", model)[:2] == (OTHER, "eu-west-1")
    assert service.identify("AKIAVISITOR", "eu-west-1", model).principal == VISITOR
    assert service.identify("999988887777", "us-east-1", model).account == "999988887777"
    assert service.identify("999988887777", "us-east-1", model).principal is None
    assert service.identify("AKIAOTHER", "us-east-1", model).account == OWNER
    assert service.identify(None, "us-east-1", model).account == OWNER
