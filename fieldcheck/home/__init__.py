"""The start page: what each role can do from here."""

from flask import Blueprint, render_template
from flask_login import current_user

from fieldcheck.security import signed_in

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    return render_template("home/index.html", user=current_user)
