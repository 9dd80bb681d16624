"""Saving and loading the whole state to a directory: round trips through real clients, and failure modes."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from unittest import mock as unittest_mock

import boto3
import numpy as np
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock
from s3vectors_mock import _persistence as persistence
from s3vectors_mock._errors import ServiceError
from s3vectors_mock._persistence import CorruptStateError, load_state, save_state
from s3vectors_mock._service import Caller
from s3vectors_mock._service_model import client_model, has_member, service_model
from s3vectors_mock._store import Backend, Bucket, Index
from s3vectors_mock.engine.columns import BOOLEAN, NUMBER, STRING

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"  # reached through the service itself, as the server does for a second caller
REGIONS = ("us-east-1", "eu-west-1")
KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BEFORE_ENHANCED = 1_758_000_000.0  # 2025-09-16: buckets created then default to CLASSIC indexes
CLIENT_HAS_TEXT_SEARCH = has_member("QueryVectors", "queryTexts", client_model())
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "s3vectors:*",
                "Resource": "*",
            }
        ],
    }
)
# Every metadata type: strings (one non-ASCII), integers, floats, booleans, arrays of strings and of numbers.
METADATA = [
    {"genre": "rock", "year": 1999, "score": 0.25, "live": True, "tags": ["a", "b"], "sizes": [1, 2.5]},
    {"genre": "jazz", "year": 2005, "score": -1.5e-7, "live": False, "tags": ["ü", "ß"], "sizes": [3]},
    {"genre": "rock", "title": "Ünïcödé — 東京", "body": "long text that is not filterable " * 5},
    None,
]
Call = Callable[[str, dict[str, Any]], Any]


# ---- building a state with every kind of thing in it -------------------------------------------------------------


def client_call(region: str) -> Call:
    client = boto3.client("s3vectors", region_name=region)

    def call(operation: str, params: dict[str, Any]) -> Any:
        return getattr(client, xform_name(operation))(**params)

    return call


def service_call(mock: S3VectorsMock, account: str, region: str) -> Call:
    """Calls straight to the service with today's model (full-text search even when the installed botocore lacks it)."""
    caller = Caller(account, region, service_model())

    def call(operation: str, params: dict[str, Any]) -> Any:
        return mock._service.answer(operation, params, caller)

    return call


def records(prefix: str, count: int, dimension: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, dimension)).astype(np.float32)
    result = []
    for position in range(count):
        record: dict[str, Any] = {"key": f"{prefix}-{position:03d}", "data": {"float32": vectors[position].tolist()}}
        metadata = METADATA[position % len(METADATA)]
        if metadata is not None:
            record["metadata"] = metadata
        result.append(record)
    return result


def populate(call: Call, region: str, account: str) -> None:
    """Buckets with and without policy, tags and KMS; indexes of every metric with data, deletes and overwrites."""
    call("CreateVectorBucket", {"vectorBucketName": "plain"})
    call(
        "CreateVectorBucket",
        {
            "vectorBucketName": "rich",
            "encryptionConfiguration": {"sseType": "aws:kms", "kmsKeyArn": KMS_KEY},
            "tags": {"team": "search", "region": region},
        },
    )
    call("PutVectorBucketPolicy", {"vectorBucketName": "rich", "policy": POLICY})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "rich",
            "indexName": "songs",
            "dataType": "float32",
            "dimension": 8,
            "distanceMetric": "cosine",
            "metadataConfiguration": {"nonFilterableMetadataKeys": ["body", "title"]},
            "encryptionConfiguration": {"sseType": "AES256"},
            "tags": {"kind": "songs"},
        },
    )
    songs = f"arn:aws:s3vectors:{region}:{account}:bucket/rich/index/songs"
    put = [*records("song", 40, 8, seed=1), {"key": "clé-东京", "data": {"float32": [1.0] * 8}}]
    for start in range(0, len(put), 15):
        call("PutVectors", {"indexArn": songs, "vectors": put[start : start + 15]})
    call("DeleteVectors", {"indexArn": songs, "keys": ["song-000", "song-007", "song-013"]})  # rows get compacted
    call("PutVectors", {"indexArn": songs, "vectors": records("song", 5, 8, seed=2)})  # overwrites
    call("TagResource", {"resourceArn": songs, "tags": {"stage": "test"}})
    for metric in ("euclidean", "cosine"):
        call(
            "CreateIndex",
            {
                "vectorBucketName": "plain",
                "indexName": f"no-metadata-{metric}",
                "dataType": "float32",
                "dimension": 3,
                "distanceMetric": metric,
                "encryptionConfiguration": {"sseType": "aws:kms", "kmsKeyArn": KMS_KEY},
            },
        )
    call(
        "PutVectors",
        {
            "indexArn": f"arn:aws:s3vectors:{region}:{account}:bucket/plain/index/no-metadata-euclidean",
            "vectors": [{"key": f"k{position}", "data": {"float32": [position, 0.5, -1.0]}} for position in range(9)],
        },
    )  # no-metadata-cosine stays empty
    with unittest_mock.patch("time.time", return_value=BEFORE_ENHANCED):
        call("CreateVectorBucket", {"vectorBucketName": "old"})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "old",
            "indexName": "classic",
            "dataType": "float32",
            "dimension": 2,
            "distanceMetric": "cosine",
        },
    )


