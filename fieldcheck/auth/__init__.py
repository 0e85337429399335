"""Signing in and out, one's own password, the language switch."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from fieldcheck.auth import views  # noqa: E402,F401  (routes register on import)
