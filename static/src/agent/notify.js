// Getting an agent's attention: a short beep made with the Web Audio API (no audio
// file to download) and a "(n) kefu" badge in the tab title.
const SOUND_KEY = "kefu.agent.sound";
let ctx = null;
const baseTitle = "kefu";

export function soundEnabled() {
  try { return localStorage.getItem(SOUND_KEY) !== "0"; } catch (e) { return true; }
}

export function setSoundEnabled(on) {
  try { localStorage.setItem(SOUND_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  if (on) unlockAudio();
}

/** Browsers only start audio after a user gesture: call this from any click. */
export function unlockAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!ctx) ctx = new Ctx();
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  return ctx;
}

/** Two short rising tones, about a third of a second. */
export function beep() {
  if (!soundEnabled()) return false;
  const audio = unlockAudio();
  if (!audio) return false;
  const now = audio.currentTime;
  [[660, 0], [880, 0.14]].forEach(([freq, at]) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + at);
    gain.gain.exponentialRampToValueAtTime(0.25, now + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + at);
    osc.stop(now + at + 0.18);
  });
  window.__kefuBeeps = (window.__kefuBeeps || 0) + 1; // lets browser tests see that it rang
  return true;
}

/** "(3) kefu" while something waits for the agent, plain "kefu" otherwise. */
export function setBadge(count) {
  document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
}
