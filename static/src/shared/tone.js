// A short notification tone made with the Web Audio API: no audio file to download.
let ctx = null;

/** The page's audio context, resumed; browsers only start audio after a user gesture. */
export function audioContext() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!ctx) ctx = new Ctx();
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  return ctx;
}

/** Two short rising tones, about a third of a second; false when the page has no audio. */
export function playTone() {
  const audio = audioContext();
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
  return true;
}
