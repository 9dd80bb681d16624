"""Opening a state directory: it must be a writable directory, used by one server at a time, holding a state that
loads. Every refusal is one line naming the directory (or file) and the problem, and changes nothing on disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
from collections.abc import Callable
from typing import Any
from unittest import mock as unittest_mock

import numpy as np
import pytest

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._state_dir import StateDirectory, StateDirError, open_state_directory
from tests.test_persistence import ACCOUNT, service_call


def fingerprint(directory: pathlib.Path) -> dict[str, str]:
    """Every file under ``directory`` (the lock file aside) and a hash of its content."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != "lock"
    }


def saved_state(directory: pathlib.Path) -> None:
    """A state directory holding two buckets, one with an index of 5 vectors with metadata."""
    mock = S3VectorsMock(account_id=ACCOUNT)
    state = open_state_directory(directory, mock._service)
    call = service_call(mock, ACCOUNT, "us-east-1")
    for name in ("first", "second"):
        call("CreateVectorBucket", {"vectorBucketName": name})
    call(
        "CreateIndex",
        {
            "vectorBucketName": "first",
            "indexName": "idx",
            "dataType": "float32",
            "dimension": 4,
            "distanceMetric": "cosine",
        },
    )
    vectors = [{"key": f"k{i}", "data": {"float32": [1.0, i, 2.0, 3.0]}, "metadata": {"n": i}} for i in range(5)]
    call("PutVectors", {"vectorBucketName": "first", "indexName": "idx", "vectors": vectors})
    state.close()


def state_json(directory: pathlib.Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / "state.json").read_text("utf-8"))
    return loaded


def open_fails(directory: pathlib.Path) -> str:
    with pytest.raises(StateDirError) as refused:
        open_state_directory(directory, S3VectorsMock(account_id=ACCOUNT)._service)
    message = str(refused.value)
    assert "\n" not in message
    return message


def truncate_state_json(directory: pathlib.Path) -> None:
    path = directory / "state.json"
    path.write_bytes(path.read_bytes()[:100])


def truncate_array(directory: pathlib.Path) -> None:
    (path,) = directory.glob("data-*/vectors-*.npy")
    path.write_bytes(path.read_bytes()[:-9])


def bucket_named_twice(directory: pathlib.Path) -> None:
    state = state_json(directory)
    buckets = state["namespaces"][0]["buckets"]
    buckets[1]["name"] = buckets[0]["name"]
    (directory / "state.json").write_text(json.dumps(state), "utf-8")


def array_of_another_shape(directory: pathlib.Path) -> None:
    (path,) = directory.glob("data-*/vectors-*.npy")
    np.save(path, np.zeros((5, 3), dtype=np.float32))


def newer_format(directory: pathlib.Path) -> None:
    state = state_json(directory)
    state["formatVersion"] = 99
    (directory / "state.json").write_text(json.dumps(state), "utf-8")


def damaged_journal(directory: pathlib.Path) -> None:
    (path,) = directory.glob("journal-*.log")
    path.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00" + b"12345" + b"more records after a bad one")


