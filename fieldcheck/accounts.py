"""Changes to people, teams and offices: each one function, one transaction, one audit event.

Used by the administrator's screens and by the CLI alike.
"""

import secrets
from dataclasses import dataclass

import peewee
from flask import current_app

from fieldcheck import audit, sessions
from fieldcheck.db import database
from fieldcheck.domain import areas, roles, second_factor
from fieldcheck.models import (
    DeviceToken,
    Office,
    OfficeRegion,
    RecoveryCode,
    Team,
    User,
    UserRegion,
    UserSession,
)


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


class RegionsOutsideOffice(ValueError):
    """A registry clerk given regions outside their office's area; nothing was saved."""

    def __init__(self, codes: list[str], area: list[str]):
        self.codes, self.area = codes, area
        covers = ", ".join(area) if area else "no regions yet"
        super().__init__(
            f"regions outside the office's area ({covers}): {', '.join(codes)}; nothing was saved"
        )


def _office_area(office) -> list[str]:
    """The region codes an office covers (an Office or its id), sorted."""
    query = (
        OfficeRegion.select(OfficeRegion.region_code)
        .where(OfficeRegion.office == office)
        .order_by(OfficeRegion.region_code)
    )
    return [code for (code,) in query.tuples()]


def _clerk_regions(role, office, codes) -> list[str]:
    """The regions an account of `role` keeps: a clerk's, once each and all within the office's
    area (RegionsOutsideOffice otherwise); none for other roles."""
    if not roles.needs_regions(role):
        return []
    wanted = sorted(set(codes))
    if office is not None:  # a clerk of no office has no office's area to keep within
        area = _office_area(office)
        stray = areas.outside(wanted, area)
        if stray:
            raise RegionsOutsideOffice(stray, area)
    return wanted


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
    """A new account; it must change its password at first sign-in unless told otherwise.

    A registry clerk's regions must lie within the office's area (RegionsOutsideOffice)."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not roles.has_office(role):
        office = None  # the headquarters analyst reads across offices, belongs to none
    regions = _clerk_regions(role, office, regions)
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
        _set_regions(user, regions)
        actor.record(audit.USER_CREATE, user, _user_snapshot(user))
    return user


def update_user(actor: Actor, user: User, *, regions=(), **changes) -> dict:
    """Change an account's details; returns what changed (also in the audit event).

    A registry clerk's regions must lie within the office's area (RegionsOutsideOffice)."""
    for field in changes:
        if field not in USER_FIELDS:
            raise ValueError(f"{field} cannot be changed here")
    regions = _clerk_regions(
        changes.get("role", user.role), changes.get("office", user.office_id), regions
    )
    with database.atomic():
        before = _user_snapshot(user)
        for field, value in changes.items():
            setattr(user, field, value)
        if not roles.has_office(user.role):
            user.office = None
        if not roles.needs_team(user.role):
            user.team = None
        user.language = user.language or None
        user.save()
        _set_regions(user, regions)
        after = _user_snapshot(user)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            actor.record(audit.USER_UPDATE, user, changed)
    return changed


def authenticate(username: str, password: str) -> User | None:
    """The active account these credentials open, or None.

    Exactly one password hash is checked whatever the username, so that the time a refusal
    takes does not tell a known username from an unknown one (an unknown or inactive one is
    checked against a hash of the same kind that no password opens)."""
    user = User.get_or_none(User.username == username) if username else None
    if user is None:
        User(password_hash=_unknown_user_hash()).check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def _unknown_user_hash() -> str:
    """A password hash made with the app's method, once per app, of a password no one knows."""
    made = current_app.extensions.setdefault("fieldcheck.unknown_user_hash", {})
    if "hash" not in made:
        placeholder = User()
        placeholder.set_password(secrets.token_urlsafe(24))
        made["hash"] = placeholder.password_hash
    return made["hash"]


def set_active(actor: Actor, user: User, active: bool):
    """Deactivate (the account can no longer sign in, its sessions end; its history stays) or
    reactivate."""
    with database.atomic():
        user.active = active
        user.save(only=[User.active])
        if not active:
            sessions.end_all(user, at=actor.at, reason=sessions.DEACTIVATED)
        actor.record(audit.USER_ACTIVATE if active else audit.USER_DEACTIVATE, user)


