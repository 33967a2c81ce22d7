// The agent workspace: one /agent socket (docs/protocol.md, protocol 2), the cards
// of the queue and of my chats, the open conversation, and the actions on it.
import { io } from "socket.io-client";
import { newClientMsgId } from "../shared/ids.js";
import { t } from "./i18n.js";
import { renderList } from "./lists.js";
import { ChatView } from "./chat.js";
import { Composer } from "./composer.js";
import { Canned } from "./canned.js";
import { beep, setBadge } from "./notify.js";
import { requestAck } from "../shared/ack.js";
import { BotChats, renderBotChats } from "./supervision.js";

const PRESENCE = { online: 0, away: 1, offline: 2 };

/** Online agents first, then away, then offline; by name within each. */
export function sortedByPresence(agents) {
  const rank = (a) => PRESENCE[a.status] ?? 2;
  return [...agents].sort((a, b) => rank(a) - rank(b) || String(a.name).localeCompare(String(b.name)));
}

export class Workspace {
  constructor(root, { onError }) {
    this.root = root;
    this.q = (role) => root.querySelector(`[data-role=${role}]`);
    const ds = root.dataset;
    this.me = { id: Number(ds.meId), name: ds.meName, role: ds.meRole };
    this.onError = onError;
    this.cards = new Map();
    this.fresh = new Set();
    this.seenWaiting = null; // ids already announced; null until the first hello
    this.agents = [];
    this.openId = null;
    this.canned = new Canned();
    this.botChats = new BotChats();
    this.chat = new ChatView(root, {
      me: this.me,
      onAction: (action, id) => this.action(action, id),
      onOpenConversation: (id) => this.open(id),
      onInsertDraft: (messageId, text) => this.composer.insertDraft(messageId, text),
      onToInbox: (messageId) => this.toInbox(messageId),
    });
    this.composer = new Composer(this.q("composer"), this.canned, {
      onSend: (mode, text, draftFor) => this.send(mode, text, draftFor),
      onTyping: (typing) => this.openId && this.emit("typing", { conversation_id: this.openId, typing }),
      conversationId: () => this.openId,
    });
    this.canned.load();
    setInterval(() => this.renderLists(), 15000); // waiting times move on
    document.addEventListener("visibilitychange", () => this.markRead());
    window.addEventListener("focus", () => this.markRead());
  }

  connect() {
    this.socket = io("/agent", { transports: ["websocket", "polling"], withCredentials: true });
    const s = this.socket;
    s.on("connect", () => this.setConn(true));
    s.on("disconnect", (reason) => {
      this.setConn(false);
      // The server cuts the desk when this login ends (logout elsewhere, a new password,
      // deactivation); socket.io does not retry that by itself. Connecting again is then
      // refused, which sends this page to the login form.
      if (reason === "io server disconnect") s.connect();
    });
    s.on("connect_error", (err) => {
      this.setConn(false);
      const code = err && err.data && err.data.code;
      if (["unauthorized", "session_revoked", "forbidden"].includes(code)) {
        window.location.href = "/auth/login?next=/agent/";
      }
    });
    s.on("hello", (h) => this.onHello(h));
    s.on("queue", (q) => this.onQueue(q.queue || q));
    s.on("conversation", (card) => this.onCard(card));
    s.on("message", (m) => this.onMessage(m));
    s.on("typing", (e) => { if (e.conversation_id === this.openId && e.sender === "visitor") this.chat.setTyping(e.typing); });
    s.on("read", (e) => { if (e.conversation_id === this.openId) this.chat.setReadUpTo(e.up_to); });
    s.on("agents", (a) => { this.agents = a.agents || a; this.renderTeam(); });
    s.on("ticket", () => this.onTicket());
    s.on("bot_chat", (card) => this.onBotChat(card));
    s.on("assist", (a) => { if (a.conversation_id === this.openId) this.chat.setDraft(a.message_id, a.draft); });
  }

  setConn(ok) {
    const conn = this.q("conn");
    conn.textContent = ok ? t("connected") : t("disconnected");
    conn.classList.toggle("bad", !ok);
  }

  emit(event, payload) {
    return requestAck(this.socket, event, payload);
  }

  // ---- cards ----------------------------------------------------------------

  upsert(card) {
    const old = this.cards.get(card.id) || {};
    const merged = { ...old, ...card, _receivedAt: Date.now() };
    if (card.unread === undefined && old.unread !== undefined) merged.unread = old.unread;
    this.cards.set(card.id, merged);
    return merged;
  }

