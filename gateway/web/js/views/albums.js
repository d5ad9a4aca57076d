// `/albums` and `/albums/{id}`: make, rename, describe, delete and share
// albums; see and remove their files.

import { api, query, describe } from "../api.js";
import { h, replace } from "../dom.js";
import { card } from "./files.js";
import { go, notify } from "../app.js";
import { shareButton } from "./shares.js";

/** `/albums` */
export async function renderList(view) {
  const grid = h("ul", { class: "grid" });
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const page = async () => {
    const list = await api("GET", `/v1/albums${query({ limit: 50, cursor })}`);
    for (const a of list.albums) {
      grid.appendChild(h("li", { class: "tile", "data-album": a.id },
        h("a", { href: `/albums/${encodeURIComponent(a.id)}`, "data-nav": true, class: "tile-link" },
          a.cover_url ? h("img", { src: a.cover_url, alt: "", loading: "lazy" }) : h("span", { class: "placeholder", "aria-hidden": "true" }, "album"),
          h("span", { class: "tile-name" }, a.name)),
        h("span", { class: "tile-meta muted" }, `${a.file_count} file${a.file_count === 1 ? "" : "s"}`)));
    }
    cursor = list.next_cursor;
    more.hidden = !cursor;
    if (!grid.children.length) grid.appendChild(h("li", { class: "muted" }, "No albums yet."));
  };
  more.addEventListener("click", () => page().catch(notify));

  const form = h("form", { class: "row card" },
    h("label", { for: "album-name" }, "New album"),
    h("input", { id: "album-name", name: "name", required: true, maxlength: 255 }),
    h("button", { type: "submit" }, "Create"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const a = await api("POST", "/v1/albums", { name: new FormData(form).get("name").trim() });
      go(`/albums/${encodeURIComponent(a.id)}`);
    } catch (err) {
      notify(err);
    }
  });
  replace(view, h("h1", {}, "Albums"), form, grid, more);
  await page();
}

/** `/albums/{id}` */
export async function renderOne(view, id) {
  const album = await api("GET", `/v1/albums/${encodeURIComponent(id)}`);
  const grid = h("ul", { class: "grid" });
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const page = async () => {
    const list = await api("GET", `/v1/files${query({ album: id, limit: 60, cursor })}`);
    for (const f of list.files) {
      const tile = card(f);
      tile.appendChild(h("button", {
        type: "button", class: "link", onclick: async () => {
          try {
            await api("DELETE", `/v1/albums/${encodeURIComponent(id)}/files/${encodeURIComponent(f.id)}`);
            tile.remove();
          } catch (err) {
            notify(err);
          }
        },
      }, "Remove from album"));
      tile.appendChild(h("button", {
        type: "button", class: "link", onclick: async () => {
          try {
            await api("PATCH", `/v1/albums/${encodeURIComponent(id)}`, { cover_file_id: f.id });
            notify(`${f.filename || "This file"} is the album's cover now.`, "ok");
          } catch (err) {
            notify(err);
          }
        },
      }, "Make cover"));
      grid.appendChild(tile);
    }
    cursor = list.next_cursor;
    more.hidden = !cursor;
    if (!grid.children.length) {
      grid.appendChild(h("li", { class: "muted" }, "This album is empty: add files from their pages."));
    }
  };
  more.addEventListener("click", () => page().catch(notify));

  const edit = h("form", { class: "card" },
    h("div", { class: "field" }, h("label", { for: "a-name" }, "Name"),
      h("input", { id: "a-name", name: "name", value: album.name, required: true, maxlength: 255 })),
    h("div", { class: "field" }, h("label", { for: "a-desc" }, "Description"),
      h("textarea", { id: "a-desc", name: "description", rows: 2, maxlength: 2000 }, album.description || "")),
    h("div", { class: "row" },
      h("button", { type: "submit" }, "Save"),
      shareButton({ album_id: id }),
      h("button", {
        type: "button", class: "danger", onclick: async () => {
          if (!window.confirm(`Delete the album ${album.name}? Its files stay in your library.`)) return;
          try {
            await api("DELETE", `/v1/albums/${encodeURIComponent(id)}`);
            go("/albums");
          } catch (err) {
            notify(err);
          }
        },
      }, "Delete album")));
  edit.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = new FormData(edit);
    try {
      const a = await api("PATCH", `/v1/albums/${encodeURIComponent(id)}`, {
        name: d.get("name").trim(),
        description: d.get("description").trim() || null,
      });
      view.querySelector("h1").textContent = a.name;
      notify("Saved.", "ok");
    } catch (err) {
      notify(describe(err));
    }
  });
  replace(view, h("p", {}, h("a", { href: "/albums", "data-nav": true }, "← Albums")), h("h1", {}, album.name), edit, grid, more);
  await page();
}