def reset_password(actor: Actor, user: User, temporary_password: str):
    """Set a temporary password that the user must change at their next sign-in; every
    session of theirs ends (their phones' tokens stay: see change_password)."""
    with database.atomic():
        user.set_password(temporary_password)
        user.must_change_password = True
        user.save(only=[User.password_hash, User.must_change_password])
        ended = sessions.end_all(user, at=actor.at, reason=sessions.PASSWORD_RESET)
        actor.record(audit.USER_PASSWORD_RESET, user, {"sessions_ended": ended})


def change_password(actor: Actor, user: User, new_password: str, *, current: UserSession | None):
    """The user's own change of password: every other session of theirs ends at once.

    Their phones' device tokens are kept: revoking one wipes that phone's case data, and a
    phone is revoked on its own (Sessions and devices) when it is lost (README, "Sessions")."""
    with database.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(only=[User.password_hash, User.must_change_password])
        ended = sessions.end_all(user, at=actor.at, reason=sessions.PASSWORD_CHANGE, keep=current)
        actor.record(audit.USER_PASSWORD_CHANGE, user, {"sessions_ended": ended})


def set_language(actor: Actor, user: User, language: str):
    """The user's choice of language, kept for their next sign-in."""
    with database.atomic():
        user.language = language
        user.save(only=[User.language])
        actor.record(audit.USER_LANGUAGE, user, {"language": language})


def end_session(actor: Actor, record: UserSession):
    """A user ends one of their own sessions (a browser left signed in elsewhere)."""
    with database.atomic():
        if sessions.end(record, at=actor.at, reason=sessions.ENDED_BY_USER):
            actor.record(audit.SESSION_END, record.user, {"session": record.id})


def sign_out_everywhere(actor: Actor, user: User) -> dict:
    """An administrator's answer to a lost phone or a leaked password: every session of the
    user ends and every device token is revoked (the phones wipe their case data at their
    next contact; unsent findings stay on them for their author)."""
    with database.atomic():
        ended = sessions.end_all(user, at=actor.at, reason=sessions.SIGNED_OUT_EVERYWHERE)
        revoked = (
            DeviceToken.update(revoked_at=actor.at)
            .where((DeviceToken.user == user.id) & DeviceToken.revoked_at.is_null())
            .execute()
        )
        counts = {"sessions_ended": ended, "tokens_revoked": revoked}
        actor.record(audit.USER_SIGN_OUT_EVERYWHERE, user, counts)
    return counts


def _set_regions(user: User, codes: list[str]):
    UserRegion.delete().where(UserRegion.user == user).execute()
    if codes:
        UserRegion.insert_many([{"user": user.id, "region_code": c} for c in codes]).execute()


class TeamNameTaken(ValueError):
    """The office already has a team of this name; nothing was saved."""


def save_team(actor: Actor, team: Team | None, *, office, name, district_code, active=True):
    """Create a team (team None) or change one. Raises TeamNameTaken."""
    try:
        with database.atomic():
            if team is None:
                team = Team.create(
                    office=office, name=name.strip(), district_code=district_code, active=active
                )
                details = {"name": team.name, "district": district_code}
                actor.record(audit.TEAM_CREATE, team, details)
                return team
            before = {"name": team.name, "district": team.district_code, "active": team.active}
            team.name, team.district_code, team.active = name.strip(), district_code, active
            team.save()
            after = {"name": team.name, "district": team.district_code, "active": team.active}
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            if changed:
                actor.record(audit.TEAM_UPDATE, team, changed)
            return team
    except peewee.IntegrityError as error:  # the office's unique (office, name)
        raise TeamNameTaken(name) from error


def record_sign_in(actor: Actor, user: User, details: dict | None = None):
    """A user signed in (their session is opened by fieldcheck.security.start_session)."""
    with database.atomic():
        user.last_login_at = actor.at
        user.save(only=[User.last_login_at])
        actor.record(audit.USER_LOGIN, user, details)


