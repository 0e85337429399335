"""The start page: what each role can do from here."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from fieldcheck import labels
from fieldcheck.cases.query import desk_counts
from fieldcheck.domain import roles
from fieldcheck.i18n import local_today
from fieldcheck.prevention import queries as prevention
from fieldcheck.prevention.service import record_hits_shown
from fieldcheck.security import request_actor, signed_in

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    if current_user.role == roles.FIELD:  # a field officer's start is the phone's own list
        return redirect(url_for("field.index"))
    desk = hits = None
    if current_user.role in (roles.INTAKE, roles.SUPERVISOR):  # what waits on their desk
        desk = desk_counts(current_user.office_id, local_today())
    if current_user.role == roles.SUPERVISOR and current_user.office_id:
        # Issue 16: the office's cases that name someone on the prevention list, at once.
        hits = prevention.open_hits(current_user.office_id)
        if hits:
            record_hits_shown(request_actor(), current_user.office_id, len(hits))
    return render_template(
        "home/index.html",
        user=current_user,
        desk=desk,
        hits=hits,
        headquarters=roles.at_headquarters(current_user.role, current_user.office_id),
        labels=labels.for_reader(),
    )
