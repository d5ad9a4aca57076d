// `/history`: what happened in the account, newest first.

import { api, query } from "../api.js";
import { h, replace, when } from "../dom.js";
import { notify } from "../app.js";

function detail(d) {
  if (!d || typeof d !== "object") return "";
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(", ");
}

/** `/history` */
export async function render(view) {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const page = async () => {
    const p = await api("GET", `/v1/history${query({ limit: 100, cursor })}`);
    for (const e of p.entries) {
      body.appendChild(h("tr", {},
        h("td", {}, when(e.at)),
        h("td", {}, e.action.replaceAll("_", " ")),
        h("td", {}, e.subject ? h("code", {}, e.subject) : ""),
        h("td", {}, detail(e.detail))));
    }
    cursor = p.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => page().catch(notify));
  replace(view, h("h1", {}, "History"),
    h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["When", "What", "Subject", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
      body),
    more);
  await page();
}
