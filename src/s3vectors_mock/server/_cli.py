"""``s3vectors-mock serve`` (also ``python -m s3vectors_mock serve``): one service, served until SIGTERM or SIGINT.

The server runs in its own thread (as ``S3VectorsMock.serve`` runs it); the main thread only waits for a signal,
then stops the server, saves the state when ``--state-dir`` is given, and exits 0.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from .._options import DEFAULT_ACCOUNT_ID, Options
from .._service import S3VectorsService

DEFAULT_PORT = 9800


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s3vectors-mock", description="An in-memory Amazon S3 Vectors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the S3 Vectors API over HTTP",
        description="Serve the Amazon S3 Vectors API over HTTP (REST-JSON, as the service speaks it) until "
        "SIGTERM or SIGINT. Point any SDK or the AWS CLI at it with an endpoint URL and dummy credentials.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0 in a container)"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    serve.add_argument(
        "--account-id",
        default=DEFAULT_ACCOUNT_ID,
        help="account of callers whose access key id is not 12 digits (default %(default)s)",
    )
    serve.add_argument(
        "--enforce-access",
        action="store_true",
        help="decide every call from identity and bucket policies as IAM does (AccessDeniedException otherwise)",
    )
    serve.add_argument("--state-dir", type=Path, help="load the state from DIR at start and save it there on exit")
    return parser


def _persistence() -> Any:
    try:
        return importlib.import_module("s3vectors_mock._persistence")
    except ImportError:
        raise SystemExit(
            "s3vectors-mock: --state-dir is not supported by this version (no persistence module)"
        ) from None


def serve(args: argparse.Namespace) -> int:
    from ._runner import INSTALL_HINT, start_server

    try:
        options = Options(account_id=args.account_id, enforce_access=args.enforce_access)
    except ValueError as error:
        print(f"s3vectors-mock: {error}", file=sys.stderr)
        return 2
    service = S3VectorsService(options)
    persistence = _persistence() if args.state_dir is not None else None
    if persistence is not None:
        persistence.load_state(service.backend, args.state_dir)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        handle = start_server(service, args.host, args.port)
    except ImportError:
        print(f"s3vectors-mock: {INSTALL_HINT}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"s3vectors-mock: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"s3vectors-mock listening on {handle.url}", flush=True)
    # Wake up now and then to notice a server thread that died on its own.
    while not stop.wait(1.0):
        if not handle.running:
            print("s3vectors-mock: the server stopped unexpectedly", file=sys.stderr)
            return 1
    handle.stop()
    if persistence is not None:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        persistence.save_state(service.backend, args.state_dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    args = _parser().parse_args(argv)
    return serve(args)
