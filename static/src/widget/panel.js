// The widget's skeleton in a shadow root: launcher button, chat panel, message log,
// input and the "talk to a person" button. Built once; the widget fills it in.
// The shadow root keeps the host page's CSS out and ours in.
import { el } from "./render.js";
import { CSS, adoptStyles } from "./styles.js";

// An inline SVG, not an emoji: it looks the same with or without an emoji font.
const LAUNCHER_ICON = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">' +
  '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

/**
 * Attach the widget to the page and return its parts.
 * ``on`` holds the callbacks: toggle, close (also Escape), send (Enter or the send button),
 * typed, requestHuman, sound (the sound toggle).
 */
export function buildPanel(T, on) {
  const host = el("div");
  host.id = "kefu-widget";
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  adoptStyles(root, CSS);
  const setViewportCss = adoptStyles(root, "");

  const launcher = el("button", "launcher");
  launcher.innerHTML = LAUNCHER_ICON;
  launcher.setAttribute("aria-label", T.open);
  launcher.dataset.kefu = "launcher";
  launcher.addEventListener("click", on.toggle);
  const badge = el("span", "badge");
  badge.hidden = true;
  badge.dataset.kefu = "badge";
  launcher.append(badge);

  const panel = el("section", "panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", T.title);
  const header = el("header");
  const titles = el("div");
  titles.append(el("div", "t", T.title), el("div", "s", T.subtitle));
  const closeBtn = el("button", null, "×");
  closeBtn.setAttribute("aria-label", T.close);
  closeBtn.addEventListener("click", on.close);
  header.append(titles, closeBtn);

  const subtitle = titles.lastChild;
  const status = el("div", "status", T.connecting);
  const banner = el("div", "banner");
  banner.dataset.kefu = "banner";
  const log = el("div", "log");
  log.setAttribute("role", "log");
  log.dataset.kefu = "log";
  // New messages are read out from here, one short line each (the log itself is not
  // live: a reload would read the whole transcript).
  const announcer = el("div", "sr");
  announcer.setAttribute("aria-live", "polite");
  announcer.dataset.kefu = "announcer";

  const form = el("form");
  const input = el("textarea");
  input.placeholder = T.placeholder;
  input.setAttribute("aria-label", T.placeholder);
  input.dataset.kefu = "input";
  const send = el("button", null, T.send);
  send.type = "submit";
  send.dataset.kefu = "send";
  form.append(input, send);
  form.addEventListener("submit", (e) => { e.preventDefault(); on.send(); });
  input.addEventListener("input", on.typed);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); on.send(); }
  });

  const typingLine = el("div", "typing");
  typingLine.dataset.kefu = "typing";
  const tools = el("div", "tools");
  const humanButton = el("button", "human", T.talkToHuman);
  humanButton.type = "button";
  humanButton.dataset.kefu = "human";
  humanButton.addEventListener("click", on.requestHuman);
  const cancelButton = el("button", "cancel-handoff", T.cancelHandoff);
  cancelButton.type = "button";
  cancelButton.dataset.kefu = "cancel-handoff";
  cancelButton.hidden = true;
  cancelButton.addEventListener("click", on.cancelHandoff);
  const soundButton = el("button", "sound", T.sound);
  soundButton.type = "button";
  soundButton.dataset.kefu = "sound";
  soundButton.addEventListener("click", on.sound);
  const counter = el("span", "counter");
  counter.hidden = true;
  counter.dataset.kefu = "counter";
  counter.setAttribute("aria-live", "polite");
  const reason = el("div", "error");
  reason.dataset.kefu = "input-error";
  reason.setAttribute("role", "alert");
  tools.append(humanButton, cancelButton, soundButton, counter);

  panel.append(header, status, banner, log, typingLine, reason, form, tools, announcer);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); on.close(); } });
  root.append(panel, launcher);
  return { root, launcher, badge, panel, subtitle, status, banner, log, form, input, typingLine,
    humanButton, cancelButton, soundButton, counter, reason, announcer, setViewportCss };
}
