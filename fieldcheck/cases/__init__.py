"""The intake desk: refer applications for a field check, assign them, find them again."""

import json

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from fieldcheck.cases import views  # noqa: E402,F401  (routes register on import)
from fieldcheck.labels import action_label, event_details  # noqa: E402

bp.add_app_template_global(action_label)
bp.add_app_template_global(event_details)
bp.add_app_template_filter(json.loads, "fromjson")
