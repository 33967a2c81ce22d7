// Turning messages into DOM.  Visitor and agent text is only ever set as textContent;
// bot answers are Markdown rendered with raw HTML disabled, so no message can inject markup.
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
const defaultLinkOpen = md.renderer.rules.link_open ||
  ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet("target", "_blank");
  tokens[idx].attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function renderBody(message) {
  const body = el("div", "kefu-body");
  if (message.sender === "bot") {
    body.innerHTML = md.render(message.text || "");
  } else {
    body.textContent = message.text || "";
  }
  return body;
}
