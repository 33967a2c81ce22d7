// The composer: reply or private note, "/shortcut" canned replies, typing signals.
import { el } from "../shared/dom.js";
import { TypingSignal } from "../shared/typing.js";

export class Composer {
  constructor(form, canned, { onSend, onTyping, conversationId }) {
    this.form = form;
    this.input = form.querySelector("[data-role=input]");
    this.pop = form.querySelector("[data-role=canned-pop]");
    this.error = form.querySelector("[data-role=composer-error]");
    this.canned = canned;
    this.onSend = onSend;
    this.onTyping = onTyping;
    this.conversationId = conversationId; // () => the open conversation, for canned replies
    this.choices = [];
    this.selected = 0;
    this.typing = new TypingSignal((typing) => this.onTyping(typing));
    form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.input.addEventListener("input", () => {
      if (!this.input.value.trim()) this.draft = null; // cleared: no longer from the draft
      this.updatePop();
      this.typed();
    });
    this.draft = null; // {messageId} of the bot's draft inserted, until it is sent
    this.input.addEventListener("keydown", (e) => this.keydown(e));
    for (const radio of form.querySelectorAll("input[name=mode]")) {
      radio.addEventListener("change", () => this.form.classList.toggle("note-mode", this.mode() === "note"));
    }
  }

  mode() {
    return this.form.querySelector("input[name=mode]:checked").value;
  }

  setMode(mode, { replyAllowed }) {
    const reply = this.form.querySelector("input[value=reply]");
    reply.disabled = !replyAllowed;
    const wanted = replyAllowed ? mode : "note";
    this.form.querySelector(`input[value=${wanted}]`).checked = true;
    this.form.classList.toggle("note-mode", wanted === "note");
  }

  /** Agent assist: put the bot's draft in the reply box, editable; the reply will name it. */
  insertDraft(messageId, text) {
    this.setMode("reply", { replyAllowed: !this.form.querySelector("input[value=reply]").disabled });
    this.input.value = text;
    this.draft = { messageId };
    this.input.setSelectionRange(text.length, text.length);
    this.input.focus();
    this.typed();
  }

  setEnabled(on) {
    this.input.disabled = !on;
    this.form.querySelector("[data-role=send]").disabled = !on;
  }

  showError(text) {
    this.error.textContent = text || "";
  }

  /** The "/word" being typed right before the cursor, or null. */
  slashWord() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const m = before.match(/(^|\s)\/([^\s/]*)$/);
    return m ? { word: m[2], start: before.length - m[2].length - 1 } : null;
  }

  updatePop() {
    const slash = this.slashWord();
    this.choices = slash ? this.canned.matching(slash.word).slice(0, 6) : [];
    this.selected = 0;
    this.pop.replaceChildren();
    this.pop.hidden = !this.choices.length;
    this.choices.forEach((c, i) => {
      const li = el("li", i === this.selected ? "sel" : "");
      li.append(el("b", null, "/" + c.shortcut), el("span", null, this.preview(c)));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); this.insert(c); });
      this.pop.append(li);
    });
  }

  /** A reply as the server rendered it for the open conversation (raw until it has). */
  preview(choice) {
    const rendered = this.canned.conversationId === this.conversationId() && typeof choice.rendered === "string";
    return rendered ? choice.rendered : choice.text;
  }

  async insert(choice) {
    this.pop.hidden = true;
    this.choices = [];
    const text = await this.canned.textFor(choice, this.conversationId());
    const slash = this.slashWord();
    const value = this.input.value;
    const start = slash ? slash.start : this.input.selectionStart;
    const end = this.input.selectionStart;
    this.input.value = value.slice(0, start) + text + value.slice(end);
    const caret = start + text.length;
    this.input.setSelectionRange(caret, caret);
    this.input.focus();
  }

  keydown(e) {
    if (!this.pop.hidden && this.choices.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = this.choices.length;
        this.selected = (this.selected + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        [...this.pop.children].forEach((li, i) => li.classList.toggle("sel", i === this.selected));
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        this.insert(this.choices[this.selected]);
        return;
      }
      if (e.key === "Escape") { this.pop.hidden = true; return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  typed() {
    if (this.mode() === "reply") this.typing.typed();
  }

  async submit() {
    const typed = this.input.value.trim();
    if (!typed) return;
    const mode = this.mode();
    const conversationId = this.conversationId();
    this.input.value = "";
    this.pop.hidden = true;
    this.showError("");
    if (mode === "reply") this.typing.stop();
    const whole = typed.match(/^\/(\S+)$/);
    const exact = whole && this.canned.exact(whole[1]);
    const text = exact ? await this.canned.textFor(exact, conversationId) : typed;
    if (this.conversationId() !== conversationId) { this.input.value = typed; return; } // switched meanwhile
    const draftFor = mode === "reply" && this.draft ? this.draft.messageId : null;
    this.draft = null;
    this.onSend(mode, text, draftFor);
  }
}
