// `/files/{id}`: one upload: preview, outputs, metadata, jobs (live, with
// their history, errors and a retry for dead ones), and what can be done
// with it: download, rename, describe, link, add to an album, delete.

import { api, query } from "../api.js";
import { h, replace, bytes, when, duration, status } from "../dom.js";
import { JobWatcher, isTerminal } from "../jobs.js";
import { go, notify } from "../app.js";
import { shareButton } from "./shares.js";

function preview(f) {
  const biggest = (f.thumbnails || [])[f.thumbnails.length - 1];
  if (biggest) return h("img", { class: "preview", src: biggest.url, alt: f.filename || "preview", width: biggest.width, height: biggest.height });
  if (f.type === "video") return h("video", { class: "preview", controls: true, preload: "metadata", src: f.url });
  if (f.type === "audio") return h("audio", { controls: true, preload: "metadata", src: f.url });
  return h("p", { class: "placeholder" }, f.content_type);
}

function facts(rows) {
  return h("dl", { class: "facts" }, rows.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function metadataFacts(f, m) {
  const exif = (m && m.exif) || {};
  const gps = exif.gps || f.location;
  const exposure = [
    exif.exposure_time_display ? `${exif.exposure_time_display} s` : null,
    exif.f_number ? `f/${exif.f_number}` : null,
    exif.iso ? `ISO ${exif.iso}` : null,
    exif.focal_length_mm ? `${exif.focal_length_mm} mm` : null,
  ].filter(Boolean).join(" · ");
  const camera = f.camera ? [f.camera.make, f.camera.model].filter(Boolean).join(" ") : "";
  const tracks = (m && m.tracks) || [];
  return facts([
    ["Camera", camera],
    ["Lens", f.camera && f.camera.lens],
    ["Exposure", exposure],
    ["Taken", when(f.taken_at)],
    ["Location", gps ? h("a", {
      href: `https://www.openstreetmap.org/?mlat=${gps.latitude}&mlon=${gps.longitude}#map=15/${gps.latitude}/${gps.longitude}`,
      rel: "noopener noreferrer", target: "_blank",
    }, `${gps.latitude}, ${gps.longitude} (map)`) : null],
    ["Dimensions", f.width && f.height ? `${f.width} × ${f.height}` : null],
    ["Duration", f.duration_secs ? duration(f.duration_secs) : null],
    ["Container", m && m.container],
    ["Tracks", tracks.map((t) => `${t.kind} ${t.codec || ""}`.trim()).join(", ")],
    ["Software", exif.software],
    // What the file says about itself (XMP, IPTC) and what could not be read.
    ["Title", m && m.title],
    ["Caption", m && m.description],
    ["Keywords", m && m.keywords && m.keywords.join(", ")],
    ["Rating", m && typeof m.rating === "number" ? (m.rating < 0 ? "rejected" : `${"★".repeat(m.rating)}${"☆".repeat(5 - m.rating)}`) : null],
    ["Colour profile", m && m.icc_profile],
    ["HDR", tracks.some((t) => t.hdr) ? tracks.filter((t) => t.hdr).map((t) => t.color_transfer).join(", ") : null],
    ["Could not read", m && m.warnings && m.warnings.join("; ")],
  ]);
}

function jobView(j, onRetry) {
  const retry = j.status === "dead"
    ? h("button", { type: "button", class: "retry", "data-job": j.id, onclick: () => onRetry(j) }, "Retry")
    : null;
  return h("li", { class: "job", "data-job": j.id, "data-kind": j.kind },
    h("div", { class: "row" }, h("strong", {}, j.kind), status(j.status),
      h("span", { class: "muted" }, `${j.attempts} attempt${j.attempts === 1 ? "" : "s"}`), retry),
    j.error ? h("p", { class: j.status === "dead" ? "error job-error" : "muted job-error" }, j.error) : null,
    j.history.length ? h("details", {}, h("summary", {}, "History"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Attempt", "Started", "Ended", "Outcome", "Error"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, j.history.map((a) => h("tr", {},
          h("td", {}, a.attempt), h("td", {}, when(a.started_at)), h("td", {}, when(a.finished_at)),
          h("td", {}, a.outcome || "running"), h("td", {}, a.error || "")))))) : null);
}

function outputsView(jobs) {
  const outs = jobs.flatMap((j) => j.outputs.map((o) => ({ ...o, kind: j.kind })));
  if (!outs.length) return h("p", { class: "muted" }, "No outputs yet.");
  return h("ul", { class: "outputs" }, outs.map((o) => h("li", { "data-output": o.file_id },
    h("a", { href: o.url, download: o.filename || "", class: "download" }, o.filename || o.file_id),
    h("span", { class: "muted" }, ` ${o.content_type} · ${bytes(o.bytes)}${o.width ? ` · ${o.width}×${o.height}` : ""}`))));
}