  onHello(h) {
    if (h.me && h.me.id) Object.assign(this.me, h.me);
    this.cards.clear();
    for (const card of [...(h.queue || []), ...(h.mine || [])]) this.upsert(card);
    this.agents = h.agents || [];
    this.renderTeam();
    const mine = this.agents.find((a) => a.id === this.me.id);
    if (mine && mine.status) this.q("presence").value = mine.status;
    this.seenWaiting = new Set((h.queue || []).map((c) => c.id));
    this.botChats.reset(h.bot_chats);
    this.renderLists();
    if (this.openId) this.open(this.openId); // after a reconnect: rejoin, refresh
  }

  onQueue(queue) {
    const ids = new Set(queue.map((c) => c.id));
    for (const [id, card] of this.cards) {
      if (card.state === "waiting" && !ids.has(id)) this.cards.delete(id);
    }
    let announced = false;
    for (const card of queue) {
      this.botChats.drop(card.id); // handed off: no longer the bot's
      this.upsert({ ...card, state: card.state || "waiting" });
      if (this.seenWaiting && !this.seenWaiting.has(card.id)) {
        this.seenWaiting.add(card.id);
        this.fresh.add(card.id);
        setTimeout(() => { this.fresh.delete(card.id); this.renderLists(); }, 6000);
        announced = true;
      }
    }
    if (announced) beep();
    this.renderLists();
  }

  onCard(card) {
    if (card.state !== "bot") this.botChats.drop(card.id);
    const merged = this.upsert(card);
    if (["closed", "bot", "abandoned"].includes(merged.state)) this.cards.delete(card.id);
    this.chat.updateCard(merged);
    if (card.id === this.openId) this.refreshComposer();
    this.renderLists();
  }

  isMine(card) {
    return card.state === "agent" && card.assigned_agent && card.assigned_agent.id === this.me.id;
  }

  renderLists() {
    const all = [...this.cards.values()];
    const queue = all.filter((c) => c.state === "waiting")
      .sort((a, b) => String(a.escalated_at || "").localeCompare(String(b.escalated_at || "")) || a.id - b.id);
    const mine = all.filter((c) => this.isMine(c)).sort((a, b) => a.id - b.id);
    const opts = { activeId: this.openId, freshIds: this.fresh, onOpen: (id) => this.open(id) };
    renderList(this.q("queue"), queue, opts);
    renderList(this.q("mine"), mine, opts);
    const bots = this.botChats.sorted();
    renderBotChats(this.q("bot-chats"), bots, { ...opts, onTakeover: (id) => this.action("takeover", id) });
    this.q("bot-count").textContent = bots.length;
    this.q("queue-count").textContent = queue.length;
    this.q("mine-count").textContent = mine.length;
    const unread = mine.reduce((n, c) => n + (c.unread || 0), 0);
    setBadge(queue.length + unread);
  }

  renderTeam() {
    const ul = this.q("team");
    ul.replaceChildren();
    for (const a of sortedByPresence(this.agents)) {
      const status = PRESENCE[a.status] !== undefined ? a.status : "offline";
      const li = document.createElement("li");
      li.className = "member " + status;
      li.dataset.agentId = a.id;
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.title = t(status);
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = a.name + (a.id === this.me.id ? " ✓" : "");
      const load = document.createElement("span");
      load.className = "load";
      load.textContent = a.open_chats ? String(a.open_chats) : "";
      li.append(dot, name, load);
      ul.append(li);
    }
  }

  /** A bot turn in a chat the bot is handling: its card, and the transcript if it is open. */
  onBotChat(card) {
    this.botChats.upsert(card);
    this.renderLists();
    if (card.id === this.openId && this.chat.detail && this.chat.detail.state === "bot") this.open(card.id);
  }

  // ---- messages -------------------------------------------------------------

  onMessage(m) {
    const card = this.cards.get(m.conversation_id);
    if (card && m.sender !== "note") card.last_message = m;
    if (m.conversation_id === this.openId) {
      this.chat.add(m);
      if (m.sender === "visitor") this.markRead();
    } else if (card && m.sender === "visitor" && document.hidden && this.isMine(card)) {
      beep(); // the unread count itself comes with the card the server sends next
    }
    this.renderLists();
  }

  /** Tell the visitor we've read their messages, when we really can see them. */
  markRead() {
    const card = this.openId && this.cards.get(this.openId);
    if (!card || document.hidden || !this.chat.canWrite(card)) return;
    const upTo = this.chat.lastVisitorMessageId();
    if (!upTo || upTo <= (card._readSent || 0)) return;
    card._readSent = upTo;
    card.unread = 0;
    this.emit("read", { conversation_id: this.openId, message_id: upTo });
    this.renderLists();
  }

