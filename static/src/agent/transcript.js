// The middle column's history: every message of the conversation, the bot's part
// included.  Visitor, agent and note text only ever goes in through textContent; a bot
// answer is the HTML the server rendered and sanitised (the widget's renderBody).
import { el, renderBody } from "../widget/render.js";
import { t, reasonText, noticeText } from "./i18n.js";
import { clock, percent } from "./format.js";

export function keyOf(m) {
  return m.client_msg_id ? "c:" + m.client_msg_id : "i:" + m.id;
}

function whoLabel(m) {
  if (m.sender === "visitor") return t("visitor");
  if (m.sender === "bot") return t("bot");
  if (m.sender === "note") return t("noteLabel") + (m.sender_name ? " · " + m.sender_name : "");
  if (m.sender === "agent") return m.sender_name || t("agentRole");
  return t("system");
}

/** The bot's draft under a visitor message: its top intents, confidence, and "Insert". */
export function draftBox(m, onInsertDraft) {
  const d = m.assist;
  const box = el("div", "draft");
  box.dataset.role = "draft";
  box.dataset.messageId = m.id;
  const head = el("div", "draft-head");
  head.append(el("span", "label", t("botDraft")));
  const intents = el("span", "draft-intents");
  intents.dataset.role = "draft-intents";
  for (const [i, g] of (d.intents || []).entries()) {
    const chip = el("span", "draft-intent" + (i === 0 ? " top" : ""), (g.title || g.intent) + " " + percent(g.confidence));
    chip.dataset.intent = g.intent;
    intents.append(chip);
  }
  const conf = el("span", "pct", percent(d.confidence));
  conf.dataset.role = "draft-confidence";
  conf.title = t("confidence");
  head.append(intents, conf);
  if (d.use) {
    const used = el("span", "draft-use", t("draftUse_" + d.use));
    used.dataset.role = "draft-use";
    head.append(used);
  }
  const text = el("div", "draft-text", d.text);
  text.dataset.role = "draft-text";
  box.append(head, text);
  if (onInsertDraft && !d.use) {
    const insert = el("button", "draft-insert", t("insertDraft"));
    insert.type = "button";
    insert.dataset.action = "insert-draft";
    insert.addEventListener("click", () => onInsertDraft(m.id, d.text));
    box.append(insert);
  }
  return box;
}

/**
 * "The bot should have answered this" under a visitor line, for the agent who handled the
 * chat: ``onToInbox(id)`` resolves true once the line is in the learning inbox.
 */
function inboxControl(m, onToInbox) {
  const done = () => {
    const mark = el("span", "in-inbox", "✓ " + t("inInbox"));
    mark.dataset.role = "in-inbox";
    return mark;
  };
  if (m.sent_to_inbox) return done();
  const button = el("button", "to-inbox", t("toInbox"));
  button.type = "button";
  button.dataset.action = "to-inbox";
  button.title = t("toInboxHelp");
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await onToInbox(m.id)) button.replaceWith(done());
    else button.disabled = false;
  });
  return button;
}

export function messageRow(m, { readUpTo, onInsertDraft = null, onToInbox = null }) {
  const row = el("div", "row " + m.sender);
  row.dataset.sender = m.sender;
  if (m.id !== undefined && m.id !== null) row.dataset.messageId = m.id;
  if (m.sender === "system") {
    if (m.notice && m.notice.kind) row.dataset.notice = m.notice.kind;
    row.append(renderBody({ ...m, text: noticeText(m) }));
    return row;
  }
  const head = el("div", "meta");
  head.append(el("span", "who", whoLabel(m)), el("span", "time", clock(m.created_at)));
  const bubble = el("div", "bubble");
  bubble.append(renderBody(m));
  row.append(head, bubble);
  if (m.sender === "visitor" && m.assist && m.assist.text) row.append(draftBox(m, onInsertDraft));
  if (m.sender === "visitor" && typeof m.id === "number" && (onToInbox || m.sent_to_inbox)) {
    row.append(inboxControl(m, onToInbox));
  }
  if (m.sender === "bot" && (m.intent || m.action)) {
    const chip = el("div", "intent");
    chip.dataset.role = "intent";
    if (m.intent) chip.append(el("span", "name", m.intent));
    if (typeof m.confidence === "number") {
      const bar = el("span", "conf");
      bar.title = t("confidence");
      const fill = el("i");
      fill.style.width = percent(m.confidence);
      bar.append(fill);
      chip.append(bar, el("span", "pct", percent(m.confidence)));
    }
    if (m.action && m.action !== "answer") chip.append(el("span", "action", m.action));
    if (m.while_waiting) chip.append(el("span", "action", t("whileWaiting")));
    row.append(chip);
  }
  if (m.sender === "agent" && typeof m.id === "number" && readUpTo >= m.id) {
    const tick = el("div", "read", "✓✓ " + t("readByVisitor"));
    tick.dataset.role = "read";
    row.append(tick);
  }
  return row;
}

/** The banner at the top of a handed-off conversation: why, and what the bot thought. */
export function handoffBanner(reason, guesses) {
  const box = el("div", "handoff-box");
  if (!reason && !(guesses && guesses.length)) return null;
  const left = el("div", "handoff-reason");
  left.append(el("div", "label", t("handoffReason")));
  const r = el("div", "value", reason ? reasonText(reason) : "—");
  r.dataset.role = "reason";
  r.dataset.reason = reason || "";
  left.append(r);
  const right = el("div", "handoff-guesses");
  right.append(el("div", "label", t("guesses")));
  const list = el("ol", "guesses");
  list.dataset.role = "guesses";
  for (const g of (guesses || []).slice(0, 3)) {
    const li = el("li");
    li.dataset.intent = g.intent || "";
    li.append(el("span", "g-title", g.title || g.intent || "?"));
    const bar = el("span", "conf");
    const fill = el("i");
    fill.style.width = percent(g.confidence);
    bar.append(fill);
    li.append(bar, el("span", "pct", percent(g.confidence)));
    list.append(li);
  }
  if (!list.children.length) list.append(el("li", "muted", t("noGuesses")));
  right.append(list);
  box.append(left, right);
  return box;
}
