"""Errors of the mock itself (misuse or misconfiguration), as opposed to the service's modelled errors."""

from __future__ import annotations


class S3VectorsMockError(RuntimeError):
    """The mock refused to let a request through: something is misconfigured, never a service answer."""
