// Earlier conversations above the chat: after a chat is closed and the page reloaded,
// the visitor still sees its ended chats (``session.earlier``), a page at a time, with a
// "show earlier" button that asks ``history`` for the page before (docs/protocol.md).
import { el } from "../shared/dom.js";
import { fill } from "./i18n.js";
import { request } from "./connection.js";
import { messageNode } from "./render.js";

export const EARLIER_CSS = `
.earlier .divider { text-align: center; font-size: 12px; color: #57606a; margin: 10px 0 4px; }
.earlier .show-earlier { display: block; margin: 0 auto 6px; border: 1px solid #0550ae; color: #0550ae; background: #fff; border-radius: 22px; padding: 0 14px; min-height: 44px; cursor: pointer; font-size: 13px; }
.earlier .show-earlier[hidden], .earlier[hidden] { display: none; }
.earlier .msg.old .kefu-body { opacity: .85; }
.earlier + .msg { border-top: 1px dashed #d0d7de; padding-top: 8px; }
`;

export class EarlierChats {
  /** ``T`` the texts, ``lang`` for dates, ``socket()`` the current socket. */
  constructor(T, lang, socket) {
    this.T = T;
    this.lang = lang;
    this.socket = socket;
    this.box = el("div", "earlier");
    this.box.dataset.kefu = "earlier";
    this.button = el("button", "show-earlier", T.showEarlier);
    this.button.type = "button";
    this.button.dataset.kefu = "show-earlier";
    this.button.addEventListener("click", () => this.more());
    this.lines = el("div");
    this.box.append(this.button, this.lines);
    this.oldest = null;
    this.newest = 0;
  }

  /** Start again from a session's ``earlier``; returns the box to put above the chat. */
  reset(earlier) {
    this.lines.replaceChildren();
    this.oldest = null;
    this.newest = 0;
    this.add(earlier || { messages: [], more: false });
    return this.box;
  }

  /** Put a page above what is shown, with a line where each conversation starts. */
  add(page) {
    const nodes = [];
    let conversation = null;
    for (const m of page.messages) {
      if (m.conversation_id !== conversation) {
        conversation = m.conversation_id;
        nodes.push(this.divider(m));
      }
      const node = messageNode(this.T, m, () => {});
      node.classList.add("old");
      nodes.push(node);
      this.newest = Math.max(this.newest, m.id);
    }
    // The first conversation of this page may go on in the page after it: one line only.
    const first = this.lines.firstChild;
    if (first && page.messages.length &&
        first.dataset.conversation === String(page.messages[page.messages.length - 1].conversation_id)) {
      first.remove();
    }
    this.lines.prepend(...nodes);
    if (page.messages.length) this.oldest = page.messages[0].id;
    this.button.hidden = !page.more;
    this.box.hidden = !this.lines.firstChild;
  }

  divider(m) {
    const when = new Date(m.created_at);
    const date = isNaN(when) ? "" : when.toLocaleDateString(this.lang === "zh" ? "zh-CN" : "en");
    const line = el("div", "divider", fill(this.T.earlierChat, { date }));
    line.dataset.kefu = "earlier-divider";
    line.dataset.conversation = String(m.conversation_id);
    return line;
  }

  async more() {
    this.button.disabled = true;
    const ack = await request(this.socket(), "history", { before_id: this.oldest });
    this.button.disabled = false;
    if (ack.ok) this.add(ack);
  }
}
