"""Recruiters and agencies linked across every case of every office (issue 16): their pages,
their network, and the headquarters analyst's view of them."""

from flask import Blueprint

bp = Blueprint("recruiters", __name__, url_prefix="/recruiters")

from fieldcheck.recruiters import views  # noqa: E402,F401  (routes register on import)
