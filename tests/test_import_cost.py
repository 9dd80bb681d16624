"""Importing the package (which pytest does in every run of every project that installs it) stays cheap."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "botocore", "boto3", "faiss", "tantivy")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(output.split())


def test_the_plugin_and_the_package_import_nothing_heavy() -> None:
    loaded = _modules_after("import s3vectors_mock.pytest_plugin\nfrom s3vectors_mock import mock_s3vectors, Options")
    assert not loaded & set(HEAVY)


def test_decorating_a_test_imports_nothing_heavy_until_it_runs() -> None:
    loaded = _modules_after("from s3vectors_mock import mock_s3vectors\n@mock_s3vectors\ndef test(): pass")
    assert not loaded & set(HEAVY)


def test_faiss_waits_for_an_approximate_index() -> None:
    loaded = _modules_after(
        "import boto3\nfrom s3vectors_mock import mock_s3vectors\n"
        "with mock_s3vectors():\n"
        "    c = boto3.client('s3vectors', region_name='us-east-1')\n"
        "    c.create_vector_bucket(vectorBucketName='bbb')\n"
        "    c.create_index(vectorBucketName='bbb', indexName='iii', dataType='float32', dimension=2,"
        " distanceMetric='cosine')\n"
        "    c.put_vectors(vectorBucketName='bbb', indexName='iii',"
        " vectors=[{'key': 'a', 'data': {'float32': [1, 0]}}])\n"
        "    c.query_vectors(vectorBucketName='bbb', indexName='iii', topK=1, queryVector={'float32': [1, 0]})"
    )
    assert "numpy" in loaded
    assert "faiss" not in loaded
