"""Saving the whole state of a mock to a directory and loading it back (the server's ``--state-dir``).

A state directory holds::

    state.json                      the commit point: format name and version, every namespace, bucket and index
                                    configuration, and the name of the data directory that holds the vectors
    data-<token>/vectors-<n>.npy    index n's vectors: a float32 matrix, one row per vector (plain ``np.save`` form)
    data-<token>/keys-<n>.json      index n's keys, a JSON array in row order
    data-<token>/metadata-<n>.json  index n's metadata, a JSON array in row order (null for none); only written
                                    when some vector of the index has metadata
    data-<token>/norms-<n>.npy ...  index n's derived arrays (format 2; see ``_table_image``), which a load maps
                                    back instead of recomputing them from the records
    journal-<token>.log             the changes made since this snapshot (format 2; see ``_journal``), named by
                                    ``state.json``: the state is the snapshot plus its journal replayed

An index without vectors has no files. Indexes are numbered in the order they are written, and ``state.json``
names each index's number, so the files never depend on (possibly awkward) bucket or index names.

Every future format keeps ``format`` and ``formatVersion`` at the top of ``state.json``, so that an older release
can name the version it cannot read.

Saving is atomic: the vectors go to a fresh ``data-<token>`` directory that nothing refers to yet, then
``state.json`` is replaced in one ``os.replace`` (after an fsync of everything it refers to). A crash at any moment
leaves either the previous ``state.json`` with its complete data directory, or the new one with its own; older data
directories are removed only after the switch. Loading builds the whole new state before it touches the backend,
so a corrupt directory raises and leaves the backend as it was.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pathlib
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any, NoReturn

import numpy as np
from dateutil.tz import tzlocal

from ._memory import LARGE_LOAD, release_free_memory
from ._store import Backend, Bucket, Index, Namespace
from ._table_image import ImageError, read_image, write_image
from .engine.table import Matrix, VectorTable

FORMAT = "s3vectors-mock-state"
# 2: state.json names the journal of changes made since the snapshot. Version 1 (no journal) still loads.
FORMAT_VERSION = 2
STATE_FILE = "state.json"
DATA_PREFIX = "data-"
JOURNAL_PREFIX = "journal-"
JOURNAL_SUFFIX = ".log"
TEMPORARY_STATE_PREFIX = ".state.json.tmp-"
TOKEN_HEX_BYTES = 8
# Keys and metadata are written as JSON this many rows at a time.
JSON_CHUNK_ROWS = 100_000
# Only entries named exactly like ours are ever removed, whatever else someone keeps in the state directory.
OUR_DATA = re.compile(rf"{DATA_PREFIX}[0-9a-f]{{{2 * TOKEN_HEX_BYTES}}}")
OUR_TEMPORARY_STATE = re.compile(rf"{re.escape(TEMPORARY_STATE_PREFIX)}[0-9a-f]{{{2 * TOKEN_HEX_BYTES}}}")
OUR_JOURNAL = re.compile(rf"{JOURNAL_PREFIX}[0-9a-f]{{{2 * TOKEN_HEX_BYTES}}}{re.escape(JOURNAL_SUFFIX)}")


class CorruptStateError(ValueError):
    """A state directory that cannot be loaded: a file is missing, truncated or does not hold what it should."""


# ---- saving ------------------------------------------------------------------------------------------------------


def new_journal_name() -> str:
    return JOURNAL_PREFIX + secrets.token_hex(TOKEN_HEX_BYTES) + JOURNAL_SUFFIX


def save_state(backend: Backend, directory: pathlib.Path, journal: str | None = None) -> None:
    """Write the whole state of ``backend`` to ``directory`` (created if needed), replacing what it held.

    ``journal``: the name of the journal file (in ``directory``, already created and synced) that holds the changes
    made after this snapshot; every other journal is removed with the old data once the new state is committed.
    Runs under the backend's lock, so the saved state is one consistent moment between two calls.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data_name = DATA_PREFIX + secrets.token_hex(TOKEN_HEX_BYTES)
    data_directory = directory / data_name
    temporary_state = directory / (TEMPORARY_STATE_PREFIX + secrets.token_hex(TOKEN_HEX_BYTES))
    with backend.lock:
        try:
            data_directory.mkdir()
            writer = _DataWriter(data_directory)
            state = {
                "format": FORMAT,
                "formatVersion": FORMAT_VERSION,
                "data": data_name,
                "journal": journal,
                "namespaces": [_namespace_state(namespace, writer) for namespace in backend.namespaces.values()],
            }
            _fsync_directory(data_directory)
            _write_file(temporary_state, _json_bytes(state, indent=1))
            os.replace(temporary_state, directory / STATE_FILE)  # the commit point
        except BaseException:
            temporary_state.unlink(missing_ok=True)
            shutil.rmtree(data_directory, ignore_errors=True)
            raise
        _fsync_directory(directory)
        # Still under the lock: a concurrent save of the same backend must not remove the data directory it commits.
        _remove_leftovers(directory, keep={data_name, journal})


