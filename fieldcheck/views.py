"""Wiring of the web layer: blueprints, error pages, template helpers, audit sealing."""

import time

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from fieldcheck import audit
from fieldcheck.db import database
from fieldcheck.errors import api_error
from fieldcheck.security import AGENCY_LABELS, ROLE_LABELS, wants_json


class DatabaseInt(IntegerConverter):
    """`<int:...>` in a URL, at most what an id column holds (a bigger one is a 404, not a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register(app):
    app.url_map.converters["int"] = DatabaseInt
    from fieldcheck.admin import bp as admin_bp
    from fieldcheck.api import bp as api_bp
    from fieldcheck.auth import bp as auth_bp
    from fieldcheck.cases import bp as cases_bp
    from fieldcheck.field import bp as field_bp
    from fieldcheck.field.views import register_root_routes
    from fieldcheck.home import bp as home_bp
    from fieldcheck.phones import bp as phones_bp  # phone enrolment (issue 15)
    from fieldcheck.prevention import bp as prevention_bp  # seen before (issue 16)
    from fieldcheck.recruiters import bp as recruiters_bp  # recruiters and agencies (issue 16)
    from fieldcheck.registry import bp as registry_bp
    from fieldcheck.repatriation import bp as repatriation_bp
    from fieldcheck.reports import bp as reports_bp
    from fieldcheck.review import bp as review_bp
    from fieldcheck.security import csrf
    from fieldcheck.statistics import bp as statistics_bp  # issue 17

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(phones_bp)
    app.register_blueprint(recruiters_bp)
    app.register_blueprint(prevention_bp)
    app.register_blueprint(repatriation_bp)
    app.register_blueprint(statistics_bp)
    register_root_routes(app)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API takes bearer tokens, not cookies: no CSRF to forge

    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale()), "url_endpoints": app.view_functions}

    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        AGENCY_LABELS=AGENCY_LABELS,
        htmx_js="vendor/htmx-2.0.11.min.js",
    )

    for status in ERROR_PAGES:
        app.register_error_handler(status, _error_page)
    app.teardown_request(_seal_audit_now_and_then)


# The HTTP errors answered by the app itself: the catalogue's code for the API's JSON answer,
# and the title and words of the page a browser is shown.
ERROR_PAGES = {
    404: ("not_found", _l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (
        "method_not_allowed",
        _l("Not allowed"),
        _l("This address does not take that kind of request."),
    ),
    500: (
        "server_error",
        _l("Something went wrong"),
        _l(
            "Nothing you entered was lost: go back and try again. "
            "If it happens again, tell your administrator."
        ),
    ),
}


def _error_page(error):
    """A 404, 405 or 500 as the API's JSON error or as a page, in the reader's language."""
    status = error.code if error.code in ERROR_PAGES else 500
    code, title, words = ERROR_PAGES[status]
    if wants_json():
        return api_error(status, code)
    return render_template("errors/error.html", title=str(title), message=str(words)), status


_last_seal = [0.0]


def _seal_audit_now_and_then(exc):
    """Seal the audit chain every AUDIT_SEAL_INTERVAL seconds without making requests queue."""
    interval = current_app.config["AUDIT_SEAL_INTERVAL"]
    if exc is not None or time.monotonic() - _last_seal[0] < interval:
        return
    _last_seal[0] = time.monotonic()
    try:
        database.connect(reuse_if_open=True)
        audit.seal(wait=False)
    except Exception:  # sealing again later is harmless; a request must not fail for it
        current_app.logger.exception("sealing the audit chain failed")
