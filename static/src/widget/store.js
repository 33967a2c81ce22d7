// What the widget keeps in the browser: the signed visitor token, unsent messages, the
// sound choice (localStorage) and whether the panel is open (this tab only).
import { local, safe } from "../shared/storage.js";

export { newClientMsgId } from "../shared/ids.js";

const TOKEN_KEY = "kefu.visitor_token";
const OUTBOX_KEY = "kefu.outbox";
const OPEN_KEY = "kefu.open";
const SOUND_KEY = "kefu.sound";

export const store = {
  token: () => local.get(TOKEN_KEY),
  setToken: (t) => local.set(TOKEN_KEY, t),
  clearToken: () => local.remove(TOKEN_KEY),
  outbox: () => safe(() => JSON.parse(local.get(OUTBOX_KEY) || "[]"), []),
  setOutbox: (items) => local.set(OUTBOX_KEY, JSON.stringify(items)),
  isOpen: () => safe(() => sessionStorage.getItem(OPEN_KEY) === "1", false),
  setOpen: (v) => safe(() => sessionStorage.setItem(OPEN_KEY, v ? "1" : "0")),
  soundOn: () => local.get(SOUND_KEY) === "1",
  setSound: (v) => local.set(SOUND_KEY, v ? "1" : "0"),
};
