"""LangChain's AmazonS3Vectors vector store (langchain-aws), running entirely on the mock."""

from __future__ import annotations

from typing import Any

import pytest

langchain_aws = pytest.importorskip("langchain_aws")
fake = pytest.importorskip("langchain_core.embeddings")


@pytest.mark.s3vectors
def test_langchain_vector_store_round_trip(s3vectors_client: Any) -> None:
    from langchain_aws.vectorstores.s3_vectors import AmazonS3Vectors

    s3vectors_client.create_vector_bucket(vectorBucketName="langchain-bucket")
    store = AmazonS3Vectors(
        vector_bucket_name="langchain-bucket",
        index_name="docs",
        embedding=fake.DeterministicFakeEmbedding(size=16),
        region_name="us-east-1",
    )
    ids = store.add_texts(
        ["S3 Vectors stores embeddings", "faiss searches them", "pytest runs the tests"],
        metadatas=[{"topic": "storage"}, {"topic": "search"}, {"topic": "testing"}],
        ids=["a", "b", "c"],
    )
    assert ids == ["a", "b", "c"]
    # The deterministic fake embedding maps equal texts to equal vectors: the exact text is the nearest.
    (best,) = store.similarity_search("faiss searches them", k=1)
    assert best.page_content == "faiss searches them"
    assert best.metadata["topic"] == "search"
    filtered = store.similarity_search("faiss searches them", k=3, filter={"topic": "testing"})
    assert [d.page_content for d in filtered] == ["pytest runs the tests"]
    with_scores = store.similarity_search_with_score("S3 Vectors stores embeddings", k=2)
    assert with_scores[0][0].page_content == "S3 Vectors stores embeddings"
    assert with_scores[0][1] == pytest.approx(0.0, abs=1e-6)
    store.delete(ids=["a"])
    assert [d.page_content for d in store.get_by_ids(["b"])] == ["faiss searches them"]
    with pytest.raises(ValueError, match="not found"):
        store.get_by_ids(["a"])
