// The bot's chats (supervision): every conversation the bot is handling, with the
// visitor's last message and the bot's last confidence, live from `bot_chat` cards
// (docs/protocol.md, "Supervision"). An agent may open one to read it or take it over.
import { el } from "../shared/dom.js";
import { t } from "./i18n.js";
import { clock, percent, visitorName } from "./format.js";

export class BotChats {
  constructor() {
    this.cards = new Map();
  }

  reset(cards) {
    this.cards.clear();
    for (const card of cards || []) this.cards.set(card.id, card);
  }

  /** A bot turn changed this chat (or started it). */
  upsert(card) {
    this.cards.set(card.id, { ...(this.cards.get(card.id) || {}), ...card });
  }

  /** The chat left the bot (handed off, taken over, closed): it is no longer the bot's. */
  drop(id) {
    return this.cards.delete(id);
  }

  /** Latest visitor message first. */
  sorted() {
    const at = (c) => (c.last_visitor_message && c.last_visitor_message.id) || 0;
    return [...this.cards.values()].sort((a, b) => at(b) - at(a));
  }
}

function confidenceTag(bot) {
  const tag = el("span", "conf-tag", bot && typeof bot.confidence === "number" ? percent(bot.confidence) : "—");
  tag.dataset.role = "bot-confidence";
  tag.title = t("botConfidence");
  if (bot && typeof bot.confidence === "number") tag.classList.add(bot.confidence < 0.5 ? "low" : "high");
  return tag;
}

export function renderBotChats(ul, cards, { activeId, onOpen, onTakeover }) {
  ul.replaceChildren();
  if (!cards.length) {
    ul.append(el("li", "empty-list", t("empty")));
    return;
  }
  for (const card of cards) {
    const li = el("li", "card bot-card" + (card.id === activeId ? " active" : ""));
    li.dataset.conversationId = card.id;
    li.dataset.state = "bot";
    li.tabIndex = 0;
    const top = el("div", "card-top");
    top.append(el("span", "name", visitorName(card.visitor)));
    if (card.visitor && card.visitor.locale) top.append(el("span", "tag", card.visitor.locale));
    top.append(confidenceTag(card.bot));
    const last = card.last_visitor_message;
    const snippet = el("div", "snippet", last ? last.text.replace(/\s+/g, " ").slice(0, 80) : "");
    snippet.dataset.role = "bot-last-message";
    const meta = el("div", "card-meta");
    if (card.bot && card.bot.intent) meta.append(el("span", "intent-name", card.bot.intent));
    if (last) meta.append(el("span", null, clock(last.created_at)));
    const take = el("button", "takeover", t("takeover"));
    take.type = "button";
    take.dataset.action = "takeover";
    take.addEventListener("click", (e) => { e.stopPropagation(); onTakeover(card.id); });
    meta.append(take);
    li.append(top, snippet, meta);
    li.addEventListener("click", () => onOpen(card.id));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") onOpen(card.id); });
    ul.append(li);
  }
}
