// The kefu chat widget: one <script src=".../widget.js"> on any site.
// It talks to the /visitor Socket.IO namespace (docs/protocol.md). This module keeps
// the conversation's state and wires the parts together: the panel (panel.js), the
// socket (connection.js), messages (render.js), the handoff forms (handoff.js),
// typing (typing.js), read ticks (receipts.js), catching up after a gap (sync.js),
// ended chats (earlier.js), the signed-in customer (identity.js) and the pre-chat form
// (prechat.js).
import { ACK_TIMEOUT_MS, connectVisitor, request } from "./connection.js";
import { TEXTS, errorText, fill, pickLanguage } from "./i18n.js";
import { leaveMessageForm, queueText, ratingNode } from "./handoff.js";
import { Notifier } from "./notify.js";
import { buildPanel } from "./panel.js";
import { latestAgentMessageId, markReadUpTo, setReceipt } from "./receipts.js";
import { messageNode } from "./render.js";
import { store, newClientMsgId } from "./store.js";
import { TypingLine, TypingSignal } from "../shared/typing.js";
import { Catchup, newestId, placeInOrder } from "./sync.js";
import { EARLIER_CSS, EarlierChats } from "./earlier.js";
import { hostUser } from "./identity.js";
import { PRECHAT_CSS, prechatForm } from "./prechat.js";
import { adoptStyles } from "./styles.js";

const script = document.currentScript;
const SERVER = (script && script.dataset.server) ||
  (script && script.src ? new URL(script.src).origin : window.location.origin);
const LANG = pickLanguage((script && script.dataset.locale) || navigator.language);
const T = TEXTS[LANG];
const COUNTER_MARGIN = 200; // the counter shows this close to the session's limit

class KefuWidget {
  constructor() {
    this.rendered = new Map(); // message id or "c:"+client_msg_id -> element
    this.socket = null;
    this.state = "bot";
    this.conversationId = null;
    this.view = null; // the latest ``conversation`` event (agent, queue, offline, can_rate)
    this.readUpTo = 0; // the agent has read the visitor's messages up to this id
    this.readSent = 0; // the visitor has told the server it read up to this id
    this.maxLength = 2000; // MAX_MESSAGE_LENGTH, replaced by the session's limits
    // The panel's parts become fields: this.panel, this.log, this.input, this.banner, ...
    Object.assign(this, buildPanel(T, {
      toggle: () => (this.panel.classList.contains("open") ? this.hide() : this.open()),
      close: () => this.hide(),
      send: () => this.sendFromInput(),
      typed: () => this.typed(),
      requestHuman: () => this.requestHuman(),
      cancelHandoff: () => this.cancelHandoff(),
      sound: () => this.toggleSound(),
    }));
    adoptStyles(this.root, EARLIER_CSS + PRECHAT_CSS);
    this.earlier = new EarlierChats(T, LANG, () => this.socket);
    this.catchup = new Catchup(this);
    this.shownVisitor = null; // whose session is on screen: a reconnect only catches up
    this.notifier = new Notifier(T, this.badge, () => store.soundOn());
    this.showSound();
    this.followViewport();
    this.typingOut = new TypingSignal((typing) => this.call("typing", { typing }));
    this.typingIn = new TypingLine(T, this.typingLine);
    // Escape from the page itself (focus on nothing in particular) closes the panel too.
    document.addEventListener("keydown", (e) => {
      const idle = document.activeElement === document.body || document.activeElement === null;
      if (e.key === "Escape" && this.isOpen() && idle) this.hide();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.notifier.stopFlash();
      if (this.isOpen() && !document.hidden) this.notifier.seen();
      this.markRead();
    });
    if (store.isOpen()) this.open();
  }

  isOpen() {
    return this.panel.classList.contains("open");
  }

  open() {
    this.notifier.seen();
    this.panel.classList.add("open");
    store.setOpen(true);
    if (!this.socket) this.connect();
    this.markRead();
    setTimeout(() => this.input.focus(), 0);
  }

  /** Close the panel; focus goes back to the launcher, so a keyboard user is not lost. */
  hide() {
    const hadFocus = this.root.activeElement && this.panel.contains(this.root.activeElement);
    this.panel.classList.remove("open");
    store.setOpen(false);
    if (hadFocus || document.activeElement === document.body) this.launcher.focus();
  }

