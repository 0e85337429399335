"""Intake, assignment and case-list forms."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from fieldcheck import labels
from fieldcheck.domain import identity, recruiters
from fieldcheck.errors import message
from fieldcheck.forms import AppForm
from fieldcheck.i18n import local_today


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (easier on a phone than a multiple select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


CHOOSE = ("", _l("— choose —"))


def _choices(mapping):
    return [(code, label) for code, label in mapping.items()]


def not_in_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_l("This date is in the future."))


class CaseForm(AppForm):
    """What intake states about an application when referring it for a field check."""

    application_number = StringField(
        _l("Application number"),
        validators=[
            DataRequired(message=_l("Enter the application number.")),
            Length(max=40),
            Regexp(
                r"^[A-Za-z0-9./-]+$", message=_l("Use letters, digits, dots, slashes or dashes.")
            ),
        ],
    )
    application_date = DateField(
        _l("Application date"),
        validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD).")), not_in_future],
    )
    applicant_name = StringField(
        _l("Applicant's full name"),
        validators=[DataRequired(message=_l("Enter the applicant's name.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    nik = StringField(
        _l("NIK"),
        validators=[DataRequired(message=_l("Enter the NIK."))],
        description=_l("16 digits, from the identity card (KTP)."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 .\-]{16,22}"},
    )
    kk = StringField(
        _l("Family card number (KK)"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    sex = RadioField(
        _l("Sex"),
        choices=_choices(labels.SEXES),
        validators=[DataRequired(message=_l("Choose one."))],
    )
    birth_place = StringField(_l("Place of birth"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(
        _l("Date of birth"),
        validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD).")), not_in_future],
    )
    marital_status = SelectField(_l("Marital status"), choices=_choices(labels.MARITAL))
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    phone = StringField(
        _l("Phone"), validators=[Optional()], render_kw={"inputmode": "tel", "autocomplete": "off"}
    )
    # No answer chosen beforehand: both feed the risk signals, and a default left unchanged
    # would fire signals the applicant never gave cause for.
    purpose = SelectField(
        _l("Stated purpose"),
        choices=[CHOOSE, *_choices(labels.PURPOSES)],
        validators=[DataRequired(message=_l("Choose the stated purpose."))],
    )
    destination_country = SelectField(
        _l("Destination country"),
        choices=[],
        validators=[DataRequired(message=_l("Choose the destination country."))],
    )
    sponsor = StringField(_l("Employer or sponsor"), validators=[Optional(), Length(max=200)])
    sponsor_is_employer = BooleanField(_l("The sponsor is an employer"))
    visa_type = SelectField(_l("Visa type"), choices=_choices(labels.VISA_TYPES), default="unknown")
    documents = MultiCheckboxField(_l("Documents presented"), choices=_choices(labels.DOCUMENTS))
    # The field asks these too (its codes: fieldcheck.domain.visits); the field's answer wins
    # for the risk signals, and the case page shows both when they differ. Optional, no default.
    job_offer_channel = SelectField(
        _l("How the job was offered"),
        choices=[CHOOSE, *_choices(labels.CHANNELS)],
        validators=[Optional()],
    )
    costs_paid_by = SelectField(
        _l("Who pays the passport and ticket"),
        choices=[CHOOSE, *_choices(labels.COSTS)],
        validators=[Optional()],
    )
    # Who offered the job (issue 16): all optional; linked across every office's cases by the
    # same phone, account or handle, or the same name with the same agency (never a name alone).
    recruiter_name = StringField(_l("Recruiter's name"), validators=[Optional(), Length(max=200)])
    recruiter_phone = StringField(
        _l("Recruiter's phone"),
        validators=[Optional()],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    recruiter_agency = StringField(
        _l("Recruiter's agency or company"), validators=[Optional(), Length(max=200)]
    )
    recruiter_handle = StringField(
        _l("Recruiter's social-media or messaging account"),
        validators=[Optional(), Length(max=100)],
        description=_l("As the applicant gives it, e.g. @rina.kerja or t.me/rinakerja."),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    recruiter_account = StringField(
        _l("Bank account the applicant was asked to pay into"),
        validators=[Optional(), Length(max=40)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    referral_reasons = MultiCheckboxField(
        _l("Why a field check"),
        choices=_choices(labels.REFERRAL_REASONS),
        validators=[DataRequired(message=_l("Choose at least one reason."))],
    )
    referral_notes = TextAreaField(_l("Officer's notes"), validators=[Optional(), Length(max=4000)])
    age_doubted = BooleanField(_l("The officer doubts the stated age"))
    priority = SelectField(_l("Priority"), choices=_choices(labels.PRIORITIES), default="normal")
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.destination_country.choices = [CHOOSE, *labels.countries()]

    def validate_nik(self, field):
        from fieldcheck.cases.service import known_district

        on = self.application_date.data or local_today()
        result = identity.decode_nik(field.data, on, known_district=known_district)
        if not result.valid:
            raise ValidationError(" ".join(message(p.code, p.params) for p in result.errors))

    def validate_kk(self, field):
        if not field.data:
            return
        on = self.application_date.data or local_today()
        result = identity.decode_kk(field.data, on)
        if not result.valid:
            raise ValidationError(" ".join(message(p.code, p.params) for p in result.errors))

    def validate_phone(self, field):
        if field.data:
            result = identity.parse_phone(field.data)
            if result.problem is not None:
                raise ValidationError(message(result.problem.code, result.problem.params))

    def validate_recruiter_phone(self, field):
        if field.data and recruiters.normalise_phone(field.data) is None:
            raise ValidationError(_l("This is not a phone number."))

    def validate_recruiter_account(self, field):
        if field.data and recruiters.normalise_account(field.data) is None:
            raise ValidationError(
                _l("An account number has at least %(n)d digits.", n=recruiters.MIN_ACCOUNT_DIGITS)
            )

    def validate_birth_date(self, field):
        if field.data and self.application_date.data and field.data > self.application_date.data:
            raise ValidationError(_l("The birth date is after the application date."))

    def data_for_case(self) -> dict:
        """The form's values as create_case takes them."""
        data = {
            name: getattr(self, name).data
            for name in (
                "application_number",
                "application_date",
                "applicant_name",
                "sex",
                "birth_place",
                "birth_date",
                "marital_status",
                "address",
                "purpose",
                "destination_country",
                "sponsor",
                "sponsor_is_employer",
                "visa_type",
                "documents",
                "referral_reasons",
                "referral_notes",
                "age_doubted",
                "priority",
                "due_date",
            )
        }
        for name in ("job_offer_channel", "costs_paid_by"):
            data[name] = getattr(self, name).data or None  # "— choose —" left: no answer
        data["application_number"] = data["application_number"].strip().upper()
        data["applicant_name"] = " ".join(data["applicant_name"].split())
        data["nik"] = re.sub(r"[\s.\-]", "", self.nik.data)
        data["kk"] = re.sub(r"[\s.\-]", "", self.kk.data or "") or None
        data["phone"] = identity.normalise_phone(self.phone.data) if self.phone.data else None
        for name in ("recruiter_name", "recruiter_agency", "recruiter_handle", "recruiter_account"):
            data[name] = " ".join((getattr(self, name).data or "").split()) or None
        phone = self.recruiter_phone.data
        data["recruiter_phone"] = recruiters.normalise_phone(phone) if phone else None
        return data


class AssignForm(AppForm):
    team = SelectField(_l("Team"), choices=[])
    officer = SelectField(_l("Officer (optional)"), choices=[])
    reason = TextAreaField(_l("Reason for re-assigning"), validators=[Optional(), Length(max=1000)])


class CancelForm(AppForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=1000)],
    )


class ImportForm(AppForm):
    file = FileField(
        _l("CSV export of the passport system"),
        validators=[FileRequired(message=_l("Choose a file."))],
    )
    mode = RadioField(
        _l("When some rows have problems"),
        default="valid_only",
        choices=[
            ("valid_only", _l("Import every valid row; list the others")),
            ("all_or_nothing", _l("Import nothing until every row is valid")),
        ],
    )
