"""``s3vectors-mock serve`` (also ``python -m s3vectors_mock serve``): one service, served until SIGTERM or SIGINT.

The server runs in its own thread (as ``S3VectorsMock.serve`` runs it); the main thread only waits for a signal,
then stops the server (promptly: see ``ServerHandle.stop``), compacts the state directory when ``--state-dir`` is
given, and exits 0. Every problem at start is one line on stderr: exit code 2 for a usage or state directory
problem, 1 when the port cannot be bound.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .._calls import SERVER_MAX_WEIGHT, CallLog
from .._collector import tune_for_a_server_process
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
    serve.add_argument(
        "--principals",
        type=Path,
        metavar="FILE",
        help="register the IAM roles and users FILE lists (a JSON array of {arn, access_key_id, policies}); calls "
        "signed with another key act as their account's root",
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="keep the state in DIR: loaded at start, every write recorded there before it is answered (a killed "
        "server loses nothing it answered), compacted on exit; one server per DIR",
    )
    return parser


def serve(args: argparse.Namespace) -> int:
    from ._runner import check_web_stack, start_server

    try:
        check_web_stack()  # before the state directory is touched
        options = Options(account_id=args.account_id, enforce_access=args.enforce_access)
    except (ImportError, ValueError) as error:
        print(f"s3vectors-mock: {error}", file=sys.stderr)
        return 2
    service = S3VectorsService(options)
    service.calls = CallLog(max_weight=SERVER_MAX_WEIGHT)  # see SERVER_MAX_WEIGHT
    if args.principals is not None:
        from ._principals_file import PrincipalsFileError, register_principals

        try:
            register_principals(args.principals, service.principals)
        except PrincipalsFileError as error:
            print(f"s3vectors-mock: {error}", file=sys.stderr)
            return 2
    state = None
    if args.state_dir is not None:
        from .._state_dir import StateDirError, open_state_directory

        try:
            state = open_state_directory(args.state_dir, service)
        except StateDirError as error:
            print(f"s3vectors-mock: {error}", file=sys.stderr)
            return 2

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        try:
            handle = start_server(service, args.host, args.port)
        except OSError as error:
            print(f"s3vectors-mock: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
            return 1
        print(f"s3vectors-mock listening on {handle.url}", flush=True)
        # Wake up now and then to notice a server thread that died on its own.
        while not stop.wait(1.0):
            if not handle.running:
                print("s3vectors-mock: the server stopped unexpectedly", file=sys.stderr)
                return 1
        name = signal.Signals(received[0]).name if received else "a signal"
        print(f"s3vectors-mock: {name}, stopping{' and saving' if state else ''}", file=sys.stderr, flush=True)
        handle.stop()
    finally:
        if state is not None:
            try:
                state.close()
            except OSError as error:  # every answered write is still in the journal: nothing is lost
                print(f"s3vectors-mock: could not compact {args.state_dir}: {error}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """The program (``argv`` None: from ``sys.argv``), or a run of it with ``argv``, returning its exit code.

    As the program it ends the process itself once everything is saved and flushed (``os._exit``): the
    interpreter's teardown of numpy, faiss, tantivy and the web stack has nothing left to do for us, and took
    0.7–1.9 s of a stop on a loaded machine, where a stop must end within seconds (docker kills 10 s after SIGTERM).
    """
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    args = _parser().parse_args(argv)
    if argv is None:  # the process is the server's alone (a run with argv shares its caller's process)
        tune_for_a_server_process()
    code = serve(args)
    if argv is None:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