  toggleSound() {
    store.setSound(!store.soundOn());
    this.showSound();
  }

  showSound() {
    const on = store.soundOn();
    this.soundButton.textContent = on ? T.soundOn : T.soundOff;
    this.soundButton.setAttribute("aria-pressed", String(on));
  }

  /**
   * Keep the full-screen phone panel inside the visual viewport, so the on-screen
   * keyboard shrinks the panel instead of covering the input.
   */
  followViewport() {
    const vv = window.visualViewport;
    if (!vv) return;
    const update = () => this.setViewportCss(
      `:host { --kefu-vh: ${Math.round(vv.height)}px; } ` +
      `@media (max-width: 639px) { .panel { top: ${Math.round(vv.offsetTop)}px; bottom: auto; } }`);
    vv.addEventListener("resize", update);
    vv.addEventListener("scroll", update);
    update();
  }

  /** The counter near the limit, and a visible reason when the text is over it. */
  typedLength() {
    const n = [...this.input.value].length;
    this.counter.hidden = n < this.maxLength - COUNTER_MARGIN;
    this.counter.textContent = fill(T.counter, { n, max: this.maxLength });
    this.counter.classList.toggle("over", n > this.maxLength);
    if (n <= this.maxLength && this.reason.dataset.why === "too_long") this.showReason("");
  }

  showReason(text, why) {
    this.reason.textContent = text;
    this.reason.dataset.why = text ? why || "" : "";
  }

  setStatus(text, reason) {
    this.status.textContent = text || "";
    this.status.dataset.reason = (text && reason) || "";
    this.status.classList.toggle("show", Boolean(text));
  }

  connect() {
    this.setStatus(T.connecting);
    this.socket = connectVisitor(SERVER, LANG, {
      session: (s) => this.onSession(s),
      message: (m) => this.onMessage(m),
      conversation: (c) => this.applyConversation(c),
      typing: (e) => this.typingIn.show(e),
      read: (e) => this.markReadByAgent(e.up_to),
      offline: () => this.setStatus(T.offline),
    }, hostUser(script));
  }

  onSession(s) {
    store.setToken(s.token);
    this.setStatus("");
    if (s.limits) this.maxLength = s.limits.max_message_length;
    if (this.shownVisitor === s.visitor_id) {
      // A reconnect: keep what is on screen and fetch only what was missed meanwhile.
      this.flushOutbox();
      this.catchup.run().then(() => this.markRead());
      return;
    }
    this.shownVisitor = s.visitor_id;
    this.identified = Boolean(s.identified);
    this.conversationId = s.conversation_id;
    this.state = s.state;
    this.log.replaceChildren();
    this.rendered.clear();
    this.extras = {};
    this.view = null; // everything is redrawn from this session
    this.readUpTo = s.agent_read_up_to || 0; // read ticks survive a reload
    this.log.appendChild(this.earlier.reset(s.earlier));
    this.askPrechat(s.prechat);
    // The admin's settings: greeting and suggested questions, the CSAT question, and
    // whether answers to left messages are emailed (no mail server: never promised).
    this.emailReplies = s.email_replies !== false;
    this.csatQuestion = s.csat_question || null;
    this.addMessage({ id: "greeting", sender: "bot", text: s.greeting,
      quick_replies: s.suggested_questions || [] });
    for (const m of s.messages) this.addMessage(m);
    // A chat closed just before a reload still asks for its rating, below the new greeting.
    if (s.rate_pending) this.askRating(s.rate_pending);
    this.applyConversation({ id: s.conversation_id, state: s.state, agent_read_up_to: s.agent_read_up_to });
    this.flushOutbox();
    this.markRead();
  }

  keyOf(m) {
    return m.sender === "visitor" && m.client_msg_id ? "c:" + m.client_msg_id : "i:" + m.id;
  }

