"""Save and load times of the whole state (``_persistence``), as ratios against numpy's own save and load of the
same matrix measured in the same run (machines are noisy; absolute times do not compare between runs).

    .venv/bin/python bench/persistence.py            # 1,000,000 x 128 without, then with 3 metadata keys
    .venv/bin/python bench/persistence.py --quick    # a tenth of the sizes, for a smoke run
    .venv/bin/python bench/persistence.py --put      # PutVectors 500 x 1024 over HTTP, with and without --state-dir

Each figure is the best of ``--repeats`` runs. Besides the floors ``np.save`` / ``np.load`` it prints the engine's
own cost of storing the same records in a fresh index (``Index.store`` from memory): a load can hardly be faster
than reading the matrix plus that, so "load ÷ (np.load + store)" is what the file format and its parsing add. The
CPU seconds beside the wall times are less disturbed by other processes on a busy machine (and exclude disk waits).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from s3vectors_mock._persistence import load_state, save_state
from s3vectors_mock._store import Backend, Bucket, Index, now
from s3vectors_mock.engine.table import VectorTable

ACCOUNT, REGION = "123456789012", "us-east-1"


def timed(repeats: int, function: Callable[[], Any]) -> tuple[float, float]:
    """The best wall time and the best CPU time of ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def fresh_index(dimension: int) -> Index:
    """An index as CreateIndex makes it (built directly: the figures are about state, not about calls)."""
    arn = f"arn:aws:s3vectors:{REGION}:{ACCOUNT}:bucket/bench/index/bench"
    table = VectorTable(dimension, lambda key: True)
    return Index("bench", "bench", arn, now(), "float32", dimension, "cosine", None, None, "ENHANCED", table)


def backend_with(keys: list[str], matrix: Any, metadata: list[Any]) -> Backend:
    backend = Backend()
    bucket = Bucket(
        "bench", f"arn:aws:s3vectors:{REGION}:{ACCOUNT}:bucket/bench", now(), {"sseType": "AES256"}, "ENHANCED"
    )
    index = fresh_index(matrix.shape[1])
    index.store(keys, matrix, metadata)
    bucket.indexes["bench"] = index
    backend.namespace(ACCOUNT, REGION).buckets["bench"] = bucket
    return backend


def figure(label: str, count: int, dimension: int, with_metadata: bool, repeats: int, scratch: pathlib.Path) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((count, dimension), dtype=np.float32)
    keys = [f"doc-{position:08d}" for position in range(count)]
    genres = ["rock", "jazz", "pop", "folk"]
    metadata: list[Any] = (
        [
            {"genre": genres[position % 4], "year": 1950 + position % 70, "score": float(position % 1000) / 7}
            for position in range(count)
        ]
        if with_metadata
        else [None] * count
    )
    backend = backend_with(keys, matrix, metadata)

    floor_path = scratch / "floor.npy"
    numpy_save, _ = timed(repeats, lambda: np.save(floor_path, matrix))

    def save_and_sync() -> None:
        with open(floor_path, "wb") as file:
            np.save(file, matrix)
            file.flush()
            os.fsync(file.fileno())

    numpy_save_sync, _ = timed(repeats, save_and_sync)
    numpy_load, _ = timed(repeats, lambda: np.load(floor_path, mmap_mode=None))
    store, store_cpu = timed(repeats, lambda: fresh_index(dimension).store(keys, matrix, metadata))

    state = scratch / "state"
    save, save_cpu = timed(repeats, lambda: save_state(backend, state))
    load, load_cpu = timed(repeats, lambda: load_state(Backend(), state))
    files = [path for path in state.rglob("*") if path.is_file()]
    on_disk = sum(path.stat().st_size for path in files)

    print(f"\n{label}: {count:,} x {dimension}, {'3 metadata keys' if with_metadata else 'no metadata'}")
    print(f"  np.save {numpy_save:.3f} s | np.save + fsync {numpy_save_sync:.3f} s | np.load {numpy_load:.3f} s")
    print(f"  engine store from memory (Index.store, the floor of any load) {store:.3f} s, CPU {store_cpu:.3f} s")
    print(f"  save_state {save:.3f} s, CPU {save_cpu:.3f} s")
    print(f"      = {save / numpy_save:.2f} x np.save = {save / numpy_save_sync:.2f} x (np.save + fsync)")
    print(f"  load_state {load:.3f} s, CPU {load_cpu:.3f} s")
    print(f"      = {load / numpy_load:.2f} x np.load = {load / (numpy_load + store):.2f} x (np.load + engine store)")
    print(f"  on disk {on_disk / 2**20:.1f} MiB in {len(files)} files = {on_disk / matrix.nbytes:.3f} x the raw matrix")


