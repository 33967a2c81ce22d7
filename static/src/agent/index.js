// Entry point of the agent workspace bundle (static/dist/kefu-agent.js).
import { el } from "../widget/render.js";
import { currentLang, setLang, t, translateStatic } from "./i18n.js";
import { setSoundEnabled, soundEnabled, unlockAudio } from "./notify.js";
import { renderCannedPage } from "./canned.js";
import { renderSearch, renderTickets } from "./pages.js";
import { Workspace } from "./workspace.js";

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
    sound.textContent = on ? "🔔" : "🔕";
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
  q("presence").addEventListener("change", (e) => ws.setPresence(e.target.value));

  drawSound();
  drawLang();
  ws.switchView("chats");
  ws.connect();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
