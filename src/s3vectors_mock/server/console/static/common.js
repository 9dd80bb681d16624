// Shared helpers of the console pages. Every string from the server becomes a text node (never HTML), so keys,
// metadata and names cannot inject markup or script.
"use strict";

const ROOT = "/_s3vectors-mock/";

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function replace(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}

// A URL path segment of the console, percent-encoded (names may hold characters that mean something in a URL).
function segment(value) {
  return encodeURIComponent(value);
}

function indexPath(account, region, bucket, index) {
  return [account, region, bucket, index].map(segment).join("/");
}

async function getJSON(path) {
  const response = await fetch(ROOT + path, { cache: "no-store" });
  const payload = await response.json();
  if (!response.ok) {
    const error = new Error((payload.error && payload.error.message) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return payload;
}

async function postJSON(path, body) {
  const response = await fetch(ROOT + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

const numberFormat = new Intl.NumberFormat("en-US");
function count(value) {
  return numberFormat.format(value);
}

function distance(value) {
  if (value === undefined || value === null) return "—";
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e6) ? value.toExponential(4) : value.toFixed(6);
}

function component(value) {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, "");
}

function clock(seconds) {
  const moment = new Date(seconds * 1000);
  const pad = (number, width) => String(number).padStart(width || 2, "0");
  return `${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}.${pad(moment.getMilliseconds(), 3)}`;
}

function dateTime(seconds) {
  return new Date(seconds * 1000).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

function encryptionLabel(encryption) {
  if (!encryption || encryption.sseType === "AES256") return "SSE-S3";
  return "SSE-KMS";
}

// A key in a table cell: at most three lines shown (a key may be 1,024 characters), all of it on hover.
function keyText(key, className) {
  return el("span", { class: className ? "clamp " + className : "clamp", title: key, text: key });
}

// A label on the map: short, so that it stays near its point.
function shortLabel(text) {
  return text.length > 28 ? text.slice(0, 27) + "…" : text;
}

function scalar(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// Metadata as small "key: value" chips; non-filterable keys are drawn dashed.
function metadataChips(metadata, unfilterable) {
  const names = Object.keys(metadata || {});
  if (!names.length) return el("span", { class: "subtle", text: "—" });
  return el(
    "div",
    { class: "meta" },
    names.map((name) => {
      const value = scalar(metadata[name]);
      return el(
        "span",
        { class: unfilterable && unfilterable.has(name) ? "kv unfilterable" : "kv", title: `${name}: ${value}` },
        el("b", { text: name + ": " }),
        value,
      );
    }),
  );
}

function topbar(current) {
  const links = [
    ["overview", "Overview", ROOT],
    ["calls", "Call log", ROOT + "calls"],
  ];
  const status = el("div", { class: "live", id: "live" }, el("span", { class: "dot" }), el("span", { text: "connecting" }));
  return el(
    "header",
    { class: "topbar" },
    el(
      "div",
      { class: "inner" },
      el("a", { class: "brand", href: ROOT }, "s3vectors-mock ", el("span", { text: "console" })),
      el("nav", {}, links.map(([name, label, href]) => el("a", { href, class: name === current ? "current" : "", text: label }))),
      status,
    ),
  );
}

function setLive(ok) {
  const status = document.getElementById("live");
  if (!status) return;
  status.className = ok ? "live on" : "live off";
  status.lastChild.textContent = ok ? "live" : "disconnected";
}

// Poll `refresh` every `interval` ms (paused while the tab is hidden); the indicator shows whether polls succeed.
function poll(refresh, interval) {
  let timer = null;
  async function tick() {
    timer = null;
    try {
      await refresh();
      setLive(true);
    } catch (error) {
      setLive(false);
    }
    if (!document.hidden) timer = setTimeout(tick, interval);
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null) tick();
  });
  tick();
}
