"""The journal of a state directory: every write made through any path (client calls, calls of other accounts,
``load_vectors``, ``reset``) is recorded as it is answered and replayed exactly after a crash, creation times and
index modes included; a torn last record is ignored with a log line; damage elsewhere is an error."""

from __future__ import annotations

import errno
import logging
import os
import pathlib
import struct
from decimal import Decimal
from typing import Any
from unittest import mock as unittest_mock

import numpy as np
import pytest
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._errors import ServiceError
from s3vectors_mock._journal import CorruptJournalError, JournalFile, read_journal
from s3vectors_mock._state_dir import StateDirectory, open_state_directory
from tests.test_persistence import (
    ACCOUNT,
    CLIENT_HAS_TEXT_SEARCH,
    OTHER_ACCOUNT,
    REGIONS,
    client_call,
    observe_mock,
    populate,
    populate_text_search,
    service_call,
)


def crash(state: StateDirectory) -> None:
    """What a SIGKILL leaves: the journal as written, no compaction, the lock released by the OS."""
    journal = state._journal
    assert journal is not None
    journal.close()
    state._unlock()


def reopened(directory: pathlib.Path) -> tuple[S3VectorsMock, StateDirectory]:
    mock = S3VectorsMock(account_id=ACCOUNT)
    return mock, open_state_directory(directory, mock._service)


def journal_of(directory: pathlib.Path) -> pathlib.Path:
    (path,) = directory.glob("journal-*.log")
    return path


