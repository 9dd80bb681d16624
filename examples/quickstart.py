"""Quickstart: a vector bucket, an index, some vectors and a filtered similarity search, all in memory.

Run it with ``./dev example`` (or ``python examples/quickstart.py`` inside the project's environment).
"""

from __future__ import annotations

import boto3

from s3vectors_mock import mock_s3vectors


@mock_s3vectors
def main() -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")  # no credentials, no network

    client.create_vector_bucket(vectorBucketName="movies")
    client.create_index(
        vectorBucketName="movies",
        indexName="plots",
        dataType="float32",
        dimension=3,
        distanceMetric="cosine",
        metadataConfiguration={"nonFilterableMetadataKeys": ["plot"]},
    )
    client.put_vectors(
        vectorBucketName="movies",
        indexName="plots",
        vectors=[
            {"key": "star-wars", "data": {"float32": [0.9, 0.1, 0.0]}, "metadata": {"genre": "scifi", "year": 1977}},
            {"key": "alien", "data": {"float32": [0.8, 0.3, 0.1]}, "metadata": {"genre": "scifi", "year": 1979}},
            {"key": "amelie", "data": {"float32": [0.1, 0.9, 0.2]}, "metadata": {"genre": "romance", "year": 2001}},
            {
                "key": "casablanca",
                "data": {"float32": [0.2, 0.8, 0.3]},
                "metadata": {"genre": ["romance", "drama"], "year": 1942, "plot": "Of all the gin joints..."},
            },
        ],
    )

    response = client.query_vectors(
        vectorBucketName="movies",
        indexName="plots",
        queryVector={"float32": [0.15, 0.85, 0.25]},
        topK=3,
        filter={"$and": [{"genre": "romance"}, {"year": {"$lt": 2000}}]},
        returnDistance=True,
        returnMetadata=True,
    )
    print(f"distance metric: {response['distanceMetric']}")
    for hit in response["vectors"]:
        print(f"{hit['key']:<12} distance={hit['distance']:.4f} metadata={hit['metadata']}")

    try:
        client.create_vector_bucket(vectorBucketName="movies")
    except client.exceptions.ConflictException as error:
        print(f"as on AWS: {error.response['Error']['Code']}: {error.response['Error']['Message']}")


if __name__ == "__main__":
    main()
