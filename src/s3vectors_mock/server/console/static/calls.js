// The call log: newest first, polled every second; a click shows a call's parameters.
"use strict";

const STEP = 200;
const calls = { limit: STEP, open: new Set(), payload: null, shown: null };
const $ = (id) => document.getElementById(id);

function outcome(call) {
  if (!call.errorCode) return el("span", { class: "badge ok", text: "success" });
  return el(
    "span",
    { class: "badges" },
    el("span", { class: "badge bad outcome", text: call.errorCode }),
    call.injected ? el("span", { class: "badge warn", text: "injected" }) : null,
  );
}

function callRows(call) {
  const open = calls.open.has(call.seq);
  const row = el(
    "tr",
    {
      class: open ? "call open" : "call",
      "data-seq": call.seq,
      onclick: () => {
        if (calls.open.has(call.seq)) calls.open.delete(call.seq);
        else calls.open.add(call.seq);
        render(true);
      },
    },
    el("td", { class: "toggle", text: open ? "▾" : "▸" }),
    el("td", { class: "mono", text: call.time ? clock(call.time) : "—" }),
    el("td", { class: "operation", text: call.operation }),
    el("td", { class: "mono", text: call.account }),
    el("td", { class: "mono", text: call.region }),
    el("td", {}, outcome(call)),
  );
  if (!open) return [row];
  return [row, el("tr", { class: "params" }, el("td", {}), el("td", { colspan: 5 }, el("pre", { class: "params", text: JSON.stringify(call.params, null, 2) })))];
}

function render(force) {
  const payload = calls.payload;
  if (!payload) return;
  const filter = $("operation-filter").value.trim().toLowerCase();
  const errorsOnly = $("errors-only").checked;
  const key = JSON.stringify([payload, filter, errorsOnly, [...calls.open]]);
  if (!force && key === calls.shown) return;
  calls.shown = key;
  const visible = payload.calls.filter(
    (call) => (!filter || call.operation.toLowerCase().includes(filter)) && (!errorsOnly || call.errorCode),
  );
  const failed = payload.calls.filter((call) => call.errorCode).length;
  replace(
    $("stats"),
    el("div", { class: "stat" }, el("b", { text: count(payload.total) }), el("span", { text: "calls logged" })),
    el("div", { class: "stat" }, el("b", { text: count(failed) }), el("span", { text: `errors in the newest ${count(payload.calls.length)}` })),
  );
  $("shown").textContent = `showing ${count(visible.length)} of the newest ${count(payload.calls.length)}`;
  $("more").classList.toggle("hidden", payload.calls.length >= payload.total);
  if (!visible.length) {
    replace($("calls"), el("div", { class: "empty small", text: payload.total ? "No call matches the filter." : "No calls yet." }));
    return;
  }
  replace(
    $("calls"),
    el(
      "table",
      { id: "calls-table" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", {}), el("th", { text: "Time" }), el("th", { text: "Operation" }), el("th", { text: "Account" }), el("th", { text: "Region" }), el("th", { text: "Outcome" })),
      ),
      el("tbody", {}, visible.map(callRows)),
    ),
  );
}

async function refresh() {
  calls.payload = await getJSON(`api/calls?limit=${calls.limit}`);
  render(false);
}

document.getElementById("top").replaceWith(topbar("calls"));
$("operation-filter").addEventListener("input", () => render(false));
$("errors-only").addEventListener("change", () => render(false));
$("more").addEventListener("click", () => {
  calls.limit += STEP;
  refresh().catch(() => setLive(false));
});
poll(refresh, 1000);
