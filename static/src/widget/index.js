// The kefu chat widget: one <script src=".../widget.js"> on any site.
// It talks to the /visitor Socket.IO namespace (docs/protocol.md).
import { io } from "socket.io-client";
import { TEXTS, pickLanguage } from "./i18n.js";
import { el, renderBody } from "./render.js";
import { store, newClientMsgId } from "./store.js";
import { CSS } from "./styles.js";

const script = document.currentScript;
const SERVER = (script && script.dataset.server) ||
  (script && script.src ? new URL(script.src).origin : window.location.origin);
const LANG = pickLanguage((script && script.dataset.locale) || navigator.language);
const T = TEXTS[LANG];
const ACK_TIMEOUT_MS = 10000;

class KefuWidget {
  constructor() {
    this.rendered = new Map(); // message id or "c:"+client_msg_id -> element
    this.socket = null;
    this.state = "bot";
    this.conversationId = null;
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

    this.launcher = el("button", "launcher", "💬");
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

    this.status = el("div", "status", T.connecting);
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
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.sendFromInput(); }
    });

    this.panel.append(header, this.status, this.log, this.form);
    root.append(this.panel, this.launcher);
    this.root = root;
  }

  open() {
    this.panel.classList.add("open");
    store.setOpen(true);
    if (!this.socket) this.connect();
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
      auth: (cb) => cb({ token: store.token() || undefined, locale: LANG }),
      transports: ["websocket", "polling"],
    });
    this.socket.on("session", (s) => this.onSession(s));
    this.socket.on("message", (m) => this.addMessage(m));
    this.socket.on("conversation", (c) => { this.conversationId = c.id; this.state = c.state; });
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
    this.addMessage({ id: "greeting", sender: "bot", text: s.greeting });
    for (const m of s.messages) this.addMessage(m);
    this.flushOutbox();
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
    if (m.intent) node.dataset.intent = m.intent;
    if (m.sender === "agent" && m.sender_name) node.appendChild(el("div", "who", m.sender_name));
    node.appendChild(renderBody(m));
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
}

function start() {
  if (window.__kefuWidget) return;
  window.__kefuWidget = new KefuWidget();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
