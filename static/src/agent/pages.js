// The two single-column pages: left messages (tickets) and search in past conversations.
import { el } from "../shared/dom.js";
import { api } from "./api.js";
import { t } from "./i18n.js";
import { dateTime, visitorName } from "./format.js";

function ticketNode(ticket, onReplied, onError, emailReplies) {
  const answered = ticket.status === "answered";
  const card = el("article", "ticket" + (answered ? " answered" : ""));
  card.dataset.ticketId = ticket.id;
  const head = el("header");
  head.append(el("strong", null, ticket.name || "—"), el("span", "muted", ticket.email || ""),
    el("span", "muted", dateTime(ticket.created_at)),
    el("span", "badge " + (answered ? "ok" : "open"), answered ? t("ticketAnswered") : t("ticketOpen")));
  card.append(head, el("p", "ticket-text", ticket.text || ""));
  if (ticket.reply_text) {
    const by = ticket.replied_by ? ticket.replied_by.name + " · " : "";
    const sent = ticket.emailed_at ? t("ticketEmailed") : t("ticketNotEmailed");
    card.append(el("div", "muted", by + dateTime(ticket.replied_at) + " · " + sent),
      el("p", "ticket-reply", ticket.reply_text));
  }
  if (!answered) {
    const form = el("form", "ticket-form");
    const text = el("textarea");
    text.rows = 2;
    text.maxLength = 2000;
    text.required = true;
    const send = el("button", "primary", emailReplies ? t("ticketReply") : t("ticketReplyNoMail"));
    send.type = "submit";
    form.append(text, send);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api.post(`/tickets/${ticket.id}/reply`, { text: text.value });
        onReplied();
      } catch (err) { onError(err); }
    });
    card.append(form);
  }
  return card;
}

export async function renderTickets(box, { onError }) {
  box.replaceChildren(el("h2", null, t("tickets")));
  let tickets = [];
  let emailReplies = true;
  try {
    const answer = await api.get("/tickets");
    tickets = answer.tickets;
    emailReplies = answer.email_replies !== false;
  } catch (e) {
    box.append(el("p", "error", t("loadFailed") + ": " + e.message));
    return;
  }
  // No mail server: say that answers stay here instead of letting "reply" suggest an email.
  if (!emailReplies) box.append(el("p", "notice warn", t("ticketsNoMail")));
  if (!tickets.length) box.append(el("p", "muted", t("ticketsEmpty")));
  const redraw = () => renderTickets(box, { onError });
  for (const ticket of tickets) box.append(ticketNode(ticket, redraw, onError, emailReplies));
}

function resultNode(r, onOpen) {
  const li = el("li", "result");
  li.dataset.conversationId = r.id;
  const head = el("div", "result-head");
  head.append(el("strong", null, "#" + r.id + " · " + visitorName(r.visitor)),
    el("span", "muted", dateTime(r.created_at || r.closed_at)));
  if (r.rating) head.append(el("span", "stars", "★".repeat(r.rating)));
  li.append(head);
  const hit = r.match || r.last_message;
  if (hit && hit.text) li.append(el("div", "hit", hit.text));
  li.addEventListener("click", () => onOpen(r.id));
  return li;
}

export function renderSearch(box, { onOpen }) {
  if (box.dataset.ready) return;
  box.dataset.ready = "1";
  const form = el("form", "search-form");
  const input = el("input");
  input.type = "search";
  input.dataset.role = "search-input";
  const button = el("button", "primary");
  button.type = "submit";
  const results = el("ul", "results");
  results.dataset.role = "search-results";
  const title = el("h2");
  const label = () => {
    title.textContent = t("search");
    input.placeholder = t("searchPlaceholder");
    button.textContent = t("searchButton");
  };
  label();
  box.relabel = label;
  form.append(input, button);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    results.replaceChildren();
    try {
      const found = (await api.get("/conversations/search?q=" + encodeURIComponent(q))).results;
      for (const r of found) results.append(resultNode(r, onOpen));
      if (!found.length) results.append(el("li", "muted", t("noResults")));
    } catch (err) {
      results.append(el("li", "error", t("loadFailed") + ": " + err.message));
    }
  });
  box.append(title, form, results);
}
