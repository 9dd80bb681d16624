// The overview: accounts and regions → vector buckets → indexes, polled every second.
"use strict";

function indexRow(namespace, bucket, index) {
  const href = ROOT + "indexes/" + indexPath(namespace.account, namespace.region, bucket.name, index.name);
  return el(
    "tr",
    { class: "index-row" },
    el("td", {}, el("a", { href, class: "index-link", text: index.name })),
    el("td", { class: "num", text: index.dimension }),
    el("td", { text: index.distanceMetric }),
    el("td", { text: index.dataType }),
    el("td", { text: index.mode }),
    el("td", { class: "num vector-count", text: count(index.vectorCount) }),
    el("td", { text: encryptionLabel(index.encryption) }),
    el("td", {}, index.fullTextKeys.length ? el("span", { class: "badge accent", text: index.fullTextKeys.join(", ") }) : el("span", { class: "subtle", text: "—" })),
  );
}

function bucketPanel(namespace, bucket) {
  const indexes = bucket.indexes.length
    ? el(
        "table",
        {},
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ["Index", "Dimension", "Metric", "Data type", "Mode", "Vectors", "Encryption", "Full-text keys"].map((label) =>
              el("th", { class: label === "Dimension" || label === "Vectors" ? "num" : "", text: label }),
            ),
          ),
        ),
        el("tbody", {}, bucket.indexes.map((index) => indexRow(namespace, bucket, index))),
      )
    : el("div", { class: "empty small", text: "No indexes in this bucket yet." });
  const encryption = encryptionLabel(bucket.encryption);
  return el(
    "section",
    { class: "panel bucket", "data-bucket": bucket.name },
    el(
      "header",
      {},
      el("div", {}, el("span", { class: "bucket-name", text: bucket.name }), " ", el("span", { class: "subtle small mono", text: bucket.arn })),
      el(
        "div",
        { class: "badges" },
        el("span", { class: "badge", text: encryption, title: bucket.encryption.kmsKeyArn || "" }),
        el("span", { class: "badge", text: "default mode " + bucket.defaultIndexMode }),
        bucket.policyAttached
          ? el("span", { class: "badge warn policy", text: "policy attached" })
          : el("span", { class: "badge policy", text: "no policy" }),
        Object.keys(bucket.tags).length ? el("span", { class: "badge", text: Object.keys(bucket.tags).length + " tags" }) : null,
      ),
    ),
    indexes,
  );
}

function stat(value, label) {
  return el("div", { class: "stat" }, el("b", { text: value }), el("span", { text: label }));
}

let shown = null;

async function refresh() {
  const payload = await getJSON("api/overview");
  const text = JSON.stringify(payload);
  if (text === shown) return;
  shown = text;
  let buckets = 0;
  let indexes = 0;
  let vectors = 0;
  for (const namespace of payload.namespaces) {
    for (const bucket of namespace.buckets) {
      buckets += 1;
      indexes += bucket.indexes.length;
      for (const index of bucket.indexes) vectors += index.vectorCount;
    }
  }
  replace(
    document.getElementById("stats"),
    stat(count(buckets), "buckets"),
    stat(count(indexes), "indexes"),
    stat(count(vectors), "vectors"),
    stat(count(payload.calls), "calls logged"),
  );
  const container = document.getElementById("namespaces");
  if (!payload.namespaces.length) {
    replace(
      container,
      el(
        "div",
        { class: "panel empty" },
        el("p", { text: "No vector buckets yet." }),
        el("p", { class: "small" }, "Point any SDK at ", el("code", { text: location.origin }), " and create one; it appears here at once."),
      ),
    );
    return;
  }
  replace(
    container,
    payload.namespaces.map((namespace) =>
      el(
        "section",
        { class: "namespace" },
        el("h2", {}, "Account ", el("span", { class: "mono", text: namespace.account }), " · region ", el("span", { class: "mono", text: namespace.region })),
        namespace.buckets.map((bucket) => bucketPanel(namespace, bucket)),
      ),
    ),
  );
}

document.getElementById("top").replaceWith(topbar("overview"));
poll(refresh, 1000);
