"""Routes of the field blueprint, the manifest and the service worker."""

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import abort, current_app, render_template, send_file, url_for
from flask_login import current_user

from fieldcheck import ROOT, audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.cases import service
from fieldcheck.clock import utcnow
from fieldcheck.domain import case_states, roles, visits
from fieldcheck.field import bp, queries
from fieldcheck.field.texts import script_texts
from fieldcheck.i18n import local_today
from fieldcheck.security import client_address, public, roles_required, token_scope

field_only = roles_required(roles.FIELD)

# What the service worker keeps so the app opens with no network at all.
SHELL = (
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "js/idb.js",
    "js/sync-core.js",
    "js/field-app.js",
    "js/field-form.js",
    "js/lock.js",
    "js/qr-verify.js",
    "js/verify-page.js",
    "vendor/jsqr-1.4.0.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
)


# The phone fetches its pages with its sync token (never the cookie) to keep them offline,
# so they open after the web session has ended: for GET only.
phone_page = token_scope(roles.SYNC_SCOPE, methods=("GET",))


def _actor() -> Actor:
    """The signed-in officer, or the officer whose device token the phone sent."""
    return Actor(current_user._get_current_object(), utcnow(), client_address())


@bp.route("/")
@phone_page
@field_only
def index():
    """The officer's cases, with what is on the phone, the outbox and the sync status."""
    cases = queries.phone_cases(current_user)
    # The phone fetches this list after each pull, with its token: audited as the token's officer.
    audit.record_list_read(
        _actor(), audit.FIELD_LIST, {}, len(cases), scope={"team": current_user.team_id}
    )
    return render_template(
        "field/index.html",
        cases=cases,
        places=queries.place_names(cases),
        today=local_today(),
        overdue=case_states.overdue,
        labels=labels.for_reader(),
        texts=script_texts(),
        retention_days=_retention_days(),
    )


@bp.route("/cases/<int:case_id>")
@phone_page
@field_only
def case(case_id):
    """A case and its field verification form (prefilled when it was returned)."""
    found = queries.team_case(current_user, case_id)
    if found is None:
        abort(404)
    service.record_read(_actor(), found)
    returned = queries.returned_visit(found)
    return render_template(
        "field/case.html",
        case=found,
        labels=labels.for_reader(),
        vocab=visits,
        returned=returned,
        prefill=queries.prefill(returned) if returned else None,
        texts=script_texts(),
        retention_days=_retention_days(),
    )


@bp.route("/offline")
@public
def offline():
    """What a page that is not on the phone shows when there is no network."""
    return render_template("field/offline.html")


@bp.route("/enrol")
@public
def enrol():
    """The phone's enrolment: a one-time code from the desk (scanned or typed) gives it its
    officer's sync token through the API (fieldcheck.api.enrolment); a PIN locks the app."""
    return render_template("field/enrol.html")


def _retention_days() -> int:
    return current_app.config["PHONE_RETENTION_DAYS"]


@cache
def shell_version() -> str:
    """A hash of the app shell: a new one makes phones install the new service worker."""
    digest = hashlib.sha256()
    for name in (*SHELL, "sw.js"):
        digest.update((ROOT / "static" / name).read_bytes())
    for template in sorted((ROOT / "templates" / "field").glob("*.html")):
        digest.update(template.read_bytes())
    return digest.hexdigest()[:12]


def register_root_routes(app):
    """/sw.js and /manifest.webmanifest live at the root so the worker controls the whole app."""

    @app.route("/sw.js")
    @public
    def service_worker():
        text = (ROOT / "static" / "sw.js").read_text()
        shell = [url_for("static", filename=name) for name in SHELL]
        shell += [url_for("field.offline"), url_for("manifest")]
        text = text.replace("__VERSION__", shell_version()).replace("__SHELL__", json.dumps(shell))
        response = current_app.response_class(text, mimetype="text/javascript")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.route("/manifest.webmanifest")
    @public
    def manifest():
        return send_file(
            Path(ROOT / "static" / "manifest.webmanifest"),
            mimetype="application/manifest+json",
            max_age=3600,
        )
