"""Phone enrolment: a one-time code from the desk (typed, or read from its QR code) says whom
it enrols, then gives the phone its officer's `sync` token, once (fieldcheck.enrolment). No
password is typed on the phone. Wrong codes are limited per address."""

from flask import g, request
from pydantic import ValidationError

from fieldcheck import enrolment
from fieldcheck.api import bp, schemas
from fieldcheck.api.auth import NO_STORE, device_label, issued_token
from fieldcheck.clock import utcnow
from fieldcheck.errors import api_error
from fieldcheck.security import client_address, enrolment_attempts, public


@bp.route("/enrolment/check", methods=["POST"])
@public
@enrolment_attempts
def enrolment_check():
    """An open code -> the officer and office it enrols (the code stays open)."""
    asked = _asked()
    if asked is None:
        return _refused("body_not_json")
    try:
        found = enrolment.check_code(asked.code, at=utcnow(), address=client_address())
    except enrolment.EnrolmentRefused as refusal:
        return _refused(refusal.code)
    officer = found.officer
    return (
        schemas.EnrolmentOfficer(
            username=officer.username,
            name=officer.name,
            office=officer.office.code,
            office_name=officer.office.name,
            expires_at=found.expires_at,
        ).to_json(),
        200,
        NO_STORE,
    )


@bp.route("/enrolment/token", methods=["POST"])
@public
@enrolment_attempts
def enrolment_token():
    """An open code -> its officer's sync token, shown once; the code is used up."""
    asked = _asked()
    if asked is None:
        return _refused("body_not_json")
    label = device_label(asked.label, request.headers.get("User-Agent", ""))
    try:
        raw, record = enrolment.use_code(asked.code, label, at=utcnow(), address=client_address())
    except enrolment.EnrolmentRefused as refusal:
        return _refused(refusal.code)
    return issued_token(raw, record).to_json(), 201, NO_STORE


def _asked() -> schemas.EnrolmentRequest | None:
    """The request's code and label; None when the body is not a JSON object. A body without
    a code is read as an empty code (refused as wrong, and counted)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    try:
        return schemas.EnrolmentRequest.model_validate(body)
    except ValidationError:
        return schemas.EnrolmentRequest(code="")


def _refused(code: str):
    g.enrolment_failed = code != "body_not_json"  # counted: a code was tried
    return api_error(400, code), 400, NO_STORE