  async open(id) {
    this.switchView("chats");
    this.openId = id;
    this.canned.load(id); // canned replies rendered for this conversation
    const ack = await this.emit("open", { conversation_id: id });
    if (!ack.ok) { this.onError(ack.error); return; }
    if (this.openId !== id) return; // another conversation was picked meanwhile
    const detail = ack.conversation;
    const card = this.cards.get(id);
    if (card) { card.unread = 0; Object.assign(detail, { unread: 0 }); }
    const reopened = Boolean(this.chat.detail && this.chat.detail.id === id);
    this.chat.show(detail);
    this.refreshComposer({ reset: !reopened });
    this.renderLists();
    this.markRead();
  }

  /** Enable what this agent may write; keep the chosen mode unless it is no longer allowed. */
  refreshComposer({ reset = false } = {}) {
    const d = this.chat.detail;
    if (!d) return;
    const replyAllowed = this.chat.canReply(d);
    const writable = this.chat.canWrite(d);
    if (reset) this.composer.draft = null; // a draft belongs to the chat it was inserted in
    const wanted = reset || !this.composer.replyWasAllowed ? "reply" : this.composer.mode();
    this.composer.replyWasAllowed = replyAllowed;
    this.composer.setMode(wanted, { replyAllowed });
    this.composer.setEnabled(writable);
    this.composer.input.placeholder = writable ? "" : t("claimToReply");
  }

  async send(mode, text, draftFor) {
    const id = this.openId;
    if (!id) return;
    const clientMsgId = newClientMsgId();
    const local = { conversation_id: id, client_msg_id: clientMsgId, text, sender: mode === "note" ? "note" : "agent",
      sender_name: this.me.name, created_at: new Date().toISOString() };
    this.chat.add(local);
    this.chat.markPending(clientMsgId);
    const payload = { conversation_id: id, client_msg_id: clientMsgId, text };
    if (mode !== "note" && draftFor) payload.draft_for = draftFor; // the bot's draft it started from
    const ack = await this.emit(mode === "note" ? "note" : "message", payload);
    if (ack.ok) {
      if (ack.message && this.openId === id) this.chat.add(ack.message);
      else this.chat.markPending(clientMsgId, null);
    } else {
      this.chat.markPending(clientMsgId, ack.error.message);
      this.composer.showError(t("errorPrefix") + ack.error.message);
    }
  }

  /** "The bot should have answered this": true once the line is in the learning inbox. */
  async toInbox(messageId) {
    const ack = await this.emit("to_inbox", { conversation_id: this.openId, message_id: messageId });
    if (!ack.ok) this.onError(ack.error);
    return ack.ok;
  }

  async action(action, id) {
    if (action === "transfer") return this.transfer(id);
    const ack = await this.emit(action, { conversation_id: id });
    if (!ack.ok) {
      this.onError(ack.error.code === "already_claimed" ? { message: t("claimedByOther") } : ack.error);
      return;
    }
    if (ack.conversation) this.onCard(ack.conversation);
    if (action === "claim" || action === "takeover") this.open(id);
  }

  transfer(id) {
    const dialog = this.q("transfer");
    const select = this.q("transfer-to");
    select.replaceChildren();
    for (const a of sortedByPresence(this.agents).filter((x) => x.id !== this.me.id)) {
      const option = document.createElement("option");
      option.value = a.id;
      option.textContent = `${a.name} · ${t(a.status in PRESENCE ? a.status : "offline")} · ${a.open_chats || 0}`;
      select.append(option);
    }
    this.q("transfer-note").value = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ok" || !select.value) return;
      const ack = await this.emit("transfer", { conversation_id: id, to_agent_id: Number(select.value),
        note: this.q("transfer-note").value.trim() });
      if (!ack.ok) this.onError(ack.error);
      else if (ack.conversation) this.onCard(ack.conversation);
    };
    dialog.showModal();
  }

  /** A visitor left a message: count it on the tab until the agent looks. */
  onTicket() {
    if (this.view === "tickets") { if (this.onTicketsChanged) this.onTicketsChanged(); return; }
    this.newTickets = (this.newTickets || 0) + 1;
    const tab = this.root.querySelector("[data-view=tickets]");
    tab.dataset.badge = String(this.newTickets);
    beep();
  }

  switchView(view) {
    if (view === "tickets") {
      this.newTickets = 0;
      delete this.root.querySelector("[data-view=tickets]").dataset.badge;
    }
    for (const b of this.root.querySelectorAll("[data-view]")) b.classList.toggle("active", b.dataset.view === view);
    for (const p of this.root.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== view;
    this.view = view;
  }

  setPresence(status) {
    this.emit("presence", { status }).then((ack) => { if (!ack.ok) this.onError(ack.error); });
  }

  /** Redraw everything that carries text, after a language switch. */
  relabel() {
    this.renderLists();
    this.renderTeam();
    if (this.chat.detail) this.chat.show(this.chat.detail);
    this.setConn(this.socket && this.socket.connected);
  }
}
