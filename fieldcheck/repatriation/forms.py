"""The repatriated victims' forms: a partner agency's file, and a supervisor's review."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from fieldcheck.forms import AppForm


class LoadForm(AppForm):
    source_agency = StringField(
        _l("Partner agency that sent the file"),
        validators=[DataRequired(message=_l("Name the agency.")), Length(max=200)],
        description=_l("For example: Kemlu (KBRI Phnom Penh), BP2MI, IOM."),
    )
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a file."))])


class ReviewForm(AppForm):
    note = TextAreaField(
        _l("What the office learns from it"),
        description=_l(
            "What the field check saw or missed, and what the team will look for from now on."
        ),
    )
