// `/shares`: the caller's share links, and revoking them; `shareButton`
// makes one for a file or an album.

import { api, query } from "../api.js";
import { h, replace, when } from "../dom.js";
import { notify } from "../app.js";

/** A button that shares `target` ({file_id} or {album_id}) and shows the link. */
export function shareButton(target) {
  const out = h("span", { role: "status" });
  const btn = h("button", { type: "button" }, "Share link");
  btn.addEventListener("click", async () => {
    try {
      const s = await api("POST", "/v1/shares", { ...target, download: false });
      const url = new URL(s.url, location.origin).href;
      replace(out, h("input", { readonly: true, value: url, size: 40, "aria-label": "Share link" }));
      out.querySelector("input").select();
    } catch (e) {
      notify(e);
    }
  });
  return h("span", { class: "row" }, btn, out);
}

/** `/shares` */
export async function render(view) {
  const table = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const page = async () => {
    const list = await api("GET", `/v1/shares${query({ limit: 100, cursor })}`);
    for (const s of list.shares) {
      const target = s.kind === "album" ? `/albums/${encodeURIComponent(s.target_id)}` : `/files/${encodeURIComponent(s.target_id)}`;
      const row = h("tr", { "data-share": s.id },
        h("td", {}, h("a", { href: target, "data-nav": true }, `${s.kind} ${s.target_id.slice(0, 8)}…`)),
        h("td", {}, s.download ? "view and download" : "view"),
        h("td", {}, when(s.created_at)),
        h("td", {}, s.expires_at ? `${s.expired ? "expired" : "until"} ${when(s.expires_at)}` : "until revoked"),
        h("td", {}, h("button", {
          type: "button", class: "danger", onclick: async () => {
            try {
              await api("DELETE", `/v1/shares/${encodeURIComponent(s.id)}`);
              row.remove();
            } catch (e) {
              notify(e);
            }
          },
        }, "Revoke")));
      table.appendChild(row);
    }
    cursor = list.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => page().catch(notify));
  replace(view, h("h1", {}, "Shares"),
    h("p", { class: "muted" }, "A share's link is shown once, when it is made; here you can see and revoke them."),
    h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["Shared", "Allows", "Made", "Works", ""].map((c) => h("th", { scope: "col" }, c)))),
      table),
    more);
  await page();
}
