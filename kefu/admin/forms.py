"""The admin forms; Flask-WTF adds and checks each one's CSRF token."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField


class UserForm(FlaskForm):
    """Name and email; the users service checks them (one set of rules for pages and CLI)."""

    email = StringField()
    name = StringField()


class NewUserForm(UserForm):
    """A new account also gets its role."""

    role = StringField(default="agent")  # a <select> in the page; the service checks it


class RoleForm(FlaskForm):
    """One of admin, agent, editor."""

    role = StringField()


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class SettingsForm(FlaskForm):
    """Every desk setting as form fields; the settings service validates the values."""

    welcome_zh = TextAreaField()
    welcome_en = TextAreaField()
    questions_zh = TextAreaField()
    questions_en = TextAreaField()
    origins = TextAreaField()
    csat_zh = StringField()
    csat_en = StringField()
    hours_on = BooleanField()
    tz = StringField()
    start = StringField()
    end = StringField()
    auto_assign = BooleanField()
    max_chats = StringField()
    default_wait = StringField()
    # The bot's policy (kefu.services.policy) and the lifecycle's timeouts.
    misses = StringField()
    suggest_min = StringField()
    offtopic = StringField()
    answer_waiting = BooleanField()
    abandon_after = StringField()
    idle_close_after = StringField()
    sticky_agent = StringField()
