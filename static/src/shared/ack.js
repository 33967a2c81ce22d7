// Acknowledged Socket.IO requests that never hang: when the server does not answer in
// time (or the socket is down) the promise still settles, with an ``offline`` error.
export const ACK_TIMEOUT_MS = 10000;

const OFFLINE = { ok: false, error: { code: "offline", message: "No answer from the server" } };
const EMPTY = { ok: false, error: { code: "no_ack", message: "Empty answer" } };

/** Emit ``event`` and resolve to the server's ack, or to an ``offline`` error when there is none. */
export function requestAck(socket, event, payload) {
  return new Promise((resolve) => {
    if (!socket || !socket.connected) { resolve(OFFLINE); return; }
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => resolve(err ? OFFLINE : ack || EMPTY));
  });
}
