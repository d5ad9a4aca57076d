// The app's shell: finds the view for the path, keeps the navigation and
// the signed-in state, and shows every failure in words.

import { session, loadSession, api, describe } from "./api.js";
import { h, replace } from "./dom.js";
import * as auth from "./views/auth.js";
import * as upload from "./views/upload.js";
import * as files from "./views/files.js";
import * as file from "./views/file.js";
import * as albums from "./views/albums.js";
import * as shares from "./views/shares.js";
import * as jobs from "./views/jobs.js";
import * as usage from "./views/usage.js";
import * as historyView from "./views/history.js";

const ROUTES = [
  [/^\/$/, upload.render],
  [/^\/upload$/, upload.render],
  [/^\/files$/, files.render],
  [/^\/files\/([^/]+)$/, file.render],
  [/^\/albums$/, albums.renderList],
  [/^\/albums\/([^/]+)$/, albums.renderOne],
  [/^\/shares$/, shares.render],
  [/^\/jobs$/, jobs.render],
  [/^\/usage$/, usage.render],
  [/^\/history$/, historyView.render],
  [/^\/signin$/, auth.renderSignIn],
  [/^\/signup$/, auth.renderSignUp],
];
const PUBLIC = ["/signin", "/signup"];

let cleanup = null;

/** Shows `message` (or an error, described) above the view until dismissed. */
export function notify(message, kind = "error") {
  const box = document.getElementById("notice");
  const text = typeof message === "string" ? message : describe(message);
  replace(
    box,
    h("span", {}, text),
    h("button", { type: "button", class: "link", onclick: () => { box.hidden = true; } }, "Dismiss"),
  );
  box.className = `notice notice-${kind}`;
  box.hidden = false;
}

function clearNotice() {
  document.getElementById("notice").hidden = true;
}

/** Goes to `path` inside the app without reloading. */
export function go(path, { replace: rep = false } = {}) {
  if (rep) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route();
}

function chrome() {
  const signedIn = !session.accounts || session.account;
  const nav = document.getElementById("nav");
  nav.hidden = !signedIn;
  for (const a of nav.querySelectorAll("[data-accounts]")) a.hidden = !session.accounts;
  for (const a of nav.querySelectorAll("a")) {
    const here = location.pathname === a.getAttribute("href")
      || location.pathname.startsWith(`${a.getAttribute("href")}/`)
      || (location.pathname === "/" && a.getAttribute("href") === "/upload");
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const who = document.getElementById("who");
  if (session.accounts && session.account) {
    replace(
      who,
      h("span", { class: "muted" }, session.account.name),
      h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
    );
  } else {
    replace(who);
  }
}

async function signOut() {
  try {
    await api("DELETE", "/v1/auth/session");
  } catch (e) {
    notify(e);
    return;
  }
  session.account = null;
  session.csrf_token = null;
  go("/signin");
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  clearNotice();
  const path = location.pathname;
  if (session.accounts && !session.account && !PUBLIC.includes(path)) {
    const next = path + location.search;
    history.replaceState(null, "", `/signin${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`);
    return route();
  }
  chrome();
  const view = document.getElementById("view");
  for (const [re, render] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    replace(view, h("p", { class: "muted" }, "Loading…"));
    try {
      cleanup = (await render(view, ...m.slice(1).map(decodeURIComponent))) || null;
    } catch (e) {
      replace(view, h("h1", {}, "Something went wrong"), h("p", { class: "error" }, describe(e)));
    }
    return;
  }
  replace(view, h("h1", {}, "Not found"), h("p", {}, "No page here. ", h("a", { href: "/files", "data-nav": true }, "Your files")));
}

// Links inside the app change the view without a reload.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-nav]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  go(a.getAttribute("href"));
});
window.addEventListener("popstate", route);
window.addEventListener("kiln:signed-out", () => {
  notify("Your session has ended: sign in again.");
  go(`/signin?next=${encodeURIComponent(location.pathname)}`, { replace: true });
});

async function start() {
  try {
    await loadSession();
  } catch (e) {
    replace(document.getElementById("view"), h("h1", {}, "Kiln is not answering"), h("p", { class: "error" }, describe(e)));
    return;
  }
  route();
}

start();
