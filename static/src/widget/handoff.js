// The visitor's side of a human handoff: queue place, the leave-a-message form when
// nobody can chat, and the 1-5 star rating when the chat is closed.
import { el } from "./render.js";
import { fill } from "./i18n.js";

export function waitText(T, seconds) {
  const minutes = Math.round((seconds || 0) / 60);
  return minutes < 1 ? T.lessThanMinute : fill(T.minutes, { n: minutes });
}

/** "2 ahead of you, about 3 min to wait" from ``{position, expected_wait_seconds}``. */
export function queueText(T, queue) {
  if (!queue) return T.waiting;
  const wait = waitText(T, queue.expected_wait_seconds);
  const ahead = Math.max(0, (queue.position || 1) - 1);
  return ahead ? fill(T.queue, { ahead, wait }) : fill(T.queueFirst, { wait });
}

function input(type, label, name, maxLength) {
  const wrap = el("label");
  wrap.append(el("span", null, label));
  const field = el(type === "textarea" ? "textarea" : "input");
  if (type !== "textarea") field.type = type;
  field.name = name;
  field.required = true;
  field.maxLength = maxLength;
  field.dataset.kefu = "leave-" + name;
  wrap.append(field);
  return wrap;
}

/**
 * The form shown when no agent is online or it is after hours; calls ``onSubmit(values)``.
 * Without ``emailReplies`` (the desk has no mail server) it promises no email.
 */
export function leaveMessageForm(T, reason, onSubmit, emailReplies = true) {
  const box = el("div", "leave");
  box.dataset.kefu = "leave-message";
  box.dataset.emailReplies = String(emailReplies);
  const suffix = emailReplies ? "" : "_nomail";
  box.append(el("p", "offline", T["offline_" + reason + suffix] || T["offline_no_agents" + suffix]));
  const form = el("form", "leave-form");
  form.append(input("text", T.name, "name", 120), input("email", T.email, "email", 255),
    input("textarea", T.message, "text", 2000));
  const error = el("div", "error");
  const submit = el("button", null, T.submit);
  submit.type = "submit";
  submit.dataset.kefu = "leave-submit";
  form.append(error, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(["name", "email", "text"].map((k) => [k, form.elements[k].value.trim()]));
    submit.disabled = true;
    const problem = await onSubmit(values);
    submit.disabled = false;
    if (problem) { error.textContent = problem; return; }
    form.replaceWith(el("p", "thanks", emailReplies ? T.ticketThanks : T.ticketThanks_nomail));
  });
  box.append(form);
  return box;
}

/**
 * Five stars under ``question`` (the admin's CSAT question, else the widget's own);
 * clicking one calls ``onRate(n)``, which returns an error text or null.
 */
export function ratingNode(T, onRate, question = null) {
  const box = el("div", "rating");
  box.dataset.kefu = "rating";
  box.append(el("p", null, question || T.rateAsk));
  const stars = el("div", "stars");
  const error = el("div", "error");
  for (let n = 1; n <= 5; n += 1) {
    const star = el("button", "star", "★");
    star.type = "button";
    star.dataset.rating = n;
    star.setAttribute("aria-label", fill(T.star, { n }));
    star.addEventListener("mouseenter", () => [...stars.children].forEach((s, i) => s.classList.toggle("on", i < n)));
    star.addEventListener("click", async () => {
      const problem = await onRate(n);
      if (problem) { error.textContent = problem; return; }
      box.replaceChildren(el("p", "thanks", T.rateThanks + " " + "★".repeat(n)));
      box.dataset.rated = String(n);
    });
    stars.append(star);
  }
  stars.addEventListener("mouseleave", () => [...stars.children].forEach((s) => s.classList.remove("on")));
  box.append(stars, error);
  return box;
}