def populate_text_search(call: Call, account: str, region: str) -> None:
    call("CreateVectorBucket", {"vectorBucketName": "texts"})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "texts",
            "indexName": "docs",
            "dataType": "float32",
            "dimension": 3,
            "distanceMetric": "cosine",
            "metadataConfiguration": {
                "nonFilterableMetadataKeys": ["body"],
                "textSearchConfigurations": [{"metadataKey": "body", "language": "en"}, {"metadataKey": "title"}],
            },
        },
    )
    documents = {
        "d1": "The quick brown fox jumps over the lazy dog",
        "d2": "A quick brown dog outpaces a quick fox",
        "d3": "Lazy afternoons are for sleeping dogs",
    }
    call(
        "PutVectors",
        {
            "indexArn": f"arn:aws:s3vectors:{region}:{account}:bucket/texts/index/docs",
            "vectors": [
                {
                    "key": key,
                    "data": {"float32": [1.0, float(n), 0.5]},
                    "metadata": {"body": text, "title": key, "n": n},
                }
                for n, (key, text) in enumerate(documents.items())
            ],
        },
    )


# ---- observing everything a client can see ----------------------------------------------------------------------


def without_request_ids(response: Any) -> Any:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def outcome(call: Call, operation: str, params: dict[str, Any]) -> Any:
    try:
        return without_request_ids(call(operation, params))
    except ClientError as error:
        return ("error", error.response["Error"]["Code"])
    except ServiceError as error:
        return ("error", error.code)


def all_pages(call: Call, operation: str, params: dict[str, Any], items: str) -> list[Any]:
    found: list[Any] = []
    token: str | None = None
    while True:
        page = call(operation, {**params, **({"nextToken": token} if token else {})})
        found.extend(page[items])
        token = page.get("nextToken")
        if not token:
            return found


