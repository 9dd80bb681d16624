"""A target outside the test process: starting the plugin's server, resetting an endpoint of ours, making clients
of it, and deleting what a test created where nothing can be reset (an endpoint that is not ours, AWS)."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._targets import DEFAULT_REGION, TargetChoice, TargetError

CONTROL_PATH = "/_s3vectors-mock/"
# What fixture clients of a server or an endpoint of ours sign with: not 12 digits, so the caller acts as the
# server's default account (the mock's 123456789012), exactly as an in-process client does.
DUMMY_CREDENTIALS = {"aws_access_key_id": "s3vectors-mock", "aws_secret_access_key": "s3vectors-mock"}
SERVER_STARTUP_TIMEOUT = 60.0
CONFLICT_PAUSES = (0.5, 1.0, 2.0)  # seconds before each retry of a deletion refused with ConflictException


# ---- talking to an endpoint of ours ---------------------------------------------------------------------------


def _control(url: str, endpoint: str, method: str, timeout: float = 10.0) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}{CONTROL_PATH}{endpoint}", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def is_ours(url: str) -> bool:
    """Whether ``url`` is an s3vectors-mock server (its health endpoint answers). Raises TargetError when nothing
    answers at all: a URL target must be running before the run starts."""
    try:
        return _control(url, "health", "GET", timeout=5.0).get("status") == "ok"
    except urllib.error.HTTPError:
        return False  # something answers, but not our control endpoints: another S3 Vectors-compatible service
    except ValueError:
        return False  # an answer that is not our JSON
    except OSError as error:
        raise TargetError(f"nothing answers at the s3vectors target {url}: {error}") from None


def reset(url: str) -> None:
    """Drop every bucket, index, vector, policy and tag on the s3vectors-mock server at ``url``."""
    _control(url, "reset", "POST")


def _stop_with_parent() -> None:
    """In the server's process, before it starts: SIGTERM it when the test process dies, even by SIGKILL, so that no
    server outlives the run that started it (Linux's PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class ServerProcess:
    """``python -m s3vectors_mock serve --port 0`` in a subprocess: nothing in the test process answers."""

    def __init__(self) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (open for the server's life, closed by stop)
        # The server runs this very copy of the package, wherever the test process found it (a checkout on
        # sys.path, a pytest ``pythonpath`` setting), not whichever one the interpreter would find on its own.
        package_root = str(Path(__file__).resolve().parent.parent)
        inherited = os.environ.get("PYTHONPATH")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *([inherited] if inherited else [])])}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "s3vectors_mock", "serve", "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=environment,
            text=True,
            preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        # Read stdout to its end in the background, so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._drain, args=(lines,), name="s3vectors-target-server-stdout", daemon=True).start()
        self.url = self._await_url(lines)

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            lines.put(line)
        lines.put(None)

    def _await_url(self, lines: queue.Queue[str | None]) -> str:
        try:
            while True:
                line = lines.get(timeout=SERVER_STARTUP_TIMEOUT)
                if line is None:
                    break
                found = re.search(r"http://\S+", line)
                if found:
                    return found.group(0).rstrip("/")
        except queue.Empty:
            pass
        self.stop()
        raise TargetError(f"the s3vectors-mock server did not start: {self.errors() or 'no message'}")

    def errors(self) -> str:
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace").strip()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._errors.close()


# ---- deleting what a test created -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    """Something a test created that could not be deleted after it."""

    arn: str
    reason: str

    def __str__(self) -> str:
        return f"{self.arn} ({self.reason})"


@dataclass
class _Created:
    client: Any
    arn: str | None
    members: dict[str, str]  # the request's identifying members (vectorBucketName/Arn, indexName)

    def describe(self, region: str) -> str:
        if self.arn:
            return self.arn
        where = ", ".join(f"{key}={value}" for key, value in sorted(self.members.items()))
        return f"({where} in {region})"


_STASH = "s3vectors_mock_target_params"
_IDENTIFYING = ("vectorBucketName", "vectorBucketArn", "indexName", "indexArn")


