// The right column: who the visitor is (first seen, language, browser, pages,
// earlier conversations) and the private notes on this conversation.
import { el } from "../shared/dom.js";
import { t } from "./i18n.js";
import { browserName, dateTime, visitorName } from "./format.js";

function field(label, value, role) {
  const row = el("div", "field");
  row.append(el("div", "label", label));
  const v = el("div", "value", value || "—");
  if (role) v.dataset.role = role;
  row.append(v);
  return row;
}

function pageLabel(p) {
  if (typeof p === "string") return p;
  return p.title || p.url || "";
}

export function renderDetails(box, detail, { onOpenConversation }) {
  box.replaceChildren();
  if (!detail) return;
  const v = detail.visitor_details || detail.visitor || {};
  box.append(el("h2", null, t("details")));
  const head = el("div", "visitor-head");
  head.append(el("div", "avatar", visitorName(v).slice(0, 1).toUpperCase()), el("div", "vname", visitorName(v)));
  if (v.verified) {
    const badge = el("div", "verified", t("verified"));
    badge.dataset.role = "verified";
    head.append(badge);
  }
  box.append(head);
  if (v.email) box.append(field(t("visitorEmail"), v.email, "email"));
  box.append(field(t("firstSeen"), dateTime(v.first_seen), "first-seen"));
  box.append(field(t("locale"), v.locale, "locale"));
  box.append(field(t("browser"), browserName(v.browser || v.user_agent), "browser"));

  const pages = v.pages || detail.pages || [];
  const pageBox = el("div", "field");
  pageBox.append(el("div", "label", t("pages")));
  const ul = el("ul", "pages");
  for (const p of pages.slice(-8)) {
    const li = el("li", null, pageLabel(p));
    if (p && p.url) li.title = p.url;
    ul.append(li);
  }
  if (!pages.length) ul.append(el("li", "muted", t("none")));
  pageBox.append(ul);
  box.append(pageBox);

  const earlier = (v.earlier_conversations || v.conversations || detail.earlier_conversations || [])
    .filter((c) => c.id !== detail.id);
  const earlierBox = el("div", "field");
  earlierBox.append(el("div", "label", t("earlier")));
  const list = el("ul", "earlier");
  list.dataset.role = "earlier";
  for (const c of earlier) {
    const li = el("li");
    const a = el("button", "link", "#" + c.id + " · " + dateTime(c.created_at || c.closed_at));
    a.type = "button";
    a.addEventListener("click", () => onOpenConversation(c.id));
    li.append(a);
    if (c.rating) li.append(el("span", "stars", "★".repeat(c.rating)));
    if (c.last_message && c.last_message.text) li.append(el("div", "muted", c.last_message.text.slice(0, 60)));
    list.append(li);
  }
  if (!earlier.length) list.append(el("li", "muted", t("none")));
  earlierBox.append(list);
  box.append(earlierBox);
  if (detail.rating) box.append(field(t("rating"), "★".repeat(detail.rating), "rating"));
}
