"""Statistics an office can look at and share (issue 17): the dashboard and partners' exports."""

from flask import Blueprint

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

from fieldcheck.statistics import views  # noqa: E402,F401  (routes register on import)
