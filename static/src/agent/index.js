// Entry point of the agent workspace bundle (static/dist/kefu-agent.js).
import { el } from "../shared/dom.js";
import { currentLang, setLang, t, translateStatic } from "./i18n.js";
import { setSoundEnabled, soundEnabled, unlockAudio } from "./notify.js";
import { renderCannedPage } from "./canned.js";
import { renderSearch, renderTickets } from "./pages.js";
import { Workspace } from "./workspace.js";

const SVG = "http://www.w3.org/2000/svg";

/** A bell (struck through when muted), drawn inline: no icon font, no emoji font needed. */
function bellIcon(on) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  const paths = ["M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9", "M10.3 21a1.94 1.94 0 0 0 3.4 0"];
  if (!on) paths.push("M3 3l18 18");
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

function toast(root, text) {
  const node = el("div", "toast", text);
  node.setAttribute("role", "alert");
  root.append(node);
  setTimeout(() => node.remove(), 5000);
}

function start() {
  const root = document.getElementById("workspace");
  if (!root) return;
  setLang(currentLang());
  translateStatic(root);
  const q = (role) => root.querySelector(`[data-role=${role}]`);
  const onError = (error) => toast(root, t("errorPrefix") + ((error && error.message) || "?"));
  const ws = new Workspace(root, { onError });
  window.__kefuWorkspace = ws;

  const sound = q("sound");
  const drawSound = () => {
    const on = soundEnabled();
    sound.replaceChildren(bellIcon(on));
    sound.title = on ? t("soundOn") : t("soundOff");
    sound.setAttribute("aria-label", sound.title);
    sound.setAttribute("aria-pressed", String(on));
  };
  sound.addEventListener("click", () => { setSoundEnabled(!soundEnabled()); drawSound(); });
  document.addEventListener("pointerdown", () => unlockAudio(), { once: true });

  const langButton = q("lang");
  const drawLang = () => { langButton.textContent = t("langSwitch"); };
  langButton.addEventListener("click", () => {
    setLang(currentLang() === "zh" ? "en" : "zh");
    translateStatic(root);
    drawLang();
    drawSound();
    ws.relabel();
    const search = q("search");
    if (search.relabel) search.relabel();
    if (ws.view && ws.view !== "chats" && ws.view !== "search") showPage(ws.view);
  });

  const showPage = (view) => {
    if (view === "tickets") renderTickets(q("tickets"), { onError });
    if (view === "search") renderSearch(q("search"), { onOpen: (id) => ws.open(id) });
    if (view === "canned") renderCannedPage(q("canned"), ws.canned, { isAdmin: ws.me.role === "admin", onError });
  };
  for (const tab of root.querySelectorAll("[data-view]")) {
    tab.addEventListener("click", () => { ws.switchView(tab.dataset.view); showPage(tab.dataset.view); });
  }
  ws.onTicketsChanged = () => showPage("tickets");
  q("presence").addEventListener("change", (e) => ws.setPresence(e.target.value));

  drawSound();
  drawLang();
  ws.switchView("chats");
  ws.connect();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