  /** Draw a message, replacing the pending copy of the same message if there is one. */
  addMessage(m) {
    const key = this.keyOf(m);
    const existing = this.rendered.get(key);
    const node = messageNode(T, m, (text, intent) => this.send(text, intent), {
      requestHuman: () => this.requestHuman(),
      leaveMessage: (button) => this.offerForm(button),
      vote: (id, helpful) => this.vote(id, helpful),
    });
    if (m.sender === "visitor" && typeof m.id === "number") setReceipt(T, node, m.id, this.readUpTo);
    // By id, so an ack that comes after its own reply still puts the question first.
    if (existing) existing.remove();
    placeInOrder(this.log, node, m.id);
    this.rendered.set(key, node);
    this.log.scrollTop = this.log.scrollHeight;
    return node;
  }

  sendFromInput() {
    const text = this.input.value.trim();
    if (!text) return;
    // The server counts code points (an emoji is one): refuse here, with the reason
    // shown, rather than send what it would refuse (docs/protocol.md, "Limits").
    const length = [...text].length;
    if (length > this.maxLength) {
      this.showReason(fill(T.tooLong, { n: length, max: this.maxLength }), "too_long");
      return; // kept in the box, never cut
    }
    this.showReason("");
    this.input.value = "";
    this.typedLength();
    this.typingOut.stop();
    this.send(text);
  }

  /** Queue a message in the outbox (it survives a reload) and try to deliver it. */
  send(text, intent) {
    const item = { client_msg_id: newClientMsgId(), text };
    if (intent) item.intent = intent;
    store.setOutbox([...store.outbox(), item]);
    this.enqueue(item);
  }

  /**
   * Show ``item`` as pending and deliver it after everything queued before it: one
   * message in flight at a time, so the server stores them in the order they were typed
   * (sent together after a reconnect, they raced and could be stored out of order).
   */
  enqueue(item) {
    this.drawPending(item);
    this.delivering = (this.delivering || Promise.resolve()).then(() => this.deliver(item));
  }

  drawPending(item) {
    const node = this.addMessage({ sender: "visitor", client_msg_id: item.client_msg_id, text: item.text });
    node.classList.add("pending");
  }

  /** Send one outbox item; resolves on its ack, its timeout, or at once when offline. */
  deliver(item) {
    const queued = store.outbox().some((o) => o.client_msg_id === item.client_msg_id);
    if (!queued || !this.socket || !this.socket.connected) return Promise.resolve(); // flushed on the next session
    return new Promise((resolve) => this.socket.timeout(ACK_TIMEOUT_MS).emit("message", item, (err, ack) => {
      resolve();
      if (err) return; // no ack: stays in the outbox and is resent after reconnecting
      store.setOutbox(store.outbox().filter((o) => o.client_msg_id !== item.client_msg_id));
      if (ack && ack.ok) {
        this.addMessage(ack.message);
        return;
      }
      const failed = this.rendered.get("c:" + item.client_msg_id);
      if (failed) {
        failed.classList.remove("pending");
        failed.classList.add("failed");
        const why = errorText(T, ack && ack.error);
        const reason = failed.appendChild(document.createElement("div"));
        reason.className = "reason";
        reason.dataset.kefu = "reason";
        reason.textContent = fill(T.refused, { reason: why });
        failed.dataset.error = (ack && ack.error && ack.error.code) || "";
        failed.title = T.failed;
        failed.tabIndex = 0;
        const retry = () => { failed.remove(); this.send(item.text, item.intent); };
        failed.addEventListener("click", retry, { once: true });
        failed.addEventListener("keydown", (e) => { if (e.key === "Enter") retry(); }, { once: true });
      }
    }));
  }

  flushOutbox() {
    for (const item of store.outbox()) this.enqueue(item);
  }

  // ---- catching up (sync.js) -------------------------------------------------

  /** The newest message id on screen, the ended chats above included. */
  newestShown() {
    return Math.max(newestId(this.rendered.values()), this.earlier.newest);
  }

  hasShown(m) {
    return this.rendered.has(this.keyOf(m)) || m.id <= this.earlier.newest;
  }

  redraw(m) {
    if (m.id > this.earlier.newest) this.addMessage(m);
  }

  arrived(m) {
    this.onMessage(m);
  }

  /** While the pre-chat form is asked, it takes the message box's place. */
  askPrechat(ask) {
    if (this.prechat) this.prechat.remove();
    this.prechat = null;
    this.form.hidden = false;
    if (!ask) return;
    this.prechat = prechatForm(T, (values) => this.call("profile", values), () => {
      this.prechat = null;
      this.form.hidden = false;
      this.input.focus();
    });
    this.form.hidden = true;
    this.form.before(this.prechat);
  }