def record_failed_sign_in(actor: Actor, username: str, *, second_factor: bool = False):
    """A sign-in with a wrong password (or for an unknown or inactive account), or with a
    wrong second-factor code: its audit event, naming the account when there is one."""
    known = User.get_or_none(User.username == username) if username else None
    details = {"username": username[:64], **({"second_factor": True} if second_factor else {})}
    with database.atomic():
        actor.record(audit.USER_LOGIN_FAILED, known, details)


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


def needs_second_factor(user: User) -> bool:
    """Whether signing in takes a code after the password: enrolled, or of a role that must."""
    return user.has_second_factor or user.role in current_app.config["SECOND_FACTOR_ROLES"]


def pending_second_factor_secret(user: User) -> str:
    """The secret being enrolled (kept until a code confirms it, so the QR code stays the same
    when the page is opened again)."""
    if user.totp_secret is None or user.has_second_factor:
        user.totp_secret = second_factor.new_secret()
        user.totp_enrolled_at = None
        user.save(only=[User.totp_secret, User.totp_enrolled_at])
    return user.totp_secret


def enrol_second_factor(actor: Actor, user: User, code: str) -> list[str] | None:
    """Confirm the pending secret with a code from the authenticator: returns the ten recovery
    codes (shown once, kept as hashes), or None when the code is wrong."""
    step = second_factor.accepted_step(user.totp_secret or "", code, actor.at, None)
    if user.totp_secret is None or step is None:
        return None
    codes = second_factor.new_recovery_codes()
    with database.atomic():
        user.totp_enrolled_at, user.totp_last_step = actor.at, step
        user.save(only=[User.totp_enrolled_at, User.totp_last_step])
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        RecoveryCode.insert_many(
            [
                {
                    "user": user.id,
                    "code_hash": second_factor.recovery_code_hash(c),
                    "created_at": actor.at,
                }
                for c in codes
            ]
        ).execute()
        actor.record(audit.USER_SECOND_FACTOR_ENROL, user)
    return codes


def check_second_factor(actor: Actor, user: User, code: str) -> str | None:
    """Take a code at sign-in: "totp" or "recovery" when it opens, None when it does not.

    A TOTP code counts once (its time step must be newer than the last accepted, written in the
    same UPDATE, so two requests racing with one code cannot both pass); a recovery code too."""
    if not user.has_second_factor:
        return None
    if second_factor.looks_like_recovery_code(code):
        with database.atomic():
            used = (
                RecoveryCode.update(used_at=actor.at)
                .where(
                    (RecoveryCode.user == user.id)
                    & (RecoveryCode.code_hash == second_factor.recovery_code_hash(code))
                    & RecoveryCode.used_at.is_null()
                )
                .execute()
            )
            if used:
                left = recovery_codes_left(user)
                actor.record(audit.USER_RECOVERY_CODE_USE, user, {"left": left})
                return "recovery"
        return None
    step = second_factor.accepted_step(user.totp_secret, code, actor.at, user.totp_last_step)
    if step is None:
        return None
    taken = (
        User.update(totp_last_step=step)
        .where(
            (User.id == user.id) & (User.totp_last_step.is_null() | (User.totp_last_step < step))
        )
        .execute()
    )
    if not taken:
        return None
    user.totp_last_step = step
    return "totp"


def recovery_codes_left(user: User) -> int:
    return (
        RecoveryCode.select()
        .where((RecoveryCode.user == user.id) & RecoveryCode.used_at.is_null())
        .count()
    )


class OwnSecondFactor(ValueError):
    """An administrator's own second factor is reset by another administrator."""


def reset_second_factor(actor: Actor, user: User):
    """Another administrator's reset (a lost phone): the user enrols again at next sign-in."""
    if actor.user is not None and actor.user.id == user.id:
        raise OwnSecondFactor(user.username)
    with database.atomic():
        user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
        user.save(only=[User.totp_secret, User.totp_enrolled_at, User.totp_last_step])
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        actor.record(audit.USER_SECOND_FACTOR_RESET, user)
