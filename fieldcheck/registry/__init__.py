"""The civil registry desk: a clerk's queue of questions in their regions, answered inline."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")

from fieldcheck.registry import views  # noqa: E402,F401  (routes register on import)
