"""The JSON API under /api/v1: errors as {"error": {"code", "message"}}, never a redirect."""

from flask import Blueprint
from flask_login import current_user

from fieldcheck import audit
from fieldcheck.api import schemas
from fieldcheck.domain import roles
from fieldcheck.security import public, roles_required, signed_in

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/health")
@public
def health():
    """For load balancers and the phone: the server answers."""
    return schemas.Health(status="ok").to_json()


@bp.route("/me")
@signed_in
def me():
    """Who the caller is signed in as."""
    user = current_user
    return schemas.Me(
        username=user.username,
        name=user.name,
        role=user.role,
        office=user.office.code if user.office_id else None,
        team=user.team_id,
        language=user.language,
    ).to_json()


@bp.route("/audit/verify")
@roles_required(roles.ADMIN)
def audit_verify():
    """The state of the audit trail's hash chain and its checkpoints, for monitoring."""
    return schemas.AuditReport.model_validate(audit.verify(), from_attributes=True).to_json()


from fieldcheck.api import auth, enrolment, openapi, sync  # noqa: E402,F401  (routes register on import)
