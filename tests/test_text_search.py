"""Full-text and hybrid search (botocore ≥ 1.44): configurations, BM25, RRF, scores and validation."""

from __future__ import annotations

import math
from typing import Any

import pytest

from s3vectors_mock.engine.text import analyzer
from tests.helpers import error_of, make_index, needs_client

pytestmark = needs_client("QueryVectors", "queryTexts")

CORPUS = {
    "d1": "The quick brown fox jumps over the lazy dog",
    "d2": "A quick brown dog outpaces a quick fox",
    "d3": "Lazy afternoons are for sleeping dogs",
    "d4": "Vectors and embeddings power semantic search",
    "d5": "Foxes are quick; dogs are loyal; cats are independent",
}
VECTORS = {"d1": [1, 0, 0], "d2": [0.9, 0.1, 0], "d3": [0, 1, 0], "d4": [0, 0, 1], "d5": [0.5, 0.5, 0]}


@pytest.fixture
def text_index(client: Any, bucket: str) -> str:
    arn = make_index(
        client,
        "texts",
        metadataConfiguration={
            "nonFilterableMetadataKeys": ["body"],
            "textSearchConfigurations": [{"metadataKey": "body", "language": "en"}, {"metadataKey": "title"}],
        },
    )
    client.put_vectors(
        indexArn=arn,
        vectors=[
            {"key": key, "data": {"float32": VECTORS[key]}, "metadata": {"body": text, "title": key, "n": int(key[1])}}
            for key, text in CORPUS.items()
        ],
    )
    return arn


def reference_bm25(query: str, documents: dict[str, str], language: str | None) -> dict[str, float]:
    """Lucene's BM25 (k1 = 1.2, b = 0.75) over the analyzer's tokens, computed directly."""
    analyze = analyzer(language).analyze
    tokens = {key: analyze(text) for key, text in documents.items()}
    average = sum(len(t) for t in tokens.values()) / len(tokens)
    scores: dict[str, float] = {}
    for term in dict.fromkeys(analyze(query)):
        frequency = sum(1 for t in tokens.values() if term in t)
        if not frequency:
            continue
        idf = math.log(1 + (len(tokens) - frequency + 0.5) / (frequency + 0.5))
        for key, document in tokens.items():
            tf = document.count(term)
            if tf:
                scores[key] = scores.get(key, 0.0) + idf * tf * 2.2 / (
                    tf + 1.2 * (0.25 + 0.75 * len(document) / average)
                )
    return scores


def test_configurations_are_reported(client: Any, text_index: str) -> None:
    configuration = client.get_index(indexArn=text_index)["index"]["metadataConfiguration"]
    assert configuration["nonFilterableMetadataKeys"] == ["body"]
    assert sorted(configuration["textSearchConfigurations"], key=lambda c: c["metadataKey"]) == [
        {"metadataKey": "body", "language": "en", "status": "ACTIVE"},
        {"metadataKey": "title", "status": "ACTIVE"},
    ]


def test_bm25_matches_the_reference(client: Any, text_index: str) -> None:
    response = client.query_vectors(
        indexArn=text_index, topK=5, queryTexts=[{"metadataKey": "body", "text": "quick dogs"}], returnScores=True
    )
    expected = reference_bm25("quick dogs", CORPUS, "en")
    got = {hit["key"]: hit["scores"]["bm25Scores"][0]["score"] for hit in response["vectors"]}
    assert set(got) == set(expected)
    for key, score in expected.items():
        assert got[key] == pytest.approx(score, rel=1e-3)
    ranked = [hit["key"] for hit in response["vectors"]]
    assert ranked == sorted(expected, key=lambda key: (-expected[key], key))
    assert all("distance" not in hit and "fused" not in hit["scores"] for hit in response["vectors"])


def test_english_stemming_and_stop_words(client: Any, text_index: str) -> None:
    hits = client.query_vectors(indexArn=text_index, topK=5, queryTexts=[{"metadataKey": "body", "text": "the sleep"}])[
        "vectors"
    ]
    assert [h["key"] for h in hits] == ["d3"]  # "sleeping" stems to "sleep"; "the" is a stop word


def test_hybrid_search_fuses_with_rrf(client: Any, text_index: str) -> None:
    response = client.query_vectors(
        indexArn=text_index,
        topK=3,
        queryVector={"float32": [0, 0.2, 1]},
        queryTexts=[{"metadataKey": "body", "text": "fox"}],
        returnScores=True,
        returnDistance=True,
    )
    hits = response["vectors"]
    assert len(hits) == 3
    fused = [hit["scores"]["fused"] for hit in hits]
    assert fused == sorted(fused, reverse=True)
    top = hits[0]
    # d4 is the nearest vector (rank 1 → 1/61) and matches no text; fox documents rank 1..3 in text.
    for hit in hits:
        if "vectorDistance" in hit["scores"]:
            assert hit["distance"] == hit["scores"]["vectorDistance"]
    assert top["scores"]["fused"] == pytest.approx(max(fused))
    assert {hit["key"] for hit in hits} <= set(CORPUS)


