"""The field officer's phone: pages the service worker keeps for offline work.

Field findings never post to these pages: the form is turned into a push operation, stored in
the phone's outbox and sent by the sync runner (DESIGN.md, "The one write path from the phone").
"""

from flask import Blueprint
from flask_login import current_user

bp = Blueprint("field", __name__, url_prefix="/field")

from fieldcheck.field import views  # noqa: E402,F401  (routes register on import)
from fieldcheck.field.texts import script_texts  # noqa: E402


@bp.app_context_processor
def _field_texts():
    """Every page a field officer opens carries the scripts' texts (the sign-out guard too)."""
    user = current_user._get_current_object()  # one look through the proxy, not three
    if user is not None and user.is_authenticated and user.role == "field":
        return {"texts": script_texts()}
    return {}
