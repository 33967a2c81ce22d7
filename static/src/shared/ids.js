// Ids the client makes itself: a message's client_msg_id, so a resend is recognised.

/** A random id, unique enough for one conversation. */
export function newClientMsgId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "m-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
}
