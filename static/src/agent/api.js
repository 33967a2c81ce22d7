// The REST half of protocol 2 (/api/v1): same-origin fetch with the session cookie,
// and the CSRF token from the page's <meta> on every write.
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";

async function call(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    init.headers["X-CSRFToken"] = CSRF;
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body || {});
  }
  const response = await fetch("/api/v1" + path, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok || (data && data.ok === false)) {
    const error = new Error((data && data.error && data.error.message) || response.statusText || "HTTP " + response.status);
    error.code = data && data.error && data.error.code;
    throw error;
  }
  return data;
}

export const api = {
  get: (path) => call("GET", path),
  post: (path, body) => call("POST", path, body),
  put: (path, body) => call("PUT", path, body),
  del: (path) => call("DELETE", path),
};
