"""The start page: what each role can do from here."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from fieldcheck.cases.query import desk_counts
from fieldcheck.domain import roles
from fieldcheck.i18n import local_today
from fieldcheck.security import signed_in

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    if current_user.role == roles.FIELD:  # a field officer's start is the phone's own list
        return redirect(url_for("field.index"))
    desk = None
    if current_user.role in (roles.INTAKE, roles.SUPERVISOR):  # what waits on their desk
        desk = desk_counts(current_user.office_id, local_today())
    return render_template("home/index.html", user=current_user, desk=desk)
