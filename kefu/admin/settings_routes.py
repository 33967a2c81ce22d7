"""The desk settings page: one form, every field validated, saved in one transaction."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kefu.admin import bp
from kefu.admin.forms import SettingsForm
from kefu.pages_i18n import t
from kefu.services import mail, settings


def _lines(text) -> list:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(text):
    """A whole number from a form field; anything else is passed on for the service to refuse."""
    text = (text or "").strip()
    try:
        return int(text)
    except ValueError:
        return text


def _decimal(text):
    """A number from a form field (0.7 or 0,7); anything else is passed on to be refused."""
    text = (text or "").strip().replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return text


#: The policy and lifecycle settings on the page: setting -> (form field, parse, show).
POLICY_FIELDS = {
    "clarify_misses_before_handoff": ("misses", _number, str),
    "clarify_suggest_min_confidence": ("suggest_min", _decimal, lambda v: f"{v:g}"),
    "offtopic_threshold": ("offtopic", _decimal, lambda v: f"{v:g}"),
    "abandon_after_seconds": ("abandon_after", _number, str),
    "idle_close_after_seconds": ("idle_close_after", _number, str),
    "sticky_agent_seconds": ("sticky_agent", _number, str),
}


def form_values(form: SettingsForm) -> dict:
    """The settings a submitted form asks for (unvalidated)."""
    hours = None
    if form.hours_on.data:
        hours = {"tz": (form.tz.data or "").strip(), "days": request.form.getlist("days"),
                 "start": (form.start.data or "").strip(), "end": (form.end.data or "").strip()}
    return {
        "welcome_message": {"zh": form.welcome_zh.data or "", "en": form.welcome_en.data or ""},
        "suggested_questions": {"zh": _lines(form.questions_zh.data),
                                "en": _lines(form.questions_en.data)},
        "widget_origins": _lines((form.origins.data or "").replace(",", "\n")),
        "csat_question": {"zh": form.csat_zh.data or "", "en": form.csat_en.data or ""},
        "business_hours": hours,
        "auto_assign": bool(form.auto_assign.data),
        "max_chats_per_agent": _number(form.max_chats.data),
        "default_wait_seconds": _number(form.default_wait.data),
        "answer_while_waiting": bool(form.answer_waiting.data),
        **{key: parse(getattr(form, field).data)
           for key, (field, parse, _) in POLICY_FIELDS.items()},
    }


def form_data(values: dict) -> dict:
    """The form's fields filled from stored settings."""
    hours = values["business_hours"] or {}
    return {
        "welcome_zh": values["welcome_message"].get("zh", ""),
        "welcome_en": values["welcome_message"].get("en", ""),
        "questions_zh": "\n".join(values["suggested_questions"].get("zh", [])),
        "questions_en": "\n".join(values["suggested_questions"].get("en", [])),
        "origins": "\n".join(values["widget_origins"]),
        "csat_zh": values["csat_question"].get("zh", ""),
        "csat_en": values["csat_question"].get("en", ""),
        "hours_on": bool(values["business_hours"]), "tz": hours.get("tz", "Asia/Shanghai"),
        "start": hours.get("start", "09:00"), "end": hours.get("end", "18:00"),
        "auto_assign": values["auto_assign"], "max_chats": str(values["max_chats_per_agent"]),
        "default_wait": str(values["default_wait_seconds"]),
        "answer_waiting": values["answer_while_waiting"],
        **{field: show(values[key]) for key, (field, _, show) in POLICY_FIELDS.items()},
    }


@bp.route("/settings", methods=["GET", "POST"])
def settings_page():
    """Show the settings; on POST check every field and save them all or none."""
    errors, days = {}, None
    if request.method == "POST":
        form = SettingsForm(formdata=request.form)  # form fields only, never a JSON body
        if form.validate_on_submit():
            clean, errors = settings.validate_all(form_values(form))
            if not errors:
                settings.put_many(clean, current_user._get_current_object())
                flash(t("settings_saved",
                        seconds=f"{current_app.config['SETTINGS_CHECK_SECONDS']:g}"), "info")
                return redirect(url_for("admin.settings_page"))
            flash(t("settings_errors", n=len(errors)), "error")
        days = {int(d) for d in request.form.getlist("days") if d.isdigit()}
    else:
        form = SettingsForm(formdata=None, data=form_data(settings.all_settings()))
    if days is None:
        hours = settings.get("business_hours") or {}
        days = set(hours.get("days", range(5)))
    return render_template(
        "admin/settings.html", form=form, errors=errors, days=days,
        zones=settings.time_zones(), mail_on=mail.configured(),
        mail_server=current_app.config.get("MAIL_SERVER")), 400 if errors else 200
