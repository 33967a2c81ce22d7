// The left column: the waiting queue and the agent's own chats, with unread counts.
import { el } from "../shared/dom.js";
import { t, reasonText, noticeText } from "./i18n.js";
import { duration, visitorName, waitedSeconds, clock } from "./format.js";

function snippet(card) {
  const m = card.last_message;
  if (!m || !m.text) return "";
  const who = m.sender === "visitor" ? "" : (m.sender === "bot" ? t("bot") : m.sender_name || t(m.sender === "agent" ? "agentRole" : "system")) + ": ";
  const text = m.sender === "system" ? noticeText(m) : m.text;
  return who + text.replace(/\s+/g, " ").slice(0, 80);
}

export function cardNode(card, { active, fresh }) {
  const li = el("li", "card" + (active ? " active" : "") + (fresh ? " fresh" : ""));
  li.dataset.conversationId = card.id;
  li.dataset.state = card.state;
  li.tabIndex = 0;
  const top = el("div", "card-top");
  top.append(el("span", "name", visitorName(card.visitor)));
  if (card.visitor && card.visitor.locale) top.append(el("span", "tag", card.visitor.locale));
  const unread = card.unread || 0;
  if (unread > 0) {
    const badge = el("span", "unread", String(unread));
    badge.dataset.role = "unread";
    top.append(badge);
  }
  li.append(top, el("div", "snippet", snippet(card)));
  const meta = el("div", "card-meta");
  if (card.state === "waiting") {
    meta.append(el("span", "wait", t("waited", { t: duration(waitedSeconds(card)) })));
    if (card.reason) meta.append(el("span", "reason", reasonText(card.reason)));
  } else if (card.last_message) {
    meta.append(el("span", null, clock(card.last_message.created_at)));
  }
  li.append(meta);
  return li;
}

export function renderList(ul, cards, { activeId, freshIds, onOpen }) {
  ul.replaceChildren();
  if (!cards.length) {
    ul.append(el("li", "empty-list", t("empty")));
    return;
  }
  for (const card of cards) {
    const li = cardNode(card, { active: card.id === activeId, fresh: freshIds.has(card.id) });
    li.addEventListener("click", () => onOpen(card.id));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") onOpen(card.id); });
    ul.append(li);
  }
}
