"""Login form; Flask-WTF adds the CSRF token."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from kefu.pages_i18n import lazy_t

REQUIRED = DataRequired(message=lazy_t("field_required"))


def at_most(n):
    """A length limit whose message is said in the page's language."""
    return Length(max=n, message=lazy_t("field_too_long_n", n=n))


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[REQUIRED, at_most(255)])
    password = PasswordField("Password", validators=[REQUIRED, at_most(200)])
    remember = BooleanField("Remember me")


class PasswordForm(FlaskForm):
    """The current password, and the new one twice."""

    current = PasswordField("Current password · 当前密码",
                            validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password · 新密码",
                        validators=[DataRequired(), Length(min=10, max=200)])
    repeat = PasswordField("New password again · 再次输入新密码",
                           validators=[DataRequired(), EqualTo("new", message=(
                               "The two new passwords differ. · 两次输入的新密码不一致。"))])


class ForgotForm(FlaskForm):
    """The email to send a reset link to."""

    email = EmailField("Email", validators=[REQUIRED, at_most(255)])


class ResetForm(FlaskForm):
    """The new password twice (the users service checks its length)."""

    new = PasswordField(validators=[REQUIRED, at_most(200)])
    repeat = PasswordField(validators=[REQUIRED, at_most(200)])
