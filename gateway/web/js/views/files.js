// `/files`: the gallery of the caller's uploads, with search, filters and
// infinite scroll (or the "More" button, for keyboards and slow screens).

import { api, query, describe } from "../api.js";
import { h, replace, bytes, duration, status } from "../dom.js";

const PAGE = 40;

/** The thumbnail to show for a file at about `edge` px: the smallest one
 * at least that big, else the biggest there is. */
export function thumbnailFor(file, edge) {
  const t = file.thumbnails || [];
  return t.find((x) => Math.max(x.width || 0, x.height || 0) >= edge) || t[t.length - 1] || null;
}

/** A gallery card linking to the file's page. */
export function card(f) {
  const thumb = thumbnailFor(f, 256);
  const jobs = f.jobs || [];
  const worst = ["dead", "failed", "running", "queued"].find((s) => jobs.some((j) => j.status === s));
  const name = f.filename || f.id;
  return h("li", { class: "tile", "data-file": f.id },
    h("a", { href: `/files/${encodeURIComponent(f.id)}`, "data-nav": true, class: "tile-link" },
      thumb
        ? h("img", { src: thumb.url, alt: name, loading: "lazy", width: thumb.width, height: thumb.height })
        : h("span", { class: `placeholder type-${f.type}`, "aria-hidden": "true" }, f.type),
      h("span", { class: "tile-name" }, name)),
    h("span", { class: "tile-meta muted" },
      `${f.type} · ${bytes(f.bytes)}`,
      f.duration_secs ? ` · ${duration(f.duration_secs)}` : "",
      f.width && f.height ? ` · ${f.width}×${f.height}` : ""),
    worst ? status(worst) : null);
}

/** `/files` */
export async function render(view) {
  const params = new URLSearchParams(location.search);
  const form = h("form", { class: "filters", role: "search" },
    h("label", { for: "q" }, "Search"),
    h("input", { id: "q", name: "q", type: "search", value: params.get("q") || "", placeholder: "name, tag, description", maxlength: 200 }),
    h("label", { for: "type" }, "Type"),
    h("select", { id: "type", name: "type" },
      [["", "All"], ["image", "Images"], ["video", "Videos"], ["audio", "Audio"], ["other", "Other"]]
        .map(([v, t]) => h("option", { value: v, selected: params.get("type") === v }, t))),
    h("label", { for: "sort" }, "Order"),
    h("select", { id: "sort", name: "sort" },
      [["newest", "Newest first"], ["oldest", "Oldest first"]]
        .map(([v, t]) => h("option", { value: v, selected: (params.get("sort") || "newest") === v }, t))),
    h("label", { for: "camera_model" }, "Camera model"),
    h("input", { id: "camera_model", name: "camera_model", value: params.get("camera_model") || "", size: 12 }),
    h("span", { class: "choice" },
      h("input", { type: "checkbox", id: "has_gps", name: "has_gps", checked: params.get("has_gps") === "true" }),
      h("label", { for: "has_gps" }, "With location")),
    h("button", { type: "submit" }, "Apply"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const next = {
      q: d.get("q").trim(),
      type: d.get("type"),
      sort: d.get("sort") === "newest" ? "" : d.get("sort"),
      camera_model: d.get("camera_model").trim(),
      has_gps: d.get("has_gps") ? "true" : "",
    };
    history.replaceState(null, "", `/files${query(next)}`);
    load(next);
  });

  const grid = h("ul", { class: "grid", id: "gallery", "aria-live": "polite" });
  const more = h("button", { type: "button", id: "more", hidden: true }, "More");
  const state = h("p", { class: "muted", role: "status" });
  replace(view, h("h1", {}, "Files"), form, state, grid, more);

  let cursor = null;
  let filters = {};
  let busy = false;
  let generation = 0;

  const page = async () => {
    if (busy) return;
    busy = true;
    const mine = generation;
    try {
      const list = await api("GET", `/v1/files${query({ ...filters, limit: PAGE, cursor })}`);
      if (mine !== generation) return;
      for (const f of list.files) grid.appendChild(card(f));
      cursor = list.next_cursor;
      more.hidden = !cursor;
      state.textContent = grid.children.length ? "" : "No files match. Upload some, or change the filters.";
    } catch (e) {
      state.textContent = describe(e);
      state.className = "error";
    } finally {
      busy = false;
    }
  };
  const load = (f) => {
    generation++;
    filters = Object.fromEntries(Object.entries(f).filter(([, v]) => v));
    cursor = null;
    busy = false;
    grid.replaceChildren();
    state.className = "muted";
    return page();
  };
  more.addEventListener("click", page);
  // Next page when "More" scrolls into view.
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && cursor) page();
  });
  seen.observe(more);

  await load(Object.fromEntries(params.entries()));
  return () => seen.disconnect();
}