def test_vector_only_requests_get_no_scores(client: Any, text_index: str) -> None:
    hits = client.query_vectors(indexArn=text_index, topK=2, queryVector={"float32": [1, 0, 0]}, returnScores=True)[
        "vectors"
    ]
    assert all("scores" not in hit for hit in hits)


def test_filter_applies_to_text_search(client: Any, text_index: str) -> None:
    hits = client.query_vectors(
        indexArn=text_index, topK=5, queryTexts=[{"metadataKey": "body", "text": "quick"}], filter={"n": {"$gte": 2}}
    )["vectors"]
    assert sorted(h["key"] for h in hits) == ["d2", "d5"]


def test_writes_and_deletes_are_searchable_at_once(client: Any, text_index: str) -> None:
    client.put_vectors(
        indexArn=text_index, vectors=[{"key": "d1", "data": {"float32": [1, 0, 0]}, "metadata": {"body": "zebra"}}]
    )
    client.delete_vectors(indexArn=text_index, keys=["d2"])
    hits = client.query_vectors(indexArn=text_index, topK=5, queryTexts=[{"metadataKey": "body", "text": "zebra fox"}])[
        "vectors"
    ]
    assert hits[0]["key"] == "d1"
    assert "d2" not in {h["key"] for h in hits}


def test_update_metadata_configuration(client: Any, text_index: str) -> None:
    client.update_metadata_configuration(
        indexArn=text_index, delete={"textSearchConfigurations": [{"metadataKey": "title"}]}
    )
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=text_index, topK=1, queryTexts=[{"metadataKey": "title", "text": "d1"}])
    response = client.update_metadata_configuration(
        indexArn=text_index, add={"textSearchConfigurations": [{"metadataKey": "title", "language": "fr"}]}
    )
    assert response["indexArn"] == text_index
    hits = client.query_vectors(indexArn=text_index, topK=1, queryTexts=[{"metadataKey": "title", "text": "d3"}])[
        "vectors"
    ]
    assert hits == [{"key": "d3"}]  # the backfill indexed what was already stored
    with pytest.raises(client.exceptions.ValidationException):
        client.update_metadata_configuration(
            indexArn=text_index,
            add={"textSearchConfigurations": [{"metadataKey": "x"}]},
            delete={"textSearchConfigurations": [{"metadataKey": "title"}]},
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"queryTexts": [{"metadataKey": "unconfigured", "text": "fox"}]},
        {"queryTexts": [{"metadataKey": "body", "text": "a"}, {"metadataKey": "body", "text": "b"}]},
    ],
)
def test_text_validation(client: Any, text_index: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=text_index, topK=1, **kwargs)


def test_non_filterable_key_is_still_searchable(client: Any, text_index: str) -> None:
    hits = client.query_vectors(indexArn=text_index, topK=1, queryTexts=[{"metadataKey": "body", "text": "embeddings"}])
    assert hits["vectors"] == [{"key": "d4"}]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(
            indexArn=text_index, topK=1, queryTexts=[{"metadataKey": "body", "text": "x"}], filter={"body": "x"}
        )
    assert error_of(excinfo)[1] == "Invalid use of non-filterable metadata in filter"


@pytest.mark.parametrize("language", ["fr", "es", "pt", "it", "de", "nl", "zh", "ja", "ko"])
def test_every_language_analyzer(client: Any, bucket: str, language: str) -> None:
    arn = make_index(
        client,
        f"lang-{language}",
        metadataConfiguration={"textSearchConfigurations": [{"metadataKey": "t", "language": language}]},
    )
    text = {"zh": "东京大学", "ja": "東京タワー", "ko": "한국어 문서"}.get(language, "bonjour hola olá ciao hallo")
    client.put_vectors(indexArn=arn, vectors=[{"key": "doc", "data": {"float32": [1, 0, 0]}, "metadata": {"t": text}}])
    query = {"zh": "东京", "ja": "東京", "ko": "문서"}.get(language, text.split()[0])
    hits = client.query_vectors(indexArn=arn, topK=1, queryTexts=[{"metadataKey": "t", "text": query}])["vectors"]
    assert hits == [{"key": "doc"}]
