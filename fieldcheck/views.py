"""Wiring of the web layer: blueprints, error pages, template helpers, audit sealing."""

import functools
import time

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from fieldcheck import audit
from fieldcheck.db import database
from fieldcheck.security import AGENCY_LABELS, ROLE_LABELS, json_error, wants_json


class FieldCheckFlask(Flask):
    """Flask, with the check whether a hook or view is a coroutine made once per function.

    Flask asks it (inspect.iscoroutinefunction) of every hook, context processor and view of
    every request, some twenty times a page, for an answer that never changes for a function
    registered once. The answers are kept, at most `most_sync` (emptied when full, should
    anything hand it new functions all the time).
    """

    most_sync = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync = {}

    def ensure_sync(self, func):
        sync = self._sync.get(func)
        if sync is None:
            if len(self._sync) >= self.most_sync:
                self._sync.clear()
            sync = self._sync[func] = super().ensure_sync(func)
        return sync


def remembering_url_for(build, most: int = 4096):
    """`url_for` for templates, each URL built once and remembered.

    Flask's url_for takes some 6 µs a call and base.html alone asks for ten URLs, the same on
    every page. A URL depends on the endpoint, its values and where the app is mounted (the
    request's script root, e.g. a proxy's prefix), nothing else here: FieldCheck sets no URL
    defaults, subdomains or SERVER_NAME. Calls given anything else (_external, _anchor, a
    relative ".endpoint", values not plain str or int) go to `build` every time. The memo is
    emptied when it reaches `most` URLs (links to cases make many).
    """
    memo = {}

    def url_for(endpoint: str, **values):
        if (
            endpoint.startswith(".")
            or not has_request_context()
            or not all(type(v) is str or type(v) is int for v in values.values())
            or any(k.startswith("_") for k in values)
        ):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, *values.items())
        url = memo.get(key)
        if url is None:
            if len(memo) >= most:
                memo.clear()
            url = memo[key] = build(endpoint, **values)
        return url

    return url_for


def navigation() -> Markup:
    """The main menu for the signed-in user's role on this page, in the reader's language."""
    return _draw_navigation(
        current_user.role, request.endpoint, str(get_locale()), request.script_root
    )


@functools.lru_cache(maxsize=512)
def _draw_navigation(role: str, endpoint: str | None, language: str, script_root: str) -> Markup:
    """The same for everyone with that role on that page, so drawn once for each (its dozen
    links and words were a tenth of a page's time). `language` and `script_root` are the ones
    render_template draws with (the caller's): they are only part of the key."""
    return Markup(render_template("_nav.html", role=role, endpoint=endpoint))  # noqa: S704


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
    from fieldcheck.registry import bp as registry_bp
    from fieldcheck.reports import bp as reports_bp
    from fieldcheck.review import bp as review_bp
    from fieldcheck.security import csrf

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(reports_bp)
    register_root_routes(app)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API takes bearer tokens, not cookies: no CSRF to forge

    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale()), "url_endpoints": app.view_functions}

    app.jinja_env.globals.update(
        url_for=remembering_url_for(app.url_for),
        navigation=navigation,
        ROLE_LABELS=ROLE_LABELS,
        AGENCY_LABELS=AGENCY_LABELS,
        htmx_js="vendor/htmx-2.0.11.min.js",
    )

    @app.errorhandler(404)
    def _not_found(error):
        if wants_json():
            return json_error(404, "not_found", _("Not found."))
        return render_template(
            "errors/error.html",
            title=_("Not found"),
            message=_("There is nothing here, or it is not yours to see."),
        ), 404

    @app.errorhandler(405)
    def _not_allowed(error):
        if wants_json():
            return json_error(405, "method_not_allowed", _("Method not allowed."))
        return render_template(
            "errors/error.html",
            title=_("Not allowed"),
            message=_("This address does not take that kind of request."),
        ), 405

    @app.errorhandler(500)
    def _server_error(error):
        if wants_json():
            return json_error(500, "server_error", _("Something went wrong on the server."))
        return render_template(
            "errors/error.html",
            title=_("Something went wrong"),
            message=_(
                "Nothing you entered was lost: go back and try again. "
                "If it happens again, tell your administrator."
            ),
        ), 500

    app.teardown_request(_seal_audit_now_and_then)


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
