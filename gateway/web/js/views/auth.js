// Sign-in and sign-up (only when the installation has accounts).

import { api, describe, session } from "../api.js";
import { h, replace } from "../dom.js";
import { go } from "../app.js";

function field(label, attrs) {
  const id = `f-${attrs.name}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
}

function next() {
  const n = new URLSearchParams(location.search).get("next");
  // Only a path of this app, never another site.
  return n && n.startsWith("/") && !n.startsWith("//") ? n : "/upload";
}

async function signIn(email, password) {
  Object.assign(session, await api("POST", "/v1/auth/session", { email, password }));
}

function form(title, fields, submitLabel, onSubmit, footer) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h("button", { type: "submit" }, submitLabel);
  const f = h("form", { class: "card narrow", novalidate: true }, h("h1", {}, title), ...fields, error, button, footer);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    button.disabled = true;
    try {
      await onSubmit(new FormData(f));
    } catch (err) {
      error.textContent = describe(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

/** `/signin` */
export function renderSignIn(view) {
  if (!session.accounts || session.account) return go("/upload", { replace: true });
  replace(
    view,
    form(
      "Sign in",
      [
        field("Email", { name: "email", type: "email", autocomplete: "username", required: true }),
        field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
      ],
      "Sign in",
      async (d) => {
        await signIn(d.get("email"), d.get("password"));
        go(next(), { replace: true });
      },
      h("p", {}, "No account yet? ", h("a", { href: `/signup${location.search}`, "data-nav": true }, "Sign up")),
    ),
  );
  view.querySelector("input").focus();
}

/** `/signup` */
export function renderSignUp(view) {
  if (!session.accounts || session.account) return go("/upload", { replace: true });
  replace(
    view,
    form(
      "Create an account",
      [
        field("Name", { name: "name", autocomplete: "name", required: true, maxlength: 100 }),
        field("Email", { name: "email", type: "email", autocomplete: "username", required: true }),
        field("Password (at least 10 characters)", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 10 }),
      ],
      "Sign up",
      async (d) => {
        await api("POST", "/v1/auth/signup", { name: d.get("name"), email: d.get("email"), password: d.get("password") });
        await signIn(d.get("email"), d.get("password"));
        go(next(), { replace: true });
      },
      h("p", {}, "Have an account? ", h("a", { href: `/signin${location.search}`, "data-nav": true }, "Sign in")),
    ),
  );
  view.querySelector("input").focus();
}
