"""The supervisor's desk: the queue, the review of all the evidence, and the decision."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from fieldcheck.review import views  # noqa: E402,F401  (routes register on import)
