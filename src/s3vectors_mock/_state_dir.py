"""A service kept in a state directory (``--state-dir``): loaded at start, every change journaled before it is
answered, compacted into a fresh snapshot when the journal outgrows the snapshot (while running or at start), and
at shutdown when that is quick.

The guarantee: once a write is answered, killing the process (SIGKILL, the OOM killer) loses nothing of it. The
directory is checked before anything is served: it must be a directory we can write (a probe file is created and
removed), not in use by another server (an exclusive ``flock`` on its ``lock`` file, which the operating system
releases when the process ends, however it ends), and its state must load; otherwise :class:`StateDirError` says
what is wrong in one line, and nothing in the directory is changed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._journal import JournalFile, read_journal, replay
from ._memory import LARGE_JOURNAL_BYTES, release_free_memory
from ._persistence import (
    DATA_PREFIX,
    OUR_DATA,
    fsync_directory,
    load_state,
    new_journal_name,
    save_state,
)

if TYPE_CHECKING:
    from datetime import datetime

    from ._records import Batch
    from ._service import Caller, S3VectorsService
    from .operations._request import Params

try:
    import fcntl
except ImportError:  # Windows: no flock; one server per directory is then the user's to ensure
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("s3vectors_mock")

LOCK_FILE = "lock"
PROBE_PREFIX = ".probe-"
# The journal is compacted into a new snapshot once it outgrows both this and the snapshot itself (while the server
# runs, and at start), so that a restart replays a bounded journal; a compaction holds the lock for one save.
COMPACT_ABOVE_BYTES = 256 * 2**20
# At shutdown the journal is compacted only when that is quick (a small state): a stop must end within seconds
# (docker kills 10 s after SIGTERM; 10,000,000 × 128 vectors took 80 s to save), and the journal is as durable as a
# snapshot; the next start compacts whatever is left.
QUICK_SAVE_BYTES = 64 * 2**20


class StateDirError(Exception):
    """A state directory that cannot be used; the message is one line naming the directory and the problem."""


class StateDirectory:
    """The state directory of one service; implements the service's journal (see ``_service.Journal``)."""

    def __init__(self, path: pathlib.Path, service: S3VectorsService) -> None:
        self.path = pathlib.Path(path)
        self.service = service
        self._journal: JournalFile | None = None
        self._lock_descriptor = -1
        self._snapshot_bytes = 0
        # A change is in memory that no record holds (its record could not be written): the next change, or the
        # close, writes a whole snapshot instead of a record, which holds it too.
        self._unrecorded = False

    # ---- opening -------------------------------------------------------------------------------------------------

    def open(self) -> StateDirectory:
        """Check, lock and load the directory, replay its journal, and start journaling the service's changes."""
        try:
            self._prepare()
            self._lock()
            self._load()
        except BaseException:
            self._unlock()
            raise
        self.service.journal = self
        return self

    def _prepare(self) -> None:
        path = self.path
        if path.exists() and not path.is_dir():
            raise StateDirError(f"state directory {path} is not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateDirError(f"cannot create the state directory {path}: {_reason(error)}") from None
        probe = path / f"{PROBE_PREFIX}{secrets.token_hex(8)}"
        try:
            descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(descriptor, b"probe")
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            probe.unlink()
        except OSError as error:
            with contextlib.suppress(OSError):
                probe.unlink(missing_ok=True)
            raise StateDirError(f"cannot write in the state directory {path}: {_reason(error)}") from None

    def _lock(self) -> None:
        lock_path = self.path / LOCK_FILE
        try:
            self._lock_descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StateDirError(f"cannot open {lock_path}: {_reason(error)}") from None
        if fcntl is None:
            return
        try:
            fcntl.flock(self._lock_descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(self._lock_descriptor)
            os.close(self._lock_descriptor)
            self._lock_descriptor = -1
            by = f" (pid {holder})" if holder else ""
            raise StateDirError(f"state directory {self.path} is in use by another s3vectors-mock server{by}") from None
        # Who holds it, for the message of the next server that tries.
        os.ftruncate(self._lock_descriptor, 0)
        os.pwrite(self._lock_descriptor, f"{os.getpid()}\n".encode(), 0)

    def _unlock(self) -> None:
        if self._lock_descriptor >= 0:
            os.close(self._lock_descriptor)  # closing the last descriptor releases the flock
            self._lock_descriptor = -1

    def _load(self) -> None:
        backend = self.service.backend
        try:
            journal_name = load_state(backend, self.path)
            replayed = 0
            journal_bytes = 0
            whole: list[int] = []  # where the journal's last whole record ends
            if journal_name is not None:
                journal_path = self.path / journal_name
                journal_bytes = journal_path.stat().st_size
                replayed = replay(backend, self.service.options, read_journal(journal_path, whole))
        except (ValueError, OSError) as error:  # CorruptStateError and CorruptJournalError are ValueErrors
            backend.reset()
            raise StateDirError(_one_line(error)) from None
        if replayed:
            logger.info("s3vectors-mock: replayed %d changes from %s", replayed, self.path)
        if journal_bytes >= LARGE_JOURNAL_BYTES:
            release_free_memory()
        try:
            self._snapshot_bytes = _data_bytes(self.path)
            # A journal the running server would not compact yet is kept and appended to: compacting it here would
            # write the whole state at every start (10,000,000 vectors: ~30 s). A torn last record (never
            # answered) is cut off first, so that the next record does not follow it.
            if journal_name is None or journal_bytes > max(COMPACT_ABOVE_BYTES, self._snapshot_bytes):
                self._compact()
            else:
                if whole and whole[0] < journal_bytes:
                    os.truncate(self.path / journal_name, whole[0])
                self._journal = JournalFile(self.path / journal_name)
        except OSError as error:  # a full disk: the directory is as it was (saves are atomic)
            backend.reset()
            raise StateDirError(f"cannot write in the state directory {self.path}: {_reason(error)}") from None

    # ---- the service's journal -----------------------------------------------------------------------------------

    def request(self, operation: str, params: Params, caller: Caller, moment: datetime) -> None:
        self._record(lambda journal: journal.request(operation, params, caller, moment))

    def seeded(self, index_arn: str, batch: Batch) -> None:
        self._record(lambda journal: journal.seeded(index_arn, batch))

    def reset(self) -> None:
        self._record(lambda journal: journal.reset())

    def _record(self, write: Callable[[JournalFile], None]) -> None:
        """Record a change just made (under the backend's lock); OSError when it is not on disk."""
        if self._unrecorded:
            # The journal misses an earlier change (a full disk): replaying it without that change could fail or
            # differ, so only a snapshot of the whole state (which holds this change too) brings the disk back.
            self._compact()
            self._unrecorded = False
            return
        try:
            write(self._journal_file())
        except OSError:
            self._unrecorded = True
            raise
        except (TypeError, ValueError) as error:  # a value JSON cannot hold: the snapshot will (it is in memory)
            self._unrecorded = True
            raise OSError(f"cannot write it in the journal: {error}") from error
        self._compact_if_large()

    def _journal_file(self) -> JournalFile:
        if self._journal is None:
            raise OSError(f"the state directory {self.path} is closed")
        return self._journal

    def _compact_if_large(self) -> None:
        journal = self._journal
        if journal is not None and journal.size > max(COMPACT_ABOVE_BYTES, self._snapshot_bytes):
            try:
                self._compact()
            except OSError as error:  # the journal still holds every change: nothing is lost, only not compacted
                logger.error("s3vectors-mock: could not compact the state directory %s: %s", self.path, error)

    # ---- compaction and closing ----------------------------------------------------------------------------------

    def _compact(self) -> None:
        """A new snapshot of the whole state with a new, empty journal; the old ones are removed after the switch."""
        with self.service.backend.lock:
            name = new_journal_name()
            journal = JournalFile(self.path / name)
            try:
                fsync_directory(self.path)  # the new journal exists on disk before state.json names it
                save_state(self.service.backend, self.path, journal=name)
            except BaseException:
                journal.close()
                (self.path / name).unlink(missing_ok=True)
                raise
            previous, self._journal = self._journal, journal
            if previous is not None:
                previous.close()
            self._snapshot_bytes = _data_bytes(self.path)

    def compact(self) -> None:
        """Fold the journal into a new snapshot now (it also happens at start, at close and when it is large)."""
        self._compact()

    def close(self) -> None:
        """Stop journaling, compact the journal into a final snapshot (when it holds anything and a save is quick,
        see QUICK_SAVE_BYTES), release the lock."""
        with self.service.backend.lock:
            if self.service.journal is self:
                self.service.journal = None
            try:
                journal = self._journal
                quick = journal is not None and self._snapshot_bytes + journal.size <= QUICK_SAVE_BYTES
                if journal is not None and (self._unrecorded or (quick and journal.size)):
                    self._compact()
                    self._unrecorded = False
            finally:
                if self._journal is not None:
                    self._journal.close()
                    self._journal = None
                self._unlock()


def open_state_directory(path: pathlib.Path, service: S3VectorsService) -> StateDirectory:
    """Keep ``service``'s state in ``path`` from now on (see :class:`StateDirectory`)."""
    return StateDirectory(path, service).open()


def _data_bytes(directory: pathlib.Path) -> int:
    total = 0
    for entry in directory.iterdir():
        if entry.name.startswith(DATA_PREFIX) and OUR_DATA.fullmatch(entry.name):
            total += sum(file.stat().st_size for file in entry.iterdir())
    return total


def _read_pid(descriptor: int) -> str:
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _one_line(error: BaseException) -> str:
    return " ".join((str(error) or repr(error)).split())