class _DataWriter:
    """Writes the vector files of each index, numbering indexes in the order they come."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        self.count = 0

    def write(self, table: VectorTable) -> dict[str, Any]:
        """The files of one index's vectors, and their description for ``state.json``."""
        number = self.count
        self.count += 1
        size = table.size
        description: dict[str, Any] = {"file": number, "count": size, "metadata": False}
        if not size:
            return description
        with _created(self.directory / f"vectors-{number}.npy") as file:
            np.lib.format.write_array(file, table.live(), allow_pickle=False)
        _write_json_list(self.directory / f"keys-{number}.json", size, table.keys.many)
        if bool(table.metadata.lengths().any()):  # an index whose vectors have no metadata gets no file at all
            _write_json_list(self.directory / f"metadata-{number}.json", size, table.metadata.many)
            description["metadata"] = True
        write_image(table, number, self._write, self._save)
        description["image"] = True
        return description

    def _write(self, name: str, content: bytes) -> None:
        _write_file(self.directory / name, content)

    def _save(self, name: str, array: Any) -> None:
        with _created(self.directory / name) as file:
            np.lib.format.write_array(file, np.ascontiguousarray(array), allow_pickle=False)


def _namespace_state(namespace: Namespace, writer: _DataWriter) -> dict[str, Any]:
    return {
        "account": namespace.account,
        "region": namespace.region,
        "buckets": [_bucket_state(bucket, writer) for bucket in namespace.buckets.values()],
    }


def _bucket_state(bucket: Bucket, writer: _DataWriter) -> dict[str, Any]:
    return {
        "name": bucket.name,
        "arn": bucket.arn,
        "creationTime": _timestamp_text(bucket.creation_time),
        "encryption": bucket.encryption,
        "defaultIndexMode": bucket.default_index_mode,
        "policy": bucket.policy,
        "tags": bucket.tags,
        "indexes": [_index_state(index, writer) for index in bucket.indexes.values()],
    }


def _index_state(index: Index, writer: _DataWriter) -> dict[str, Any]:
    # bucket_name is not saved: it is always the name of the bucket the index is saved under.
    return {
        "name": index.name,
        "arn": index.arn,
        "creationTime": _timestamp_text(index.creation_time),
        "dataType": index.data_type,
        "dimension": index.dimension,
        "distanceMetric": index.distance_metric,
        "metadataConfiguration": index.metadata_configuration,
        "encryption": index.encryption,
        "indexMode": index.index_mode,
        "tags": index.tags,
        # Keyed by metadata key in the order GetIndex lists them; each entry is the stored configuration as is.
        "textSearch": index.text_search,
        "vectors": writer.write(index.table),
    }


