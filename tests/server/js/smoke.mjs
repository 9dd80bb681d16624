// The JavaScript SDK v3 against an s3vectors-mock server: node smoke.mjs http://127.0.0.1:PORT
// Creates a bucket and an index, puts vectors with metadata, queries with a filter, and expects a
// ConflictException for a bucket that already exists. Prints one JSON line with what it saw; exits 1 on a failure.
import {
  S3VectorsClient,
  CreateVectorBucketCommand,
  CreateIndexCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  ConflictException,
} from "@aws-sdk/client-s3vectors";

const endpoint = process.argv[2];
const client = new S3VectorsClient({
  endpoint,
  region: "eu-central-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

const bucket = await client.send(new CreateVectorBucketCommand({ vectorBucketName: "js-bucket" }));
const index = await client.send(
  new CreateIndexCommand({
    vectorBucketName: "js-bucket",
    indexName: "js-index",
    dataType: "float32",
    dimension: 3,
    distanceMetric: "cosine",
  }),
);
await client.send(
  new PutVectorsCommand({
    indexArn: index.indexArn,
    vectors: [
      { key: "en-1", data: { float32: [1, 0, 0] }, metadata: { lang: "en", year: 2024 } },
      { key: "en-2", data: { float32: [0.8, 0.2, 0] }, metadata: { lang: "en", year: 2026 } },
      { key: "fr-1", data: { float32: [1, 0.01, 0] }, metadata: { lang: "fr", year: 2026 } },
    ],
  }),
);
const query = await client.send(
  new QueryVectorsCommand({
    indexArn: index.indexArn,
    topK: 2,
    queryVector: { float32: [1, 0, 0] },
    filter: { lang: { $eq: "en" } },
    returnDistance: true,
    returnMetadata: true,
  }),
);

let conflict = null;
try {
  await client.send(new CreateVectorBucketCommand({ vectorBucketName: "js-bucket" }));
} catch (error) {
  conflict = {
    name: error.name,
    instance: error instanceof ConflictException,
    message: error.message,
    status: error.$metadata?.httpStatusCode,
  };
}

console.log(
  JSON.stringify({
    bucketArn: bucket.vectorBucketArn,
    indexArn: index.indexArn,
    keys: query.vectors.map((vector) => vector.key),
    metadata: query.vectors[0].metadata,
    distance: query.vectors[0].distance,
    distanceMetric: query.distanceMetric,
    conflict,
  }),
);
if (!conflict || !conflict.instance) process.exit(1);
