"""The JSON API under /api/v1: errors as {"error": {"code", "message"}}, never a redirect."""

from flask import Blueprint, jsonify
from flask_login import current_user

from fieldcheck import audit
from fieldcheck.domain import roles
from fieldcheck.security import public, roles_required, signed_in

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/health")
@public
def health():
    """For load balancers and the phone: the server answers."""
    return jsonify({"status": "ok"})


@bp.route("/me")
@signed_in
def me():
    """Who the caller is signed in as."""
    user = current_user
    return jsonify(
        {
            "username": user.username,
            "name": user.name,
            "role": user.role,
            "office": user.office.code if user.office_id else None,
            "team": user.team_id,
            "language": user.language,
        }
    )


@bp.route("/audit/verify")
@roles_required(roles.ADMIN)
def audit_verify():
    """The state of the audit trail's hash chain and its checkpoints, for monitoring."""
    report = audit.verify()
    return jsonify(
        {
            "ok": report.ok,
            "checked": report.checked,
            "unsealed": report.unsealed,
            "broken_seq": report.broken_seq,
            "broken_event_id": report.broken_event_id,
            "problem": report.problem,
            "checkpoints": report.checkpoints,
        }
    )


from fieldcheck.api import auth, openapi, sync  # noqa: E402,F401  (routes register on import)
