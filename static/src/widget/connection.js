// The socket to the /visitor namespace (docs/protocol.md): who the visitor is, and
// acknowledged requests that never hang when the server is unreachable.
import { io } from "socket.io-client";
import { store } from "./store.js";
import { requestAck } from "../shared/ack.js";
import { IDENTITY_REFUSALS } from "./identity.js";

export { ACK_TIMEOUT_MS } from "../shared/ack.js";

// The server refused the stored identity: the widget drops it and starts a fresh chat.
const REFUSED_IDENTITY = ["invalid_token", "unknown_visitor", "token_expired", "identity_required"];

/**
 * Connect to ``server``'s /visitor namespace with the stored token, and route its events
 * to ``on``: session, message, conversation, typing, read, offline. ``user`` is the host
 * site's signed-in customer (identity.js), or undefined.
 */
export function connectVisitor(server, lang, on, user) {
  const socket = io(server + "/visitor", {
    auth: (cb) => cb({ token: store.token() || undefined, locale: lang, user,
      page: { url: window.location.href, title: document.title } }),
    transports: ["websocket", "polling"],
  });
  socket.on("session", on.session);
  socket.on("message", on.message);
  socket.on("conversation", on.conversation);
  socket.on("typing", on.typing);
  socket.on("read", on.read);
  socket.on("disconnect", on.offline);
  socket.on("connect_error", (err) => {
    const code = err && err.data && err.data.code;
    if (REFUSED_IDENTITY.includes(code)) {
      store.clearToken();
      socket.connect();
    } else if (IDENTITY_REFUSALS.includes(code) && user) {
      // The site's signature is wrong or kefu cannot check it: chat anonymously.
      console.warn("kefu: data-user-* refused (" + code + "): " + err.message);
      user = undefined;
      socket.connect();
    } else {
      on.offline();
    }
  });
  return socket;
}

/** Emit ``event`` and resolve to the server's ack, or to an ``offline`` error when there is none. */
export const request = requestAck;
