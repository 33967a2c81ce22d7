// Never a missed reply: after every reconnect, and whenever the tab is shown again, the
// widget asks ``sync`` (docs/protocol.md) for every message after the newest one it
// shows. The server answers from the database, so a reply sent while the socket was
// down (a phone in a tunnel, a laptop asleep, a server restart) still arrives; ids
// already on screen are dropped, so nothing shows twice.
import { request } from "./connection.js";

const MAX_PAGES = 20; // 20 pages of 200: a gap longer than that waits for the next sync

/** The highest numeric message id among ``nodes`` (0 when none has one). */
export function newestId(nodes) {
  let newest = 0;
  for (const node of nodes) newest = Math.max(newest, Number(node.dataset.id) || 0);
  return newest;
}

/**
 * Put ``node`` among the log's messages by id: before the first drawn message with a
 * larger id or still pending (unsent messages stay last); at the end otherwise.
 */
export function placeInOrder(log, node, id) {
  if (typeof id === "number") {
    for (const other of log.children) {
      if (other === node) continue;
      if (Number(other.dataset.id) > id || other.classList.contains("pending")) {
        log.insertBefore(node, other);
        return;
      }
    }
  }
  log.appendChild(node);
}

/**
 * Catches a widget up: ``widget`` gives ``socket``, ``newestShown()``, ``hasShown(m)``,
 * ``arrived(m)`` (a new message: draw and announce it), ``redraw(m)`` and
 * ``applyConversation(view)``.
 */
export class Catchup {
  constructor(widget) {
    this.widget = widget;
    this.running = null;
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.run(); });
  }

  /** Fetch and draw what was missed; one run at a time (a second call joins it). */
  run() {
    if (!this.running) this.running = this.pages().finally(() => { this.running = null; });
    return this.running;
  }

  async pages() {
    const w = this.widget;
    if (!w.socket || !w.socket.connected) return;
    let after = w.newestShown();
    for (let page = 0; page < MAX_PAGES; page++) {
      const ack = await request(w.socket, "sync", { after_id: after });
      if (!ack.ok) return;
      for (const m of ack.messages) {
        if (w.hasShown(m)) w.redraw(m);
        else w.arrived(m);
        after = Math.max(after, m.id);
      }
      if (!ack.more) {
        if (ack.conversation) w.applyConversation(ack.conversation);
        return;
      }
    }
  }
}
