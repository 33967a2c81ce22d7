// Small formatting helpers: durations, times, browsers, percentages.
import { t, currentLang } from "./i18n.js";

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  if (s < 60) return t("secondsShort", { n: s });
  if (s < 3600) return t("minutesShort", { n: Math.floor(s / 60) });
  return t("hoursShort", { n: Math.floor(s / 3600) });
}

export function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleTimeString(currentLang() === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(currentLang() === "zh" ? "zh-CN" : "en-GB",
    { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function percent(p) {
  return typeof p === "number" ? Math.round(p * 100) + "%" : "";
}

/** "Chrome 131 · Windows" from a User-Agent string (enough for an agent to picture it). */
export function browserName(ua) {
  if (!ua) return "";
  const rules = [[/Edg\/(\d+)/, "Edge"], [/MicroMessenger\/([\d.]+)/, "WeChat"], [/Firefox\/(\d+)/, "Firefox"],
    [/(?:Chrome|Chromium)\/(\d+)/, "Chrome"], [/Version\/(\d+).*Safari/, "Safari"]];
  let name = "";
  for (const [re, label] of rules) {
    const m = ua.match(re);
    if (m) { name = label + " " + m[1]; break; }
  }
  const os = /Windows/.test(ua) ? "Windows" : /Android/.test(ua) ? "Android"
    : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return [name || ua.slice(0, 40), os].filter(Boolean).join(" · ");
}

export function visitorName(visitor) {
  if (visitor && visitor.name) return visitor.name;
  const id = visitor && visitor.id ? String(visitor.id).slice(0, 6) : "?";
  return t("visitor") + " " + id;
}

/** Wait time of a card now, from ``waiting_seconds`` when it arrived or ``escalated_at``. */
export function waitedSeconds(card) {
  if (card.escalated_at) return (Date.now() - new Date(card.escalated_at).getTime()) / 1000;
  if (typeof card.waiting_seconds === "number" && card._receivedAt) {
    return card.waiting_seconds + (Date.now() - card._receivedAt) / 1000;
  }
  return card.waiting_seconds || 0;
}
