"""The credentials an s3vectors client created under a mock may have: static keys only.

A caller is identified by the access key id of its credentials, in-process as over HTTP, so a client created
while a mock is active resolves the keys it would find without running anything or reaching any network: keys the
session already holds (``boto3.Session(aws_access_key_id=...)``), then, in botocore's own order, the environment
(``AWS_ACCESS_KEY_ID``), the profile's static keys in the shared credentials file and in the config file. Never a
``credential_process``, SSO, assume-role, web identity, container or instance metadata provider (those are
skipped, so a profile using one of them gives a client with no credentials, as before). Keys passed to the client
itself never reach here: botocore uses them directly.
"""

from __future__ import annotations

from typing import Any

# The METHOD names of botocore's providers that read keys from where they lie (and their aiobotocore twins).
STATIC_METHODS = frozenset({"env", "shared-credentials-file", "config-file"})


def _static_providers(session: Any) -> list[Any]:
    # The session's own resolver (custom registrations and the profile it was given included), static ones only.
    resolver = session._components.get_component("credential_provider")
    return [provider for provider in getattr(resolver, "providers", ()) if provider.METHOD in STATIC_METHODS]


def static_credentials(session: Any) -> Any:
    """The static credentials a botocore session has or finds; None when it has none."""
    if session._credentials is not None:
        return session._credentials
    for provider in _static_providers(session):
        credentials = provider.load()
        if credentials is not None:
            return credentials
    return None


async def static_credentials_async(session: Any) -> Any:
    """The same for an aiobotocore session, whose providers load with ``await``."""
    if session._credentials is not None:
        return session._credentials
    for provider in _static_providers(session):
        credentials = await provider.load()
        if credentials is not None:
            return credentials
    return None
