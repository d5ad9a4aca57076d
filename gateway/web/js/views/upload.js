// `/upload`: many files at once, by drag-and-drop or the file picker, each
// with its own choices and a byte progress bar, then its jobs live.

import { api, session, upload, describe } from "../api.js";
import { h, replace, bytes, status } from "../dom.js";
import { JobWatcher } from "../jobs.js";

const SIZES = [128, 256, 512, 1024, 2048];
const FORMATS = ["jpeg", "webp", "png", "avif"];
const PARALLEL = 3;

let seq = 0;

function checkboxes(name, values, checked, label) {
  return h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, label),
    values.map((v) => {
      const id = `${name}-${++seq}`;
      return h("span", { class: "choice" },
        h("input", { type: "checkbox", id, name, value: v, checked: checked.includes(v) }),
        h("label", { for: id }, String(v)));
    }),
  );
}

function select(name, label, options, value) {
  const id = `${name}-${++seq}`;
  return h("span", { class: "field inline" }, h("label", { for: id }, label),
    h("select", { id, name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text))));
}

function toggle(name, label, checked) {
  const id = `${name}-${++seq}`;
  return h("span", { class: "choice" }, h("input", { type: "checkbox", id, name, checked }), h("label", { for: id }, label));
}

/** The choices of one upload, as a form; `read()` gives the query. */
function choices(defaults) {
  const form = h("div", { class: "options" },
    checkboxes("sizes", SIZES, defaults.sizes, "Thumbnail sizes (px)"),
    checkboxes("formats", FORMATS, defaults.formats, "Thumbnail formats"),
    h("div", { class: "row" },
      toggle("convert", "Convert audio/video to MP3", defaults.convert),
      select("bitrate", "MP3 quality", [["", "VBR (default)"], ["128", "128 kbit/s"], ["192", "192 kbit/s"], ["320", "320 kbit/s"]], defaults.bitrate)),
    h("div", { class: "row" },
      toggle("metadata", "Extract metadata", defaults.metadata),
      session.accounts ? toggle("notify", "Email me when done", defaults.notify) : null,
      toggle("duplicate", "Keep a second copy if I already have this file", defaults.duplicate)),
  );
  const read = () => {
    const all = (n) => [...form.querySelectorAll(`input[name=${n}]:checked`)].map((i) => i.value);
    const on = (n) => Boolean(form.querySelector(`input[name=${n}]`)?.checked);
    return {
      sizes: all("sizes").map(Number),
      formats: all("formats"),
      convert: on("convert"),
      bitrate: form.querySelector("select[name=bitrate]").value,
      metadata: on("metadata"),
      notify: on("notify"),
      duplicate: on("duplicate"),
    };
  };
  return { form, read };
}

/** The query of an upload of `file` with `c`: work that cannot apply to
 * the file's type is left out rather than refused. */
function params(file, c) {
  const type = file.type || "";
  const image = type.startsWith("image/");
  const media = type.startsWith("audio/") || type.startsWith("video/");
  const p = { metadata: c.metadata ? "true" : "false" };
  if (image) {
    p.thumbnails = c.sizes.length ? c.sizes.join(",") : "none";
    if (c.sizes.length && c.formats.length) p.formats = c.formats.join(",");
  }
  if (media && c.convert) {
    p.convert = "mp3";
    if (c.bitrate) p.bitrate = c.bitrate;
  }
  if (session.accounts) p.notify = c.notify ? "email" : "none";
  if (c.duplicate) p.dedupe = "false";
  return p;
}

