"""The prevention list's forms: an entry, a CSV file, the removal of an entry, a hit handled."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Optional

from fieldcheck.errors import message
from fieldcheck.forms import AppForm
from fieldcheck.prevention.service import FIELDS


class EntryForm(AppForm):
    """An entry as the requesting authority's letter gives it. The rules an entry must meet are
    the domain's (fieldcheck.domain.watch.entry_problems), checked by the service: the CSV load
    meets the same ones."""

    name = StringField(_l("Full name"))
    nik = StringField(_l("NIK"), description=_l("16 digits. Give the NIK, the birth date or both."))
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    authority = StringField(
        _l("Requesting authority"),
        description=_l("For example: Bareskrim Polri, Polda Jawa Barat."),
    )
    letter_number = StringField(_l("Letter number"))
    reason = TextAreaField(
        _l("Reason given by the authority"),
        description=_l(
            "Seen only by headquarters administrators and by the supervisor of an office "
            "whose case names this person."
        ),
    )
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])

    def values(self) -> dict:
        """The entry's values, for the service to check and keep."""
        return {field: getattr(self, field).data for field in FIELDS}

    def show(self, problems):
        """Put the service's problems on their fields, in the reader's words."""
        for field, code, params in problems:
            getattr(self, field).errors = [*getattr(self, field).errors, message(code, params)]


class ImportForm(AppForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a file."))])


class ConfirmForm(AppForm):
    """A button with CSRF (removing an entry)."""


class HandleForm(AppForm):
    note = TextAreaField(
        _l("What was done"),
        description=_l("For example: the Police were told; the application was refused."),
    )
