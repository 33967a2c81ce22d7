// "Someone is typing", both ways. Keystrokes become a throttled typing signal for
// the other side (the visitor's here, the agent's in the workspace composer); the
// signal received shows above the input and fades on its own in case the
// "stopped" signal never arrives.
import { fill } from "./text.js";

const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 8000;

/** Tells the other side someone is typing: at most every 2.5 s, and "stopped" after 3 s idle. */
export class TypingSignal {
  /** ``emit(typing)`` sends one signal. */
  constructor(emit) {
    this.emit = emit;
    this.sentAt = 0;
    this.idle = null;
  }

  typed() {
    const now = Date.now();
    if (now - this.sentAt > TYPING_REPEAT_MS) {
      this.sentAt = now;
      this.emit(true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  stop() {
    clearTimeout(this.idle);
    if (!this.sentAt) return;
    this.sentAt = 0;
    this.emit(false);
  }
}

/** The "Anna is typing…" line; ``show(event)`` with ``{typing, name}``. */
export class TypingLine {
  constructor(T, node) {
    this.T = T;
    this.node = node;
    this.timer = null;
  }

  show(e) {
    clearTimeout(this.timer);
    const on = Boolean(e && e.typing);
    this.node.textContent = on ? fill(this.T.typing, { name: e.name || this.T.someone }) : "";
    this.node.classList.toggle("show", on);
    if (on) this.timer = setTimeout(() => this.show({ typing: false }), TYPING_SHOWN_MS);
  }
}