DAMAGE: dict[str, tuple[Callable[[pathlib.Path], None], str]] = {
    "truncated state.json": (truncate_state_json, "state.json"),
    "truncated array": (truncate_array, ".npy"),
    "bucket named twice": (bucket_named_twice, "named twice"),
    "array of another shape": (array_of_another_shape, "expected float32 (5, 4)"),
    "newer format": (newer_format, "format version 99"),
    "damaged journal": (damaged_journal, "journal-"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_directory_is_refused_in_one_line_and_left_as_it_was(tmp_path: pathlib.Path, damage: str) -> None:
    saved_state(tmp_path)
    spoil, expected = DAMAGE[damage]
    spoil(tmp_path)
    before = fingerprint(tmp_path)
    message = open_fails(tmp_path)
    assert expected in message and str(tmp_path) in message
    assert fingerprint(tmp_path) == before
    assert open_fails(tmp_path) == message  # and the lock was released: the same answer again


def test_a_file_is_no_state_directory(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "file"
    path.write_text("not a directory")
    assert open_fails(path) == f"state directory {path} is not a directory"
    assert open_fails(path / "below").startswith(f"cannot create the state directory {path / 'below'}: ")


def test_an_unwritable_directory_is_refused_at_start(tmp_path: pathlib.Path) -> None:
    saved_state(tmp_path)
    before = fingerprint(tmp_path)
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)

    with unittest_mock.patch("s3vectors_mock._state_dir.os.open", read_only):
        message = open_fails(tmp_path)
    assert message == f"cannot write in the state directory {tmp_path}: Read-only file system"
    assert fingerprint(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes anywhere")
def test_a_read_only_directory_is_refused_at_start(tmp_path: pathlib.Path) -> None:
    saved_state(tmp_path)
    tmp_path.chmod(0o555)
    try:
        assert open_fails(tmp_path).startswith(f"cannot write in the state directory {tmp_path}: ")
    finally:
        tmp_path.chmod(0o755)


def test_one_service_per_directory(tmp_path: pathlib.Path) -> None:
    first = open_state_directory(tmp_path, S3VectorsMock(account_id=ACCOUNT)._service)
    message = open_fails(tmp_path)
    assert message == f"state directory {tmp_path} is in use by another s3vectors-mock server (pid {os.getpid()})"
    first.close()
    open_state_directory(tmp_path, S3VectorsMock(account_id=ACCOUNT)._service).close()  # free again


def test_a_fresh_directory_is_created_with_an_empty_state(tmp_path: pathlib.Path) -> None:
    directory = tmp_path / "a" / "b"
    mock = S3VectorsMock(account_id=ACCOUNT)
    state = open_state_directory(directory, mock._service)
    assert isinstance(state, StateDirectory) and mock._service.journal is state
    assert state_json(directory)["journal"].startswith("journal-")
    assert not list(directory.glob(".probe-*"))
    state.close()


def test_a_version_1_directory_still_loads(tmp_path: pathlib.Path) -> None:
    saved_state(tmp_path)
    state = state_json(tmp_path)
    journal = state.pop("journal")
    (tmp_path / journal).unlink()
    state["formatVersion"] = 1
    (tmp_path / "state.json").write_text(json.dumps(state), "utf-8")
    mock = S3VectorsMock(account_id=ACCOUNT)
    opened = open_state_directory(tmp_path, mock._service)
    assert sorted(mock._service.backend.namespace(ACCOUNT, "us-east-1").buckets) == ["first", "second"]
    assert state_json(tmp_path)["formatVersion"] == 2  # rewritten in the current format, with a journal
    opened.close()


def test_a_directory_that_fills_up_while_compacting_at_start_is_refused(tmp_path: pathlib.Path) -> None:
    saved_state(tmp_path)
    mock = S3VectorsMock(account_id=ACCOUNT)
    state = open_state_directory(tmp_path, mock._service)
    service_call(mock, ACCOUNT, "us-east-1")("CreateVectorBucket", {"vectorBucketName": "in-the-journal"})
    state._journal.close()  # type: ignore[union-attr]  # a crash: the journal is left for the next start
    state._unlock()
    before = fingerprint(tmp_path)
    no_space = unittest_mock.patch(
        "s3vectors_mock._persistence._write_file", side_effect=OSError(errno.ENOSPC, "No space")
    )
    # A journal larger than the snapshot (here: than a snapshot said to be empty) is compacted at start; a smaller
    # one would be kept and appended to.
    with (
        no_space,
        unittest_mock.patch("s3vectors_mock._state_dir._data_bytes", return_value=0),
        unittest_mock.patch("s3vectors_mock._state_dir.COMPACT_ABOVE_BYTES", 0),
    ):
        assert open_fails(tmp_path) == f"cannot write in the state directory {tmp_path}: No space"
    assert fingerprint(tmp_path) == before
    reopened = S3VectorsMock(account_id=ACCOUNT)
    open_state_directory(tmp_path, reopened._service).close()
    assert "in-the-journal" in reopened._service.backend.namespace(ACCOUNT, "us-east-1").buckets
