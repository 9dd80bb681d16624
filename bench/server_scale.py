"""Ten million vectors through the server (issue 21): PutVectors from concurrent clients, then queries, listing,
deletes, and a stop and restart on the same state directory.

    .venv/bin/python bench/server_scale.py               # 10,000,000 × 128 (the server alone takes ~10 GiB)
    .venv/bin/python bench/server_scale.py --count 1000000
    .venv/bin/python bench/server_scale.py --quick       # 200,000 × 128

What it does, in order:

1. Starts ``python -m s3vectors_mock serve --port 0 --state-dir DIR`` (DIR in a scratch directory under ``--dir``)
   and creates a bucket and a cosine index of 128 dimensions.
2. Ingest: ``--clients`` processes (4) each own every 4th batch of 500 keys; each generates its vectors with numpy
   from the batch's seed, encodes the JSON body itself with orjson (numpy arrays serialized natively) and POSTs it
   over one keep-alive connection with SigV4-shaped headers. Metadata as figure 16's: ``bucket`` = i % 100,
   ``category`` = one of 10 strings, ``score`` = a float. Reported: wall time, vectors/s, the clients' own
   generating and encoding time (so it is plain the clients are not the limit), and the server's resident memory
   (VmRSS, and VmHWM for the peak, from /proc) less its resident memory before the first write, ÷ the raw float32
   bytes (N × 128 × 4).
3. Queries over HTTP: an exact topK=10 query against a numpy brute force (float32 matrix @ query × precomputed
   inverse norms, argpartition) on the same vectors, regenerated here from the same seeds; a filtered query at 1%
   selectivity (``{"bucket": 7}``) against the brute force on the pre-gathered matching rows. Both measured in
   interleaved rounds (best mean), and our answers checked against the brute force's. The floor is the better of
   numpy with its default BLAS threads and with one (threadpoolctl). The HTTP round trip (~1 ms on a busy machine)
   is in our time, not in the floor's: it matters for the filtered query at 1M and below. The brute force holds
   the whole matrix only when the machine has room for it (``--floor-matrix auto``); otherwise it times a slice of
   up to 1,000,000 rows and scales that time linearly (a matrix-vector product reads each row once), and checks
   the answers chunk by chunk.
   Fewer than 20 unfiltered queries are asked of one server process, so the server's approximate search (IVF,
   built in the background after 20 unfiltered queries on an index above 500,000 vectors) never starts: the
   figures are about the exact path, and an IVF index would take as much memory again as the matrix.
4. ListVectors' first and next page (500 keys), then 5,000 deletes in 10 batches of 500.
5. Persistence (skipped with ``--no-state-dir``): SIGTERM (timed until the process has exited), a restart on the same
   directory (timed until it answers GetIndex), its resident memory after the load, and the same queries must
   answer the same. Then (unless ``--no-kill``) some writes, SIGKILL, and a restart that replays the journal:
   timed, and the answers after it must equal those before the kill.

The bench process never holds the vectors it sends (the floor's matrix is the only large thing it holds, and only
while the queries are timed). A guard thread SIGKILLs the servers and stops the run when the machine's available
memory falls below ``--min-available`` (2 GiB): a run too large for the machine must not bring the OOM killer to
other processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import orjson
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).parent))
from server import AUTHORIZATION, Connection

BUCKET, INDEX = "bench-bucket", "bench-index"
DIMENSION, BATCH = 128, 500
CATEGORIES = [f"category-{i}" for i in range(10)]
SEED = 21  # issue 21; every batch's vectors come from (SEED, batch number)
FLOOR_SLICE = 1_000_000  # rows the brute force is timed on when the whole matrix does not fit (then scaled)
READY = "s3vectors-mock listening on"
Matrix = np.ndarray[Any, np.dtype[np.float32]]


# ---- the data: every vector is a function of its batch number ----------------------------------------------------


def batch_vectors(batch: int, count: int) -> Matrix:
    start = batch * BATCH
    rng = np.random.default_rng([SEED, batch])
    return rng.standard_normal((min(BATCH, count - start), DIMENSION), dtype=np.float32)


def key(i: int) -> str:
    return f"doc-{i:09d}"


def metadata(i: int) -> dict[str, Any]:
    return {"bucket": i % 100, "category": CATEGORIES[i % 10], "score": (i % 1000) / 8}


def rows(first: int, last: int, count: int) -> Matrix:
    """Rows ``first``..``last`` (exclusive; multiples of BATCH, or the end) regenerated from their seeds."""
    out = np.empty((last - first, DIMENSION), dtype=np.float32)
    for batch in range(first // BATCH, (last + BATCH - 1) // BATCH):
        out[batch * BATCH - first : batch * BATCH - first + BATCH] = batch_vectors(batch, count)
    return out


def chunks(count: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, count, size):
        yield first, min(count, first + size)


# ---- HTTP --------------------------------------------------------------------------------------------------------


def post(port: int, operation: str, body: bytes) -> bytes:
    head = (
        f"POST /{operation} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"X-Amz-Date: 20260101T000000Z\r\nAuthorization: {AUTHORIZATION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def roundtrip(connection: Connection, request: bytes) -> tuple[int, bytes]:
    """One request; again on a new connection when the server had closed this one (uvicorn closes a connection
    idle for 5 s, as this one is while the brute force's matrix is regenerated)."""
    try:
        return connection.roundtrip(request)
    except (ConnectionError, OSError):
        if connection.sock is not None:
            connection.sock.close()
        connection.sock = None
        return connection.roundtrip(request)


def call(connection: Connection, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``operation`` on the bench's index (on its bucket: CreateVectorBucket); the parsed answer."""
    names = (
        {"vectorBucketName": BUCKET}
        if operation == "CreateVectorBucket"
        else {"vectorBucketName": BUCKET, "indexName": INDEX}
    )
    body = orjson.dumps({**names, **payload})
    status, answer = roundtrip(connection, post(connection.port, operation, body))
    if status != 200:
        raise RuntimeError(f"{operation} answered {status}: {answer[:500]!r}")
    parsed: dict[str, Any] = orjson.loads(answer) if answer else {}
    return parsed


# ---- the server --------------------------------------------------------------------------------------------------


class Server:
    """``python -m s3vectors_mock serve`` in a subprocess (stderr to a file), with its memory from /proc."""

    started: ClassVar[list[Server]] = []  # every one, so that none outlives the run whatever fails

    def __init__(self, state_dir: Path | None, log: Path) -> None:
        command = [sys.executable, "-m", "s3vectors_mock", "serve", "--port", "0"]
        if state_dir is not None:
            command += ["--state-dir", str(state_dir)]
        self.log = log.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        Server.started.append(self)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith(READY):
            self.process.wait()
            self.log.close()
            raise RuntimeError(f"the server did not start ({line!r}): {log.read_text(errors='replace')[-2000:]}")
        self.listening_seconds = time.perf_counter() - started
        self.port = int(line.rsplit(":", 1)[1])
        self.connection = Connection(self.port)
        status = 0
        while status != 200:  # listening is not answering: the first answer is when a client can start
            status, _ = self.connection.roundtrip(
                post(self.port, "GetIndex", orjson.dumps({"vectorBucketName": BUCKET, "indexName": INDEX}))
            )
            if status not in (200, 404):
                raise RuntimeError(f"GetIndex answered {status} after a start")
            if status == 404:  # a fresh server: nothing to get yet, but it answers
                break
        self.ready_seconds = time.perf_counter() - started

    def memory(self) -> tuple[int, int]:
        """VmRSS and VmHWM (the peak), in bytes."""
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                fields[name] = value
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024

    def running(self) -> bool:
        return self.process.poll() is None and os.path.exists(f"/proc/{self.process.pid}/status")

    def stop(self, signum: int) -> float:
        """Send ``signum``; the seconds until the process has exited."""
        started = time.perf_counter()
        self.process.send_signal(signum)
        self.process.wait()
        seconds = time.perf_counter() - started
        if self.connection.sock is not None:
            self.connection.sock.close()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()
        return seconds

    def abandon(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


class MemoryGuard(threading.Thread):
    """Stops the run (SIGKILL to every server it started) when the machine's available memory falls below
    ``minimum`` bytes: a run too large for the machine must not bring the OOM killer to other processes."""

    def __init__(self, minimum: int) -> None:
        super().__init__(name="memory-guard", daemon=True)
        self.minimum = minimum
        self.lowest = available_bytes()
        self.tripped = ""
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            available = available_bytes()
            self.lowest = min(self.lowest, available)
            if available < self.minimum and not self.tripped:
                rss = ", ".join(gib(server.memory()[0]) for server in Server.started if server.running())
                self.tripped = f"stopped: the machine's available memory fell to {gib(available)} (server RSS {rss})"
                print(self.tripped, file=sys.stderr, flush=True)
                for server in Server.started:
                    if server.process.poll() is None:
                        server.process.kill()


# ---- the clients -------------------------------------------------------------------------------------------------


@dataclass
class ClientReport:
    batches: int = 0
    generating: float = 0.0  # numpy: the vectors
    encoding: float = 0.0  # the metadata dicts, orjson and the request head
    requests: float = 0.0  # sending and waiting for the answer
    cpu: float = 0.0
    wall: float = 0.0


def client(number: int, clients: int, count: int, port: int, go: Any, results: Any) -> None:
    """One client process: batches number, number + clients, ... over one keep-alive connection."""
    connection = Connection(port)
    report = ClientReport()
    batches = range(number, (count + BATCH - 1) // BATCH, clients)
    progress = max(1, len(batches) // 10)
    go.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for done, batch in enumerate(batches):
        before = time.perf_counter()
        vectors = batch_vectors(batch, count)
        generated = time.perf_counter()
        first = batch * BATCH
        payload = {
            "vectorBucketName": BUCKET,
            "indexName": INDEX,
            "vectors": [
                {"key": key(first + j), "data": {"float32": vectors[j]}, "metadata": metadata(first + j)}
                for j in range(len(vectors))
            ],
        }
        request = post(port, "PutVectors", orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY))
        encoded = time.perf_counter()
        status, answer = connection.roundtrip(request)
        if status != 200:
            results.put((number, f"PutVectors of batch {batch} answered {status}: {answer[:500]!r}"))
            return
        report.generating += generated - before
        report.encoding += encoded - generated
        report.requests += time.perf_counter() - encoded
        report.batches += 1
        if number == 0 and (done + 1) % progress == 0:
            elapsed = time.perf_counter() - started
            print(f"  client 0: {done + 1:,}/{len(batches):,} batches, {elapsed:.0f} s", file=sys.stderr, flush=True)
    report.wall = time.perf_counter() - started
    report.cpu = time.process_time() - cpu
    results.put((number, report))


def ingest(port: int, count: int, clients: int, guard: MemoryGuard) -> tuple[float, list[ClientReport]]:
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    processes = [context.Process(target=client, args=(n, clients, count, port, go, results)) for n in range(clients)]
    for process in processes:
        process.start()
    time.sleep(2.0)  # let every client import numpy and connect before the clock starts
    started = time.perf_counter()
    go.set()
    reports: dict[int, ClientReport] = {}
    try:
        while len(reports) < clients:
            try:
                number, report = results.get(timeout=1.0)
            except queue.Empty:
                # A client that died without a report (its server was stopped by the guard, or it crashed).
                if guard.tripped or any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError(guard.tripped or "a client process died; see above") from None
                continue
            if isinstance(report, str):
                raise RuntimeError(report)
            reports[number] = report
    finally:
        for process in processes:
            if process.is_alive() and len(reports) < clients:
                process.kill()
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return seconds, [reports[n] for n in sorted(reports)]


# ---- the floors --------------------------------------------------------------------------------------------------


def top_k(matrix: Matrix, inverse_norms: np.ndarray[Any, Any], query: Matrix, k: int = 10) -> tuple[Any, Any]:
    """Cosine brute force: the k most similar rows (best first) and their similarities."""
    similarity = (matrix @ query) * inverse_norms
    top = np.argpartition(-similarity, k)[:k]
    top = top[np.argsort(-similarity[top])]
    return top, similarity[top]


def inverse_norms_of(matrix: Matrix) -> np.ndarray[Any, Any]:
    inverse: np.ndarray[Any, Any] = 1 / np.linalg.norm(matrix, axis=1)
    return inverse


def chunked_top_k(count: int, query: Matrix, rows_of: Callable[[int, int], Matrix], k: int = 10) -> list[int]:
    """The exact top k over all rows, regenerating them a chunk at a time (the bench never holds them all)."""
    best: list[tuple[float, int]] = []
    for first, last in chunks(count, FLOOR_SLICE):
        chunk = rows_of(first, last)
        top, similarity = top_k(chunk, inverse_norms_of(chunk), query, k)
        best = sorted(best + [(float(s), int(t) + first) for t, s in zip(top, similarity)], reverse=True)[:k]
    return [row for _, row in best]


def interleaved(functions: dict[str, Callable[[], Any]], rounds: int, number: int) -> dict[str, float]:
    """The best mean time of ``number`` calls of each function over ``rounds`` rounds taking turns, so that a busy
    spell of a shared machine falls on all of them alike."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(rounds):
        for name, function in functions.items():
            started = time.perf_counter()
            for _ in range(number):
                function()
            best[name] = min(best[name], (time.perf_counter() - started) / number)
    return best


def available_bytes() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# ---- the run -----------------------------------------------------------------------------------------------------


def gib(size: float) -> str:
    return f"{size / 2**30:.2f} GiB"


def answer_keys(answer: dict[str, Any]) -> list[str]:
    return [vector["key"] for vector in answer["vectors"]]


def query_payload(query: Matrix, filtered: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {"topK": 10, "queryVector": {"float32": query.tolist()}, "returnDistance": True}
    if filtered:
        payload["filter"] = {"bucket": 7}
    return payload


def ingest_part(server: Server, count: int, clients: int, state_dir: Path | None, guard: MemoryGuard) -> None:
    raw = count * DIMENSION * 4
    before_rss, _ = server.memory()
    seconds, reports = ingest(server.port, count, clients, guard)
    after_rss, peak = server.memory()
    print(f"\n## Ingest (load average {os.getloadavg()[0]:.1f} at its end)")
    print(
        f"- {count:,} vectors in {seconds:.1f} s: {count / seconds:,.0f} vectors/s, "
        f"{count / BATCH / seconds:.0f} PutVectors/s"
    )
    print(
        f"- server RSS {gib(before_rss)} before, {gib(after_rss)} after: growth ÷ raw = "
        f"{(after_rss - before_rss) / raw:.2f} ({(after_rss - before_rss - raw) / count:.0f} bytes a vector beyond "
        f"its floats); peak (VmHWM) {gib(peak)}: (peak − before) ÷ raw = {(peak - before_rss) / raw:.2f}"
    )
    for number, report in enumerate(reports):
        own = report.generating + report.encoding
        print(
            f"- client {number}: {report.batches:,} batches in {report.wall:.1f} s; generating "
            f"{report.generating:.1f} s + encoding {report.encoding:.1f} s = {own / report.wall:.1%} of its time "
            f"({own / report.batches * 1e3:.2f} ms a batch; request round trips {report.requests:.1f} s), "
            f"CPU {report.cpu:.1f} s"
        )
    if state_dir is not None:
        on_disk = sum(path.stat().st_size for path in state_dir.rglob("*") if path.is_file())
        print(f"- state directory after ingest: {gib(on_disk)}")


@dataclass
class Floor:
    """What the brute force reads: the whole matrix (or a slice of it, its time then scaled by ``scale``), and the
    rows matching ``{"bucket": 7}``, pre-gathered, with their inverse norms."""

    matrix: Matrix
    inverse: np.ndarray[Any, Any]
    matching: np.ndarray[Any, Any]  # row numbers
    subset: Matrix
    subset_inverse: np.ndarray[Any, Any]
    full: bool
    scale: float


def floor_for(count: int, mode: str) -> Floor:
    raw = count * DIMENSION * 4
    room = available_bytes() - 4 * 2**30  # leave 4 GiB to everything else on the machine
    full = mode == "full" or (mode == "auto" and raw + raw // 100 < room)
    matching = np.arange(7, count, 100)  # bucket == i % 100 == 7
    if full:
        matrix = rows(0, count, count)
        subset = matrix[matching]
    else:
        matrix = rows(0, min(count, FLOOR_SLICE), count)
        parts = []
        for first, last in chunks(count, FLOOR_SLICE):
            wanted = matching[(matching >= first) & (matching < last)] - first
            parts.append(rows(first, last, count)[wanted])
        subset = np.concatenate(parts)
    return Floor(
        matrix, inverse_norms_of(matrix), matching, subset, inverse_norms_of(subset), full, count / len(matrix)
    )


def query_part(server: Server, count: int, floor_mode: str) -> None:
    queries = np.random.default_rng([SEED, 99]).standard_normal((8, DIMENSION), dtype=np.float32)
    started = time.perf_counter()
    floor = floor_for(count, floor_mode)
    print(f"\n## Queries (load average {os.getloadavg()[0]:.1f})")
    what = f"the whole {gib(floor.matrix.nbytes)}" if floor.full else f"{len(floor.matrix):,} rows, times scaled"
    print(
        f"- the floor's matrix: {what} (regenerated in {time.perf_counter() - started:.1f} s); "
        f"{len(floor.matching):,} matching rows pre-gathered"
    )
    # The answers first (untimed): ours must be the brute force's. 2 unfiltered queries.
    for q in queries[:2]:
        ours = answer_keys(call(server.connection, "QueryVectors", query_payload(q, False)))
        if floor.full:
            exact = top_k(floor.matrix, floor.inverse, q)[0].tolist()
        else:
            exact = chunked_top_k(count, q, lambda a, b: rows(a, b, count))
        expected = [key(int(row)) for row in exact]
        if ours != expected:
            print(f"  MISMATCH unfiltered: ours {ours} vs brute force {expected}")
        ours = answer_keys(call(server.connection, "QueryVectors", query_payload(q, True)))
        expected = [key(int(floor.matching[row])) for row in top_k(floor.subset, floor.subset_inverse, q)[0]]
        if ours != expected:
            print(f"  MISMATCH filtered: ours {ours} vs brute force {expected}")
    turn = iter(range(10**9))
    payloads = [
        post(server.port, "QueryVectors", orjson.dumps({"vectorBucketName": BUCKET, "indexName": INDEX, **body}))
        for body in [query_payload(q, filtered) for filtered in (False, True) for q in queries]
    ]

    def ours_exact() -> None:
        roundtrip(server.connection, payloads[next(turn) % 8])

    def floor_exact() -> None:
        top_k(floor.matrix, floor.inverse, queries[next(turn) % 8])

    def ours_filtered() -> None:
        roundtrip(server.connection, payloads[8 + next(turn) % 8])

    def floor_filtered() -> None:
        top_k(floor.subset, floor.subset_inverse, queries[next(turn) % 8])

    # The floor is the better of numpy's BLAS with its default threads and with one: on 2 busy cores the threads of
    # a small matrix-vector product mostly wait for each other (10,000 × 128: 0.2 ms on one thread, 1-10 ms on two).
    # 3 × 3 = 9 more unfiltered queries: 11 in all, under the 20 that start an IVF build.
    exact = interleaved(
        {"floor": floor_exact, "floor, 1 thread": single_threaded(floor_exact), "ours": ours_exact}, rounds=3, number=3
    )
    filtered = interleaved(
        {"floor": floor_filtered, "floor, 1 thread": single_threaded(floor_filtered), "ours": ours_filtered},
        rounds=3,
        number=5,
    )
    for times in (exact, filtered):
        times["best floor"] = min(times["floor"], times["floor, 1 thread"])
    exact = {name: value * (floor.scale if name != "ours" else 1.0) for name, value in exact.items()}
    print(
        f"- exact query topK=10: ours {exact['ours'] * 1e3:.1f} ms vs numpy brute force "
        f"{exact['best floor'] * 1e3:.1f} ms{'' if floor.full else ' (scaled)'} (default threads "
        f"{exact['floor'] * 1e3:.1f} ms, one thread {exact['floor, 1 thread'] * 1e3:.1f} ms): ratio "
        f"{exact['ours'] / exact['best floor']:.2f} (target ≤ 1.2)"
    )
    print(
        f"- filtered query (bucket = 7: {len(floor.matching):,} rows, 1%): ours {filtered['ours'] * 1e3:.2f} ms vs "
        f"brute force on the pre-gathered rows {filtered['best floor'] * 1e3:.2f} ms (default threads "
        f"{filtered['floor'] * 1e3:.2f} ms, one thread {filtered['floor, 1 thread'] * 1e3:.2f} ms): ratio "
        f"{filtered['ours'] / filtered['best floor']:.2f} (target ≤ 2)"
    )


def single_threaded(function: Callable[[], None]) -> Callable[[], None]:
    def limited() -> None:
        with threadpool_limits(1):
            function()

    return limited


def list_and_delete_part(server: Server, count: int) -> None:
    started = time.perf_counter()
    page = call(server.connection, "ListVectors", {"maxResults": 500})
    list_first = time.perf_counter() - started
    started = time.perf_counter()
    call(server.connection, "ListVectors", {"maxResults": 500, "nextToken": page["nextToken"]})
    list_next = time.perf_counter() - started
    doomed = [key(i) for i in range(0, count, max(1, count // 5_000))][:5_000]
    started = time.perf_counter()
    for first in range(0, len(doomed), BATCH):
        call(server.connection, "DeleteVectors", {"keys": doomed[first : first + BATCH]})
    delete_seconds = time.perf_counter() - started
    print(
        f"- ListVectors (500 keys): first page {list_first:.2f} s, next page {list_next * 1e3:.0f} ms; "
        f"{len(doomed):,} deletes in batches of {BATCH}: {delete_seconds:.2f} s"
    )


def asked(server: Server, queries: Matrix, count: int) -> list[dict[str, Any]]:
    """The answers persistence must keep: each query unfiltered and filtered, and a GetVectors around the end."""
    answers = [call(server.connection, "QueryVectors", query_payload(q, f)) for q in queries for f in (False, True)]
    keys = [key(0), key(1), key(count - 1), key(count), key(count + 1_999)]
    answers.append(call(server.connection, "GetVectors", {"keys": keys, "returnMetadata": True}))
    return answers


def persistence_part(server: Server, count: int, state_dir: Path, log: Path, kill: bool) -> Server:
    """SIGTERM and restart, then (``kill``) writes, SIGKILL and restart; returns the server left running."""
    raw = count * DIMENSION * 4
    queries = np.random.default_rng([SEED, 99]).standard_normal((2, DIMENSION), dtype=np.float32)
    reference = asked(server, queries, count)  # 2 more unfiltered queries: 13 in this process
    print(f"\n## Persistence (load average {os.getloadavg()[0]:.1f})")
    stop_seconds = server.stop(signal.SIGTERM)
    on_disk = sum(path.stat().st_size for path in state_dir.rglob("*") if path.is_file())
    print(f"- SIGTERM: exited in {stop_seconds:.2f} s; state directory {gib(on_disk)} ({on_disk / raw:.2f} × raw)")
    server = Server(state_dir, log)
    rss, peak = server.memory()
    same = asked(server, queries, count) == reference
    # The snapshot's matrix is memory-mapped: its pages count in RSS once a query has read them.
    queried, _ = server.memory()
    print(
        f"- restart: listening after {server.listening_seconds:.1f} s, answering after {server.ready_seconds:.1f} "
        f"s; RSS {gib(rss)} = {rss / raw:.2f} × raw ({gib(queried)} = {queried / raw:.2f} × raw after queries "
        f"read every row), peak (VmHWM) {gib(peak)} = {peak / raw:.2f} × raw; the same answers as before the stop: "
        f"{same}"
    )
    if not kill:
        return server
    # Writes only the journal holds: 2,000 new vectors (keys count .. count + 1,999) and 500 deletes; then SIGKILL.
    extra = count + 2_000
    for first in range(count, extra, BATCH):
        batch = batch_vectors(first // BATCH, extra)
        vectors = [
            {"key": key(first + j), "data": {"float32": batch[j]}, "metadata": metadata(first + j)}
            for j in range(len(batch))
        ]
        body = {"vectorBucketName": BUCKET, "indexName": INDEX, "vectors": vectors}
        status, answer = roundtrip(
            server.connection, post(server.port, "PutVectors", orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY))
        )
        assert status == 200, answer[:300]
    call(server.connection, "DeleteVectors", {"keys": [key(i) for i in range(1, count, max(1, count // 500))][:500]})
    reference = asked(server, queries, count)
    kill_seconds = server.stop(signal.SIGKILL)
    server = Server(state_dir, log)
    rss, peak = server.memory()
    same = asked(server, queries, count) == reference
    queried, _ = server.memory()
    print(
        f"- 2,000 puts and 500 deletes, SIGKILL (gone in {kill_seconds:.2f} s), a restart replaying the journal: "
        f"listening after {server.listening_seconds:.1f} s, answering after {server.ready_seconds:.1f} s; RSS "
        f"{gib(rss)} = {rss / raw:.2f} × raw ({gib(queried)} after queries), peak (VmHWM) {gib(peak)}; the same "
        f"answers as before the kill: {same}"
    )
    return server


def run(options: argparse.Namespace, scratch: Path) -> None:
    count = options.count
    state_dir = None if options.no_state_dir else scratch / "state"
    log = scratch / "server.log"
    print(
        f"{count:,} × {DIMENSION} float32 (raw {gib(count * DIMENSION * 4)}), {options.clients} clients, batches of "
        f"{BATCH}, {'--state-dir ' + str(state_dir) if state_dir else 'no state directory'}; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, {gib(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES'))}"
        f", Python {platform.python_version()}, numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} at "
        "start",
        flush=True,
    )
    guard = MemoryGuard(int(options.min_available * 2**30))
    guard.start()
    server = Server(state_dir, log)
    try:
        call(server.connection, "CreateVectorBucket", {})
        index = {"dataType": "float32", "dimension": DIMENSION, "distanceMetric": "cosine"}
        call(server.connection, "CreateIndex", index)
        ingest_part(server, count, options.clients, state_dir, guard)
        query_part(server, count, options.floor_matrix)
        list_and_delete_part(server, count)
        if state_dir is not None:
            server = persistence_part(server, count, state_dir, log, kill=not options.no_kill)
            print(f"- SIGTERM at the end: exited in {server.stop(signal.SIGTERM):.2f} s")
        print(f"\nThe machine's available memory was {gib(guard.lowest)} at its lowest")
    except BaseException:
        print(f"server log ({log}):\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
        raise
    finally:
        guard.done.set()
        for started in Server.started:
            started.abandon()


def call_log_probe(keep_log: bool, count: int = 200_000) -> None:
    """In this process (run alone, for a clean RSS): the service answers PutVectors of 500 × 128 as the server reads
    them (orjson), with its call log kept or not; prints the resident memory grown per vector. What the call log
    costs through the server is the difference (it keeps the newest 10,000 calls' parameters)."""
    import gc

    from s3vectors_mock._options import Options
    from s3vectors_mock._service import Caller, S3VectorsService
    from s3vectors_mock._service_model import service_model

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    service = S3VectorsService(Options())
    if not keep_log:
        service.calls.append = lambda record: None  # type: ignore[method-assign]
    caller = Caller("123456789012", "us-east-1", service_model())
    service.answer("CreateVectorBucket", {"vectorBucketName": BUCKET}, caller)
    index = {"dataType": "float32", "dimension": DIMENSION, "distanceMetric": "cosine"}
    service.answer("CreateIndex", {"vectorBucketName": BUCKET, "indexName": INDEX, **index}, caller)
    gc.collect()
    before = rss()
    for batch in range(count // BATCH):
        vectors = batch_vectors(batch, count)
        first = batch * BATCH
        records = [
            {"key": key(first + j), "data": {"float32": vectors[j]}, "metadata": metadata(first + j)}
            for j in range(len(vectors))
        ]
        body = orjson.dumps(
            {"vectorBucketName": BUCKET, "indexName": INDEX, "vectors": records}, option=orjson.OPT_SERIALIZE_NUMPY
        )
        answer = service.answer_on_wire("PutVectors", orjson.loads(body), caller, body_size=len(body))
        assert answer.status == 200, answer.body[:300]
    gc.collect()
    print((rss() - before) / count)


def call_log_cost() -> None:
    """The call log's memory per vector put through PutVectors: two probes in fresh processes, with and without."""
    grown = {}
    for kept in ("log", "no-log"):
        command = [sys.executable, __file__, "--call-log-probe", kept]
        grown[kept] = float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])
    print(
        f"200,000 × {DIMENSION} put in process through PutVectors of {BATCH} (as the server reads them): "
        f"{grown['log']:.0f} bytes a vector with the call log, {grown['no-log']:.0f} without: the log holds "
        f"{grown['log'] - grown['no-log']:.0f} bytes a vector (its newest {10_000 * BATCH:,} vectors at most)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000_000, help="vectors to ingest (default 10,000,000)")
    parser.add_argument("--quick", action="store_true", help="200,000 vectors")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes (default 4)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"), help="where the scratch directory goes (/tmp)")
    parser.add_argument("--no-state-dir", action="store_true", help="serve without --state-dir; no persistence part")
    parser.add_argument(
        "--min-available",
        type=float,
        default=2.0,
        metavar="GIB",
        help="stop the run (SIGKILL to its servers) when the machine's available memory falls below this (2 GiB)",
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL and journal replay part")
    parser.add_argument(
        "--floor-matrix",
        choices=("auto", "full", "slice"),
        default="auto",
        help="the brute force on the whole matrix (full), on up to 1,000,000 rows scaled (slice), or full when "
        "there is room (auto)",
    )
    parser.add_argument(
        "--call-log-cost", action="store_true", help="only measure the call log's memory per vector put (in process)"
    )
    parser.add_argument("--call-log-probe", choices=("log", "no-log"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.call_log_probe:
        call_log_probe(options.call_log_probe == "log")
        return
    if options.call_log_cost:
        call_log_cost()
        return
    if options.quick:
        options.count = 200_000
    if options.count % BATCH or options.count < 10_000:
        parser.error(f"--count must be a multiple of {BATCH} and at least 10,000")
    scratch = Path(tempfile.mkdtemp(prefix="s3vectors-scale-", dir=options.dir))
    try:
        run(options, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
