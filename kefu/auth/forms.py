"""Login form; Flask-WTF adds the CSRF token."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
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
