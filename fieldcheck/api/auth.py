"""Device sign-in: username and password give a bearer token with the scope the user's role
gets (a field officer's phone: sync; a passport officer's scanner: verify; other roles none);
tokens are listed and revoked by their owner (here) and by an administrator (on the user's admin
page)."""

from flask import g, request
from flask_login import current_user
from pydantic import ValidationError

from fieldcheck import accounts, devices
from fieldcheck.accounts import Actor
from fieldcheck.api import bp, schemas
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.domain.payloads import clean_text
from fieldcheck.models import DeviceToken
from fieldcheck.security import (
    client_address,
    json_error,
    password_attempts,
    public,
    signed_in,
    token_issuance,
)

# Token answers hold a credential: never kept by a cache.
NO_STORE = {"Cache-Control": "no-store"}


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
        return (
            json_error(400, "body_not_json", 'send {"username": ..., "password": ...} as JSON'),
            400,
            NO_STORE,
        )
    try:
        asked = schemas.TokenRequest.model_validate(body)
    except ValidationError:  # no username or no password: nobody to sign in
        asked = None
    user = asked and accounts.authenticate(asked.username, asked.password)
    if user is None:
        g.login_failed = True
        return json_error(401, "credentials_invalid", "wrong username or password"), 401, NO_STORE
    actor = Actor(user, utcnow(), client_address())
    if roles.token_scope(user.role) is None:
        return _no_token_for_role()
    if accounts.needs_second_factor(user):
        if not asked.code or not asked.code.strip():
            problem = ("second_factor_required", "send the code of your authenticator as code")
            return json_error(401, *problem), 401, NO_STORE
        if accounts.check_second_factor(actor, user, clean_text(asked.code)) is None:
            g.login_failed = True
            problem = ("second_factor_invalid", "wrong or already used code")
            return json_error(401, *problem), 401, NO_STORE
    if user.must_change_password:
        return (
            json_error(
                403,
                "password_change_required",
                "change the temporary password in the web app first",
            ),
            403,
            NO_STORE,
        )
    label = device_label(asked.label, request.headers.get("User-Agent", ""))
    try:
        raw, record = devices.issue_token(actor, user, label)
    except devices.NoTokenForRole:
        return _no_token_for_role()
    g.token_issued = True
    issued = schemas.IssuedToken(
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
    return issued.to_json(), 201, NO_STORE


def _no_token_for_role():
    message = "this role works with a session, not a device token"
    return json_error(403, "no_token_for_role", message), 403, NO_STORE


@bp.route("/auth/tokens")
@signed_in
def tokens():
    """The caller's own devices."""
    rows = (
        DeviceToken.select()
        .where(DeviceToken.user == current_user.id)
        .order_by(DeviceToken.created_at.desc())
    )
    tokens = [schemas.DeviceToken.model_validate(t, from_attributes=True) for t in rows]
    return schemas.DeviceTokens(tokens=tokens).to_json(), 200, NO_STORE


@bp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@signed_in
def revoke(token_id):
    """Revoke one of the caller's own devices."""
    record = DeviceToken.get_or_none(
        (DeviceToken.id == token_id) & (DeviceToken.user == current_user.id)
    )
    if record is None:
        return json_error(404, "not_found", "no such device")
    devices.revoke_token(
        Actor(current_user._get_current_object(), utcnow(), client_address()), record
    )
    return schemas.DeviceToken.model_validate(record, from_attributes=True).to_json()