def _timestamp_text(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds: exact for any aware datetime, readable in ``state.json``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _json_bytes(value: Any, indent: int | None = None) -> bytes:
    # ensure_ascii=False keeps non-ASCII keys and metadata compact (one to four bytes a character, not six or twelve).
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(value, ensure_ascii=False, separators=separators, indent=indent)
    return text.encode("utf-8")


@contextlib.contextmanager
def _created(path: pathlib.Path) -> Iterator[Any]:
    """A new file opened for writing, flushed to disk when the block ends (renaming it in is only safe then)."""
    with open(path, "xb") as file:
        yield file
        file.flush()
        os.fsync(file.fileno())


def _write_file(path: pathlib.Path, content: bytes) -> None:
    with _created(path) as file:
        file.write(content)


def _write_json_list(path: pathlib.Path, count: int, read: Callable[[range], list[Any]]) -> None:
    """A JSON array of ``read(rows)`` for rows ``0..count``, written a chunk of rows at a time: ten million
    metadata dicts at once would take ~2.5 GB, and their JSON text another half."""
    with _created(path) as file:
        file.write(b"[")
        for first in range(0, count, JSON_CHUNK_ROWS):
            text = _json_bytes(read(range(first, min(first + JSON_CHUNK_ROWS, count))))
            file.write(text[1:-1] if first == 0 else b"," + text[1:-1])
        file.write(b"]")


def _fsync_directory(directory: pathlib.Path) -> None:
    """Make created and renamed entries durable; not possible (nor needed) where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


fsync_directory = _fsync_directory


def _remove_leftovers(directory: pathlib.Path, keep: set[str | None]) -> None:
    """Remove older data directories and journals and the temporary files of interrupted saves; nothing else is
    touched."""
    for entry in directory.iterdir():
        if entry.name in keep:
            continue
        if OUR_DATA.fullmatch(entry.name) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif (OUR_TEMPORARY_STATE.fullmatch(entry.name) or OUR_JOURNAL.fullmatch(entry.name)) and entry.is_file():
            entry.unlink(missing_ok=True)


# ---- loading -----------------------------------------------------------------------------------------------------


def load_state(backend: Backend, directory: pathlib.Path) -> str | None:
    """Replace everything ``backend`` holds with the snapshot saved in ``directory``; the name of its journal
    (None: none), whose records the caller replays (see ``_state_dir``).

    A missing directory, or one without ``state.json``, holds no state: the backend is left empty. Raises
    ``ValueError`` for a state written by a newer format version, and :class:`CorruptStateError` (a ``ValueError``)
    naming the file for anything unreadable; in both cases the backend is left as it was.
    """
    directory = pathlib.Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"state directory {directory} is not a directory")
    state_path = directory / STATE_FILE
    namespaces, journal = _read_state(state_path) if state_path.exists() else ({}, None)
    with backend.lock:
        # reset() also forgets pagination tokens and write-rate windows, which belong to the state being replaced.
        backend.reset()
        backend.namespaces.update(namespaces)
    loaded = sum(
        len(index.table.keys)
        for namespace in namespaces.values()
        for bucket in namespace.buckets.values()
        for index in bucket.indexes.values()
    )
    if loaded >= LARGE_LOAD:
        release_free_memory()
    return journal


def _read_state(path: pathlib.Path) -> tuple[dict[tuple[str, str], Namespace], str | None]:
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CorruptStateError(f"cannot read {path}: {error}") from error
    reader = _Reader(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        reader.fail("", f"not an s3vectors-mock state (expected format {FORMAT!r})")
    version = state.get("formatVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        reader.fail("formatVersion", f"invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in state format version {version}, but this s3vectors-mock reads format version "
            f"{FORMAT_VERSION} at most: load it with a newer s3vectors-mock"
        )
    data_name = reader.get(state, "data", str)
    if not OUR_DATA.fullmatch(data_name):  # never a path that leads out of the state directory
        reader.fail("data", f"invalid data directory name {data_name!r}")
    journal = reader.get(state, "journal", str, optional=True) if version >= 2 else None
    if journal is not None and not OUR_JOURNAL.fullmatch(journal):
        reader.fail("journal", f"invalid journal name {journal!r}")
    if journal is not None and not (path.parent / journal).is_file():
        reader.fail("journal", f"the journal {path.parent / journal} is missing")
    loader = _DataReader(path.parent / data_name)
    namespaces: dict[tuple[str, str], Namespace] = {}
    for position, entry in enumerate(reader.get(state, "namespaces", list)):
        namespace = _read_namespace(reader.at(f"namespaces[{position}]"), entry, loader)
        key = (namespace.account, namespace.region)
        if key in namespaces:
            reader.fail(f"namespaces[{position}]", f"account {key[0]} in {key[1]} is named twice")
        namespaces[key] = namespace
    return namespaces, journal


def _read_namespace(reader: _Reader, entry: Any, loader: _DataReader) -> Namespace:
    namespace = Namespace(reader.get(entry, "account", str), reader.get(entry, "region", str))
    for position, bucket_entry in enumerate(reader.get(entry, "buckets", list)):
        bucket = _read_bucket(reader.at(f"buckets[{position}]"), bucket_entry, loader)
        if bucket.name in namespace.buckets:  # keeping either would silently drop the other's indexes and vectors
            reader.fail(f"buckets[{position}].name", f"the bucket {bucket.name!r} is named twice")
        namespace.buckets[bucket.name] = bucket
    return namespace


def _read_bucket(reader: _Reader, entry: Any, loader: _DataReader) -> Bucket:
    bucket = Bucket(
        name=reader.get(entry, "name", str),
        arn=reader.get(entry, "arn", str),
        creation_time=reader.timestamp(entry, "creationTime"),
        encryption=reader.get(entry, "encryption", dict),
        default_index_mode=reader.get(entry, "defaultIndexMode", str, optional=True),
        policy=reader.get(entry, "policy", str, optional=True),
        tags=reader.get(entry, "tags", dict),
    )
    for position, index_entry in enumerate(reader.get(entry, "indexes", list)):
        index = _read_index(reader.at(f"indexes[{position}]"), index_entry, bucket.name, loader)
        if index.name in bucket.indexes:
            reader.fail(f"indexes[{position}].name", f"the index {index.name!r} is named twice")
        bucket.indexes[index.name] = index
    return bucket


def _read_index(reader: _Reader, entry: Any, bucket_name: str, loader: _DataReader) -> Index:
    dimension = reader.get(entry, "dimension", int)
    if dimension < 1:
        reader.fail("dimension", f"invalid dimension {dimension}")
    configuration = reader.get(entry, "metadataConfiguration", dict, optional=True)
    # The same table CreateIndex makes: non-filterable keys get no metadata column.
    non_filterable = frozenset((configuration or {}).get("nonFilterableMetadataKeys") or [])
    index = Index(
        bucket_name=bucket_name,
        name=reader.get(entry, "name", str),
        arn=reader.get(entry, "arn", str),
        creation_time=reader.timestamp(entry, "creationTime"),
        data_type=reader.get(entry, "dataType", str),
        dimension=dimension,
        distance_metric=reader.get(entry, "distanceMetric", str),
        metadata_configuration=configuration,
        encryption=reader.get(entry, "encryption", dict, optional=True),
        index_mode=reader.get(entry, "indexMode", str, optional=True),
        table=VectorTable(dimension, lambda key: key not in non_filterable),
        tags=reader.get(entry, "tags", dict),
    )
    text_search = reader.get(entry, "textSearch", dict)
    for metadata_key, text_configuration in text_search.items():
        if not isinstance(text_configuration, dict):
            reader.fail(f"textSearch.{metadata_key}", "expected an object")
    # Before the vectors, as CreateIndex does: store() then fills the full-text fields with everything it writes.
    index.add_text_search(text_search)
    loader.load(reader.at("vectors"), reader.get(entry, "vectors", dict), index)
    return index


class _DataReader:
    """Reads an index's vector files and stores them through the engine's own write path."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory

    def load(self, reader: _Reader, description: dict[str, Any], index: Index) -> None:
        number = reader.get(description, "file", int)
        count = reader.get(description, "count", int)
        has_metadata = reader.get(description, "metadata", bool)
        if count < 0:
            reader.fail("count", f"invalid vector count {count}")
        if not count:
            return
        matrix = self._matrix(self.directory / f"vectors-{number}.npy", count, index.dimension)
        keys_path = self.directory / f"keys-{number}.json"
        keys = self._json_list(keys_path, count)
        metadata_path = self.directory / f"metadata-{number}.json"
        metadata = self._json_list(metadata_path, count) if has_metadata else [None] * count
        if reader.get(description, "image", bool, optional=True):
            self._restore(index, number, matrix, keys, metadata, keys_path, metadata_path)
            return
        try:
            # store() builds the key → row map, norms, metadata columns and full-text fields exactly as PutVectors
            # does, and trains no approximate index (that happens on the first large query, as for any index).
            index.store(keys, matrix, metadata)
        except (TypeError, AttributeError, ValueError) as error:  # a key that is no string, a record no object
            files = f"{keys_path} or {metadata_path}" if has_metadata else str(keys_path)
            raise CorruptStateError(f"invalid keys or metadata in {files}: {error}") from error
        if len(index.table.row_of) != count:
            raise CorruptStateError(f"{keys_path} repeats keys")

    def _restore(
        self,
        index: Index,
        number: int,
        matrix: Matrix,
        keys: list[Any],
        metadata: list[Any],
        keys_path: pathlib.Path,
        metadata_path: pathlib.Path,
    ) -> None:
        """The table as it was saved, derived arrays included (no per-record work but the checks of its types)."""
        # The types of a million values in one C-level pass each.
        if not set(map(type, keys)) <= {str}:
            raise CorruptStateError(f"{keys_path} holds a key that is not a string")
        if not set(map(type, metadata)) <= {dict, type(None)}:
            raise CorruptStateError(f"{metadata_path} holds metadata that is not an object")
        try:
            read_image(self.directory, number, index.table, matrix, keys, metadata)
        except ImageError as error:
            where = f"{keys_path} repeats keys" if str(error) == "repeated keys" else f"{self.directory}: {error}"
            raise CorruptStateError(where) from error
        # The full-text fields are rebuilt from the records (tantivy's index is not saved).
        index.add_text_search(dict(index.text_search))

    @staticmethod
    def _matrix(path: pathlib.Path, count: int, dimension: int) -> Matrix:
        # Memory-mapped copy-on-write: a restored table uses it as its matrix (see _table_image), and store() copies
        # the rows straight from the page cache, so a load needs no second matrix-sized buffer.
        try:
            matrix = np.load(path, mmap_mode="c", allow_pickle=False)
        except (OSError, ValueError, EOFError) as error:
            raise CorruptStateError(f"cannot read {path}: {error}") from error
        if matrix.dtype.kind != "f" or matrix.dtype.itemsize != 4 or matrix.shape != (count, dimension):
            raise CorruptStateError(
                f"{path} holds a {matrix.dtype} array of shape {matrix.shape}; expected float32 ({count}, {dimension})"
            )
        result: Matrix = matrix
        return result

    @staticmethod
    def _json_list(path: pathlib.Path, count: int) -> list[Any]:
        try:
            # A million small objects would wake the cyclic garbage collector dozens of times for nothing (JSON
            # values hold no cycles): a third of the parse time.
            with _no_gc():
                values = _json_loads(path.read_bytes())
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CorruptStateError(f"cannot read {path}: {error}") from error
        if not isinstance(values, list) or len(values) != count:
            raise CorruptStateError(f"{path} does not hold a list of {count} entries")
        return values


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _json_loads(content: bytes) -> Any:
    """orjson where installed (the server extra; 3× faster on a million records), else the standard library, which
    also reads what orjson refuses (integers beyond 64 bits, lone surrogate escapes)."""
    try:
        import orjson
    except ImportError:
        return json.loads(content.decode("utf-8"))
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content.decode("utf-8"))


