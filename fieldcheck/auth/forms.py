"""Sign-in, password and language forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from fieldcheck.forms import AppForm

MIN_PASSWORD = 10
COMMON_PASSWORDS = {
    "password123",
    "1234567890",
    "qwertyuiop",
    "passw0rd12",
    "indonesia1",
    "admin12345",
    "rahasia123",
    "fieldcheck",
}


def strong_password(form, field):
    """At least 10 characters, not the username, not one everybody tries first."""
    value = field.data or ""
    username = getattr(form, "username_value", None) or ""
    if value.lower() in COMMON_PASSWORDS or (username and username.lower() in value.lower()):
        raise ValidationError(_l("Choose a password that is harder to guess."))


def new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Enter a password.")),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=_l("A password needs at least %(min)d characters.", min=MIN_PASSWORD),
            ),
            strong_password,
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(AppForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter your username."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(AppForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(AppForm):
    language = SelectField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class RevokeForm(AppForm):
    """Sign a device out: a button, with CSRF."""


class CodeForm(AppForm):
    """The second factor at sign-in: the authenticator's code, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code."))],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": "16",
        },
    )
