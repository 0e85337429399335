"""Device sign-in: username and password give a bearer token with the scope the user's role
gets (a field officer's phone: sync; a passport officer's scanner: verify; other roles none);
tokens are listed and revoked by their owner (here) and by an administrator (on the user's admin
page)."""

from flask import g, jsonify, request
from flask_login import current_user

from fieldcheck import accounts, devices
from fieldcheck.accounts import Actor
from fieldcheck.api import bp
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.domain.visits import clean_text
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


def device_label(given, user_agent: str) -> str:
    """The name a token is listed under: the one the device gave, else its User-Agent."""
    label = clean_text(str(given or "")).strip()[:100]
    return label or clean_text(user_agent or "").strip()[:100] or "device"


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
    username = clean_text(str(body.get("username", ""))).strip().lower()[:64]
    password = body.get("password")
    if not isinstance(password, str) or clean_text(password) != password:
        password = ""  # a lone surrogate or a control character: no password has one
    user = accounts.authenticate(username, password)
    if user is None:
        g.login_failed = True
        return json_error(401, "credentials_invalid", "wrong username or password"), 401, NO_STORE
    actor = Actor(user, utcnow(), client_address())
    if roles.token_scope(user.role) is None:
        return _no_token_for_role()
    if accounts.needs_second_factor(user):
        code = body.get("code")
        if not isinstance(code, str) or not code.strip():
            problem = ("second_factor_required", "send the code of your authenticator as code")
            return json_error(401, *problem), 401, NO_STORE
        if accounts.check_second_factor(actor, user, clean_text(code)) is None:
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
    label = device_label(body.get("label"), request.headers.get("User-Agent", ""))
    try:
        raw, record = devices.issue_token(actor, user, label)
    except devices.NoTokenForRole:
        return _no_token_for_role()
    g.token_issued = True
    return (
        jsonify(
            {
                "token": raw,
                "token_id": record.id,
                "scope": record.scope,
                "expires_at": record.expires_at.isoformat(),
                "user": {
                    "username": user.username,
                    "name": user.name,
                    "role": user.role,
                    "team": user.team_id,
                    "language": user.language,
                },
            }
        ),
        201,
        NO_STORE,
    )


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
    return jsonify({"tokens": [_token_json(t) for t in rows]}), 200, NO_STORE


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
    return jsonify(_token_json(record))


def _token_json(t: DeviceToken) -> dict:
    return {
        "id": t.id,
        "label": t.label,
        "scope": t.scope,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at and t.last_used_at.isoformat(),
        "expires_at": t.expires_at.isoformat(),
        "revoked_at": t.revoked_at and t.revoked_at.isoformat(),
    }