def test_every_write_survives_a_crash_exactly(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    with mock:
        for region in REGIONS:
            populate(client_call(region), region, ACCOUNT)
        if CLIENT_HAS_TEXT_SEARCH:
            populate_text_search(client_call("us-east-1"), ACCOUNT, "us-east-1")
    populate(service_call(mock, OTHER_ACCOUNT, "us-east-1"), "us-east-1", OTHER_ACCOUNT)
    other = service_call(mock, OTHER_ACCOUNT, "us-east-1")
    populate_text_search(other, OTHER_ACCOUNT, "us-east-1")
    # The 2026 operations, by today's model: a text search configuration added and one deleted, a mode changed.
    docs = {"vectorBucketName": "texts", "indexName": "docs"}
    other("UpdateMetadataConfiguration", {**docs, "add": {"textSearchConfigurations": [{"metadataKey": "n"}]}})
    other("UpdateMetadataConfiguration", {**docs, "delete": {"textSearchConfigurations": [{"metadataKey": "title"}]}})
    other("UpdateIndexMode", {"vectorBucketName": "old", "indexName": "classic", "indexMode": "ENHANCED"})
    assert state._journal is not None and state._journal.records > 40
    before = observe_mock(mock)
    crash(state)

    replayed, second = reopened(tmp_path)
    after = observe_mock(replayed)
    assert after == before  # creation times, CLASSIC/ENHANCED modes, vectors, metadata, tags, policies, texts
    old = before["us-east-1"]["old"]["classic"]["get"]
    assert old["creationTime"] == after["us-east-1"]["old"]["classic"]["get"]["creationTime"]
    changed = replayed._service.backend.namespace(OTHER_ACCOUNT, "us-east-1").buckets
    assert changed["old"].indexes["classic"].index_mode == "ENHANCED"
    assert list(changed["texts"].indexes["docs"].text_search) == ["body", "n"]
    # The journal is smaller than the snapshot: the start kept it, and appends to it.
    journal = journal_of(tmp_path)
    kept = journal.stat().st_size
    assert kept > 0
    service_call(replayed, OTHER_ACCOUNT, "us-east-1")("CreateVectorBucket", {"vectorBucketName": "after-restart"})
    assert journal_of(tmp_path) == journal and journal.stat().st_size > kept
    crash(second)
    third, state = reopened(tmp_path)
    assert "after-restart" in third._service.backend.namespace(OTHER_ACCOUNT, "us-east-1").buckets
    state.close()


def test_a_start_compacts_a_journal_larger_than_the_snapshot(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    for number in range(3):
        call("CreateVectorBucket", {"vectorBucketName": f"bucket-{number}"})
    crash(state)
    with unittest_mock.patch("s3vectors_mock._state_dir.COMPACT_ABOVE_BYTES", 0):
        replayed, state = reopened(tmp_path)  # the snapshot is empty: the journal outgrows it
    assert journal_of(tmp_path).stat().st_size == 0  # compacted into a snapshot, a fresh journal begun
    assert len(replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == 3
    state.close()


def test_load_vectors_and_reset_are_journaled(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    with mock:
        call = client_call("us-east-1")
        call("CreateVectorBucket", {"vectorBucketName": "seeded"})
        arn = call(
            "CreateIndex",
            {
                "vectorBucketName": "seeded",
                "indexName": "bulk",
                "dataType": "float32",
                "dimension": 4,
                "distanceMetric": "euclidean",
            },
        )["indexArn"]
    vectors = np.random.default_rng(5).standard_normal((300, 4))  # float64: stored as float32, like PutVectors
    mock.load_vectors(arn, [f"v{i}" for i in range(300)], vectors, [{"n": i} for i in range(300)])
    before = observe_mock(mock)
    crash(state)

    replayed, state = reopened(tmp_path)
    assert observe_mock(replayed) == before
    table = replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets["seeded"].indexes["bulk"].table
    assert np.array_equal(table.live(), vectors.astype(np.float32))
    replayed.reset()
    crash(state)

    emptied, state = reopened(tmp_path)
    assert emptied._service.backend.namespaces == {}
    state.close()


def test_putvectors_values_are_replayed_bit_for_bit(tmp_path: pathlib.Path) -> None:
    # Doubles that round to float32, integers, Decimals (boto3's DynamoDB layer) and numbers beyond 2**64 in metadata.
    mock, state = reopened(tmp_path)
    service = mock._service
    call = service_call(mock, ACCOUNT, "us-east-1")
    call("CreateVectorBucket", {"vectorBucketName": "exact"})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "exact",
            "indexName": "values",
            "dataType": "float32",
            "dimension": 3,
            "distanceMetric": "cosine",
        },
    )
    vectors = [
        {"key": "a", "data": {"float32": [0.1, 1e-40, 3]}, "metadata": {"big": 2**70, "tiny": 5e-324}},
        {"key": "b", "data": {"float32": [1 / 3, -2.5, 16777217]}, "metadata": {"s": "\u0000\ud7ff"}},
    ]
    call("PutVectors", {"vectorBucketName": "exact", "indexName": "values", "vectors": vectors})
    index = service.backend.namespace(ACCOUNT, "us-east-1").buckets["exact"].indexes["values"]
    stored = index.table.live().copy()
    metadata = list(index.table.metadata)
    crash(state)

    replayed, state = reopened(tmp_path)
    index = replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets["exact"].indexes["values"]
    assert index.table.live().tobytes() == stored.tobytes()
    assert index.table.metadata == metadata
    state.close()


def test_a_decimal_in_a_request_is_recorded_as_its_number() -> None:
    from s3vectors_mock._journal import _json_bytes

    assert _json_bytes({"a": Decimal("3"), "b": Decimal("0.5")}) == b'{"a":3,"b":0.5}'


def test_failed_and_read_only_requests_are_not_journaled(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    call("CreateVectorBucket", {"vectorBucketName": "once"})
    size = journal_of(tmp_path).stat().st_size
    with pytest.raises(ServiceError) as refused:
        call("CreateVectorBucket", {"vectorBucketName": "once"})
    assert refused.value.code == "ConflictException"
    call("ListVectorBuckets", {})
    call("GetVectorBucket", {"vectorBucketName": "once"})
    assert journal_of(tmp_path).stat().st_size == size
    state.close()


def test_a_torn_last_record_is_ignored_with_a_log_line(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    call("CreateVectorBucket", {"vectorBucketName": "kept"})
    call("CreateVectorBucket", {"vectorBucketName": "torn"})
    journal = journal_of(tmp_path)
    crash(state)
    content = journal.read_bytes()
    (first_length,) = struct.unpack_from("<I", content, 0)
    journal.write_bytes(content[: len(content) - 5])  # the second record lost its last bytes mid-write
    with caplog.at_level(logging.WARNING, logger="s3vectors_mock"):
        replayed, state = reopened(tmp_path)
    assert list(replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == ["kept"]
    torn = [record.getMessage() for record in caplog.records if "torn" in record.getMessage()]
    assert len(torn) == 1 and str(journal) in torn[0] and f"at byte {8 + first_length}" in torn[0]
    # The journal is kept, cut at its last whole record, so that the next record follows that one.
    assert journal_of(tmp_path) == journal and journal.stat().st_size == 8 + first_length
    service_call(replayed, ACCOUNT, "us-east-1")("CreateVectorBucket", {"vectorBucketName": "next"})
    crash(state)
    again, state = reopened(tmp_path)
    assert list(again._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == ["kept", "next"]
    state.close()


@pytest.mark.parametrize("cut", [1, 7, 8, 12])
def test_a_record_cut_anywhere_reads_as_torn(tmp_path: pathlib.Path, cut: int) -> None:
    path = tmp_path / "journal.log"
    journal = JournalFile(path)
    journal.reset()
    journal.reset()
    journal.close()
    content = path.read_bytes()
    half = len(content) // 2
    path.write_bytes(content[: half + cut])
    assert [entry.header for entry in read_journal(path)] == [{"kind": "reset"}]


def test_damage_before_the_last_record_is_an_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "journal.log"
    journal = JournalFile(path)
    journal.reset()
    journal.reset()
    journal.close()
    content = bytearray(path.read_bytes())
    content[10] ^= 0xFF  # inside the first record's payload
    path.write_bytes(bytes(content))
    with pytest.raises(CorruptJournalError, match="does not match its checksum"):
        list(read_journal(path))


def test_a_write_that_cannot_be_recorded_is_answered_as_a_failure(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    mock, state = reopened(tmp_path)
    size = journal_of(tmp_path).stat().st_size

    def full_disk(descriptor: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with (
        mock,
        unittest_mock.patch("s3vectors_mock._journal.os.write", full_disk),
        pytest.raises(ClientError) as excinfo,
    ):
        client_call("us-east-1")("CreateVectorBucket", {"vectorBucketName": "lost"})
    assert excinfo.value.response["Error"]["Code"] == "InternalServerException"
    assert "could not record this change in its state directory" in excinfo.value.response["Error"]["Message"]
    assert journal_of(tmp_path).stat().st_size == size  # no partial record left behind
    assert any("No space left" in record.getMessage() for record in caplog.records)
    # Space again: the next write brings the disk up to date with a snapshot (which holds the unrecorded change,
    # kept in memory), then journaling goes on.
    journal = journal_of(tmp_path)
    with mock:
        client_call("us-east-1")("CreateVectorBucket", {"vectorBucketName": "after"})
        assert journal_of(tmp_path) != journal
        client_call("us-east-1")("CreateVectorBucket", {"vectorBucketName": "journaled"})
    assert journal_of(tmp_path).stat().st_size > 0
    crash(state)
    replayed, state = reopened(tmp_path)
    buckets = replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets
    assert sorted(buckets) == ["after", "journaled", "lost"]
    state.close()


def test_a_large_journal_is_compacted_while_serving(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    with unittest_mock.patch("s3vectors_mock._state_dir.COMPACT_ABOVE_BYTES", 2000):
        call("CreateVectorBucket", {"vectorBucketName": "grows"})
        call(
            "CreateIndex",
            {
                "vectorBucketName": "grows",
                "indexName": "idx",
                "dataType": "float32",
                "dimension": 64,
                "distanceMetric": "cosine",
            },
        )
        first = journal_of(tmp_path)
        for batch in range(5):
            vectors = [{"key": f"{batch}-{i}", "data": {"float32": [1.0 + i] * 64}} for i in range(10)]
            call("PutVectors", {"vectorBucketName": "grows", "indexName": "idx", "vectors": vectors})
        assert journal_of(tmp_path) != first  # compacted at least once
    before = observe_mock(mock)
    crash(state)
    replayed, state = reopened(tmp_path)
    assert observe_mock(replayed) == before
    state.close()


def test_closing_compacts_and_a_clean_start_replays_nothing(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    service_call(mock, ACCOUNT, "us-east-1")("CreateVectorBucket", {"vectorBucketName": "closed"})
    state.close()
    assert journal_of(tmp_path).stat().st_size == 0 and mock._service.journal is None
    names = sorted(os.listdir(tmp_path))
    replayed, state = reopened(tmp_path)
    assert sorted(os.listdir(tmp_path)) == names  # nothing to replay: nothing rewritten
    assert list(replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == ["closed"]
    state.close()


def test_closing_leaves_a_small_journal_of_a_large_snapshot_to_the_next_start(tmp_path: pathlib.Path) -> None:
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    call("CreateVectorBucket", {"vectorBucketName": "large"})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "large",
            "indexName": "idx",
            "dataType": "float32",
            "dimension": 256,
            "distanceMetric": "cosine",
        },
    )
    vectors = np.random.default_rng(1).standard_normal((2000, 256)) + 0.1
    mock.load_vectors(
        f"arn:aws:s3vectors:us-east-1:{ACCOUNT}:bucket/large/index/idx", [f"v{i}" for i in range(2000)], vectors
    )
    state.compact()  # a 2 MB snapshot
    call("CreateVectorBucket", {"vectorBucketName": "small-change"})
    journal = journal_of(tmp_path)
    with unittest_mock.patch("s3vectors_mock._state_dir.QUICK_SAVE_BYTES", 1_000_000):
        state.close()  # a save of the whole state for one small record: left to the next start
    assert journal_of(tmp_path) == journal and journal.stat().st_size > 0
    replayed, state = reopened(tmp_path)
    assert sorted(replayed._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == ["large", "small-change"]
    assert journal_of(tmp_path) == journal and journal.stat().st_size > 0  # still smaller than the snapshot: kept
    state.close()


def test_the_journal_converts_vectors_as_putvectors_does() -> None:
    from s3vectors_mock._journal import _doubles
    from s3vectors_mock._json_values import as_doubles

    rows = [[1, 2.5, 1e-320, -0.0], [2**60 + 1, 1 / 3, 3.4028235e38, 16777217], [10**400, 1, 2, 3]]
    for sample in (rows[:2], rows):  # the packed fast path, and a huge integer that takes PutVectors' own path
        assert _doubles(sample).tobytes() == as_doubles(sample).tobytes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_many_of_them_refused_replay_to_the_same_state(tmp_path: pathlib.Path, seed: int) -> None:
    # Random mutating requests on a few names, so that many are refused (missing, existing, not empty): only what
    # succeeded is journaled, and the replay must rebuild exactly the state the answers built.
    rng = np.random.default_rng(seed)
    mock, state = reopened(tmp_path)
    call = service_call(mock, ACCOUNT, "us-east-1")
    buckets, indexes = ["b-one", "b-two"], ["i-one", "i-two"]
    succeeded = refused = 0
    for _ in range(300):
        bucket, index = str(rng.choice(buckets)), str(rng.choice(indexes))
        address = {"vectorBucketName": bucket, "indexName": index}
        keys = [f"k{int(key)}" for key in rng.integers(0, 40, int(rng.integers(1, 6)))]
        choice = int(rng.integers(0, 10))
        requests: list[tuple[str, dict[str, Any]]] = [
            ("CreateVectorBucket", {"vectorBucketName": bucket}),
            ("DeleteVectorBucket", {"vectorBucketName": bucket}),
            ("CreateIndex", {**address, "dataType": "float32", "dimension": 3, "distanceMetric": "euclidean"}),
            ("DeleteIndex", address),
            (
                "PutVectors",
                {
                    **address,
                    "vectors": [
                        {
                            "key": key,
                            "data": {"float32": rng.standard_normal(3).tolist()},
                            "metadata": {"r": float(rng.random())},
                        }
                        for key in keys
                    ],
                },
            ),
            (
                "PutVectors",
                {**address, "vectors": [{"key": key, "data": {"float32": [1.0, 2.0, 3.0]}} for key in keys]},
            ),
            ("DeleteVectors", {**address, "keys": keys}),
            (
                "TagResource",
                {"resourceArn": f"arn:aws:s3vectors:us-east-1:{ACCOUNT}:bucket/{bucket}", "tags": {keys[0]: "v"}},
            ),
            (
                "UntagResource",
                {"resourceArn": f"arn:aws:s3vectors:us-east-1:{ACCOUNT}:bucket/{bucket}", "tagKeys": keys},
            ),
            ("DeleteVectorBucketPolicy", {"vectorBucketName": bucket}),
        ]
        operation, params = requests[choice]
        try:
            call(operation, params)
            succeeded += 1
        except ServiceError:
            refused += 1
    assert succeeded > 60 and refused > 30
    before = observe_mock(mock)
    stored = [
        len(answers["list"])
        for seen in before["us-east-1"].values()
        if isinstance(seen, dict)
        for answers in seen.values()
        if isinstance(answers, dict) and "list" in answers
    ]
    assert sum(stored) > 0, "the walk saw vectors (not two equal empty worlds)"
    crash(state)
    replayed, state = reopened(tmp_path)
    assert observe_mock(replayed) == before
    state.close()