def observe(call: Call, text_search: bool) -> dict[str, Any]:
    seen: dict[str, Any] = {"buckets": all_pages(call, "ListVectorBuckets", {"maxResults": 2}, "vectorBuckets")}
    for bucket in seen["buckets"]:
        name = bucket["vectorBucketName"]
        address = {"vectorBucketName": name}
        seen[name] = {
            "get": outcome(call, "GetVectorBucket", address),
            "policy": outcome(call, "GetVectorBucketPolicy", address),
            "tags": outcome(call, "ListTagsForResource", {"resourceArn": bucket["vectorBucketArn"]}),
            "indexes": all_pages(call, "ListIndexes", {**address, "maxResults": 2}, "indexes"),
        }
        for summary in seen[name]["indexes"]:
            arn = summary["indexArn"]
            index = call("GetIndex", {"indexArn": arn})["index"]
            query = {"indexArn": arn, "topK": 30, "queryVector": {"float32": [0.5] * index["dimension"]}}
            answers = {
                "get": index,
                "tags": outcome(call, "ListTagsForResource", {"resourceArn": arn}),
                "list": all_pages(
                    call,
                    "ListVectors",
                    {"indexArn": arn, "maxResults": 7, "returnData": True, "returnMetadata": True},
                    "vectors",
                ),
                "get-vectors": outcome(
                    call,
                    "GetVectors",
                    {
                        "indexArn": arn,
                        "keys": ["song-003", "k2", "d1", "absent"],
                        "returnData": True,
                        "returnMetadata": True,
                    },
                ),
                "query": outcome(call, "QueryVectors", {**query, "returnMetadata": True, "returnDistance": True}),
                "filtered": outcome(
                    call,
                    "QueryVectors",
                    {
                        **query,
                        "filter": {"$or": [{"genre": {"$eq": "rock"}}, {"tags": {"$in": ["ß"]}}, {"n": {"$gte": 1}}]},
                        "returnMetadata": True,
                        "returnDistance": True,
                    },
                ),
            }
            # A filter on a non-filterable key is refused, before and after.
            answers["non-filterable"] = outcome(call, "QueryVectors", {**query, "filter": {"title": {"$exists": True}}})
            if text_search and index.get("metadataConfiguration", {}).get("textSearchConfigurations"):
                answers["text"] = outcome(
                    call,
                    "QueryVectors",
                    {"indexArn": arn, "topK": 5, "queryTexts": [{"metadataKey": "body", "text": "quick dogs"}]},
                )
            seen[name][summary["indexName"]] = answers
    return seen


def observe_mock(mock: S3VectorsMock) -> dict[str, Any]:
    with mock:
        seen = {region: observe(client_call(region), CLIENT_HAS_TEXT_SEARCH) for region in REGIONS}
    seen["other-account"] = observe(service_call(mock, OTHER_ACCOUNT, "us-east-1"), text_search=True)
    return seen


@pytest.fixture
def source() -> Iterator[S3VectorsMock]:
    mock = S3VectorsMock(account_id=ACCOUNT)
    with mock:
        for region in REGIONS:
            populate(client_call(region), region, ACCOUNT)
        if CLIENT_HAS_TEXT_SEARCH:
            populate_text_search(client_call("us-east-1"), ACCOUNT, "us-east-1")
    populate(service_call(mock, OTHER_ACCOUNT, "us-east-1"), "us-east-1", OTHER_ACCOUNT)
    populate_text_search(service_call(mock, OTHER_ACCOUNT, "us-east-1"), OTHER_ACCOUNT, "us-east-1")
    yield mock


def backend_of(mock: S3VectorsMock) -> Backend:
    return mock._service.backend


# ---- round trips -------------------------------------------------------------------------------------------------


def test_every_answer_is_the_same_after_a_round_trip(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path / "state")
    loaded = S3VectorsMock(account_id=ACCOUNT)
    load_state(backend_of(loaded), tmp_path / "state")
    before, after = observe_mock(source), observe_mock(loaded)
    assert after == before
    assert sorted(backend_of(loaded).namespaces) == sorted(backend_of(source).namespaces)
    # The walk really saw what it should (not two equal empty worlds).
    songs = before["us-east-1"]["rich"]["songs"]
    assert len(songs["list"]) == 39
    assert songs["get"]["metadataConfiguration"] == {"nonFilterableMetadataKeys": ["body", "title"]}
    assert before["us-east-1"]["rich"]["get"]["vectorBucket"]["encryptionConfiguration"]["kmsKeyArn"] == KMS_KEY
    assert before["us-east-1"]["rich"]["policy"] == {"policy": POLICY}
    assert songs["filtered"]["vectors"] and len(songs["filtered"]["vectors"]) < len(songs["query"]["vectors"])
    assert before["other-account"]["texts"]["docs"]["text"]["vectors"]


