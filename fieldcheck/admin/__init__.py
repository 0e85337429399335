"""The administrator's screens: the people and teams of one immigration office."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from fieldcheck.admin import views  # noqa: E402,F401  (routes register on import)