/** `/upload` */
export async function render(view) {
  const defaults = { sizes: [256, 1024], formats: ["jpeg"], convert: true, bitrate: "", metadata: true, notify: false, duplicate: false };
  if (session.accounts) {
    // The account's own choice ("email me when any job ends") is the default.
    defaults.notify = Boolean((await api("GET", "/v1/me")).notify_email);
  }
  const global = choices(defaults);
  const list = h("ul", { class: "uploads", "aria-label": "Files to upload" });
  const rows = [];
  const watcher = new JobWatcher((e) => {
    for (const r of rows) r.onJobEvent(e);
  });
  const input = h("input", { type: "file", id: "file-input", multiple: true, class: "visually-hidden" });
  const go = h("button", { type: "button", id: "start-upload", disabled: true }, "Upload");
  const summary = h("p", { class: "muted", role: "status", "aria-live": "polite" });

  const refresh = () => {
    const waiting = rows.filter((r) => r.state === "waiting").length;
    go.disabled = waiting === 0;
    go.textContent = waiting ? `Upload ${waiting} file${waiting === 1 ? "" : "s"}` : "Upload";
    const done = rows.filter((r) => r.state === "stored").length;
    const failed = rows.filter((r) => r.state === "failed").length;
    summary.textContent = rows.length ? `${done} stored, ${failed} failed, ${rows.length - done - failed} to go` : "";
  };

  const add = (files) => {
    for (const file of files) {
      const row = makeRow(file, global.read(), watcher, refresh, () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
        refresh();
      });
      rows.push(row);
      list.appendChild(row.el);
    }
    refresh();
  };
  input.addEventListener("change", () => {
    add([...input.files]);
    input.value = "";
  });

  const drop = h("div", { class: "drop", id: "drop" },
    h("p", {}, "Drop files here, or "),
    h("label", { for: "file-input", class: "button", tabindex: 0 }, "choose files"),
    input);
  drop.querySelector("label").addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  for (const t of ["dragenter", "dragover"]) {
    drop.addEventListener(t, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const t of ["dragleave", "drop"]) drop.addEventListener(t, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    add([...e.dataTransfer.files]);
  });

  go.addEventListener("click", async () => {
    const queue = rows.filter((r) => r.state === "waiting");
    const next = async () => {
      const r = queue.shift();
      if (!r) return;
      await r.start();
      await next();
    };
    await Promise.all(Array.from({ length: PARALLEL }, next));
  });

  replace(view,
    h("h1", {}, "Upload"),
    drop,
    h("details", { class: "card" }, h("summary", {}, "Choices for new files"), global.form),
    list,
    h("div", { class: "row" }, go, summary));
  return () => watcher.close();
}

function makeRow(file, initial, watcher, refresh, remove) {
  const own = choices(initial);
  const bar = h("progress", { max: file.size || 1, value: 0, "aria-label": `Upload progress of ${file.name}` });
  const note = h("span", { class: "muted" }, "waiting");
  const jobs = h("ul", { class: "jobs" });
  const removeBtn = h("button", { type: "button", class: "link" }, "Remove");
  const retryBtn = h("button", { type: "button", class: "link", hidden: true }, "Try again");
  const details = h("details", {}, h("summary", {}, "Choices"), own.form);
  const el = h("li", { class: "upload", "data-name": file.name },
    h("div", { class: "row" }, h("strong", { class: "name" }, file.name), h("span", { class: "muted" }, bytes(file.size)), removeBtn, retryBtn),
    details, bar, note, jobs);
  const chips = new Map();
  const row = {
    el,
    state: "waiting",
    abort: null,
    async start() {
      row.state = "sending";
      refresh();
      removeBtn.textContent = "Cancel";
      retryBtn.hidden = true;
      details.open = false;
      details.hidden = true;
      note.textContent = "uploading…";
      const p = params(file, own.read());
      const { promise, abort } = upload(file, p, (loaded, total) => {
        bar.max = total;
        bar.value = loaded;
        note.textContent = `${bytes(loaded)} of ${bytes(total)}`;
      });
      row.abort = abort;
      try {
        const done = await promise;
        row.state = "stored";
        bar.value = bar.max;
        removeBtn.hidden = true;
        replace(note, done.duplicate_of ? "already in your library: " : "stored: ",
          h("a", { href: `/files/${encodeURIComponent(done.file_id)}`, "data-nav": true }, "open"));
        for (const j of done.jobs) {
          const chip = h("li", { "data-job": j.id, "data-kind": j.kind }, h("span", { class: "kind" }, j.kind), " ", status(j.status), h("span", { class: "why" }));
          chips.set(j.id, chip);
          jobs.appendChild(chip);
        }
        watcher.watch(done.jobs.map((j) => j.id));
      } catch (e) {
        row.state = e.code === "cancelled" ? "waiting" : "failed";
        note.textContent = describe(e);
        note.className = e.code === "cancelled" ? "muted" : "error";
        removeBtn.textContent = "Remove";
        retryBtn.hidden = row.state !== "failed";
        details.hidden = false;
      }
      row.abort = null;
      refresh();
    },
    onJobEvent(e) {
      const chip = chips.get(e.job_id);
      if (!chip) return;
      chip.querySelector(".status").replaceWith(status(e.status));
      chip.querySelector(".why").textContent = e.error && (e.status === "dead" || e.status === "failed") ? ` ${e.error}` : "";
    },
  };
  removeBtn.addEventListener("click", () => (row.abort ? row.abort() : remove()));
  retryBtn.addEventListener("click", () => row.start());
  return row;
}
