"""Plain functions that make test data through the same code the app uses."""

import functools

from fieldcheck import accounts
from fieldcheck.clock import utcnow
from fieldcheck.demo import DEMO_PASSWORD, ensure_demo_regions
from fieldcheck.models import Office, Team, User

_app = None


def bind(app):
    """The app whose context (clock, database) the factories use; set by the `app` fixture."""
    global _app
    _app = app


def in_app(make):
    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        with _app.app_context():
            return make(*args, **kwargs)

    return wrapper


def actor(user=None):
    return accounts.Actor(user, utcnow(), "127.0.0.1")


@in_app
def office(code="KANIM-BDG", name="Kantor Imigrasi Bandung", time_zone="WIB") -> Office:
    ensure_demo_regions()
    existing = Office.get_or_none(Office.code == code)
    return existing or accounts.create_office(
        actor(), code=code, name=name, time_zone=time_zone, region_codes=["32.04", "32.05"]
    )


@in_app
def team(office_=None, name="Timpora Kabupaten Bandung", district_code="32.04") -> Team:
    office_ = office_ or office()
    existing = Team.get_or_none((Team.office == office_) & (Team.name == name))
    return existing or accounts.save_team(
        actor(), None, office=office_, name=name, district_code=district_code
    )


@in_app
def user(username, role, office_=None, team_=None, password=DEMO_PASSWORD, **extra) -> User:
    office_ = office_ or office()
    if role == "field" and team_ is None:
        team_ = team(office_)
    if role == "registry":
        extra.setdefault("regions", ["32.04"])
    return accounts.create_user(
        actor(),
        username=username,
        name=username.title(),
        role=role,
        password=password,
        office=office_,
        team=team_,
        must_change_password=False,
        **extra,
    )


@in_app
def one_per_role(office_=None) -> dict[str, User]:
    """One account per role, named like the role."""
    roles = ["admin", "intake", "field", "registry", "supervisor", "passport"]
    return {r: user(r, r, office_) for r in roles}


CASE_DEFAULTS = {
    "application_date": None,  # today, by the app's clock
    "applicant_name": "Siti Nurhaliza",
    "sex": "F",
    "birth_date": None,  # 1999-03-05
    "marital_status": "single",
    "address": "Kp. Cangkuang RT 02 RW 05, Dayeuhkolot",
    "phone": "+6281234567890",
    "purpose": "work",
    "destination_country": "KH",
    "sponsor": "Golden Sun Co. Ltd",
    "sponsor_is_employer": True,
    "visa_type": "visit",
    "documents": ["ktp", "kk"],
    "referral_reasons": ["doubtful_purpose"],
    "referral_notes": "Says she will work in a restaurant in Phnom Penh.",
    "age_doubted": False,
    "priority": "normal",
    "due_date": None,
}

_numbers = iter(range(1, 10**9))


@in_app
def case(office_=None, actor_user=None, district="32.04.12", **overrides):
    """A case made by intake's own function, with a NIK consistent with its applicant."""
    from datetime import date

    from fieldcheck.cases import service
    from fieldcheck.domain.identity import encode_nik

    office_ = office_ or office()
    data = dict(CASE_DEFAULTS)
    data["application_date"] = utcnow().date()
    data["birth_date"] = date(1999, 3, 5)
    data["application_number"] = f"2026-BDG-{next(_numbers):06d}"
    data.update(overrides)
    if "nik" not in overrides:
        data["nik"] = encode_nik(district, data["sex"], data["birth_date"], 1)
    return service.create_case(actor(actor_user), office_, data)
