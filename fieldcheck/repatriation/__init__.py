"""Repatriated trafficking victims (issue 16): records from partner agencies, loaded at
headquarters and sent to the office that issued the passport, held against its cases; a
verified case whose applicant came back a victim waits for its supervisor's review."""

from flask import Blueprint

bp = Blueprint("repatriation", __name__, url_prefix="/repatriation")

from fieldcheck.repatriation import views  # noqa: E402,F401  (routes register on import)
