// Texts shared by the widget and the workspace: the language to use and template filling.

/** "zh" for any Chinese tag (zh, zh-CN, zh-TW), "en" for everything else. */
export function pickLanguage(value) {
  return String(value || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** ``text`` with every ``{name}`` replaced from ``vars``; unknown names stay as they are. */
export function fill(text, vars) {
  return String(text).replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
}