  // ---- human handoff (protocol 2) -------------------------------------------

  onMessage(m) {
    this.addMessage(m);
    if (m.sender !== "visitor") {
      this.announce(m);
      if (!this.isOpen() || document.hidden) this.notifier.arrived();
    }
    if (m.sender === "agent") {
      this.typingIn.show({ typing: false });
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
    this.cancelButton.hidden = c.state !== "waiting";
    if (c.state !== "agent") this.typingIn.show({ typing: false });
    if (c.offline && c.state === "waiting") {
      this.showExtra("leave:" + c.id, () => leaveMessageForm(T, c.offline.reason, (v) => this.leaveMessage(v), this.emailReplies));
    }
    if (c.can_rate) this.askRating(c.id);
    if (previous && previous.id !== c.id) this.readUpTo = 0;
    if (c.agent_read_up_to) this.markReadByAgent(c.agent_read_up_to);
  }

  /** The 1-5 stars for conversation ``id``, once. */
  askRating(id) {
    this.showExtra("rate:" + id, () => ratingNode(T, (n) => this.rate(n), this.csatQuestion));
  }

  /** Add a form below the messages once per key (kept until the next session). */
  showExtra(key, build) {
    this.extras = this.extras || {};
    if (this.extras[key]) return;
    this.extras[key] = build();
    this.log.appendChild(this.extras[key]);
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Read a new message out to screen readers: who wrote it, then its text. */
  announce(m) {
    const who = m.sender === "agent" ? m.sender_name || T.agent : m.sender === "bot" ? T.bot : "";
    this.announcer.textContent = (who ? who + ": " : "") + (m.text || "");
  }

  call(event, payload) {
    return request(this.socket, event, payload);
  }

  async requestHuman() {
    this.humanButton.disabled = true;
    const ack = await this.call("request_human", {});
    this.humanButton.disabled = false;
    if (ack.ok && ack.conversation) this.applyConversation(ack.conversation);
    else if (!ack.ok) this.setStatus(errorText(T, ack.error));
  }

  /** The visitor left the queue: back to the bot (``cancel_handoff``). */
  async cancelHandoff() {
    this.cancelButton.disabled = true;
    const ack = await this.call("cancel_handoff", {});
    this.cancelButton.disabled = false;
    if (ack.ok && ack.conversation) this.applyConversation(ack.conversation);
    else if (!ack.ok) this.setStatus(errorText(T, ack.error));
  }

  /** The form offered (not forced) while the bot stays first line: shown on request. */
  offerForm(button) {
    const reason = (this.view && this.view.offline && this.view.offline.reason) || "no_agents";
    button.replaceWith(leaveMessageForm(T, reason, (v) => this.leaveMessage(v)));
  }

  async leaveMessage(values) {
    return this.problemOf(await this.call("leave_message", values));
  }

  /** The visitor's thumb on a bot answer: the vote the server kept, or null (reason shown). */
  async vote(messageId, helpful) {
    const ack = await this.call("vote", { message_id: messageId, helpful });
    if (ack.ok) return ack.vote.helpful;
    this.setStatus(errorText(T, ack.error));
    return null;
  }

  async rate(rating) {
    return this.problemOf(await this.call("rate", { rating }));
  }

  /** The error text a form shows for a failed ack, or null when it worked. */
  problemOf(ack) {
    return ack.ok ? null : errorText(T, ack.error);
  }

  /** Let the agent see the visitor typing (only while a person may be there). */
  typed() {
    this.typedLength();
    if (this.state === "agent" || this.state === "waiting") this.typingOut.typed();
  }

  markReadByAgent(upTo) {
    this.readUpTo = Math.max(this.readUpTo, upTo || 0);
    markReadUpTo(T, this.rendered.values(), this.readUpTo);
  }

  /** Tell the server the visitor saw the agent's messages, when the panel is really visible. */
  markRead() {
    if (!this.isOpen() || document.hidden || !this.socket || !this.socket.connected) return;
    const latest = latestAgentMessageId(this.rendered.values());
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
