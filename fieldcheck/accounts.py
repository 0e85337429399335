"""Changes to people, teams and offices: each one function, one transaction, one audit event.

Used by the administrator's screens and by the CLI alike.
"""

from dataclasses import dataclass

from fieldcheck import audit
from fieldcheck.db import database
from fieldcheck.domain import roles
from fieldcheck.models import Office, OfficeRegion, Team, User, UserRegion


@dataclass
class Actor:
    """Who makes a change, from where, and when: what every audit event records."""

    user: User | None
    at: object
    address: str | None = None

    def record(self, action, subject=None, details=None):
        return audit.record(
            action,
            actor=self.user,
            subject=subject,
            details=details,
            address=self.address,
            at=self.at,
        )


USER_FIELDS = ("name", "role", "office", "team", "agency", "language")


def _user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "office": user.office_id,
        "team": user.team_id,
        "agency": user.agency,
        "language": user.language,
        "active": user.active,
        "regions": user.region_codes() if user.id else [],
    }


def create_user(
    actor: Actor,
    *,
    username,
    name,
    role,
    password,
    office=None,
    team=None,
    agency=None,
    language=None,
    regions=(),
    must_change_password=True,
) -> User:
    """A new account; it must change its password at first sign-in unless told otherwise."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")
    with database.atomic():
        user = User(
            username=username.strip().lower(),
            name=name.strip(),
            role=role,
            office=office,
            team=team if roles.needs_team(role) else None,
            agency=agency,
            language=language or None,
            must_change_password=must_change_password,
            created_at=actor.at,
        )
        user.set_password(password)
        user.save()
        _set_regions(user, regions if roles.needs_regions(role) else ())
        actor.record(audit.USER_CREATE, user, _user_snapshot(user))
    return user


def update_user(actor: Actor, user: User, *, regions=(), **changes) -> dict:
    """Change an account's details; returns what changed (also in the audit event)."""
    with database.atomic():
        before = _user_snapshot(user)
        for field, value in changes.items():
            if field not in USER_FIELDS:
                raise ValueError(f"{field} cannot be changed here")
            setattr(user, field, value)
        if not roles.needs_team(user.role):
            user.team = None
        user.language = user.language or None
        user.save()
        _set_regions(user, regions if roles.needs_regions(user.role) else ())
        after = _user_snapshot(user)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            actor.record(audit.USER_UPDATE, user, changed)
    return changed


def set_active(actor: Actor, user: User, active: bool):
    """Deactivate (the account can no longer sign in; its history stays) or reactivate."""
    with database.atomic():
        user.active = active
        user.save(only=[User.active])
        actor.record(audit.USER_ACTIVATE if active else audit.USER_DEACTIVATE, user)


def reset_password(actor: Actor, user: User, temporary_password: str):
    """Set a temporary password that the user must change at their next sign-in."""
    with database.atomic():
        user.set_password(temporary_password)
        user.must_change_password = True
        user.save(only=[User.password_hash, User.must_change_password])
        actor.record(audit.USER_PASSWORD_RESET, user)


def _set_regions(user: User, codes):
    wanted = sorted(set(codes))
    UserRegion.delete().where(UserRegion.user == user).execute()
    if wanted:
        UserRegion.insert_many([{"user": user.id, "region_code": c} for c in wanted]).execute()


def save_team(actor: Actor, team: Team | None, *, office, name, district_code, active=True):
    """Create a team (team None) or change one."""
    with database.atomic():
        if team is None:
            team = Team.create(
                office=office, name=name.strip(), district_code=district_code, active=active
            )
            actor.record(audit.TEAM_CREATE, team, {"name": team.name, "district": district_code})
            return team
        before = {"name": team.name, "district": team.district_code, "active": team.active}
        team.name, team.district_code, team.active = name.strip(), district_code, active
        team.save()
        after = {"name": team.name, "district": team.district_code, "active": team.active}
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            actor.record(audit.TEAM_UPDATE, team, changed)
        return team


def create_office(actor: Actor, *, code, name, time_zone, region_codes=()) -> Office:
    """An immigration office and the regions (regencies/cities) it covers."""
    if time_zone not in roles.TIME_ZONES:
        raise ValueError(f"time zone must be one of {', '.join(roles.TIME_ZONES)}")
    with database.atomic():
        office = Office.create(code=code, name=name, time_zone=time_zone)
        if region_codes:
            OfficeRegion.insert_many(
                [{"office": office.id, "region_code": c} for c in sorted(set(region_codes))]
            ).execute()
        actor.record(audit.OFFICE_CREATE, office, {"code": code, "regions": sorted(region_codes)})
    return office
