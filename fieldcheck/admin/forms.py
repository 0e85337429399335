"""The administrator's forms for people and teams."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from fieldcheck.auth.forms import new_password_field, refuse_weak_password
from fieldcheck.domain import areas, roles
from fieldcheck.forms import AppForm
from fieldcheck.models import Region, Team, User
from fieldcheck.security import AGENCY_LABELS, ROLE_LABELS

USERNAME = r"^[a-z0-9][a-z0-9._-]{1,63}$"


def parse_region_codes(text: str) -> list[str]:
    """Region codes typed one per line or separated by commas or spaces."""
    return [c for c in re.split(r"[\s,;]+", text or "") if c]


class UserForm(AppForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Regexp(
                USERNAME,
                message=_l("Use 2 to 64 lower-case letters, digits, dots, dashes or underscores."),
            ),
        ],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    name = StringField(
        _l("Full name"), validators=[DataRequired(message=_l("Enter the name.")), Length(max=200)]
    )
    role = SelectField(_l("Role"), choices=[])
    team = SelectField(_l("Team"), choices=[])
    agency = SelectField(_l("Agency"), choices=[])
    language = SelectField(_l("Language"), choices=[])
    regions = TextAreaField(
        _l("Regions (registry clerks)"),
        description=_l(
            "Region codes whose registry questions this clerk answers, e.g. 32.04 "
            "for a regency or 32.04.12 for a district; one per line."
        ),
    )
    password = new_password_field(_l("Temporary password"))

    def __init__(self, *args, office=None, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.editing = editing
        # Headquarters (an administrator of no office, issue 16) makes its own administrators and
        # the analysts; an office's administrator the roles that work in an office.
        kinds = roles.manageable_roles(office.id if office is not None else None)
        self.role.choices = [(r, ROLE_LABELS[r]) for r in kinds]
        teams = office.teams.order_by(Team.name) if office is not None else []
        self.team.choices = [("", _l("— none —"))] + [(str(t.id), t.name) for t in teams]
        self.agency.choices = [("", _l("— none —"))] + [
            (a, AGENCY_LABELS[a]) for a in roles.AGENCIES
        ]
        self.language.choices = [
            ("", _l("Follow the browser")),
            ("id", "Bahasa Indonesia"),
            ("en", "English"),
        ]
        if editing is not None:
            del self.password
            self.username.render_kw = {**self.username.render_kw, "readonly": True}

    def validate_username(self, field):
        field.data = (field.data or "").strip().lower()
        if self.editing is not None:
            field.data = self.editing.username
            return
        if User.select().where(User.username == field.data).exists():
            raise ValidationError(_l("This username is taken."))

    def validate_team(self, field):
        if roles.needs_team(self.role.data) and not field.data:
            raise ValidationError(_l("Choose a team: a field officer must belong to one."))

    def validate_regions(self, field):
        codes = parse_region_codes(field.data)
        if roles.needs_regions(self.role.data) and not codes:
            raise ValidationError(_l("A registry clerk needs at least one region."))
        known = {r.code for r in Region.select(Region.code).where(Region.code.in_(codes))}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError(_l("Unknown region code: %(codes)s.", codes=", ".join(unknown)))
        # The same rule accounts.create_user and update_user keep, said here in the form.
        if roles.needs_regions(self.role.data) and self.office is not None:
            area = self.office.region_codes()
            stray = areas.outside(codes, area)
            if stray and not area:
                raise ValidationError(
                    _l(
                        "Your office covers no regions yet, so a clerk can be given none: "
                        "a clerk's regions must lie within the office's area."
                    )
                )
            if stray:
                raise ValidationError(
                    _l(
                        "Outside your office's area (%(area)s): %(codes)s.",
                        area=", ".join(area),
                        codes=", ".join(stray),
                    )
                )

    def validate_password(self, field):
        refuse_weak_password(
            field, username=self.username.data, name=self.name.data, office=self.office
        )


class PasswordResetForm(AppForm):
    """A temporary password for `owner`, who must change it at their next sign-in."""

    password = new_password_field(_l("Temporary password"))

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def validate_password(self, field):
        owner = self.owner
        refuse_weak_password(field, username=owner.username, name=owner.name, office=owner.office)


class ActiveForm(AppForm):
    """Deactivate or reactivate: a button, with CSRF."""


class TeamForm(AppForm):
    name = StringField(
        _l("Team name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)]
    )
    district_code = StringField(
        _l("Work area"),
        validators=[DataRequired(message=_l("Enter the region code of the team's district."))],
        description=_l("Region code of the regency/city or district, e.g. 32.04."),
    )
    active = BooleanField(_l("Active"), default=True)

    def validate_district_code(self, field):
        field.data = (field.data or "").strip()
        region = Region.get_or_none(Region.code == field.data)
        if region is None or region.level not in (2, 3):
            raise ValidationError(_l("Enter the code of a known regency/city or district."))
