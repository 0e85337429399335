"""The national prevention list (daftar cegah, issue 16): people the Police or another authority
ask immigration to watch, kept by headquarters administrators; applications naming one are held
for their office's supervisor."""

from flask import Blueprint

bp = Blueprint("prevention", __name__, url_prefix="/prevention")

from fieldcheck.prevention import views  # noqa: E402,F401  (routes register on import)
