// Styles live in the shadow root, so the host page and the widget never restyle each other.
// They go in as constructable stylesheets (adoptedStyleSheets), which a host page's
// Content-Security-Policy of ``style-src 'self'`` allows, unlike a <style> element or a
// style="" attribute; colours meet WCAG AA contrast (4.5:1 for text).
export const CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Segoe UI", sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; display: flex; align-items: center; justify-content: center;
  border: 0; background: #1a5fd0; color: #fff; font-size: 26px; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483000; }
.panel { position: fixed; right: 20px; bottom: 88px; width: 360px; max-width: calc(100vw - 24px); height: 520px;
  max-height: calc(100vh - 110px); background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25);
  display: none; flex-direction: column; overflow: hidden; z-index: 2147483000; color: #1b1f24; font-size: 14px; }
.panel.open { display: flex; }
header { background: #1a5fd0; color: #fff; padding: 12px 14px; display: flex; align-items: center; justify-content: space-between; }
header .t { font-weight: 600; font-size: 15px; }
header .s { font-size: 12px; opacity: .85; }
header button { background: transparent; border: 0; color: #fff; font-size: 22px; cursor: pointer; min-width: 44px; min-height: 44px; }
header { padding-top: calc(12px + env(safe-area-inset-top, 0px)); }
.status { font-size: 12px; padding: 4px 14px; background: #fff8c5; color: #6b5b00; display: none; }
.status.show { display: block; }
.log { flex: 1; overflow-y: auto; padding: 12px; background: #f6f8fa; }
.msg { margin: 6px 0; display: flex; flex-direction: column; }
.msg .kefu-body { max-width: 82%; padding: 8px 11px; border-radius: 12px; line-height: 1.45; word-wrap: break-word; white-space: normal; }
.msg.visitor { align-items: flex-end; }
.msg.visitor .kefu-body { background: #1a5fd0; color: #fff; white-space: pre-wrap; }
.msg.bot .kefu-body, .msg.agent .kefu-body { background: #fff; border: 1px solid #d0d7de; }
.msg.agent .kefu-body { white-space: pre-wrap; }
.msg.system { align-items: center; }
.msg.system .kefu-body { background: transparent; color: #57606a; font-size: 12px; text-align: center; }
.msg .who { font-size: 11px; color: #57606a; margin: 0 4px 2px; }
.msg.pending .kefu-body { opacity: .6; }
.msg.failed .kefu-body { background: #b3261e; cursor: pointer; }
.msg .reason { font-size: 12px; color: #b3261e; margin: 2px 4px 0; max-width: 82%; text-align: right; }
.kefu-body p { margin: 0 0 6px; } .kefu-body p:last-child { margin-bottom: 0; }
.kefu-body ul, .kefu-body ol { margin: 4px 0; padding-left: 20px; }
.kefu-body a { color: #0969da; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; max-width: 90%; }
.chips .label { font-size: 12px; color: #57606a; width: 100%; }
.chip { border: 1px solid #1a5fd0; color: #1a5fd0; background: #fff; border-radius: 22px; padding: 4px 12px; min-height: 44px; cursor: pointer; font-size: 14px; }
.offer { display: inline-block; margin-top: 6px; border: 1px solid #57606a; color: #24292f; background: #fff; border-radius: 22px; padding: 4px 12px; min-height: 44px; cursor: pointer; font-size: 14px; }
.vote { display: flex; align-items: center; gap: 2px; margin-top: 4px; font-size: 12px; color: #57606a; }
.vote .thumb { border: 1px solid transparent; background: transparent; border-radius: 22px; min-width: 44px; min-height: 44px; cursor: pointer; font-size: 16px; filter: grayscale(1); opacity: .7; }
.vote .thumb[aria-pressed=true] { border-color: #1a5fd0; background: #ddf4ff; filter: none; opacity: 1; }
.msg .tag { font-size: 12px; color: #57606a; margin-bottom: 2px; }
form { display: flex; border-top: 1px solid #d0d7de; padding: 8px; gap: 6px; background: #fff; }
textarea { flex: 1; resize: none; border: 1px solid #8c959f; border-radius: 8px; padding: 10px; font-size: 16px; height: 44px; }
form button { background: #1a5fd0; color: #fff; border: 0; border-radius: 8px; padding: 0 14px; min-width: 44px; min-height: 44px; cursor: pointer; font-size: 15px; }
.tools { display: flex; gap: 6px; padding: 0 8px calc(4px + env(safe-area-inset-bottom, 0px)); background: #fff; align-items: center; }
.tools button { border: 0; background: transparent; color: #0550ae; cursor: pointer; font-size: 13px; padding: 0 10px; min-height: 44px; min-width: 44px; }
.banner { font-size: 12px; padding: 6px 14px; background: #ddf4ff; color: #0a3069; display: none; }
.banner.show { display: block; }
.typing { font-size: 12px; color: #57606a; padding: 0 14px; height: 0; overflow: hidden; background: #f6f8fa; font-style: italic; }
.typing.show { height: 20px; }
.msg[data-receipt]::after { content: attr(data-receipt-label); font-size: 10px; color: #57606a; margin: 2px 4px 0; }
.msg[data-receipt=read]::after { color: #1a7f37; }
.tools button.human { font-size: 12px; }
.tools button[hidden] { display: none; }
.leave, .rating { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 10px 12px; margin: 10px 0; }
.leave p, .rating p { margin: 0 0 8px; font-size: 13px; }
.leave label { display: block; font-size: 12px; color: #57606a; margin-bottom: 6px; }
.leave input, .leave textarea { display: block; width: 100%; margin-top: 2px; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; font-size: 13px; }
.leave textarea { height: 64px; resize: vertical; }
.leave-form { display: block; border: 0; padding: 0; }
.leave-form button { background: #1a5fd0; color: #fff; border: 0; border-radius: 6px; padding: 6px 12px; cursor: pointer; }
.error { color: #b3261e; font-size: 12px; }
.panel > .error { padding: 0 14px; }
.panel > .error:empty { display: none; }
.thanks { color: #1a7f37; }
.rating { text-align: center; }
.stars { display: flex; justify-content: center; gap: 4px; }
.star { border: 0; background: transparent; font-size: 26px; color: #6e7781; cursor: pointer; padding: 0 2px; min-width: 44px; min-height: 44px; }
.star.on { color: #9a6700; }
.launcher .badge { position: absolute; top: -2px; right: -2px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
  background: #b3261e; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center; border: 2px solid #fff; }
.launcher .badge[hidden] { display: none; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.counter { font-size: 12px; color: #57606a; margin-left: auto; padding-right: 6px; }
.counter.over { color: #b3261e; font-weight: 600; }
.counter[hidden] { display: none; }
.sound[aria-pressed=true] { text-decoration: underline; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 639px) {
  .panel { inset: 0; width: 100%; max-width: none; height: var(--kefu-vh, 100%); max-height: none; border-radius: 0;
    padding-left: env(safe-area-inset-left, 0px); padding-right: env(safe-area-inset-right, 0px); }
  .panel.open ~ .launcher { display: none; }
  .launcher { right: calc(16px + env(safe-area-inset-right, 0px)); bottom: calc(16px + env(safe-area-inset-bottom, 0px)); }
}
`;

/** Put ``css`` into ``root`` as a constructable stylesheet; a <style> only where those are missing. */
export function adoptStyles(root, css) {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return (next) => sheet.replaceSync(next);
  }
  const style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);
  return (next) => { style.textContent = next; };
}