/** `/files/{id}` */
export async function render(view, id) {
  const f = await api("GET", `/v1/files/${encodeURIComponent(id)}/details`);
  let meta = null;
  try {
    meta = await api("GET", `/v1/files/${encodeURIComponent(id)}/metadata`);
  } catch (e) {
    if (e.code !== "metadata_not_available") notify(e);
  }
  const jobsBox = h("ul", { class: "jobs-list", id: "jobs" });
  const outputsBox = h("div", { id: "outputs" });
  const metaBox = h("div", { id: "metadata" }, metadataFacts(f, meta));
  const title = h("h1", {}, f.filename || f.id);

  const loadJobs = async () => {
    const list = await api("GET", `/v1/jobs${query({ file_id: id, limit: 200 })}`);
    replace(jobsBox, list.jobs.length ? list.jobs.map((j) => jobView(j, retry)) : h("li", { class: "muted" }, "No jobs."));
    replace(outputsBox, outputsView(list.jobs));
    return list.jobs;
  };
  const watcher = new JobWatcher(async (e) => {
    try {
      await loadJobs();
      if (e.kind === "metadata" && e.status === "succeeded") {
        meta = await api("GET", `/v1/files/${encodeURIComponent(id)}/metadata`).catch(() => null);
        replace(metaBox, metadataFacts(f, meta));
      }
    } catch (err) {
      notify(err);
    }
  });
  const retry = async (j) => {
    try {
      await api("POST", `/v1/jobs/${encodeURIComponent(j.id)}/retry`);
      await loadJobs();
      watcher.watch([j.id]);
    } catch (e) {
      notify(e);
    }
  };

  // Rename and describe.
  const edit = h("form", { class: "card", id: "edit" },
    h("h2", {}, "Details"),
    h("div", { class: "field" }, h("label", { for: "filename" }, "Name"),
      h("input", { id: "filename", name: "filename", value: f.filename || "", maxlength: 255, required: true })),
    h("div", { class: "field" }, h("label", { for: "tags" }, "Tags (comma-separated)"),
      h("input", { id: "tags", name: "tags", value: (f.tags || []).join(", ") })),
    h("div", { class: "field" }, h("label", { for: "description" }, "Description"),
      h("textarea", { id: "description", name: "description", maxlength: 2000, rows: 3 }, f.description || "")),
    h("button", { type: "submit" }, "Save"));
  edit.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = new FormData(edit);
    try {
      const after = await api("PATCH", `/v1/files/${encodeURIComponent(id)}`, {
        filename: d.get("filename").trim(),
        tags: d.get("tags").split(",").map((t) => t.trim()).filter(Boolean),
        description: d.get("description").trim() || null,
      });
      title.textContent = after.filename || after.id;
      notify("Saved.", "ok");
    } catch (err) {
      notify(err);
    }
  });

  // A link that downloads without signing in.
  const linkOut = h("p", { class: "muted", role: "status" });
  const link = h("button", { type: "button" }, "Make a download link (24 h)");
  link.addEventListener("click", async () => {
    try {
      const l = await api("POST", `/v1/files/${encodeURIComponent(id)}/links`, { expires_in_secs: 86400 });
      const url = new URL(l.url, location.origin).href;
      replace(linkOut, h("input", { readonly: true, value: url, "aria-label": "Download link", size: 50 }), ` valid until ${when(l.expires_at)}`);
      linkOut.querySelector("input").select();
    } catch (err) {
      notify(err);
    }
  });

  // Albums.
  const albumPick = h("select", { id: "album-pick", "aria-label": "Album" }, h("option", { value: "" }, "Add to album…"));
  api("GET", "/v1/albums?limit=200").then((a) => {
    for (const al of a.albums) albumPick.appendChild(h("option", { value: al.id }, al.name));
  }).catch((e) => notify(e));
  albumPick.addEventListener("change", async () => {
    if (!albumPick.value) return;
    const name = albumPick.selectedOptions[0].textContent;
    try {
      await api("POST", `/v1/albums/${encodeURIComponent(albumPick.value)}/files`, { file_ids: [id] });
      notify(`Added to ${name}.`, "ok");
    } catch (err) {
      notify(err);
    }
    albumPick.value = "";
  });

  const del = h("button", { type: "button", class: "danger", id: "delete" }, "Delete");
  del.addEventListener("click", async () => {
    if (!window.confirm(`Delete ${f.filename || "this file"} and everything made from it?`)) return;
    try {
      await api("DELETE", `/v1/files/${encodeURIComponent(id)}`);
      go("/files");
    } catch (err) {
      notify(err);
    }
  });

  replace(view,
    h("p", {}, h("a", { href: "/files", "data-nav": true }, "← Files")),
    title,
    h("div", { class: "split" },
      h("div", {}, preview(f),
        facts([["Type", f.content_type], ["Size", bytes(f.bytes)], ["Uploaded", when(f.created_at)], ["SHA-256", h("code", {}, f.sha256)]]),
        h("div", { class: "row actions" },
          h("a", { class: "button", href: f.url, download: f.filename || "", id: "download-original" }, "Download original"),
          link, shareButton({ file_id: id }), albumPick, del),
        linkOut),
      h("div", {},
        h("h2", {}, "Outputs"), outputsBox,
        h("h2", {}, "Jobs"), jobsBox,
        h("h2", {}, "Metadata"), metaBox)),
    edit);

  const jobs = await loadJobs();
  watcher.watch(jobs.filter((j) => !isTerminal(j.status)).map((j) => j.id));
  return () => watcher.close();
}
