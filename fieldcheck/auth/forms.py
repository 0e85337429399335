"""Sign-in, password and language forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from fieldcheck.domain import passwords
from fieldcheck.errors import message
from fieldcheck.forms import AppForm

PASSWORD_RULES = _l(
    "At least %(min)s characters; not a common password, word, name, date, repeat or row of "
    "keys; not built from the username, the person's name or the office's name.",
    min=passwords.MIN_LENGTH,
)


def refusal_reasons(password: str, *, username: str, name: str, office) -> list[str]:
    """Why this password may not be chosen for this person, in the reader's words."""
    problems = passwords.password_problems(
        password,
        username=username or "",
        name=name or "",
        office_name=office.name if office is not None else "",
    )
    return [message(p.code, p.params) for p in problems]


def refuse_weak_password(field, *, username: str, name: str, office):
    """Stop a form whose new password breaks the rule (fieldcheck.domain.passwords)."""
    problems = refusal_reasons(field.data or "", username=username, name=name, office=office)
    if problems:
        raise ValidationError(" ".join(problems))


def new_password_field(label):
    """A password someone chooses; the form's validate_<name> holds it to the rule."""
    return PasswordField(
        label,
        validators=[DataRequired(message=_l("Enter a password."))],
        description=PASSWORD_RULES,
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
    """One's own password: `owner` is the signed-in user."""

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

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def problems_with(self, password: str) -> list[str]:
        """Why the owner may not choose this password, in the reader's words (none: they may)."""
        owner = self.owner
        return refusal_reasons(
            password, username=owner.username, name=owner.name, office=owner.office
        )

    def validate_new(self, field):
        problems = self.problems_with(field.data or "")
        if problems:
            raise ValidationError(" ".join(problems))


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
