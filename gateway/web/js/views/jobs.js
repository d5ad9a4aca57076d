// `/jobs`: every job of the caller, filtered by status and kind, with the
// reason of each failure and a retry for a dead one; unfinished ones
// change on the page as workers report.

import { api, query, describe } from "../api.js";
import { h, replace, when, status } from "../dom.js";
import { JobWatcher, isTerminal } from "../jobs.js";
import { notify } from "../app.js";

const STATUSES = ["", "queued", "running", "failed", "dead", "succeeded"];
const KINDS = ["", "thumbnail", "metadata", "convert", "notify"];

function row(j, onRetry) {
  return h("tr", { "data-job": j.id, "data-kind": j.kind },
    h("td", {}, j.kind),
    h("td", {}, status(j.status)),
    h("td", {}, h("a", { href: `/files/${encodeURIComponent(j.file_id)}`, "data-nav": true }, `${j.file_id.slice(0, 8)}…`)),
    h("td", {}, String(j.attempts)),
    h("td", {}, when(j.updated_at)),
    h("td", { class: j.status === "dead" ? "error" : "muted" }, j.error || ""),
    h("td", {}, j.status === "dead"
      ? h("button", { type: "button", class: "retry", onclick: () => onRetry(j) }, "Retry")
      : ""));
}

/** `/jobs` */
export async function render(view) {
  const params = new URLSearchParams(location.search);
  const pick = (name, values, label) => h("span", { class: "field inline" },
    h("label", { for: `j-${name}` }, label),
    h("select", { id: `j-${name}`, name },
      values.map((v) => h("option", { value: v, selected: (params.get(name) || "") === v }, v || "all"))));
  const form = h("form", { class: "filters" }, pick("status", STATUSES, "Status"), pick("kind", KINDS, "Kind"),
    h("button", { type: "submit" }, "Show"));
  const body = h("tbody", { id: "jobs-table" });
  const more = h("button", { type: "button", hidden: true }, "More");
  const state = h("p", { class: "muted", role: "status" });
  let cursor = null;
  let filters = { status: params.get("status") || "", kind: params.get("kind") || "" };
  const rows = new Map();

  const put = (j) => {
    const r = row(j, retry);
    const old = rows.get(j.id);
    if (old) old.replaceWith(r);
    else body.appendChild(r);
    rows.set(j.id, r);
  };
  const watcher = new JobWatcher(async (e) => {
    try {
      put(await api("GET", `/v1/jobs/${encodeURIComponent(e.job_id)}`));
    } catch (err) {
      notify(err);
    }
  });
  async function retry(j) {
    try {
      put(await api("POST", `/v1/jobs/${encodeURIComponent(j.id)}/retry`));
      watcher.watch([j.id]);
    } catch (e) {
      notify(e);
    }
  }
  const page = async () => {
    try {
      const list = await api("GET", `/v1/jobs${query({ ...filters, limit: 100, cursor })}`);
      for (const j of list.jobs) put(j);
      watcher.watch(list.jobs.filter((j) => !isTerminal(j.status)).map((j) => j.id));
      cursor = list.next_cursor;
      more.hidden = !cursor;
      state.textContent = rows.size ? "" : "No jobs match.";
    } catch (e) {
      state.textContent = describe(e);
      state.className = "error";
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(form);
    filters = { status: d.get("status"), kind: d.get("kind") };
    history.replaceState(null, "", `/jobs${query(filters)}`);
    cursor = null;
    rows.clear();
    body.replaceChildren();
    page();
  });
  more.addEventListener("click", page);
  replace(view, h("h1", {}, "Jobs"), form, state,
    h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["Kind", "Status", "File", "Attempts", "Changed", "Reason", ""].map((c) => h("th", { scope: "col" }, c)))),
      body),
    more);
  await page();
  return () => watcher.close();
}
