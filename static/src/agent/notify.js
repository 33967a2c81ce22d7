// Getting an agent's attention: a short beep made with the Web Audio API (no audio
// file to download) and a "(n) kefu" badge in the tab title.
import { local } from "../shared/storage.js";
import { audioContext, playTone } from "../shared/tone.js";

const SOUND_KEY = "kefu.agent.sound";
const baseTitle = "kefu";

export function soundEnabled() {
  return local.get(SOUND_KEY) !== "0";
}

export function setSoundEnabled(on) {
  local.set(SOUND_KEY, on ? "1" : "0");
  if (on) unlockAudio();
}

/** Browsers only start audio after a user gesture: call this from any click. */
export function unlockAudio() {
  return audioContext();
}

/** The agent's tone, when sound is on. */
export function beep() {
  if (!soundEnabled() || !playTone()) return false;
  window.__kefuBeeps = (window.__kefuBeeps || 0) + 1; // lets browser tests see that it rang
  return true;
}

/** "(3) kefu" while something waits for the agent, plain "kefu" otherwise. */
export function setBadge(count) {
  document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
}
