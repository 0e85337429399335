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
