"""Server mode benchmark: our HTTP server against moto's server and against a floor server, same machine, same run.

Each server runs in its own process; this process drives it over one HTTP/1.1 keep-alive connection with
pre-serialized request bytes and a minimal response reader, so the figures measure the servers, not a client
library. The floor is the HTTP stack of server mode (uvicorn + httptools + uvloop, same settings) with an app that
reads the request and answers the very bytes our server answered, doing nothing else: the cost of HTTP itself.

Servers are measured in interleaved rounds, so that a busy spell of a shared machine falls on all of them alike.
Run with ``python bench/server.py`` (``--quick`` for fewer requests). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import numpy as np

REGION = "us-east-1"
BUCKET, INDEX = "bench-bucket", "bench-index"
AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/s3vectors/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
)
Row = tuple[str, str, float, str, str]


# ---- a minimal HTTP/1.1 client ------------------------------------------------------------------------------------


def request_bytes(port: int, path: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"X-Amz-Date: 20260101T000000Z\r\nAuthorization: {AUTHORIZATION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """One keep-alive connection; reconnects when the server closes it (moto's server answers HTTP/1.0-style)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def roundtrip(self, request: bytes) -> tuple[int, bytes]:
        sock = self.sock or self._connect()
        self.sock = sock
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection (uvicorn does after 5 s, which a slow round of
            # another server can take): a new connection, as any client would open.
            sock.close()
            sock = self.sock = self._connect()
            sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        length = fields.get(b"content-length")
        if length is not None:
            while len(rest) < int(length):
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                rest += chunk
            body, self.buffer = rest[: int(length)], rest[int(length) :]
        else:
            while chunk := sock.recv(65536):
                rest += chunk
            body, self.buffer = rest, b""
        if lines[0].startswith(b"HTTP/1.0") or fields.get(b"connection", b"").lower() == b"close" or length is None:
            sock.close()
            self.sock = None
        return status, body


class Measurement:
    """Requests per second (best round) and latencies (all rounds) of one request against one server."""

    def __init__(self, port: int, request: bytes, count: int) -> None:
        self.connection = Connection(port)
        self.request = request
        self.count = count
        self.best_rate = 0.0
        self.latencies: list[float] = []
        for _ in range(min(count, 20)):  # warm up, and check the server accepts the request
            status, body = self.connection.roundtrip(request)
            assert status == 200, (status, body[:300])

    def round(self) -> None:
        started = time.perf_counter()
        for _ in range(self.count):
            before = time.perf_counter()
            self.connection.roundtrip(self.request)
            self.latencies.append(time.perf_counter() - before)
        self.best_rate = max(self.best_rate, self.count / (time.perf_counter() - started))

    @property
    def latency(self) -> float:
        return statistics.median(self.latencies)


def measure_interleaved(measurements: list[Measurement], rounds: int) -> None:
    """Rounds of each server in turn, so that a busy spell of a shared machine falls on all of them alike."""
    for _ in range(rounds):
        for measurement in measurements:
            measurement.round()


# ---- the servers --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def server_process(command: list[str], ready_prefix: str | None = None, port: int | None = None) -> Iterator[int]:
    """Run a server; yield its port (read from its ready line, or the given one once it accepts connections)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if ready_prefix is not None:
            assert process.stdout is not None
            line = process.stdout.readline().decode()
            if not line.startswith(ready_prefix):
                raise RuntimeError(f"unexpected first line {line!r} from {command}")
            port = int(line.rsplit(":", 1)[1])
        assert port is not None
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_floor(canned_path: str) -> None:
    """The floor server (run in a subprocess): server mode's HTTP stack answering canned bytes per path."""
    from s3vectors_mock.server._runner import new_event_loop, server_for

    with open(canned_path) as source:
        canned = {
            path.encode(): (answer["headers"], answer["body"].encode()) for path, answer in json.load(source).items()
        }
    prepared = {
        path: ([(name.encode(), value.encode()) for name, value in headers.items()], body)
        for path, (headers, body) in canned.items()
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        more = True
        while more:  # read the request, as any server must
            message = await receive()
            more = message.get("more_body", False)
        headers, body = prepared[scope["raw_path"]]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    server = server_for(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"floor listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    loop = new_event_loop()
    loop.run_until_complete(server.serve(sockets=[sock]))


# ---- the figures --------------------------------------------------------------------------------------------------


def client_for(port: int) -> Any:
    return boto3.client(
        "s3vectors",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


LARGE_INDEX, LARGE_DIMENSION = "bench-index-1024", 1024


def setup(port: int, dimension: int) -> None:
    client = client_for(port)
    client.create_vector_bucket(vectorBucketName=BUCKET)
    for name, size in ((INDEX, dimension), (LARGE_INDEX, LARGE_DIMENSION)):
        client.create_index(
            vectorBucketName=BUCKET, indexName=name, dataType="float32", dimension=size, distanceMetric="cosine"
        )


def records(dimension: int) -> list[dict[str, Any]]:
    vectors = np.random.default_rng(3).standard_normal((500, dimension), dtype=np.float32)
    return [
        {"key": f"k{i}", "data": {"float32": [float(x) for x in row]}, "metadata": {"n": i}}
        for i, row in enumerate(vectors)
    ]


def requests(port: int, dimension: int) -> dict[str, bytes]:
    large = {"vectorBucketName": BUCKET, "indexName": LARGE_INDEX, "vectors": records(LARGE_DIMENSION)}
    return {
        "GetIndex": request_bytes(port, "/GetIndex", {"vectorBucketName": BUCKET, "indexName": INDEX}),
        "PutVectors": request_bytes(
            port, "/PutVectors", {"vectorBucketName": BUCKET, "indexName": INDEX, "vectors": records(dimension)}
        ),
        "PutVectors1024": request_bytes(port, "/PutVectors", large),
    }


class Decoding(Measurement):
    """The floor of any server's PutVectors: orjson reading the body and numpy converting its vectors to one float32
    matrix, in this process, in the same interleaved rounds as the servers."""

    def __init__(self, request: bytes, count: int) -> None:
        import orjson

        self.loads = orjson.loads
        self.body = request.partition(b"\r\n\r\n")[2]
        self.count = count
        self.best_rate = 0.0
        self.latencies = []

    def round(self) -> None:
        started = time.perf_counter()
        for _ in range(self.count):
            before = time.perf_counter()
            parsed = self.loads(self.body)
            np.asarray([record["data"]["float32"] for record in parsed["vectors"]], dtype=np.float32)
            self.latencies.append(time.perf_counter() - before)
        self.best_rate = max(self.best_rate, self.count / (time.perf_counter() - started))


def canned_answers(port: int, operations: dict[str, bytes]) -> dict[str, Any]:
    """What our server answers to each request, headers and body, for the floor server to repeat."""
    connection = Connection(port)
    canned = {}
    for name, request in operations.items():
        connection.sock = connection.sock or connection._connect()
        connection.sock.sendall(request)
        response = b""
        while b"\r\n\r\n" not in response:
            response += connection.sock.recv(65536)
        head, _, body = response.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        while len(body) < int(headers["content-length"]):
            body += connection.sock.recv(65536)
        canned[f"/{name}"] = {"headers": headers, "body": body.decode()}
    return canned


def operation_of(name: str) -> str:
    return name.removesuffix("1024")


class InProcess(Measurement):
    """The service's own cost for the same request, in this process, without HTTP or reading JSON: the work any
    front end must add to the floor. Measured in the same interleaved rounds as the servers."""

    def __init__(self, name: str, request: bytes, count: int, dimension: int) -> None:
        from s3vectors_mock._options import Options
        from s3vectors_mock._service import Caller, S3VectorsService
        from s3vectors_mock._service_model import service_model

        self.service = S3VectorsService(Options())
        self.caller = Caller("123456789012", REGION, service_model())
        self.service.answer("CreateVectorBucket", {"vectorBucketName": BUCKET}, self.caller)
        index = {"dataType": "float32", "dimension": dimension, "distanceMetric": "cosine"}
        self.service.answer("CreateIndex", {"vectorBucketName": BUCKET, "indexName": INDEX, **index}, self.caller)
        large = {**index, "dimension": LARGE_DIMENSION}
        self.service.answer("CreateIndex", {"vectorBucketName": BUCKET, "indexName": LARGE_INDEX, **large}, self.caller)
        self.name = name
        self.body = request.partition(b"\r\n\r\n")[2]
        self.count = count
        self.best_rate = 0.0
        self.latencies = []

    def round(self) -> None:
        started = time.perf_counter()
        for _ in range(self.count):
            params = json.loads(self.body)  # not timed: what the front end reads
            before = time.perf_counter()
            answer = self.service.answer_on_wire(self.name, params, self.caller, body_size=len(self.body))
            self.latencies.append(time.perf_counter() - before)
            assert answer.status == 200, answer.body[:300]
        self.best_rate = max(self.best_rate, self.count / (time.perf_counter() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests, for a smoke run")
    parser.add_argument("--serve-floor", metavar="CANNED_JSON", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_floor:
        serve_floor(options.serve_floor)
        return
    dimension = 256
    rounds = 3 if options.quick else 5
    counts = {"GetIndex": 200 if options.quick else 1000, "PutVectors": 3 if options.quick else 10}
    counts["PutVectors1024"] = counts["PutVectors"]
    moto_counts = {"GetIndex": 50 if options.quick else 200, "PutVectors": 1 if options.quick else 3}
    moto_counts["PutVectors1024"] = moto_counts["PutVectors"]
    ours_command = [sys.executable, "-m", "s3vectors_mock", "serve", "--port", "0"]
    moto_port = free_port()
    moto_command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)]
    with (
        server_process(ours_command, "s3vectors-mock listening on") as our_port,
        server_process(moto_command, port=moto_port) as moto_port,
        tempfile.TemporaryDirectory() as scratch,
    ):
        setup(our_port, dimension)
        setup(moto_port, dimension)
        operations = requests(our_port, dimension)
        canned_path = os.path.join(scratch, "canned.json")
        with open(canned_path, "w") as canned_file:
            json.dump(canned_answers(our_port, operations), canned_file)
        floor_command = [sys.executable, __file__, "--serve-floor", canned_path]
        with server_process(floor_command, "floor listening on") as floor_port:
            measured: dict[str, dict[str, Measurement]] = {}
            for name in operations:
                measured[name] = {
                    "ours": Measurement(our_port, requests(our_port, dimension)[name], counts[name]),
                    "floor": Measurement(floor_port, requests(floor_port, dimension)[name], counts[name]),
                    "moto": Measurement(moto_port, requests(moto_port, dimension)[name], moto_counts[name]),
                    "service": InProcess(operation_of(name), operations[name], counts[name], dimension),
                }
                if name == "PutVectors1024":
                    measured[name]["decoding"] = Decoding(operations[name], counts[name])
                measure_interleaved(list(measured[name].values()), rounds)
    ours = {name: (m["ours"].best_rate, m["ours"].latency) for name, m in measured.items()}
    floor = {name: (m["floor"].best_rate, m["floor"].latency) for name, m in measured.items()}
    moto = {name: (m["moto"].best_rate, m["moto"].latency) for name, m in measured.items()}
    service_cost = {name: m["service"].latency for name, m in measured.items()}

    rows: list[Row] = []
    for number, name, label in (("S1", "GetIndex", "GetIndex"), ("S3", "PutVectors", "PutVectors 500 × 256")):
        (our_rate, our_latency), (moto_rate, moto_latency) = ours[name], moto[name]
        floor_latency = floor[name][1]
        rows.append(
            (
                number,
                f"{label}: our requests/s ÷ moto server's",
                our_rate / moto_rate,
                "≥ 5",
                f"{our_rate:,.0f}/s vs {moto_rate:,.0f}/s",
            )
        )
        rows.append(
            (
                f"S{int(number[1]) + 1}",
                f"{label}: our latency ÷ floor server's (same HTTP stack, canned answer)",
                our_latency / floor_latency,
                "≤ 1.5",
                f"{our_latency * 1e3:.3f} ms vs {floor_latency * 1e3:.3f} ms (moto {moto_latency * 1e3:.2f} ms)",
            )
        )
    for number, name, label in (("S2b", "GetIndex", "GetIndex"), ("S4b", "PutVectors", "PutVectors 500 × 256")):
        floor_latency, cost = floor[name][1], service_cost[name]
        rows.append(
            (
                number,
                f"{label}: our latency ÷ (floor + the service's own in-process cost): the HTTP front end's share",
                ours[name][1] / (floor_latency + cost),
                "≤ 1.5",
                f"{ours[name][1] * 1e3:.3f} ms vs {floor_latency * 1e3:.3f} + {cost * 1e3:.3f} ms",
            )
        )
    large = measured["PutVectors1024"]
    decoding = large["decoding"].latency
    rows.append(
        (
            "S5",
            "PutVectors 500 × 1024: our latency ÷ (orjson reading the body + numpy float32 conversion of its vectors)",
            ours["PutVectors1024"][1] / decoding,
            "≤ 1.5",
            f"{ours['PutVectors1024'][1] * 1e3:.1f} ms vs {decoding * 1e3:.1f} ms "
            f"(floor server {floor['PutVectors1024'][1] * 1e3:.1f} ms, service in-process "
            f"{service_cost['PutVectors1024'] * 1e3:.1f} ms)",
        )
    )
    rows.append(
        (
            "S6",
            "PutVectors 500 × 1024: moto server's latency ÷ ours",
            moto["PutVectors1024"][1] / ours["PutVectors1024"][1],
            "≥ 4",
            f"{moto['PutVectors1024'][1] * 1e3:.1f} ms vs {ours['PutVectors1024'][1] * 1e3:.1f} ms",
        )
    )
    rows.sort(key=lambda row: row[0])
    import botocore

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"botocore {botocore.__version__}{' (quick)' if options.quick else ''}; one keep-alive connection, "
        "pre-serialized requests\n"
    )
    print("| # | figure | ratio | target | note |")
    print("|---|---|---|---|---|")
    for number, label, ratio, target, note in rows:
        print(f"| {number} | {label} | {ratio:.2f} | {target} | {note} |", flush=True)


if __name__ == "__main__":
    main()
