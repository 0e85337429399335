"""Device sign-in for phones: username and password give a bearer token; tokens are listed and
revoked by their owner (here) and by an administrator (on the user's admin page)."""

from flask import current_app, g, jsonify, request
from flask_login import current_user

from fieldcheck import devices
from fieldcheck.accounts import Actor
from fieldcheck.api import bp
from fieldcheck.clock import utcnow
from fieldcheck.domain.visits import clean_text
from fieldcheck.models import DeviceToken, User
from fieldcheck.security import (
    client_address,
    json_error,
    limiter,
    login_failed_response,
    public,
    signed_in,
)


def _username_key() -> str:
    body = request.get_json(silent=True)
    username = body.get("username", "") if isinstance(body, dict) else ""
    return "login-user:" + clean_text(str(username)).strip().lower()


@bp.route("/auth/token", methods=["POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], deduct_when=login_failed_response
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    key_func=_username_key,
    deduct_when=login_failed_response,
)
def token():
    """Username + password (+ a label for the device) → a device token, shown once."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "body_not_json", 'send {"username": ..., "password": ...} as JSON')
    username = clean_text(str(body.get("username", ""))).strip().lower()[:64]
    password = body.get("password")
    if isinstance(password, str) and clean_text(password) != password:
        password = None  # a lone surrogate or a control character: no password has one
    user = User.get_or_none(User.username == username) if username else None
    if (
        user is None
        or not user.active
        or not isinstance(password, str)
        or not user.check_password(password)
    ):
        g.login_failed = True
        return json_error(401, "credentials_invalid", "wrong username or password")
    if user.must_change_password:
        return json_error(
            403, "password_change_required", "change the temporary password in the web app first"
        )
    actor = Actor(user, utcnow(), client_address())
    raw, record = devices.issue_token(actor, user, clean_text(str(body.get("label", "")))[:100])
    return jsonify(
        {
            "token": raw,
            "token_id": record.id,
            "expires_at": record.expires_at.isoformat(),
            "user": {
                "username": user.username,
                "name": user.name,
                "role": user.role,
                "team": user.team_id,
                "language": user.language,
            },
        }
    ), 201


@bp.route("/auth/tokens")
@signed_in
def tokens():
    """The caller's own devices."""
    rows = (
        DeviceToken.select()
        .where(DeviceToken.user == current_user.id)
        .order_by(DeviceToken.created_at.desc())
    )
    return jsonify({"tokens": [_token_json(t) for t in rows]})


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
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at and t.last_used_at.isoformat(),
        "expires_at": t.expires_at.isoformat(),
        "revoked_at": t.revoked_at and t.revoked_at.isoformat(),
    }
