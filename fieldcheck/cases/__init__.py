"""The intake desk: refer applications for a field check, assign them, find them again."""

import json

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

# The routes register on import; history listens for new cases (issue 16).
from fieldcheck.cases import history, views  # noqa: E402,F401
from fieldcheck.labels import action_label, event_details  # noqa: E402

bp.add_app_template_global(action_label)
bp.add_app_template_global(event_details)
bp.add_app_template_filter(json.loads, "fromjson")
