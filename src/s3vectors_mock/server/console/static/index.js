// One index: its configuration, a paged table of its vectors, a query form with its hits, and a 2-D map (PCA).
"use strict";

const PAGE = 25;
const address = location.pathname
  .slice((ROOT + "indexes/").length)
  .split("/")
  .map((part) => decodeURIComponent(part));
const [ACCOUNT, REGION, BUCKET, INDEX] = address;
const API = "api/indexes/" + indexPath(ACCOUNT, REGION, BUCKET, INDEX);

const state = {
  detail: null,
  version: null,
  offset: 0,
  prefix: "",
  unfilterable: new Set(),
  projection: null,
  lastQuery: null,
  lastResult: null,
};

const $ = (id) => document.getElementById(id);

// ---- configuration -----------------------------------------------------------------------------------------------

function configRow(label, value) {
  return [el("dt", { text: label }), el("dd", {}, value)];
}

function listOrDash(values) {
  return values.length ? values.map((value) => el("span", { class: "badge", text: value })) : el("span", { class: "subtle", text: "none" });
}

function renderConfig(detail) {
  const tags = Object.entries(detail.tags).map(([name, value]) => `${name}=${value}`);
  const text = Object.entries(detail.textSearch).map(([key, configuration]) =>
    configuration.language ? `${key} (${configuration.language})` : key,
  );
  const encryption = detail.encryption.kmsKeyArn
    ? [encryptionLabel(detail.encryption), " ", el("span", { class: "mono small", text: detail.encryption.kmsKeyArn })]
    : encryptionLabel(detail.encryption);
  replace(
    $("config"),
    configRow("ARN", el("span", { class: "mono small", text: detail.arn })),
    configRow("Created", dateTime(detail.created)),
    configRow("Dimension", String(detail.dimension)),
    configRow("Distance metric", detail.distanceMetric),
    configRow("Data type", detail.dataType),
    configRow("Mode", detail.mode),
    configRow("Vectors", count(detail.vectorCount)),
    configRow("Encryption", encryption),
    configRow("Non-filterable keys", el("div", { class: "badges" }, listOrDash(detail.nonFilterableMetadataKeys))),
    configRow("Full-text search", el("div", { class: "badges" }, listOrDash(text))),
    configRow("Tags", el("div", { class: "badges" }, listOrDash(tags))),
    configRow("Bucket policy", detail.bucketPolicyAttached ? "attached" : "none"),
  );
  replace(
    $("badges"),
    el("span", { class: "badge accent", text: detail.distanceMetric }),
    el("span", { class: "badge", text: detail.dimension + " dimensions" }),
    el("span", { class: "badge", text: detail.dataType }),
    el("span", { class: "badge", text: detail.mode }),
    el("span", { class: "badge", text: count(detail.vectorCount) + " vectors" }),
  );
  // Full-text search needs a key made searchable; the select lists those keys.
  const keys = detail.fullTextKeys;
  $("text-search").classList.toggle("hidden", keys.length === 0);
  const select = $("query-text-key");
  if (select.dataset.keys !== keys.join("\n")) {
    select.dataset.keys = keys.join("\n");
    replace(select, keys.map((key) => el("option", { value: key, text: key })));
  }
}

function renderHeading() {
  document.title = `${INDEX} · ${BUCKET} · s3vectors-mock console`;
  replace(
    $("crumbs"),
    el("a", { href: ROOT, text: "Overview" }),
    el("span", { class: "sep", text: "/" }),
    el("span", { class: "mono", text: ACCOUNT }),
    el("span", { class: "sep", text: "/" }),
    el("span", { class: "mono", text: REGION }),
    el("span", { class: "sep", text: "/" }),
    el("span", { text: BUCKET }),
  );
  $("title").textContent = INDEX;
}

// ---- vectors table -----------------------------------------------------------------------------------------------

async function loadVectors() {
  const query = `?offset=${state.offset}&limit=${PAGE}&prefix=${encodeURIComponent(state.prefix)}`;
  const page = await getJSON(API + "/vectors" + query);
  if (page.offset > 0 && page.offset >= page.total) {
    state.offset = Math.max(0, Math.floor((page.total - 1) / PAGE) * PAGE);
    return loadVectors();
  }
  renderVectors(page);
}

