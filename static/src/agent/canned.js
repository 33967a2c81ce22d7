// Canned replies: loaded from /api/v1/canned, inserted with "/shortcut" in the
// composer; admins edit them on their page.  Variables such as {visitor_name} are
// filled in by the server only (``rendered`` with ``?conversation_id=``), never here.
import { el } from "../shared/dom.js";
import { api } from "./api.js";
import { t } from "./i18n.js";

export class Canned {
  constructor() {
    this.items = [];
    this.conversationId = null; // the conversation ``rendered`` was filled in for
    this.loads = 0;
  }

  /** Load the replies, rendered for ``conversationId`` (default: the one loaded last). */
  load(conversationId = this.conversationId) {
    const seq = ++this.loads;
    const query = conversationId ? "?conversation_id=" + encodeURIComponent(conversationId) : "";
    return api.get("/canned" + query).then(
      (data) => data.canned,
      () => null, // keep what we have
    ).then((items) => {
      if (items && seq === this.loads) { // a later load (another conversation) wins
        this.items = items;
        this.conversationId = conversationId || null;
      }
      return this.items;
    });
  }

  /** The text to insert for ``choice`` in ``conversationId``, freshly rendered by the server.
   *
   * Asked at every insertion: the visitor may have given a name since the last load. */
  async textFor(choice, conversationId) {
    if (!conversationId) return choice.text;
    await this.load(conversationId);
    if (this.conversationId !== conversationId) return choice.text; // the server did not answer
    const item = this.items.find((c) => c.id === choice.id);
    return item && typeof item.rendered === "string" ? item.rendered : choice.text;
  }

  /** Replies whose shortcut starts with ``prefix`` (case-insensitive), exact match first. */
  matching(prefix) {
    const p = prefix.toLowerCase();
    return this.items
      .filter((c) => String(c.shortcut).toLowerCase().startsWith(p))
      .sort((a, b) => (a.shortcut.toLowerCase() === p ? -1 : 0) - (b.shortcut.toLowerCase() === p ? -1 : 0));
  }

  exact(shortcut) {
    const s = shortcut.toLowerCase();
    return this.items.find((c) => String(c.shortcut).toLowerCase() === s) || null;
  }
}

function editorRow(item, onSave, onDelete) {
  const row = el("form", "canned-row");
  const shortcut = el("input");
  shortcut.value = item ? item.shortcut : "";
  shortcut.placeholder = t("cannedShortcut");
  shortcut.maxLength = 32;
  shortcut.required = true;
  shortcut.dataset.role = "canned-shortcut";
  const text = el("textarea");
  text.value = item ? item.text : "";
  text.placeholder = t("cannedText");
  text.rows = 2;
  text.maxLength = 2000;
  text.required = true;
  text.dataset.role = "canned-text";
  const save = el("button", "primary", item ? t("save") : t("add"));
  save.type = "submit";
  row.append(el("span", "slash", "/"), shortcut, text, save);
  if (item) {
    const del = el("button", "danger", t("delete"));
    del.type = "button";
    del.addEventListener("click", () => onDelete(item));
    row.append(del);
  }
  row.addEventListener("submit", (e) => {
    e.preventDefault();
    onSave(item, { shortcut: shortcut.value.trim().replace(/^\//, ""), text: text.value });
  });
  return row;
}

/** The canned replies page: a list for agents, an editor for admins. */
export async function renderCannedPage(box, canned, { isAdmin, onError }) {
  await canned.load();
  box.replaceChildren(el("h2", null, t("canned")), el("p", "muted", t("cannedVars")));
  const redraw = () => renderCannedPage(box, canned, { isAdmin, onError });
  if (!isAdmin) {
    box.append(el("p", "muted", t("cannedReadOnly")));
    const list = el("dl", "canned-list");
    for (const c of canned.items) list.append(el("dt", null, "/" + c.shortcut), el("dd", null, c.text));
    if (!canned.items.length) list.append(el("dd", "muted", t("empty")));
    box.append(list);
    return;
  }
  const save = async (item, body) => {
    try {
      if (item) await api.put("/canned/" + item.id, body);
      else await api.post("/canned", body);
      await redraw();
    } catch (e) { onError(e); }
  };
  const remove = async (item) => {
    try { await api.del("/canned/" + item.id); await redraw(); } catch (e) { onError(e); }
  };
  for (const c of canned.items) box.append(editorRow(c, save, remove));
  box.append(editorRow(null, save, remove));
}
