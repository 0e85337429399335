"""Enrolling a field officer's phone with a one-time code instead of a password typed in the
village: a supervisor or an administrator of the officer's office makes the code on the desk
(shown once as a QR code and as 8 characters, kept only as a keyed hash, valid for
ENROLMENT_CODE_MINUTES, for that officer only); the phone shows whom the code enrols, then
exchanges it, once, for the officer's `sync` device token (fieldcheck.devices). Every code
made, used or refused is audited, in the transaction of what it records."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app

from fieldcheck import devices
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    ENROLMENT_CODE_CREATE,
    ENROLMENT_CODE_REFUSE,
    ENROLMENT_CODE_USE,
)
from fieldcheck.db import database
from fieldcheck.domain import enrolment as rules
from fieldcheck.domain import roles
from fieldcheck.models import DeviceToken, EnrolmentCode, Office, User

# Why a code enrols nothing, each a code of the error catalogue (fieldcheck.errors).
INVALID = "enrolment_code_invalid"
USED = "enrolment_code_used"
EXPIRED = "enrolment_code_expired"


class EnrolmentRefused(Exception):
    """The code enrols no phone: `code` says why (INVALID, USED or EXPIRED)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class NotAFieldOfficer(ValueError):
    """Only an active field officer with a team gets a phone."""


def code_hash(code: str) -> str:
    """The stored form of a code: an HMAC under the app's secret key, so that a copy of the
    database alone does not let anyone try the 2**40 codes offline."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"enrolment:" + code.encode(), hashlib.sha256).hexdigest()


def may_enrol(user: User) -> bool:
    """An active field officer (with a team, whose cases the phone will hold)."""
    return user.active and user.role == roles.FIELD and user.team_id is not None


def make_code(actor: Actor, officer: User) -> tuple[str, EnrolmentCode]:
    """A new enrolment code for the officer's phone: (the code, shown once; its record). The
    officer's earlier codes not used yet stop working: only the newest one enrols."""
    if not may_enrol(officer):
        raise NotAFieldOfficer(officer.username)
    code = rules.make_code()
    minutes = current_app.config["ENROLMENT_CODE_MINUTES"]
    with database.atomic():
        EnrolmentCode.update(expires_at=actor.at).where(
            (EnrolmentCode.officer == officer)
            & EnrolmentCode.used_at.is_null()
            & (EnrolmentCode.expires_at > actor.at)
        ).execute()
        record = EnrolmentCode.create(
            officer=officer,
            made_by=actor.user,
            code_hash=code_hash(code),
            created_at=actor.at,
            expires_at=actor.at + timedelta(minutes=minutes),
        )
        actor.record(
            ENROLMENT_CODE_CREATE,
            officer,
            {"code": record.id, "expires_at": record.expires_at.isoformat()},
        )
    return code, record


def _find(text, at) -> tuple[EnrolmentCode | None, str | None]:
    code = rules.read_code(text)
    if code is None:
        return None, INVALID
    found = (
        EnrolmentCode.select(EnrolmentCode, User, Office)
        .join(User, on=(EnrolmentCode.officer == User.id))
        .join(Office, on=(User.office == Office.id))
        .where(EnrolmentCode.code_hash == code_hash(code))
        .first()
    )
    if found is None or not may_enrol(found.officer):
        return found, INVALID
    if found.used_at is not None:
        return found, USED
    if found.expires_at <= at:
        return found, EXPIRED
    return found, None


def _refuse(problem: str, found: EnrolmentCode | None, step: str, actor: Actor):
    details = {"why": problem, "step": step}
    if found is not None:
        details["code"] = found.id
    with database.atomic():
        actor.record(ENROLMENT_CODE_REFUSE, found.officer if found else None, details)
    raise EnrolmentRefused(problem)


def check_code(text, *, at, address) -> EnrolmentCode:
    """The open code a phone read (its officer and office with it), before it asks for the
    token: the phone shows whom it will enrol. Refused codes are audited and raise."""
    found, problem = _find(text, at)
    if problem:
        _refuse(problem, found, "check", Actor(None, at, address))
    return found


def use_code(text, label: str, *, at, address) -> tuple[str, DeviceToken]:
    """Exchange an open code for its officer's `sync` token, once: (the token, shown once; its
    record). Two phones racing with one code: one gets the token, the other USED."""
    found, problem = _find(text, at)
    if problem:
        _refuse(problem, found, "use", Actor(None, at, address))
    actor = Actor(found.officer, at, address)  # the phone, in its officer's name
    with database.atomic():
        claimed = (
            EnrolmentCode.update(used_at=at)
            .where((EnrolmentCode.id == found.id) & EnrolmentCode.used_at.is_null())
            .execute()
        )
        if claimed:
            raw, token = devices.issue_token(actor, found.officer, label)
            EnrolmentCode.update(device_token=token).where(EnrolmentCode.id == found.id).execute()
            actor.record(
                ENROLMENT_CODE_USE,
                found.officer,
                {"code": found.id, "token": token.id, "made_by": found.made_by_id},
            )
    if not claimed:
        _refuse(USED, found, "use", Actor(None, at, address))
    return raw, token
