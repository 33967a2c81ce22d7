// The kefu chat widget: one <script src=".../widget.js"> on any site.
// It talks to the /visitor Socket.IO namespace (docs/protocol.md).
import { io } from "socket.io-client";
import { TEXTS, fill, pickLanguage } from "./i18n.js";
import { leaveMessageForm, queueText, ratingNode } from "./handoff.js";
import { el, renderBody } from "./render.js";
import { store, newClientMsgId } from "./store.js";
import { CSS } from "./styles.js";

const script = document.currentScript;
const SERVER = (script && script.dataset.server) ||
  (script && script.src ? new URL(script.src).origin : window.location.origin);
const LANG = pickLanguage((script && script.dataset.locale) || navigator.language);
const T = TEXTS[LANG];
const ACK_TIMEOUT_MS = 10000;
const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 8000;

class KefuWidget {
  constructor() {
    this.rendered = new Map(); // message id or "c:"+client_msg_id -> element
    this.socket = null;
    this.state = "bot";
    this.conversationId = null;
    this.view = null; // the latest ``conversation`` event (agent, queue, offline, can_rate)
    this.readUpTo = 0; // the agent has read the visitor's messages up to this id
    this.readSent = 0; // the visitor has told the server it read up to this id
    this.typingSentAt = 0;
    this.buildDom();
    if (store.isOpen()) this.open();
  }

