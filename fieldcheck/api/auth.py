"""Device sign-in: username and password give a bearer token with the scope the user's role
gets (a field officer's phone: sync; a passport officer's scanner: verify; other roles none);
tokens are listed and revoked by their owner (here) and by an administrator (on the user's admin
page)."""

from flask import g, request
from flask_login import current_user
from pydantic import ValidationError

from fieldcheck import devices
from fieldcheck.accounts import Actor
from fieldcheck.api import bp, schemas
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.domain.payloads import clean_text
from fieldcheck.errors import api_error
from fieldcheck.security import (
    client_address,
    device_required,
    password_attempts,
    public,
    signed_in,
    token_issuance,
)

# Token answers hold a credential: never kept by a cache.
NO_STORE = {"Cache-Control": "no-store"}

# The status of each refusal (fieldcheck.devices.SignInRefused) and of a body that is not JSON.
REFUSALS = {
    "body_not_json": 400,
    "credentials_invalid": 401,
    "second_factor_required": 401,
    "second_factor_invalid": 401,
    "no_token_for_role": 403,
    "password_change_required": 403,
}


def device_label(given: str, user_agent: str) -> str:
    """The name a token is listed under: the one the device gave, else its User-Agent."""
    return given or clean_text(user_agent or "")[: schemas.MAX_LABEL] or "device"


@bp.route("/auth/token", methods=["POST"])
@public
@password_attempts
@token_issuance
def token():
    """Username + password (+ a name for the device) → a device token, shown once."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refused("body_not_json")  # not counted: no password was tried
    try:
        asked = schemas.TokenRequest.model_validate(body)
    except ValidationError:  # no username or no password: nobody to sign in
        g.login_failed = True
        return _refused("credentials_invalid")
    label = device_label(asked.label, request.headers.get("User-Agent", ""))
    try:
        raw, record = devices.sign_in_device(
            asked.username, asked.password, asked.code, label, at=utcnow(), address=client_address()
        )
    except devices.SignInRefused as refusal:
        g.login_failed = refusal.code in devices.GUESSES
        return _refused(refusal.code)
    g.token_issued = True
    return issued_token(raw, record).to_json(), 201, NO_STORE


def _refused(code: str):
    return api_error(REFUSALS[code], code), REFUSALS[code], NO_STORE


def issued_token(raw: str, record) -> schemas.IssuedToken:
    user = record.user
    return schemas.IssuedToken(
        token=raw,
        token_id=record.id,
        scope=record.scope,
        expires_at=record.expires_at,
        user=schemas.TokenUser(
            username=user.username,
            name=user.name,
            role=user.role,
            team=user.team_id,
            language=user.language,
        ),
    )


@bp.route("/auth/tokens")
@signed_in
def tokens():
    """The caller's own devices."""
    rows = devices.tokens_of(current_user.id)
    tokens = [schemas.DeviceToken.model_validate(t, from_attributes=True) for t in rows]
    return schemas.DeviceTokens(tokens=tokens).to_json(), 200, NO_STORE


@bp.route("/auth/token", methods=["DELETE"])
@device_required(roles.FIELD)
def sign_out_device():
    """A phone signs itself out: its own token revoked (the phone wipes its case data)."""
    record = g.device_token
    devices.revoke_token(
        Actor(current_user._get_current_object(), utcnow(), client_address()), record
    )
    return schemas.DeviceToken.model_validate(record, from_attributes=True).to_json()


@bp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@signed_in
def revoke(token_id):
    """Revoke one of the caller's own devices."""
    record = devices.token_of(current_user.id, token_id)
    if record is None:
        return api_error(404, "not_found")
    devices.revoke_token(
        Actor(current_user._get_current_object(), utcnow(), client_address()), record
    )
    return schemas.DeviceToken.model_validate(record, from_attributes=True).to_json()
