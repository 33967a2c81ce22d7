// The optional pre-chat form (the desk's ``prechat_form`` setting): an anonymous
// visitor gives a name and email before the first message. The server validates and
// keeps them on the visitor (``profile``, docs/protocol.md); errors are shown in the
// panel's language, from the catalogue.
import { el } from "../shared/dom.js";
import { errorText } from "./i18n.js";

export const PRECHAT_CSS = `
form[hidden] { display: none; }
.prechat { display: block; border-top: 1px solid #d0d7de; padding: 10px 12px; background: #fff; }
.prechat p { margin: 0 0 8px; font-size: 13px; }
.prechat label { display: block; font-size: 12px; color: #57606a; margin-bottom: 8px; }
.prechat input { display: block; width: 100%; margin-top: 2px; border: 1px solid #8c959f; border-radius: 8px; padding: 10px; font-size: 16px; min-height: 44px; }
.prechat button { background: #1a5fd0; color: #fff; border: 0; border-radius: 8px; padding: 0 14px; min-height: 44px; cursor: pointer; font-size: 15px; }
`;

function field(type, label, name, maxLength) {
  const wrap = el("label");
  wrap.append(el("span", null, label));
  const input = el("input");
  input.type = type;
  input.name = name;
  input.required = true;
  input.maxLength = maxLength;
  input.autocomplete = name;
  input.dataset.kefu = "prechat-" + name;
  wrap.append(input);
  return wrap;
}

/**
 * The form; ``save({name, email})`` resolves to the ack, and ``done()`` runs once the
 * server kept them (the widget then shows its message box).
 */
export function prechatForm(T, save, done) {
  const form = el("form", "prechat");
  form.dataset.kefu = "prechat";
  form.noValidate = true; // the server's answer is the one shown, in the panel's language
  form.append(el("p", null, T.prechatAsk), field("text", T.name, "name", 120),
    field("email", T.email, "email", 255));
  const error = el("div", "error");
  error.dataset.kefu = "prechat-error";
  error.setAttribute("role", "alert");
  const submit = el("button", null, T.prechatStart);
  submit.type = "submit";
  submit.dataset.kefu = "prechat-submit";
  form.append(error, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const ack = await save({ name: form.elements.name.value, email: form.elements.email.value });
    submit.disabled = false;
    if (!ack.ok) { error.textContent = errorText(T, ack.error); return; }
    form.remove();
    done();
  });
  return form;
}