function renderVectors(page) {
  $("vectors-count").textContent = state.prefix ? `${count(page.total)} with this prefix` : `${count(page.total)} in all`;
  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.vectors.length;
  $("page-range").textContent = `${count(first)}–${count(last)} of ${count(page.total)}`;
  $("page-previous").disabled = page.offset === 0;
  $("page-next").disabled = last >= page.total;
  replace(
    $("key-suggestions"),
    page.vectors.map((vector) => el("option", { value: vector.key })),
  );
  if (!page.vectors.length) {
    replace($("vectors"), el("div", { class: "empty small", text: state.prefix ? "No key starts with this prefix." : "This index holds no vectors yet." }));
    return;
  }
  const more = page.dimension > page.shownComponents ? `, … (${page.dimension} in all)` : "";
  replace(
    $("vectors"),
    el(
      "table",
      { id: "vectors-table" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", { text: "Key" }), el("th", { text: "Metadata" }), el("th", { text: `First components` }), el("th", {})),
      ),
      el(
        "tbody",
        {},
        page.vectors.map((vector) =>
          el(
            "tr",
            { class: "vector-row" },
            el("td", { class: "key" }, keyText(vector.key)),
            el("td", {}, metadataChips(vector.metadata, state.unfilterable)),
            el("td", { class: "components mono", text: "[" + vector.data.map(component).join(", ") + more + "]" }),
            el(
              "td",
              { class: "num" },
              el("button", { type: "button", class: "plain", text: "Query", title: "Find its nearest neighbours", onclick: () => queryByKey(vector.key) }),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---- projection --------------------------------------------------------------------------------------------------

const MAP_WIDTH = 560;
const MAP_HEIGHT = 380;
const MAP_MARGIN = 26;
const LABELLED_POINTS = 30;

async function loadProjection() {
  state.projection = await getJSON(API + "/projection");
  drawProjection();
}

// Where a label goes: right of its point, or left of it in the right part of the map (so it is never cut off).
function beside(px, py, gap) {
  const left = px > MAP_WIDTH * 0.7;
  return { x: (left ? px - gap : px + gap).toFixed(1), y: py.toFixed(1), "text-anchor": left ? "end" : "start" };
}

function drawProjection() {
  const projection = state.projection;
  if (!projection) return;
  const result = state.lastResult && !state.lastResult.error ? state.lastResult : null;
  const explained = projection.explained.map((share) => Math.round(share * 100) + "%");
  $("projection-note").textContent =
    projection.total === 0
      ? "no vectors yet"
      : `PCA of ${projection.sampled === projection.total ? "all" : count(projection.sampled) + " of"} ${count(projection.total)} vectors` +
        (projection.normalized ? " (normalized, as cosine compares directions)" : "");
  const points = projection.points;
  const marks = points.concat(result ? result.hits : [], result && result.query ? [result.query] : []);
  if (!marks.length) {
    replace($("projection"), el("div", { class: "empty small", text: "Nothing to draw: the index holds no vectors." }));
    return;
  }
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const mark of marks) {
    minX = Math.min(minX, mark.x);
    maxX = Math.max(maxX, mark.x);
    minY = Math.min(minY, mark.y);
    maxY = Math.max(maxY, mark.y);
  }
  // One scale for both axes: distances on the map are distances in the plane of the two components.
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const scale = Math.min((MAP_WIDTH - 2 * MAP_MARGIN) / (spanX || 1), (MAP_HEIGHT - 2 * MAP_MARGIN) / (spanY || 1));
  const centreX = (minX + maxX) / 2;
  const centreY = (minY + maxY) / 2;
  const x = (value) => MAP_WIDTH / 2 + (value - centreX) * scale;
  const y = (value) => MAP_HEIGHT / 2 - (value - centreY) * scale;
  const radius = points.length > 1000 ? 2.2 : points.length > 200 ? 3 : 4.5;
  const map = svg(
    "svg",
    { viewBox: `0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`, id: "projection-map", role: "img", "aria-label": "2-D projection of the index's vectors" },
    // The axes through the centroid of the sample (the origin of the components).
    svg("line", { class: "axis", x1: 0, x2: MAP_WIDTH, y1: y(0).toFixed(1), y2: y(0).toFixed(1) }),
    svg("line", { class: "axis", x1: x(0).toFixed(1), x2: x(0).toFixed(1), y1: 0, y2: MAP_HEIGHT }),
    svg("text", { class: "axis-label", x: MAP_WIDTH - 8, y: MAP_HEIGHT - 8, "text-anchor": "end", text: `PC1 → ${explained[0]} of variance · PC2 ↑ ${explained[1]}` }),
    svg(
      "g",
      { class: "points" },
      points.map((point) => svg("circle", { class: "point", cx: x(point.x).toFixed(1), cy: y(point.y).toFixed(1), r: radius }, svg("title", { text: point.key }))),
    ),
  );
  // A small map names its points; a large one names them on hover only.
  const hitKeys = new Set(result ? result.hits.map((hit) => hit.key) : []);
  if (points.length <= LABELLED_POINTS) {
    append(
      map,
      svg(
        "g",
        { class: "point-labels" },
        points
          .filter((point) => !hitKeys.has(point.key))
          .map((point) => svg("text", { class: "point-label", ...beside(x(point.x), y(point.y) + 4, 7), text: shortLabel(point.key) })),
      ),
    );
  }
  if (result) {
    // Hits drawn last rank first, so the best hit sits on top.
    const hits = result.hits.map((hit, rank) => ({ hit, rank })).reverse();
    append(
      map,
      svg(
        "g",
        { class: "hits" },
        hits.map(({ hit, rank }) =>
          svg(
            "g",
            {},
            svg("circle", { class: "hit", cx: x(hit.x).toFixed(1), cy: y(hit.y).toFixed(1), r: 6 }, svg("title", { text: `#${rank + 1} ${hit.key} · ${distance(hit.distance)}` })),
            rank < 10 || points.length <= LABELLED_POINTS
              ? svg("text", { class: "hit-label", ...beside(x(hit.x), y(hit.y) - 6, 8), text: points.length <= LABELLED_POINTS ? `${rank + 1} · ${shortLabel(hit.key)}` : String(rank + 1) })
              : null,
          ),
        ),
      ),
    );
    if (result.query) {
      const [qx, qy] = [x(result.query.x), y(result.query.y)];
      append(
        map,
        svg(
          "rect",
          { class: "query", id: "projection-query", x: (qx - 6).toFixed(1), y: (qy - 6).toFixed(1), width: 12, height: 12, transform: `rotate(45 ${qx.toFixed(1)} ${qy.toFixed(1)})` },
          svg("title", { text: result.query.key ? `query: ${result.query.key}` : "query vector" }),
        ),
      );
    }
  }
  replace($("projection"), map);
}

// ---- queries -----------------------------------------------------------------------------------------------------

function parseVector(text) {
  const trimmed = text.trim();
  if (!trimmed) throw new Error("Paste a query vector: a JSON array or comma-separated numbers.");
  if (trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new Error("The query vector is not valid JSON: " + error.message);
    }
  }
  const values = trimmed.split(/[\s,]+/).filter(Boolean).map(Number);
  if (values.some((value) => Number.isNaN(value))) throw new Error("The query vector must be numbers separated by commas.");
  return values;
}

function readForm() {
  const form = {};
  const source = document.querySelector("input[name=source]:checked").value;
  // A full-text query may go without a vector; any other query needs one.
  const text = $("query-text").value;
  const textOnly = Boolean(text && state.detail && state.detail.fullTextKeys.length);
  if (source === "key") {
    const key = $("query-key").value;
    if (key) form.key = key;
    else if (!textOnly) throw new Error("Enter the key of a stored vector (or query by vector).");
  } else if ($("query-vector").value.trim() || !textOnly) {
    form.vector = parseVector($("query-vector").value);
  }
  const filter = $("query-filter").value.trim();
  if (filter) {
    try {
      form.filter = JSON.parse(filter);
    } catch (error) {
      throw new Error("The filter is not valid JSON: " + error.message);
    }
  }
  const topK = $("query-topk").value.trim();
  form.topK = /^-?\d+$/.test(topK) ? Number(topK) : topK;
  if (textOnly) {
    form.queryText = { metadataKey: $("query-text-key").value, text };
  }
  return form;
}

async function runQuery(form) {
  state.lastQuery = form;
  const result = await postJSON(API + "/query", form);
  state.lastResult = result;
  renderResults(result);
  drawProjection();
}

function showError(code, message) {
  state.lastResult = { error: { code, message } };
  renderResults(state.lastResult);
  drawProjection();
}

function renderResults(result) {
  if (result.error) {
    $("results-note").textContent = "";
    replace(
      $("results"),
      el("div", { class: "error-box", id: "query-error", role: "alert" }, el("b", { text: result.error.code }), el("span", { text: result.error.message })),
    );
    return;
  }
  const metric = result.distanceMetric;
  $("results-note").textContent = `${result.hits.length} ${result.hits.length === 1 ? "hit" : "hits"} · ${metric} distance`;
  if (!result.hits.length) {
    replace($("results"), el("div", { class: "empty small", text: "No vector matches this query." }));
    return;
  }
  const scored = result.hits.some((hit) => hit.scores);
  replace(
    $("results"),
    el(
      "table",
      { id: "results-table" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", { text: "#" }), el("th", { text: "Key" }), el("th", { class: "num", text: "Distance" }), scored ? el("th", { class: "num", text: "Score" }) : null, el("th", { text: "Metadata" })),
      ),
      el(
        "tbody",
        {},
        result.hits.map((hit, rank) =>
          el(
            "tr",
            { class: "hit-row" },
            el("td", { class: "rank", text: rank + 1 }),
            el("td", { class: "key" }, el("span", { class: "hit-swatch" }), keyText(hit.key, "hit-key")),
            el("td", { class: "num mono hit-distance", text: distance(hit.distance) }),
            scored ? el("td", { class: "num mono", text: hit.scores && hit.scores.fused !== undefined ? hit.scores.fused.toFixed(5) : scoreText(hit.scores) }) : null,
            el("td", {}, metadataChips(hit.metadata, state.unfilterable)),
          ),
        ),
      ),
    ),
  );
}

function scoreText(scores) {
  if (!scores || !scores.bm25Scores || !scores.bm25Scores.length) return "—";
  return scores.bm25Scores.map((entry) => entry.score.toFixed(3)).join(" + ");
}

function selectSource(source) {
  $("source-" + source).checked = true;
  for (const label of document.querySelectorAll("#source label")) {
    label.classList.toggle("selected", label.htmlFor === "source-" + source);
  }
  $("by-key").classList.toggle("hidden", source !== "key");
  $("by-vector").classList.toggle("hidden", source !== "vector");
}

function queryByKey(key) {
  selectSource("key");
  $("query-key").value = key;
  submitQuery();
}

async function submitQuery() {
  let form;
  try {
    form = readForm();
  } catch (error) {
    showError("Invalid input", error.message);
    return;
  }
  const button = $("run-query");
  button.disabled = true;
  try {
    await runQuery(form);
  } catch (error) {
    showError("Request failed", error.message);
  } finally {
    button.disabled = false;
  }
}

// ---- live updates ------------------------------------------------------------------------------------------------

async function indexExists() {
  const overview = await getJSON("api/overview");
  return overview.namespaces.some(
    (namespace) =>
      namespace.account === ACCOUNT &&
      namespace.region === REGION &&
      namespace.buckets.some((bucket) => bucket.name === BUCKET && bucket.indexes.some((index) => index.name === INDEX)),
  );
}

async function refresh() {
  // Whether the index exists is read from the overview (always 200), so that a deleted index is a notice on the
  // page rather than a failed request in the browser's console.
  const exists = await indexExists();
  $("gone").classList.toggle("hidden", exists);
  if (!exists) {
    state.version = null; // if it comes back (a test creates it again), everything is reloaded
    $("gone").textContent = "This index does not exist (any more): the index or its bucket was deleted, or the server was reset.";
    return;
  }
  const detail = await getJSON(API);
  state.detail = detail;
  state.unfilterable = new Set(detail.nonFilterableMetadataKeys);
  renderConfig(detail);
  if (detail.version !== state.version) {
    // The vectors changed: the table, the map and the last query's hits with them.
    state.version = detail.version;
    await Promise.all([loadVectors(), loadProjection()]);
    if (state.lastQuery && state.lastResult && !state.lastResult.error) await runQuery(state.lastQuery);
  }
}

function start() {
  document.getElementById("top").replaceWith(topbar("index"));
  renderHeading();
  for (const radio of document.querySelectorAll("input[name=source]")) {
    radio.addEventListener("change", () => selectSource(radio.value));
  }
  $("query-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitQuery();
  });
  $("page-previous").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE);
    loadVectors().catch(() => setLive(false));
  });
  $("page-next").addEventListener("click", () => {
    state.offset += PAGE;
    loadVectors().catch(() => setLive(false));
  });
  let typing = null;
  $("prefix").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.prefix = $("prefix").value;
      state.offset = 0;
      loadVectors().catch(() => setLive(false));
    }, 150);
  });
  poll(refresh, 1500);
}

start();
