"""The least-privilege document: grouped by resource, sorted, deterministic."""

from __future__ import annotations

import json

import pytest

from s3vectors_mock.access.ledger import Ledger, policy_document

INDEX = "arn:aws:s3vectors:us-east-1:111122223333:bucket/docs/index/chunks"
BUCKET = "arn:aws:s3vectors:us-east-1:111122223333:bucket/docs"


def test_one_statement_per_resource_sorted() -> None:
    ledger = Ledger()
    ledger.record(["s3vectors:QueryVectors", "s3vectors:GetVectors"], INDEX)
    ledger.record(["s3vectors:ListVectorBuckets"], "*")
    ledger.record(["s3vectors:CreateVectorBucket"], BUCKET)
    ledger.record(["s3vectors:QueryVectors"], INDEX)  # again: nothing new
    assert policy_document(ledger.pairs()) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3vectors:ListVectorBuckets"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3vectors:CreateVectorBucket"], "Resource": BUCKET},
            {"Effect": "Allow", "Action": ["s3vectors:GetVectors", "s3vectors:QueryVectors"], "Resource": INDEX},
        ],
    }


def test_deterministic_whatever_the_order() -> None:
    pairs = [("s3vectors:B", INDEX), ("s3vectors:A", BUCKET), ("s3vectors:A", INDEX), ("s3vectors:C", "*")]
    documents = {json.dumps(policy_document(order)) for order in (pairs, pairs[::-1], sorted(pairs))}
    assert len(documents) == 1


def test_merge_and_clear() -> None:
    ledger = Ledger()
    ledger.merge([("s3vectors:GetIndex", INDEX)])
    assert ledger.pairs() == {("s3vectors:GetIndex", INDEX)}
    ledger.clear()
    assert policy_document(ledger.pairs()) == {"Version": "2012-10-17", "Statement": []}


def test_bounded(caplog: pytest.LogCaptureFixture) -> None:
    ledger = Ledger(limit=3)
    ledger.record(["s3vectors:A", "s3vectors:B"], INDEX)
    ledger.record(["s3vectors:A", "s3vectors:C", "s3vectors:D"], BUCKET)
    ledger.record(["s3vectors:A"], INDEX)  # known pairs are still fine
    assert len(ledger.pairs()) == 3
    assert caplog.text.count("the least-privilege record is full (3 pairs)") == 1


def test_switched_off_it_records_nothing() -> None:
    ledger = Ledger(enabled=False)
    ledger.record(["s3vectors:A"], INDEX)
    assert ledger.pairs() == frozenset()
