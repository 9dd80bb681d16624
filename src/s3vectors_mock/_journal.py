"""The journal of a state directory: every change of the state, appended as it is made, replayed at start.

A journal file is a sequence of records, each framed as::

    length  u32 little-endian   bytes of the payload
    crc     u32 little-endian   CRC32 of the payload
    payload                     u32 header length, the header (UTF-8 JSON), then an optional binary part

The header says what happened: ``{"kind": "request", ...}`` (a mutating request that succeeded: operation,
parameters, caller and the time it used for creation times), ``{"kind": "seed", ...}`` (``load_vectors``) or
``{"kind": "reset"}``. The vectors of a PutVectors or a seed travel in the binary part as a float32 matrix (the
values that were stored, exactly), which keeps a 500 × 1024 PutVectors a 2 MB write and no JSON float formatting.

A record is written with ``os.write`` before the request is answered, so a process that is killed (SIGKILL, the
OOM killer) loses nothing it answered: the bytes are in the operating system's page cache, which the kernel writes
back. The journal is not fsynced per record, so a power loss or kernel crash may lose the last seconds of writes;
every snapshot (compaction) is fsynced. A crash in the middle of a write leaves a torn last record (shorter than
its length, or with a CRC that does not match): it was never answered, so replay ignores it, with a log line.
Anything else that does not read is damage, reported like any damaged state file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import pathlib
import struct
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import ServiceError
from ._float_lists import float32_rows
from ._json_values import as_doubles
from ._options import Options
from ._store import Backend, epoch_ms, fixed_clock, moment_at

if TYPE_CHECKING:
    from datetime import datetime

    from ._records import Batch
    from ._service import Caller
    from .operations._request import Params

logger = logging.getLogger("s3vectors_mock")

FRAME = struct.Struct("<II")
HEADER_LENGTH = struct.Struct("<I")
# Far above any real record (a PutVectors body is at most 20 MiB): a larger length is damage, not a record.
MAX_RECORD_BYTES = 1 << 31


class CorruptJournalError(ValueError):
    """A journal whose records cannot be read (other than a torn last record)."""


# ---- writing -----------------------------------------------------------------------------------------------------


class JournalFile:
    """An open journal file that records are appended to (the :class:`~s3vectors_mock._service.Journal` of a
    service kept in a state directory)."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self._descriptor).st_size
        self.records = 0

    def close(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1

    def request(self, operation: str, params: Params, caller: Caller, moment: datetime) -> None:
        header: dict[str, Any] = {
            "kind": "request",
            "operation": operation,
            "account": caller.account,
            "region": caller.region,
            "accessKey": caller.access_key,
            "time": epoch_ms(moment),
        }
        blob = b""
        if operation == "PutVectors":
            params, blob, shape = _vectors_apart(params)
            if shape is not None:
                header["matrix"] = shape
        header["params"] = params
        self._append(header, blob)

    def seeded(self, index_arn: str, batch: Batch) -> None:
        vectors = np.ascontiguousarray(batch.vectors, dtype=np.float32)
        header = {
            "kind": "seed",
            "indexArn": index_arn,
            "keys": batch.keys,
            "metadata": batch.metadata,
            "matrix": list(vectors.shape),
        }
        self._append(header, vectors.tobytes())

    def reset(self) -> None:
        self._append({"kind": "reset"}, b"")

    def _append(self, header: dict[str, Any], blob: bytes) -> None:
        encoded = _json_bytes(header)
        payload = HEADER_LENGTH.pack(len(encoded)) + encoded + blob
        record = FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            written = 0
            view = memoryview(record)
            while written < len(record):  # os.write may write less than asked (a full disk, a signal)
                written += os.write(self._descriptor, view[written:])
        except OSError:
            # Take back a partial record, so that the next one does not follow a torn one (which replay would
            # take for the end of the journal). If even that fails, the torn record is the journal's end.
            with contextlib.suppress(OSError):
                os.ftruncate(self._descriptor, self.size)
            raise
        self.size += len(record)
        self.records += 1


def _vectors_apart(params: Params) -> tuple[Params, bytes, list[int] | None]:
    """PutVectors' parameters without the vectors' values, and those values as the bytes of a float32 matrix.

    The values are the float32 matrix PutVectors stored, from the request's one reading of its vector data
    (_float_lists), or converted exactly as PutVectors converts them (to double, then float32) where there was none,
    so the replay stores the same vectors. Anything unusual stays in the header as it was sent.
    """
    records: Any = params.get("vectors")
    try:
        rows = [record["data"]["float32"] for record in records]
        read = float32_rows(rows)
        matrix = read if read is not None else _doubles(rows).astype(np.float32)
    except (TypeError, KeyError, ValueError, OverflowError):
        return params, b"", None
    if matrix.ndim != 2 or matrix.shape[0] != len(rows):
        return params, b"", None
    stripped = dict(params)
    stripped["vectors"] = [{**record, "data": {"float32": None}} for record in records]
    return stripped, np.ascontiguousarray(matrix).tobytes(), list(matrix.shape)


def _doubles(rows: list[Any]) -> Any:
    """Equally long rows of numbers as a float64 matrix, packed one row at a time by ``struct`` (2-3× faster than
    numpy's conversion of nested lists); anything else (a huge integer, rows of other lengths) takes PutVectors'
    own conversion."""
    if not rows:
        return as_doubles(rows)
    row_format = struct.Struct(f"<{len(rows[0])}d")
    try:
        packed = b"".join([row_format.pack(*row) for row in rows])
    except (struct.error, TypeError, OverflowError):
        return as_doubles(rows)
    return np.frombuffer(packed, dtype=np.float64).reshape(len(rows), len(rows[0]))


def _json_bytes(value: Any) -> bytes:
    # The standard library: exact for integers of any size and, unlike orjson, it never writes NaN as null.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    """What JSON cannot hold as is: Decimal numbers (boto3's DynamoDB layer hands them out), numpy values."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 else float(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot record a value of type {type(value).__name__} in the journal")


# ---- reading -----------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    header: dict[str, Any]
    matrix: np.ndarray[Any, np.dtype[np.float32]] | None


def read_journal(path: pathlib.Path, read: list[int] | None = None) -> Iterator[Entry]:
    """The records of the journal at ``path``, in order; a torn last record is skipped with a log line. When done,
    the end of the last whole record is appended to ``read`` (the file's size unless the last record was torn).

    The file is memory-mapped, not read: a journal can hold gigabytes of vectors, and only one record at a time
    needs to be in memory.
    """
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            content = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except OSError as error:
        raise CorruptJournalError(f"cannot read {path}: {error}") from error
    try:
        position = yield from _records(path, content)
    finally:
        if isinstance(content, mmap.mmap):
            content.close()
    if read is not None:
        read.append(position)


def _records(path: pathlib.Path, content: bytes | mmap.mmap) -> Generator[Entry, None, int]:
    """The whole records of ``content``; the end of the last one."""
    position = 0
    end = len(content)
    while position < end:
        if end - position < FRAME.size:
            _torn(path, position, end)
            return position
        length, crc = FRAME.unpack_from(content, position)
        start = position + FRAME.size
        if length > MAX_RECORD_BYTES or start + length > end:
            if length > MAX_RECORD_BYTES and start + length <= end:
                raise CorruptJournalError(f"{path}: invalid record at byte {position}")
            _torn(path, position, end)
            return position
        payload = content[start : start + length]
        if zlib.crc32(payload) != crc:
            if start + length == end:  # the last record: a write the crash interrupted
                _torn(path, position, end)
                return position
            raise CorruptJournalError(f"{path}: record at byte {position} does not match its checksum")
        yield _entry(path, position, payload)
        position = start + length
    return position


def _torn(path: pathlib.Path, position: int, end: int) -> None:
    logger.warning(
        "s3vectors-mock: ignored the torn last record of %s (%d bytes at byte %d): a crash while it was written, "
        "before it was answered",
        path,
        end - position,
        position,
    )


def _entry(path: pathlib.Path, position: int, payload: bytes) -> Entry:
    try:
        (header_length,) = HEADER_LENGTH.unpack_from(payload, 0)
        header = json.loads(payload[HEADER_LENGTH.size : HEADER_LENGTH.size + header_length].decode("utf-8"))
        blob = payload[HEADER_LENGTH.size + header_length :]
        if not isinstance(header, dict) or not isinstance(header.get("kind"), str):
            raise ValueError("not a journal record")
        matrix = None
        shape = header.get("matrix")
        if shape is not None:
            rows, columns = shape
            matrix = np.frombuffer(blob, dtype=np.float32).reshape(rows, columns)
    except (struct.error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise CorruptJournalError(f"{path}: unreadable record at byte {position}: {error}") from error
    return Entry(header, matrix)


# ---- replaying ---------------------------------------------------------------------------------------------------


def replay(backend: Backend, options: Options, entries: Iterator[Entry]) -> int:
    """Apply the journal's records to ``backend`` in order, exactly as they were applied; the number applied.

    Requests run through the service's own operations with the time they used, by today's service model (every
    front end's requests are stored as they were understood). Rate limits do not apply to a replay.
    """
    from ._seeding import _index_at
    from ._service_model import service_model
    from .operations import dispatch
    from .operations._request import Request

    replay_options = replace(options, enforce_rate_limits=False)
    model = service_model()
    count = 0
    for entry in entries:
        header = entry.header
        kind = header["kind"]
        try:
            if kind == "request":
                params = header["params"]
                if entry.matrix is not None:
                    for record, row in zip(params["vectors"], entry.matrix.tolist()):
                        record["data"] = {"float32": row}
                request = Request(backend, replay_options, header["account"], header["region"], model)
                with fixed_clock(moment_at(header["time"])):
                    dispatch(request, header["operation"], params)
            elif kind == "seed":
                if entry.matrix is None:
                    raise ValueError("a seed without vectors")
                with backend.lock:
                    _index_at(backend, header["indexArn"]).store(header["keys"], entry.matrix, header["metadata"])
            elif kind == "reset":
                backend.reset()
            else:
                raise ValueError(f"unknown record kind {kind!r}")
        except ServiceError as error:
            # Cannot happen for a journal this release wrote (a replay makes the same decisions); logged, not
            # fatal, so that one odd record does not keep a server from its data.
            logger.warning("s3vectors-mock: a journaled %s was refused on replay: %s", header.get("operation"), error)
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptJournalError(f"invalid journal record ({kind}): {error!r}") from error
        count += 1
    return count
