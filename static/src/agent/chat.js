// The middle and right columns for the open conversation: header and actions, handoff
// banner, transcript, typing line, composer state, visitor details.
import { el } from "../shared/dom.js";
import { t } from "./i18n.js";
import { visitorName, duration, waitedSeconds } from "./format.js";
import { handoffBanner, keyOf, messageRow } from "./transcript.js";
import { renderDetails } from "./details.js";

const STATE_KEYS = { waiting: "waiting", agent: "agentState", bot: "botState", closed: "closed", abandoned: "abandoned" };

export function guessesOf(detail) {
  return (detail.handoff && detail.handoff.guesses) || [];
}

export function reasonOf(detail) {
  return detail.reason || (detail.handoff && detail.handoff.reason) || null;
}

export class ChatView {
  constructor(root, { me, onAction, onOpenConversation, onInsertDraft, onToInbox }) {
    this.q = (role) => root.querySelector(`[data-role=${role}]`);
    this.me = me;
    this.onAction = onAction;
    this.onOpenConversation = onOpenConversation;
    this.onInsertDraft = onInsertDraft;
    this.onToInbox = onToInbox;
    this.detail = null;
    this.rows = new Map();
    this.readUpTo = 0;
    this.typingTimer = null;
  }

  /** May this agent write in the conversation at all (notes, typing, read, actions)? */
  canWrite(card) {
    if (!card) return false;
    return this.me.role === "admin" || Boolean(card.assigned_agent && card.assigned_agent.id === this.me.id);
  }

  /** May this agent write to the visitor (docs/protocol.md: "Who may write")? */
  canReply(card) {
    if (!this.canWrite(card)) return false;
    return card.state === "agent" || (card.state === "waiting" && this.me.role === "admin");
  }

  show(detail) {
    this.detail = detail;
    this.rows.clear();
    this.readUpTo = detail.visitor_read_up_to || 0;
    this.q("chat-empty").hidden = true;
    this.q("chat-inner").hidden = false;
    this.q("transcript").replaceChildren();
    const all = [...(detail.messages || []), ...(detail.notes || [])];
    all.sort((a, b) => (a.id || 0) - (b.id || 0));
    for (const m of all) this.add(m, { scroll: false });
    this.renderHeader();
    this.q("typing").textContent = "";
    const transcript = this.q("transcript");
    transcript.scrollTop = transcript.scrollHeight;
  }

  clear() {
    this.detail = null;
    this.q("chat-empty").hidden = false;
    this.q("chat-inner").hidden = true;
    this.q("details").replaceChildren();
  }

  /** What a transcript row needs besides its message: read ticks, and drafts for the holder. */
  rowOptions() {
    const canInsert = Boolean(this.detail && this.canReply(this.detail));
    return { readUpTo: this.readUpTo, onInsertDraft: canInsert ? this.onInsertDraft : null,
      onToInbox: this.detail && this.canWrite(this.detail) ? this.onToInbox : null };
  }

  add(m, { scroll = true } = {}) {
    const key = keyOf(m);
    const node = messageRow(m, this.rowOptions());
    const old = this.rows.get(key) || (m.id !== undefined && this.rows.get("i:" + m.id));
    if (old) old.node.replaceWith(node);
    else this.q("transcript").append(node);
    this.rows.set(key, { node, message: m });
    if (m.sender === "visitor") this.setTyping(null);
    if (scroll) {
      const transcript = this.q("transcript");
      transcript.scrollTop = transcript.scrollHeight;
    }
    return node;
  }

  markPending(clientMsgId, failedText) {
    const row = this.rows.get("c:" + clientMsgId);
    if (!row) return;
    row.node.classList.toggle("pending", failedText === undefined);
    if (failedText) {
      row.node.classList.add("failed");
      row.node.title = failedText;
    }
  }

  setReadUpTo(upTo) {
    this.readUpTo = Math.max(this.readUpTo, upTo || 0);
    if (this.detail) this.detail.visitor_read_up_to = this.readUpTo;
    for (const [key, row] of this.rows) {
      if (row.message.sender === "agent" && typeof row.message.id === "number" && row.message.id <= this.readUpTo) {
        const node = messageRow(row.message, this.rowOptions());
        row.node.replaceWith(node);
        this.rows.set(key, { node, message: row.message });
      }
    }
  }

  /** The bot's draft for a visitor message arrived (agent assist): show it under the message. */
  setDraft(messageId, draft) {
    for (const [key, row] of this.rows) {
      if (row.message.id !== messageId) continue;
      row.message.assist = draft;
      const node = messageRow(row.message, this.rowOptions());
      row.node.replaceWith(node);
      this.rows.set(key, { node, message: row.message });
      const transcript = this.q("transcript");
      transcript.scrollTop = transcript.scrollHeight;
    }
  }

  setTyping(typing) {
    clearTimeout(this.typingTimer);
    const line = this.q("typing");
    if (!typing) { line.textContent = ""; return; }
    line.textContent = t("typing", { name: visitorName(this.detail && this.detail.visitor) });
    this.typingTimer = setTimeout(() => { line.textContent = ""; }, 8000);
  }

  lastVisitorMessageId() {
    let id = 0;
    for (const { message } of this.rows.values()) {
      if (message.sender === "visitor" && typeof message.id === "number") id = Math.max(id, message.id);
    }
    return id;
  }

  /** Merge a fresh card into the open conversation and redraw what depends on it. */
  updateCard(card) {
    if (!this.detail || card.id !== this.detail.id) return;
    Object.assign(this.detail, card);
    this.renderHeader();
  }

  renderHeader() {
    const d = this.detail;
    if (!d) return;
    this.q("chat-title").textContent = visitorName(d.visitor) + "  #" + d.id;
    const sub = [t(STATE_KEYS[d.state] || d.state)];
    if (d.state === "waiting") sub.push(t("waited", { t: duration(waitedSeconds(d)) }));
    sub.push(d.assigned_agent ? t("assignedTo", { name: d.assigned_agent.name }) : t("unassigned"));
    const subNode = this.q("chat-sub");
    subNode.textContent = sub.join(" · ");
    subNode.dataset.state = d.state;

    const actions = this.q("actions");
    actions.replaceChildren();
    const button = (action, cls) => {
      const b = el("button", cls || "", t(action));
      b.type = "button";
      b.dataset.action = action;
      b.addEventListener("click", () => this.onAction(action, d.id));
      actions.append(b);
    };
    if (d.state === "waiting") button("claim", "primary");
    if (d.state === "bot") button("takeover", "primary");
    if (d.state === "agent" && this.canWrite(d)) {
      button("transfer");
      button("release");
      button("close", "danger");
    }
    const banner = this.q("handoff");
    banner.replaceChildren();
    const box = handoffBanner(reasonOf(d), guessesOf(d));
    if (box) banner.append(box);
    renderDetails(this.q("details"), d, { onOpenConversation: this.onOpenConversation });
  }
}
