// Never a missed reply: while the panel is closed or the tab is hidden, replies count
// up on the launcher's badge, the tab title flashes "(2) New message", and, if the
// visitor turned it on, a short tone plays (Web Audio, so no sound file to fetch).
import { fill } from "../shared/text.js";
import { playTone } from "../shared/tone.js";

const FLASH_MS = 1500;

export class Notifier {
  /** ``badge`` is the launcher's badge element; ``soundOn()`` says whether to beep. */
  constructor(T, badge, soundOn) {
    this.T = T;
    this.badge = badge;
    this.soundOn = soundOn;
    this.unread = 0;
    this.title = document.title;
    this.timer = null;
    this.beeps = 0;
  }

  /** One reply the visitor has not seen yet. */
  arrived() {
    this.unread += 1;
    this.badge.textContent = String(this.unread);
    this.badge.hidden = false;
    this.badge.setAttribute("aria-label", fill(this.T.unread, { n: this.unread }));
    if (this.soundOn()) this.beep();
    if (document.hidden) this.flash();
  }

  /** The visitor looks at the panel: badge and title back to normal. */
  seen() {
    this.unread = 0;
    this.badge.hidden = true;
    this.badge.textContent = "";
    this.stopFlash();
  }

  flash() {
    if (this.timer) return;
    this.title = document.title;
    let on = false;
    const tick = () => {
      on = !on;
      document.title = on ? fill(this.T.newReply, { n: this.unread }) : this.title;
    };
    tick();
    this.timer = setInterval(tick, FLASH_MS);
  }

  /** Stop flashing (the tab is visible again) and put the page's own title back. */
  stopFlash() {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    document.title = this.title;
  }

  beep() {
    if (playTone()) this.beeps = (this.beeps || 0) + 1;
  }
}
