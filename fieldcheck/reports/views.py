"""Routes of the reports blueprint: the report (HTML and PDF), /verify, the scan log, the
public keys and the revocation list that offline verifiers cache."""

import functools
import json

from flask import abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from pydantic import ValidationError

from fieldcheck import ROOT, audit, labels, signing
from fieldcheck.accounts import Actor
from fieldcheck.api import schemas
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.domain import qr, roles
from fieldcheck.errors import api_error
from fieldcheck.i18n import local_today
from fieldcheck.models import FieldReport
from fieldcheck.reports import bp, queries, scans
from fieldcheck.review import service
from fieldcheck.security import (
    client_address,
    csrf,
    public,
    roles_required,
    token_scope,
    verify_attempts,
)

office_staff = roles_required(roles.SUPERVISOR, roles.INTAKE, roles.ADMIN)
passport = roles_required(roles.PASSPORT, roles.SUPERVISOR)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _report_or_404(report_id: str) -> FieldReport:
    report = queries.office_report(report_id, current_user.office_id)
    if report is None:
        abort(404)
    return report


def _record_read(report: FieldReport, form: str):
    """Reading a report is reading personal data: audited, as `form` ("html" or "pdf")."""
    details = {"report": report.report_id, "format": form}
    with database.atomic():
        _actor().record(audit.REPORT_READ, ("case", report.case_id), details)


@functools.lru_cache(maxsize=512)
def _qr_svg(text: str) -> Markup:
    """A report's QR drawing never changes: drawn once per process (it takes tens of ms)."""
    return Markup(qr.make_qr_svg(text))  # noqa: S704  (our own SVG, no user input in it)


def _report_context(report: FieldReport) -> dict:
    data = json.loads(report.decision_data)
    return {
        "report": report,
        "case": report.case,
        "data": data,
        "labels": labels,
        "qr_svg": _qr_svg(report.qr_text),
    }


@bp.route("/reports/<report_id>")
@office_staff
def show(report_id):
    """The field report as a page, with print CSS: what is attached to the application."""
    report = _report_or_404(report_id)
    _record_read(report, "html")
    return render_template("reports/report.html", pdf=False, **_report_context(report))


@bp.route("/reports/<report_id>.pdf")
@office_staff
def pdf(report_id):
    """The same report as a PDF (WeasyPrint), to print or attach."""
    import weasyprint

    report = _report_or_404(report_id)
    html = render_template("reports/report.html", pdf=True, **_report_context(report))
    css = weasyprint.CSS(filename=str(ROOT / "static" / "css" / "report.css"))
    document = weasyprint.HTML(string=html).write_pdf(stylesheets=[css])
    _record_read(report, "pdf")
    response = current_app.response_class(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="field-report-{report.case.application_number}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _verify(text: str) -> qr.Verification:
    """Check a QR text and log the scan (fieldcheck.reports.scans: not an audit event each)."""
    result = service.check_text(text or "", local_today())
    scans.record_scan(_actor(), g.get("device_token"), result)
    return result


@bp.route("/verify", methods=["GET", "POST"])
@passport
@verify_attempts
def verify():
    """One input: a USB scanner types the QR text and presses Enter, or paste, or the camera."""
    result = _verify(request.form.get("qr", "")) if request.method == "POST" else None
    return render_template(
        "reports/verify.html",
        result=result,
        keys_url=url_for("reports.public_keys"),
        revoked_url=url_for("reports.revocations"),
    )


@bp.route("/verify/log")
@passport
def scan_log():
    """The user's own verifications, newest first, from the scan log."""
    return render_template("reports/log.html", scans=scans.scans_of(current_user.id))


@bp.route("/api/v1/reports/verify", methods=["POST"])
@token_scope(roles.VERIFY_SCOPE, methods=("POST",))
@passport
@verify_attempts
def verify_json():
    # JSON only (a cross-site form cannot send it without a CORS preflight, which we never
    # allow): no CSRF token needed, like the rest of the API.
    """The same check as JSON: {"qr": "FC1...."} → status, reason, summary."""
    try:
        asked = schemas.VerifyRequest.model_validate(request.get_json(silent=True))
    except ValidationError:
        return api_error(400, "body_invalid", {"expected": '{"qr": "<the QR text>"}'})
    result = _verify(asked.qr)
    return schemas.Verification.model_validate(result, from_attributes=True).to_json()


@bp.route("/.well-known/fieldcheck-keys.json")
@public
def public_keys():
    """Every public key that ever signed a report (JWK), with revoked ones marked."""
    response = jsonify(signing.export_public(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/api/v1/reports/revoked")
@public
def revocations():
    """The ids of revoked reports and keys, and when this list was made (offline verifiers
    show its age)."""
    folder = current_app.instance_path
    return schemas.Revocations(
        generated_at=utcnow(),
        reports=sorted(service.revoked_report_ids()),
        keys=sorted(signing.revoked_key_ids(folder)),
    ).to_json()


csrf.exempt(verify_json)