class _Reader:
    """Typed access to the entries of ``state.json``; a wrong or missing entry is reported with its path."""

    def __init__(self, path: pathlib.Path, where: str = "") -> None:
        self.path = path
        self.where = where

    def at(self, step: str) -> _Reader:
        return _Reader(self.path, f"{self.where}.{step}" if self.where else step)

    def fail(self, name: str, problem: str) -> NoReturn:
        location = ".".join(part for part in (self.where, name) if part)
        raise CorruptStateError(f"{self.path}: {location + ': ' if location else ''}{problem}")

    def get(self, entry: Any, name: str, kind: type[Any], optional: bool = False) -> Any:
        if not isinstance(entry, dict):
            self.fail("", "expected an object")
        if name not in entry:
            self.fail(name, "missing")
        value = entry[name]
        if value is None and optional:
            return None
        # bool is an int in Python, but never a valid count or dimension.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(name, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def timestamp(self, entry: Any, name: str) -> datetime:
        text = self.get(entry, name, str)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(name, f"invalid timestamp {text!r}")
        if moment.tzinfo is None:
            self.fail(name, f"timestamp without a timezone {text!r}")
        # In local time like every timestamp the mock makes (botocore's parser uses tzlocal()); the same instant.
        return moment.astimezone(tzlocal())