def test_timestamps_and_stored_values_are_exact(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    original = backend_of(source)
    bucket = original.namespace(ACCOUNT, "us-east-1").buckets["rich"]
    bucket.creation_time = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)  # microseconds survive too
    save_state(original, tmp_path)
    restored = Backend()
    load_state(restored, tmp_path)
    for address, namespace in original.namespaces.items():
        for name, saved in namespace.buckets.items():
            loaded = restored.namespaces[address].buckets[name]
            assert loaded.creation_time == saved.creation_time and loaded.creation_time.tzinfo is not None
            for index_name, index in saved.indexes.items():
                twin = loaded.indexes[index_name]
                assert twin.creation_time == index.creation_time
                assert twin.table.keys == index.table.keys  # same rows in the same order: same ties, same pages
                assert twin.table.metadata == index.table.metadata
                np.testing.assert_array_equal(twin.table.live(), index.table.live())
                assert twin.text_search == index.text_search
                assert twin.non_filterable_keys == index.non_filterable_keys
                # The loaded table keeps no metadata column for non-filterable keys, like the one CreateIndex made.
                for metadata_key in ("genre", "title", "body"):
                    assert twin.table.filterable(metadata_key) == index.table.filterable(metadata_key)


def test_persistence_knows_every_stored_field() -> None:
    """A field added to Bucket or Index must be saved too: extend _persistence and this list together."""
    assert {f.name for f in dataclasses.fields(Bucket)} == {
        "name",
        "arn",
        "creation_time",
        "encryption",
        "default_index_mode",
        "policy",
        "tags",
        "indexes",
    }
    assert {f.name for f in dataclasses.fields(Index)} == {
        "bucket_name",
        "name",
        "arn",
        "creation_time",
        "data_type",
        "dimension",
        "distance_metric",
        "metadata_configuration",
        "encryption",
        "index_mode",
        "table",
        "tags",
        "text_search",
        "text_fields",
    }


