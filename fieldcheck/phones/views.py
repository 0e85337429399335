"""Routes of the phones blueprint: supervisors and administrators, their own office only."""

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from fieldcheck import devices, enrolment
from fieldcheck.clock import utcnow
from fieldcheck.domain import enrolment as rules
from fieldcheck.domain import qr, roles
from fieldcheck.forms import AppForm
from fieldcheck.models import User
from fieldcheck.phones import bp, queries
from fieldcheck.security import request_actor, roles_required

desk_only = roles_required(roles.SUPERVISOR, roles.ADMIN)


def _officer(user_id: int) -> User:
    """A field officer of the reader's office, or 404 (another office's, another role)."""
    officer = queries.field_officer(current_user.office_id, user_id)
    if officer is None:
        abort(404)
    return officer


@bp.route("/")
@desk_only
def index():
    """The office's field officers: whose phone to enrol or sign out."""
    return render_template(
        "phones/index.html", officers=queries.field_officers(current_user.office_id)
    )


@bp.route("/<int:user_id>")
@desk_only
def officer(user_id):
    """An officer's phones, and the button that makes an enrolment code."""
    return _page(_officer(user_id))


@bp.route("/<int:user_id>/code", methods=["POST"])
@desk_only
def code(user_id):
    """A new one-time enrolment code, shown on this answer only (kept only as a hash)."""
    officer = _officer(user_id)
    if not AppForm().validate_on_submit():
        abort(400)
    try:
        made, record = enrolment.make_code(request_actor(), officer)
    except enrolment.NotAFieldOfficer:
        flash(_("%(name)s cannot have a phone enrolled now.", name=officer.name), "error")
        return redirect(url_for("phones.officer", user_id=officer.id), code=303)
    link = rules.enrolment_link(url_for("field.enrol", _external=True), made)
    shown = {
        "grouped": rules.grouped(made),
        "qr_svg": Markup(qr.make_qr_svg(link, css_class="enrol-qr")),  # noqa: S704  (our SVG)
        "expires_at": record.expires_at,
    }
    response = make_response(_page(officer, shown))
    response.headers["Cache-Control"] = "no-store"  # the code is a credential until it expires
    return response


@bp.route("/<int:user_id>/phones/<int:token_id>/revoke", methods=["POST"])
@desk_only
def revoke(user_id, token_id):
    """Sign a lost phone out: its next contact wipes its case data (unsent findings stay)."""
    officer = _officer(user_id)
    token = queries.phone_of(officer.id, token_id)
    if token is None:
        abort(404)
    if AppForm().validate_on_submit():
        devices.revoke_token(request_actor(), token)
        flash(_("The phone %(label)s is signed out.", label=token.label or token.id), "success")
    return redirect(url_for("phones.officer", user_id=officer.id), code=303)


def _page(officer: User, shown: dict | None = None) -> str:
    return render_template(
        "phones/officer.html",
        officer=officer,
        shown=shown,
        may_enrol=enrolment.may_enrol(officer),
        tokens=queries.phones_of(officer.id),
        now=utcnow(),
        minutes=current_app.config["ENROLMENT_CODE_MINUTES"],
        revoke_url=lambda t: url_for("phones.revoke", user_id=officer.id, token_id=t.id),
    )
