"""Phones of field officers, on the desk: a supervisor or an administrator enrols a phone for a
field officer of their own office with a one-time code (QR code or 8 characters), and signs a
lost phone out (fieldcheck.enrolment, fieldcheck.devices)."""

from flask import Blueprint

bp = Blueprint("phones", __name__, url_prefix="/phones")

from fieldcheck.phones import views  # noqa: E402,F401  (routes register on import)