def put_vectors_cost(scratch: pathlib.Path, rounds: int, count: int) -> None:
    """PutVectors 500 x 1024 (the same batch again and again: overwrites) against two servers in interleaved
    rounds, one without and one with ``--state-dir``: the cost of journaling a write before answering it."""
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from server import Measurement, measure_interleaved, requests, server_process, setup

    command = [sys.executable, "-m", "s3vectors_mock", "serve", "--port", "0"]
    ready = "s3vectors-mock listening on"
    state = scratch / "put-state"
    with server_process(command, ready) as plain, server_process([*command, "--state-dir", str(state)], ready) as kept:

        class Reconnecting(Measurement):
            """Each timed PutVectors follows an untimed health check, which reconnects when the server closed the
            connection while the other server had its round (uvicorn closes connections idle for 5 s)."""

            def round(self) -> None:
                health = f"GET /_s3vectors-mock/health HTTP/1.1\r\nHost: 127.0.0.1:{self.connection.port}\r\n\r\n"
                for _ in range(self.count):
                    try:
                        self.connection.roundtrip(health.encode())
                    except OSError:
                        self.connection.sock = None
                        self.connection.roundtrip(health.encode())
                    before = time.perf_counter()
                    status, body = self.connection.roundtrip(self.request)
                    assert status == 200, (status, body[:300])
                    self.latencies.append(time.perf_counter() - before)

        measurements = []
        for port in (plain, kept):
            setup(port, 1024)
            measurements.append(Reconnecting(port, requests(port, 1024)["PutVectors"], count))
        # After the setup (2 small records) and the warm-up (min(count, 20) PutVectors): the size of one record.
        journal = max(state.glob("journal-*.log"), key=lambda path: path.stat().st_size)
        per_request = journal.stat().st_size / min(count, 20)
        measure_interleaved(measurements, rounds)
    without, with_journal = (measurement.latency * 1000 for measurement in measurements)
    print(f"\nPutVectors 500 x 1024 over HTTP, median of {len(measurements[0].latencies)} requests each")
    print(f"  without --state-dir {without:.1f} ms | with --state-dir {with_journal:.1f} ms")
    print(f"  = {with_journal / without:.2f} x; journal {per_request / 2**20:.2f} MiB per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=pathlib.Path, default=None, help="where to write (default: a temporary dir)")
    parser.add_argument("--put", action="store_true", help="the journal's cost on PutVectors 500 x 1024 over HTTP")
    arguments = parser.parse_args()
    scale = 10 if arguments.quick else 1
    with tempfile.TemporaryDirectory(dir=arguments.dir) as scratch:
        if arguments.put:
            # Rounds of 10 (2-3 s): a connection idle longer than uvicorn's keep-alive (5 s) would be closed.
            put_vectors_cost(pathlib.Path(scratch), rounds=2 if arguments.quick else 4 * arguments.repeats, count=10)
            return
        figure("1", 1_000_000 // scale, 128, False, arguments.repeats, pathlib.Path(scratch))
        figure("2", 1_000_000 // scale, 128, True, arguments.repeats, pathlib.Path(scratch))


if __name__ == "__main__":
    main()
