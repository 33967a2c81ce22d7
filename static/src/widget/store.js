// What the widget keeps in the browser: the signed visitor token and unsent messages.
const TOKEN_KEY = "kefu.visitor_token";
const OUTBOX_KEY = "kefu.outbox";
const OPEN_KEY = "kefu.open";
const SOUND_KEY = "kefu.sound";

function safe(fn, fallback) {
  try { return fn(); } catch (e) { return fallback; }
}

export const store = {
  token: () => safe(() => localStorage.getItem(TOKEN_KEY), null),
  setToken: (t) => safe(() => localStorage.setItem(TOKEN_KEY, t)),
  clearToken: () => safe(() => localStorage.removeItem(TOKEN_KEY)),
  outbox: () => safe(() => JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]"), []),
  setOutbox: (items) => safe(() => localStorage.setItem(OUTBOX_KEY, JSON.stringify(items))),
  isOpen: () => safe(() => sessionStorage.getItem(OPEN_KEY) === "1", false),
  setOpen: (v) => safe(() => sessionStorage.setItem(OPEN_KEY, v ? "1" : "0")),
  soundOn: () => safe(() => localStorage.getItem(SOUND_KEY) === "1", false),
  setSound: (v) => safe(() => localStorage.setItem(SOUND_KEY, v ? "1" : "0")),
};

export function newClientMsgId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "m-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
}