  buildDom() {
    const host = el("div");
    host.id = "kefu-widget";
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: "open" });
    const style = el("style");
    style.textContent = CSS;
    root.appendChild(style);

    this.launcher = el("button", "launcher");
    // An inline SVG, not an emoji: it looks the same with or without an emoji font.
    this.launcher.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">' +
      '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
    this.launcher.setAttribute("aria-label", T.open);
    this.launcher.dataset.kefu = "launcher";
    this.launcher.addEventListener("click", () => (this.panel.classList.contains("open") ? this.hide() : this.open()));

    this.panel = el("section", "panel");
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", T.title);
    const header = el("header");
    const titles = el("div");
    titles.append(el("div", "t", T.title), el("div", "s", T.subtitle));
    const closeBtn = el("button", null, "×");
    closeBtn.setAttribute("aria-label", T.close);
    closeBtn.addEventListener("click", () => this.hide());
    header.append(titles, closeBtn);

    this.subtitle = titles.lastChild;
    this.status = el("div", "status", T.connecting);
    this.banner = el("div", "banner");
    this.banner.dataset.kefu = "banner";
    this.log = el("div", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.dataset.kefu = "log";

    this.form = el("form");
    this.input = el("textarea");
    this.input.placeholder = T.placeholder;
    this.input.setAttribute("aria-label", T.placeholder);
    this.input.maxLength = 2000;
    this.input.dataset.kefu = "input";
    const send = el("button", null, T.send);
    send.type = "submit";
    send.dataset.kefu = "send";
    this.form.append(this.input, send);
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.sendFromInput(); });
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.sendFromInput(); }
    });

    this.typingLine = el("div", "typing");
    this.typingLine.dataset.kefu = "typing";
    const tools = el("div", "tools");
    this.humanButton = el("button", "human", T.talkToHuman);
    this.humanButton.type = "button";
    this.humanButton.dataset.kefu = "human";
    this.humanButton.addEventListener("click", () => this.requestHuman());
    tools.append(this.humanButton);

    this.panel.append(header, this.status, this.banner, this.log, this.typingLine, this.form, tools);
    document.addEventListener("visibilitychange", () => this.markRead());
    root.append(this.panel, this.launcher);
    this.root = root;
  }

  open() {
    this.panel.classList.add("open");
    store.setOpen(true);
    if (!this.socket) this.connect();
    this.markRead();
    setTimeout(() => this.input.focus(), 0);
  }

  hide() {
    this.panel.classList.remove("open");
    store.setOpen(false);
  }

  setStatus(text) {
    this.status.textContent = text || "";
    this.status.classList.toggle("show", Boolean(text));
  }

  connect() {
    this.setStatus(T.connecting);
    this.socket = io(SERVER + "/visitor", {
      auth: (cb) => cb({ token: store.token() || undefined, locale: LANG,
        page: { url: window.location.href, title: document.title } }),
      transports: ["websocket", "polling"],
    });
    this.socket.on("session", (s) => this.onSession(s));
    this.socket.on("message", (m) => this.onMessage(m));
    this.socket.on("conversation", (c) => this.applyConversation(c));
    this.socket.on("typing", (e) => this.showTyping(e));
    this.socket.on("read", (e) => this.markReadByAgent(e.up_to));
    this.socket.on("disconnect", () => this.setStatus(T.offline));
    this.socket.on("connect_error", (err) => {
      const code = err && err.data && err.data.code;
      if (code === "invalid_token" || code === "unknown_visitor" || code === "token_expired") {
        store.clearToken(); // the server refused this identity: start a fresh chat
        this.socket.connect();
      } else {
        this.setStatus(T.offline);
      }
    });
  }

  onSession(s) {
    store.setToken(s.token);
    this.setStatus("");
    this.conversationId = s.conversation_id;
    this.state = s.state;
    this.log.replaceChildren();
    this.rendered.clear();
    this.extras = {};
    this.view = null; // everything is redrawn from this session
    this.readUpTo = s.agent_read_up_to || 0; // read ticks survive a reload
    this.addMessage({ id: "greeting", sender: "bot", text: s.greeting });
    for (const m of s.messages) this.addMessage(m);
    this.applyConversation({ id: s.conversation_id, state: s.state, agent_read_up_to: s.agent_read_up_to });
    this.flushOutbox();
    this.markRead();
  }

  keyOf(m) {
    return m.sender === "visitor" && m.client_msg_id ? "c:" + m.client_msg_id : "i:" + m.id;
  }

  addMessage(m) {
    const key = this.keyOf(m);
    const existing = this.rendered.get(key);
    const node = this.messageNode(m);
    if (existing) existing.replaceWith(node);
    else this.log.appendChild(node);
    this.rendered.set(key, node);
    this.log.scrollTop = this.log.scrollHeight;
    return node;
  }

  messageNode(m) {
    const node = el("div", "msg " + m.sender);
    node.dataset.sender = m.sender;
    if (typeof m.id === "number") node.dataset.id = m.id;
    if (m.intent) node.dataset.intent = m.intent;
    if (m.sender === "agent" && m.sender_name) node.appendChild(el("div", "who", m.sender_name));
    node.appendChild(renderBody(m));
    if (m.sender === "visitor" && typeof m.id === "number") this.setReceipt(node, m.id);
    if (m.suggestions && m.suggestions.length) {
      const chips = el("div", "chips");
      chips.appendChild(el("div", "label", T.didYouMean));
      for (const s of m.suggestions) {
        const chip = el("button", "chip", s.title);
        chip.type = "button";
        chip.addEventListener("click", () => this.send(s.title, s.intent));
        chips.appendChild(chip);
      }
      node.appendChild(chips);
    } else if (m.quick_replies && m.quick_replies.length) {
      const chips = el("div", "chips");
      for (const q of m.quick_replies) {
        const chip = el("button", "chip", q);
        chip.type = "button";
        chip.addEventListener("click", () => this.send(q));
        chips.appendChild(chip);
      }
      node.appendChild(chips);
    }
    return node;
  }

  sendFromInput() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.stopTyping();
    this.send(text);
  }

  send(text, intent) {
    const item = { client_msg_id: newClientMsgId(), text };
    if (intent) item.intent = intent;
    store.setOutbox([...store.outbox(), item]);
    this.deliver(item);
  }

  deliver(item) {
    const node = this.addMessage({ sender: "visitor", client_msg_id: item.client_msg_id, text: item.text });
    node.classList.add("pending");
    if (!this.socket || !this.socket.connected) return; // flushed on the next session
    this.socket.timeout(ACK_TIMEOUT_MS).emit("message", item, (err, ack) => {
      if (err) return; // no ack: stays in the outbox and is resent after reconnecting
      if (ack && ack.ok) {
        store.setOutbox(store.outbox().filter((o) => o.client_msg_id !== item.client_msg_id));
        this.addMessage(ack.message);
      } else {
        store.setOutbox(store.outbox().filter((o) => o.client_msg_id !== item.client_msg_id));
        const failed = this.rendered.get("c:" + item.client_msg_id);
        if (failed) {
          failed.classList.remove("pending");
          failed.classList.add("failed");
          failed.title = (ack && ack.error && ack.error.message) || T.failed;
          failed.addEventListener("click", () => { failed.remove(); this.send(item.text, item.intent); }, { once: true });
        }
      }
    });
  }

  flushOutbox() {
    for (const item of store.outbox()) this.deliver(item);
  }

  // ---- human handoff (protocol 2) -------------------------------------------

  onMessage(m) {
    this.addMessage(m);
    if (m.sender === "agent") {
      this.showTyping({ typing: false });
      this.markRead();
    }
  }

  /** Reflect a ``conversation`` event: who serves the visitor, queue place, offline, rating. */
  applyConversation(c) {
    if (!c) return;
    const previous = this.view;
    this.view = c;
    this.conversationId = c.id;
    this.state = c.state;
    const agentName = c.agent && c.agent.name;
    this.subtitle.textContent = agentName ? fill(T.withAgent, { name: agentName }) : T.subtitle;
    const waiting = c.state === "waiting" && !c.offline;
    this.banner.textContent = waiting ? queueText(T, c.queue) : "";
    this.banner.classList.toggle("show", waiting);
    this.humanButton.hidden = c.state === "waiting" || c.state === "agent";
    if (c.state !== "agent") this.showTyping({ typing: false });
    if (c.offline && c.state === "waiting") {
      this.showExtra("leave:" + c.id, () => leaveMessageForm(T, c.offline.reason, (v) => this.leaveMessage(v)));
    }
    if (c.can_rate) this.showExtra("rate:" + c.id, () => ratingNode(T, (n) => this.rate(n)));
    if (previous && previous.id !== c.id) this.readUpTo = 0;
    if (c.agent_read_up_to) this.markReadByAgent(c.agent_read_up_to);
  }

  /** Add a form below the messages once per key (kept until the next session). */
  showExtra(key, build) {
    this.extras = this.extras || {};
    if (this.extras[key]) return;
    this.extras[key] = build();
    this.log.appendChild(this.extras[key]);
    this.log.scrollTop = this.log.scrollHeight;
  }

  call(event, payload) {
    return new Promise((resolve) => {
      if (!this.socket || !this.socket.connected) { resolve({ ok: false, error: { message: T.offline } }); return; }
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => {
        resolve(err ? { ok: false, error: { message: T.offline } } : ack || { ok: false, error: {} });
      });
    });
  }

  async requestHuman() {
    this.humanButton.disabled = true;
    const ack = await this.call("request_human", {});
    this.humanButton.disabled = false;
    if (ack.ok && ack.conversation) this.applyConversation(ack.conversation);
    else if (!ack.ok) this.setStatus((ack.error && ack.error.message) || T.failed);
  }

  async leaveMessage(values) {
    const ack = await this.call("leave_message", values);
    return ack.ok ? null : (ack.error && ack.error.message) || T.failed;
  }

  async rate(rating) {
    const ack = await this.call("rate", { rating });
    return ack.ok ? null : (ack.error && ack.error.message) || T.failed;
  }

  /** Let the agent see the visitor typing (throttled; only while a person may be there). */
  typed() {
    if (this.state !== "agent" && this.state !== "waiting") return;
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingSentAt = now;
      this.call("typing", { typing: true });
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingIdle);
    if (!this.typingSentAt) return;
    this.typingSentAt = 0;
    this.call("typing", { typing: false });
  }

  showTyping(e) {
    clearTimeout(this.typingShown);
    const on = Boolean(e && e.typing);
    this.typingLine.textContent = on ? fill(T.typing, { name: e.name || T.someone }) : "";
    this.typingLine.classList.toggle("show", on);
    if (on) this.typingShown = setTimeout(() => this.showTyping({ typing: false }), TYPING_SHOWN_MS);
  }

  /** "✓" once stored, "✓✓ Read" once the agent has read it; drawn by CSS, so it is not message text. */
  setReceipt(node, id) {
    const read = id <= this.readUpTo;
    node.dataset.receipt = read ? "read" : "sent";
    node.dataset.receiptLabel = read ? "✓✓ " + T.read : "✓";
    node.title = read ? T.read : T.sent;
  }

  markReadByAgent(upTo) {
    this.readUpTo = Math.max(this.readUpTo, upTo || 0);
    for (const node of this.rendered.values()) {
      const id = Number(node.dataset.id);
      if (node.dataset.sender !== "visitor" || !id || id > this.readUpTo) continue;
      if (node.dataset.receipt !== "read") this.setReceipt(node, id);
    }
  }

  /** Tell the server the visitor saw the agent's messages, when the panel is really visible. */
  markRead() {
    if (!this.panel.classList.contains("open") || document.hidden || !this.socket || !this.socket.connected) return;
    let latest = 0;
    for (const node of this.rendered.values()) {
      if (node.dataset.sender === "agent") latest = Math.max(latest, Number(node.dataset.id) || 0);
    }
    if (latest > this.readSent) {
      this.readSent = latest;
      this.call("read", { message_id: latest });
    }
  }
}

function start() {
  if (window.__kefuWidget) return;
  window.__kefuWidget = new KefuWidget();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
