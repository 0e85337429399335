"""Field reports with their signed QR code, and the passport officer's verification."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from fieldcheck.reports import views  # noqa: E402,F401  (routes register on import)
