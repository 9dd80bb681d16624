"""Issue 17 item 15: a client created under a mock resolves static keys only — given to the session, in the
environment, a profile's keys in the shared credentials or config file — so its key says who calls, in-process and
over HTTP; never a credential_process (see test_hooks for that guard)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from s3vectors_mock import mock_s3vectors

ACCOUNT = "210987654321"


def bucket_arn_of(client: Any, name: str = "keyed") -> str:
    arn: str = client.create_vector_bucket(vectorBucketName=name)["vectorBucketArn"]
    return arn


def test_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with mock_s3vectors():
        client = boto3.Session().client("s3vectors", region_name="eu-west-1")
        assert bucket_arn_of(client) == f"arn:aws:s3vectors:eu-west-1:{ACCOUNT}:bucket/keyed"


def test_a_profiles_keys_in_the_shared_credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[team]\naws_access_key_id = {ACCOUNT}\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    with mock_s3vectors():
        client = boto3.Session(profile_name="team").client("s3vectors", region_name="us-east-1")
        assert bucket_arn_of(client).split(":")[4] == ACCOUNT


def test_a_profiles_keys_in_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text(f"[profile team]\naws_access_key_id = {ACCOUNT}\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "team")
    with mock_s3vectors():
        session = botocore.session.Session()
        client = session.create_client("s3vectors", region_name="us-east-1")
        assert bucket_arn_of(client).split(":")[4] == ACCOUNT


def test_keys_given_to_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_s3vectors():
        session = boto3.Session(aws_access_key_id=ACCOUNT, aws_secret_access_key="secret")
        assert bucket_arn_of(session.client("s3vectors", region_name="us-east-1")).split(":")[4] == ACCOUNT


def test_a_registered_principals_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREADER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with mock_s3vectors(enforce_access=True) as mock:
        mock.add_principal("arn:aws:iam::123456789012:role/reader", access_key_id="AKIAREADER")
        client = boto3.Session().client("s3vectors", region_name="us-east-1")
        with pytest.raises(client.exceptions.AccessDeniedException, match="role/reader is not authorized"):
            client.list_vector_buckets()


def test_a_credential_process_profile_runs_nothing_and_has_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    config = tmp_path / "config"
    config.write_text(f"[profile process]\ncredential_process = {sys.executable} -c \"open({str(marker)!r}, 'w')\"\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with mock_s3vectors(account_id="999999999999"):
        client = boto3.Session(profile_name="process").client("s3vectors", region_name="us-east-1")
        assert bucket_arn_of(client).split(":")[4] == "999999999999"
    assert not marker.exists()


def test_environment_keys_sign_requests_to_a_served_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's reproduction: a client created under the mock and aimed at m.serve() signs with its key, so its
    bucket lands in its own region and account."""
    pytest.importorskip("uvicorn", reason="server mode needs the server extra")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with mock_s3vectors() as mock, mock.serve() as server:
        client = boto3.Session().client("s3vectors", region_name="eu-west-1", endpoint_url=server.url)
        assert bucket_arn_of(client) == f"arn:aws:s3vectors:eu-west-1:{ACCOUNT}:bucket/keyed"
        assert mock.calls[-1].region == "eu-west-1"


async def test_async_clients_resolve_static_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with mock_s3vectors():
        async with aiobotocore_session.AioSession().create_client("s3vectors", region_name="us-east-1") as client:
            created = await client.create_vector_bucket(vectorBucketName="async-keyed")
    assert created["vectorBucketArn"].split(":")[4] == ACCOUNT


def test_other_clients_of_the_session_are_unaffected(monkeypatch: pytest.MonkeyPatch) -> None:
    """The static keys are not cached on the session: its later clients resolve credentials as usual."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    session = botocore.session.Session()
    with mock_s3vectors():
        session.create_client("s3vectors", region_name="us-east-1")
        assert vars(session)["_credentials"] is None
    credentials = session.get_credentials()
    assert credentials is not None and credentials.access_key == ACCOUNT