@dataclass
class Creations:
    """Every vector bucket and index created through the clients it watches (indexes, then policies, then buckets
    are deleted by :meth:`clean_up`, and nothing the run did not create)."""

    buckets: list[_Created] = field(default_factory=list)
    indexes: list[_Created] = field(default_factory=list)

    def watch(self, client: Any) -> None:
        """Record what ``client`` creates from now on (it deletes it later, with the same credentials and region)."""

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context[_STASH] = {key: params[key] for key in _IDENTIFYING if isinstance(params.get(key), str)}

        def after_call(
            http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
        ) -> None:
            if http_response.status_code >= 300 or "Error" in parsed:
                return
            members = context.get(_STASH, {})
            if model.name == "CreateVectorBucket":
                self.buckets.append(_Created(client, parsed.get("vectorBucketArn"), members))
            elif model.name == "CreateIndex":
                self.indexes.append(_Created(client, parsed.get("indexArn"), members))

        client.meta.events.register("before-parameter-build.s3vectors", keep_params)
        client.meta.events.register("after-call.s3vectors", after_call)

    def clean_up(self) -> list[Leftover]:
        """Delete the indexes, then every index left in the buckets, their policies, then the buckets; return what
        could not be deleted. A resource already gone (the test deleted it) is fine."""
        leftovers: list[Leftover] = []
        for index in reversed(self.indexes):
            self._delete(index, "delete_index", _index_members(index), leftovers)
        for bucket in reversed(self.buckets):
            # An index in a bucket this run created was created by this run too (maybe by a client the fixtures
            # do not watch): the bucket cannot go before it does.
            for arn in _index_arns(bucket):
                self._delete(_Created(bucket.client, arn, {}), "delete_index", {"indexArn": arn}, leftovers)
            self._delete(bucket, "delete_vector_bucket_policy", _bucket_members(bucket), [])
            self._delete(bucket, "delete_vector_bucket", _bucket_members(bucket), leftovers)
        self.buckets.clear()
        self.indexes.clear()
        return leftovers

    @staticmethod
    def _delete(created: _Created, method: str, members: dict[str, str], leftovers: list[Leftover]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = created.client
        for pause in (*CONFLICT_PAUSES, None):
            try:
                getattr(client, method)(**members)
                return
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code == "NotFoundException":
                    return
                # A bucket whose indexes were just deleted may still count them for a moment on AWS (UNCONFIRMED
                # how long): a conflict is tried again a few times before it is reported.
                if code == "ConflictException" and pause is not None:
                    time.sleep(pause)
                    continue
                failure: Exception = error
            except BotoCoreError as error:
                failure = error
            leftovers.append(Leftover(created.describe(client.meta.region_name), f"{method}: {failure}"))
            return


def _bucket_members(bucket: _Created) -> dict[str, str]:
    if bucket.arn:
        return {"vectorBucketArn": bucket.arn}
    return {"vectorBucketName": bucket.members.get("vectorBucketName", "")}


def _index_members(index: _Created) -> dict[str, str]:
    if index.arn:
        return {"indexArn": index.arn}
    return {key: value for key, value in index.members.items() if key != "indexArn"}


def _index_arns(bucket: _Created) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = bucket.client.get_paginator("list_indexes").paginate(**_bucket_members(bucket))
        return [index["indexArn"] for page in pages for index in page.get("indexes", [])]
    except (ClientError, BotoCoreError):
        return []  # the bucket is gone, or its deletion will say why


# ---- a target in use ------------------------------------------------------------------------------------------


class RemoteTarget:
    """A target outside this process: how fixture clients reach it, whether it can be reset, and what to say about
    it in the run's header."""

    def __init__(self, choice: TargetChoice, *, shared: bool = False) -> None:
        """``shared``: several xdist workers use the same endpoint, so none may reset it under the others."""
        self.choice = choice
        self.kind = choice.kind
        self._server: ServerProcess | None = None
        self.endpoint_url: str | None = choice.url
        self.region = DEFAULT_REGION
        self.resets = False
        if self.kind == "aws":
            self.region = _aws_region_and_credentials()
        elif self.kind == "url":
            assert self.endpoint_url is not None
            self.resets = is_ours(self.endpoint_url) and not shared
        self._ours = self.kind == "server" or self.resets

    def start(self) -> None:
        """Start the plugin's server (server target; a no-op for the others)."""
        if self.kind == "server" and self._server is None:
            self._server = ServerProcess()
            self.endpoint_url = self._server.url
            self.resets = True

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def describe(self) -> str:
        if self.kind == "server":
            return f"server {self.endpoint_url}" if self.endpoint_url else "server (one per xdist worker)"
        if self.kind == "url":
            how = "state reset between tests" if self.resets else "each test deletes what it created"
            return f"url {self.endpoint_url} ({how})"
        endpoint = self.client().meta.endpoint_url
        return f"aws {self.region} {endpoint} (each test deletes what it created)"

    def reset(self) -> None:
        if self.resets:
            assert self.endpoint_url is not None
            reset(self.endpoint_url)

    def client(self, **kwargs: Any) -> Any:
        import boto3

        if self.kind == "aws":
            # Nothing chosen here: the environment's credentials, region and endpoint configuration, as the
            # user's code would get them.
            return boto3.client("s3vectors", **{"region_name": self.region, **kwargs})
        self.start()
        options = {"region_name": self.region, "endpoint_url": self.endpoint_url, **DUMMY_CREDENTIALS, **kwargs}
        return boto3.client("s3vectors", **options)


def _aws_region_and_credentials() -> str:
    import boto3

    session = boto3.Session()
    try:
        credentials = session.get_credentials()
    except Exception as error:  # an expired SSO session, a broken profile: botocore's own words say which
        raise TargetError(
            f"--s3vectors-target=aws: the environment's AWS credentials do not resolve: {error}"
        ) from None
    if credentials is None:
        raise TargetError(
            "--s3vectors-target=aws needs AWS credentials, and none resolve (set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance role is available)"
        )
    region = session.region_name or os.environ.get("AWS_REGION")
    if not region:
        raise TargetError("--s3vectors-target=aws needs a region (set AWS_DEFAULT_REGION or AWS_REGION)")
    return region
