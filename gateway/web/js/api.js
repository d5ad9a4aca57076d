// The JSON API, as the app calls it: the session cookie authenticates,
// and every change carries the session's CSRF token.

/** The browser's session (GET /v1/auth/session), loaded at start. */
export const session = { accounts: false, account: null, csrf_token: null };

/** An error answer, with the API's code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** What to tell the user about a failure, in words. */
export function describe(err) {
  if (err instanceof ApiError) {
    return `${err.message} (${err.code}, HTTP ${err.status})`;
  }
  if (err instanceof TypeError) {
    return `The server cannot be reached (${err.message}). Check your connection and try again.`;
  }
  return String(err && err.message ? err.message : err);
}

async function errorOf(resp) {
  let code = "http_error";
  let message = `${resp.status} ${resp.statusText}`;
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // Not JSON (a proxy's page): the status line says enough.
  }
  if (resp.status === 429 || resp.status === 503) {
    const after = resp.headers.get("retry-after");
    if (after) message += ` Try again in ${after} s.`;
  }
  return new ApiError(resp.status, code, message);
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  if (session.csrf_token) h["X-CSRF-Token"] = session.csrf_token;
  return h;
}

/** Calls the API; resolves to the parsed JSON (or null), rejects with ApiError. */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: headers() };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const resp = await fetch(path, init);
  if (resp.status === 401 && session.accounts && !path.startsWith("/v1/auth/")) {
    // The session ended (expired, or signed out elsewhere): sign in again.
    session.account = null;
    session.csrf_token = null;
    window.dispatchEvent(new CustomEvent("kiln:signed-out"));
  }
  if (!resp.ok) throw await errorOf(resp);
  if (resp.status === 204) return null;
  const type = resp.headers.get("content-type") || "";
  return type.includes("json") ? resp.json() : null;
}

/** Loads the session into `session`. */
export async function loadSession() {
  Object.assign(session, await api("GET", "/v1/auth/session"));
  return session;
}

/** A query string of the non-empty values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * Uploads one file as multipart (its name travels in the form, in any
 * script), reporting byte progress; resolves to the upload's answer.
 * Returns {promise, abort}.
 */
export function upload(file, params, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open("POST", `/v1/uploads${query(params)}`);
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body);
      } else {
        const e = body && body.error ? body.error : {};
        let message = e.message || `${xhr.status} ${xhr.statusText}`;
        const after = xhr.getResponseHeader("retry-after");
        if (after && (xhr.status === 429 || xhr.status === 503 || xhr.status === 507)) {
          message += ` Try again in ${after} s.`;
        }
        reject(new ApiError(xhr.status, e.code || "http_error", message));
      }
    };
    xhr.onerror = () => reject(new TypeError("the upload's connection failed"));
    xhr.onabort = () => reject(new ApiError(0, "cancelled", "upload cancelled"));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