def test_loading_replaces_the_whole_state(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    target = S3VectorsMock(account_id=ACCOUNT)
    with target:
        client_call("ap-south-1")("CreateVectorBucket", {"vectorBucketName": "gone-after-load"})
    save_state(backend_of(source), tmp_path)
    load_state(backend_of(target), tmp_path)
    assert (ACCOUNT, "ap-south-1") not in backend_of(target).namespaces
    assert observe_mock(target) == observe_mock(source)


def test_saving_again_replaces_the_previous_save(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    (tmp_path / "notes.txt").write_text("not ours")
    (tmp_path / "data-mine").mkdir()  # named like our data directories, but not like one we make
    save_state(backend_of(source), tmp_path)
    with source:
        client_call("us-east-1")("DeleteVectorBucketPolicy", {"vectorBucketName": "rich"})
    save_state(backend_of(source), tmp_path)
    ours = [entry.name for entry in tmp_path.glob("data-*") if entry.name != "data-mine"]
    assert len(ours) == 1
    assert sorted(entry.name for entry in tmp_path.iterdir()) == sorted([*ours, "data-mine", "notes.txt", "state.json"])
    loaded = Backend()
    load_state(loaded, tmp_path)
    assert loaded.namespace(ACCOUNT, "us-east-1").buckets["rich"].policy is None


def test_the_format_is_plain_json_and_npy(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path)
    state = json.loads((tmp_path / "state.json").read_text("utf-8"))
    assert state["format"] == "s3vectors-mock-state" and state["formatVersion"] == 2
    namespace = next(n for n in state["namespaces"] if (n["account"], n["region"]) == (ACCOUNT, "us-east-1"))
    bucket = next(b for b in namespace["buckets"] if b["name"] == "plain")
    described = {index["name"]: index["vectors"] for index in bucket["indexes"]}
    number = described["no-metadata-euclidean"]["file"]
    data = tmp_path / state["data"]
    matrix = np.load(data / f"vectors-{number}.npy", mmap_mode=None, allow_pickle=False)
    assert matrix.dtype == np.float32 and matrix.shape == (9, 3)
    assert json.loads((data / f"keys-{number}.json").read_text("utf-8")) == [f"k{i}" for i in range(9)]
    assert not (data / f"metadata-{number}.json").exists()  # no vector has metadata: no file
    empty = described["no-metadata-cosine"]
    assert empty["count"] == 0 and not (data / f"vectors-{empty['file']}.npy").exists()


def test_loading_trains_no_approximate_index(tmp_path: pathlib.Path) -> None:
    mock = S3VectorsMock(approximate_above=10)
    with mock:
        call = client_call("us-east-1")
        call("CreateVectorBucket", {"vectorBucketName": "bucket"})
        arn = call(
            "CreateIndex",
            {
                "vectorBucketName": "bucket",
                "indexName": "index",
                "dataType": "float32",
                "dimension": 4,
                "distanceMetric": "cosine",
            },
        )["indexArn"]
    mock.load_vectors(arn, [f"v{i}" for i in range(50)], np.random.default_rng(0).random((50, 4)) + 0.1)
    save_state(backend_of(mock), tmp_path)
    with unittest_mock.patch("s3vectors_mock.engine.ann.IvfIndex", side_effect=AssertionError("trained on load")):
        load_state(Backend(), tmp_path)


# ---- empty, missing, future and corrupt directories --------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda path: path.mkdir(), lambda path: None], ids=["empty", "missing"])
def test_a_directory_without_state_loads_nothing(
    source: S3VectorsMock, tmp_path: pathlib.Path, make: Callable[[pathlib.Path], None]
) -> None:
    directory = tmp_path / "state"
    make(directory)
    backend = backend_of(source)
    load_state(backend, directory)
    assert backend.namespaces == {}
    assert not directory.exists() or not any(directory.iterdir())  # loading writes nothing


def test_an_empty_backend_round_trips(tmp_path: pathlib.Path) -> None:
    save_state(Backend(), tmp_path)
    backend = Backend()
    backend.namespace(ACCOUNT, "us-east-1")
    load_state(backend, tmp_path)
    assert backend.namespaces == {}


def test_a_newer_format_version_is_refused_by_name(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path)
    state_path = tmp_path / "state.json"
    state = json.loads(state_path.read_text("utf-8"))
    state["formatVersion"] = 7
    state_path.write_text(json.dumps(state), "utf-8")
    backend = Backend()
    with pytest.raises(ValueError, match="format version 7"):
        load_state(backend, tmp_path)


def corrupt_first_vectors(directory: pathlib.Path) -> pathlib.Path:
    path = sorted(next(directory.glob("data-*")).glob("vectors-*.npy"))[0]
    path.write_bytes(path.read_bytes()[:-10])
    return path


def corrupt_first_keys(directory: pathlib.Path) -> pathlib.Path:
    path = sorted(next(directory.glob("data-*")).glob("keys-*.json"))[0]
    path.write_text('["a", ', "utf-8")
    return path


def corrupt_first_metadata(directory: pathlib.Path) -> pathlib.Path:
    path = sorted(next(directory.glob("data-*")).glob("metadata-*.json"))[0]
    path.write_text(json.dumps(["not an object"] * len(json.loads(path.read_text("utf-8")))), "utf-8")
    return path


def remove_first_keys(directory: pathlib.Path) -> pathlib.Path:
    path = sorted(next(directory.glob("data-*")).glob("keys-*.json"))[0]
    path.unlink()
    return path


def corrupt_state(directory: pathlib.Path) -> pathlib.Path:
    path = directory / "state.json"
    path.write_text(path.read_text("utf-8")[:100], "utf-8")
    return path


def mistype_dimension(directory: pathlib.Path) -> pathlib.Path:
    path = directory / "state.json"
    path.write_text(path.read_text("utf-8").replace('"dimension": 8', '"dimension": "8"'), "utf-8")
    return path


@pytest.mark.parametrize(
    "damage",
    [
        corrupt_first_vectors,
        corrupt_first_keys,
        corrupt_first_metadata,
        remove_first_keys,
        corrupt_state,
        mistype_dimension,
    ],
)
def test_a_corrupt_directory_raises_a_clear_error_and_changes_nothing(
    source: S3VectorsMock, tmp_path: pathlib.Path, damage: Callable[[pathlib.Path], pathlib.Path]
) -> None:
    save_state(backend_of(source), tmp_path)
    damaged = damage(tmp_path)
    target = S3VectorsMock(account_id=ACCOUNT)
    with target:
        client_call("us-east-1")("CreateVectorBucket", {"vectorBucketName": "kept"})
    with pytest.raises(CorruptStateError) as excinfo:
        load_state(backend_of(target), tmp_path)
    assert damaged.name in str(excinfo.value)
    assert list(backend_of(target).namespace(ACCOUNT, "us-east-1").buckets) == ["kept"]


def test_a_mismatched_matrix_is_reported(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path)
    path = sorted(next(tmp_path.glob("data-*")).glob("vectors-*.npy"))[0]
    np.save(path, np.load(path).astype(np.float64))
    with pytest.raises(CorruptStateError, match="expected float32"):
        load_state(Backend(), tmp_path)


# ---- atomicity ---------------------------------------------------------------------------------------------------


def test_a_failed_save_leaves_the_previous_state_loadable(
    source: S3VectorsMock, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_state(backend_of(source), tmp_path)
    expected = observe_mock(source)
    with source:
        client_call("us-east-1")("DeleteIndex", {"vectorBucketName": "rich", "indexName": "songs"})
    real_write = persistence._write_file
    written: list[pathlib.Path] = []

    def failing_write(path: pathlib.Path, content: bytes) -> None:
        written.append(path)
        if len(written) == 4:  # some files of the new save are on disk, not all, and state.json is not
            raise OSError(28, "No space left on device")
        real_write(path, content)

    monkeypatch.setattr(persistence, "_write_file", failing_write)
    with pytest.raises(OSError, match="No space left"):
        save_state(backend_of(source), tmp_path)
    monkeypatch.undo()
    assert len(list(tmp_path.glob("data-*"))) == 1  # the new save's partial files are gone
    loaded = S3VectorsMock(account_id=ACCOUNT)
    load_state(backend_of(loaded), tmp_path)
    assert observe_mock(loaded) == expected


def test_a_save_interrupted_before_its_commit_is_ignored_then_cleaned(
    source: S3VectorsMock, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash (nothing cleaned up) between the data files and the switch of state.json: the old state loads."""
    save_state(backend_of(source), tmp_path)
    expected = observe_mock(source)
    with source:
        client_call("us-east-1")("DeleteVectorBucketPolicy", {"vectorBucketName": "rich"})
    monkeypatch.setattr("s3vectors_mock._persistence.os.replace", unittest_mock.Mock(side_effect=SystemExit))
    monkeypatch.setattr(
        "s3vectors_mock._persistence.shutil.rmtree",
        lambda *args, **kwargs: None,  # as if the process died
    )
    with pytest.raises(SystemExit):
        save_state(backend_of(source), tmp_path)
    monkeypatch.undo()
    assert len(list(tmp_path.glob("data-*"))) == 2
    loaded = S3VectorsMock(account_id=ACCOUNT)
    load_state(backend_of(loaded), tmp_path)
    assert observe_mock(loaded) == expected
    save_state(backend_of(source), tmp_path)  # the next save removes the orphan
    assert len(list(tmp_path.glob("data-*"))) == 1


@pytest.mark.parametrize("chunk_rows", [2, 100_000])
def test_awkward_keys_round_trip(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int) -> None:
    monkeypatch.setattr(persistence, "JSON_CHUNK_ROWS", chunk_rows)  # 2: the JSON arrays are written in 3 pieces
    mock = S3VectorsMock()
    with mock:
        call = client_call("us-east-1")
        call("CreateVectorBucket", {"vectorBucketName": "bucket"})
        arn = call(
            "CreateIndex",
            {"vectorBucketName": "bucket", "indexName": "index", "dataType": "float32", "dimension": 2,
             "distanceMetric": "euclidean"},
        )["indexArn"]  # fmt: skip
    keys = ["line\nbreak", 'quote"\\', "nul\x00", "emoji 🎉", "x" * 1024]
    metadata = [{"text": key} for key in keys]
    mock.load_vectors(arn, keys, np.arange(10, dtype=np.float32).reshape(5, 2), metadata)
    save_state(backend_of(mock), tmp_path)
    restored = Backend()
    load_state(restored, tmp_path)
    table = restored.namespace(mock.account_id, "us-east-1").buckets["bucket"].indexes["index"].table
    assert table.keys == keys and table.metadata == metadata
    assert [table.row_of[key] for key in keys] == list(range(5))
    saved = next(tmp_path.glob("data-*"))
    assert json.loads((saved / "keys-0.json").read_text("utf-8")) == keys


# ---- the saved table image (derived arrays) ----------------------------------------------------------------------


def same_table(restored: Any, built: Any) -> None:
    """Every attribute of two vector tables holds the same live values (capacity beyond ``size`` aside)."""
    size = built.size
    assert restored.size == size and set(vars(restored)) == set(vars(built))
    for name, value in vars(built).items():
        other = getattr(restored, name)
        if name in ("filterable", "_approximate", "_sorted_rows", "version"):
            continue
        if name == "columns":
            # The same values in every column; string codes may differ (a table built anew interns in row order).
            vocabulary = other.vocabulary
            assert vocabulary.code_of == {text: code for code, text in enumerate(vocabulary._strings)}
            assert sorted(other.columns) == sorted(value.columns)
            for key, column in value.columns.items():
                twin = other.columns[key]
                kinds = column.kind[:size]
                np.testing.assert_array_equal(twin.kind[:size], kinds)
                numbers, flags, strings = kinds == NUMBER, kinds == BOOLEAN, kinds == STRING
                np.testing.assert_array_equal(twin.number[:size][numbers], column.number[:size][numbers])
                np.testing.assert_array_equal(twin.flag[:size][flags], column.flag[:size][flags])
                assert [vocabulary._strings[code] for code in twin.code[:size][strings]] == [
                    value.vocabulary._strings[code] for code in column.code[:size][strings]
                ]
                assert twin.arrays == column.arrays
                assert all(
                    text in vocabulary.code_of
                    for elements in twin.arrays.values()
                    for text in elements
                    if isinstance(text, str)
                )
        elif isinstance(value, np.ndarray) and name != "norm_class_counts":
            np.testing.assert_array_equal(other[:size], value[:size], err_msg=name)
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(other, value, err_msg=name)
        else:
            assert other == value, name


def test_a_restored_table_is_the_table_its_records_build(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path)
    restored = Backend()
    load_state(restored, tmp_path)
    # The same directory without its images: every table rebuilt from its records by the engine's write path.
    state_path = tmp_path / "state.json"
    text = state_path.read_text("utf-8")
    assert text.count('"image": true') >= 4
    state_path.write_text(text.replace('"image": true', '"image": false'), "utf-8")
    built = Backend()
    load_state(built, tmp_path)
    compared = 0
    for address, namespace in built.namespaces.items():
        for name, bucket in namespace.buckets.items():
            for index_name, index in bucket.indexes.items():
                same_table(restored.namespaces[address].buckets[name].indexes[index_name].table, index.table)
                compared += index.table.size > 0
    assert compared >= 4


def test_a_restored_table_changes_without_touching_its_files(source: S3VectorsMock, tmp_path: pathlib.Path) -> None:
    save_state(backend_of(source), tmp_path)
    files = {path: path.read_bytes() for path in tmp_path.rglob("*.npy")}
    loaded = S3VectorsMock(account_id=ACCOUNT)
    load_state(backend_of(loaded), tmp_path)
    for mock in (source, loaded):  # the same changes on the original and on the memory-mapped copy
        call = service_call(mock, ACCOUNT, "us-east-1")
        songs = {"vectorBucketName": "rich", "indexName": "songs"}
        call("DeleteVectors", {**songs, "keys": ["song-001", "song-020"]})  # rows move in place
        call("PutVectors", {**songs, "vectors": records("song", 12, 8, seed=9)})  # overwrites in place, appends
        call("PutVectors", {**songs, "vectors": records("more", 30, 8, seed=10)})  # grows the table
    assert all(path.read_bytes() == content for path, content in files.items())
    assert observe_mock(loaded) == observe_mock(source)
    save_state(backend_of(loaded), tmp_path)  # removes the files the loaded tables were mapped from
    assert observe_mock(loaded) == observe_mock(source)
