// Turning messages into DOM.  Visitor, agent and system text is only ever set as
// textContent; a bot answer arrives as HTML the server rendered from Markdown and
// sanitised with a strict allow-list (kefu/services/markdown.py, the ``html`` field).
import { el } from "../shared/dom.js";

export { el };

export function renderBody(message) {
  const body = el("div", "kefu-body");
  if (message.sender === "bot" && message.html) {
    body.innerHTML = message.html;
  } else {
    body.textContent = message.text || "";
  }
  return body;
}

/** A row of buttons, each sending its text (and intent, for a suggestion) through ``choose``. */
function chipRow(items, label, choose) {
  const chips = el("div", "chips");
  if (label) chips.appendChild(el("div", "label", label));
  for (const { title, intent } of items) {
    const chip = el("button", "chip", title);
    chip.type = "button";
    chip.addEventListener("click", () => choose(title, intent));
    chips.appendChild(chip);
  }
  return chips;
}

/** A button under a message that does one thing (talk to a person, leave a message). */
function offerButton(text, kefu, onClick) {
  const button = el("button", "offer", text);
  button.type = "button";
  button.dataset.kefu = kefu;
  button.addEventListener("click", onClick);
  return button;
}

/**
 * "Was this answer helpful?" with a thumb up and a thumb down under a bot answer.  The
 * pressed thumb shows the stored vote (``m.helpful``); ``vote(helpful)`` resolves to the
 * vote the server kept, or to null when it refused (the thumbs then stay as they were).
 */
function voteRow(T, m, vote) {
  const row = el("div", "vote");
  row.dataset.kefu = "vote";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", T.wasHelpful);
  const said = el("span", "vote-label", T.wasHelpful);
  const buttons = [[true, "👍", T.helpful], [false, "👎", T.notHelpful]].map(([value, icon, label]) => {
    const button = el("button", "thumb", icon);
    button.type = "button";
    button.dataset.kefu = value ? "vote-up" : "vote-down";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.addEventListener("click", async () => {
      buttons.forEach((b) => { b.disabled = true; });
      const kept = await vote(value);
      buttons.forEach((b) => { b.disabled = false; });
      if (kept !== null) show(kept, true);
    });
    return button;
  });
  function show(helpful, thanked) {
    buttons[0].setAttribute("aria-pressed", String(helpful === true));
    buttons[1].setAttribute("aria-pressed", String(helpful === false));
    if (thanked) said.textContent = T.thanksVote;
  }
  show(m.helpful, false);
  row.append(said, ...buttons);
  return row;
}

/**
 * One message in the log: who wrote it, its body, and the suggestions ("Did you mean…",
 * or the topics of "I can help with…") or quick replies under a bot answer; clicking one
 * calls ``choose(text, intent)``.  ``offers`` holds ``requestHuman()`` and
 * ``leaveMessage(button)`` for the buttons a clarifying turn or an offline offer carries,
 * and ``vote(messageId, helpful)`` for the thumbs under a stored bot answer.
 */
export function messageNode(T, m, choose, offers = {}) {
  const node = el("div", "msg " + m.sender);
  node.dataset.sender = m.sender;
  if (typeof m.id === "number") node.dataset.id = m.id;
  if (m.intent) node.dataset.intent = m.intent;
  if (m.action) node.dataset.action = m.action;
  if (m.sender === "agent" && m.sender_name) node.appendChild(el("div", "who", m.sender_name));
  if (m.while_waiting) {
    node.dataset.whileWaiting = "true";
    node.appendChild(el("div", "tag", T.whileYouWait));
  }
  node.appendChild(renderBody(m));
  if (m.suggestions && m.suggestions.length) {
    const label = m.action === "suggest" ? T.didYouMean : T.canHelpWith;
    node.appendChild(chipRow(m.suggestions, label, choose));
  } else if (m.quick_replies && m.quick_replies.length) {
    node.appendChild(chipRow(m.quick_replies.map((q) => ({ title: q })), null, choose));
  }
  if (m.sender === "bot" && m.action === "answer" && typeof m.id === "number" && offers.vote) {
    node.appendChild(voteRow(T, m, (helpful) => offers.vote(m.id, helpful)));
  }
  if (m.offer_human && offers.requestHuman) {
    node.appendChild(offerButton(T.talkToHuman, "offer-human", () => offers.requestHuman()));
  }
  if (m.offer_form && offers.leaveMessage) {
    const button = offerButton(T.leaveMessage, "offer-leave", () => offers.leaveMessage(button));
    node.appendChild(button);
  }
  return node;
}
