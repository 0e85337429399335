"""The field report: rendering the HTML page with its QR code, and the PDF, for a verified case;
the QR version and the payload's length. Baseline: the case page, measured the same way."""

import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench import Result, Row, progress
from fieldcheck import accounts, create_app, migrations, signing
from fieldcheck.clock import utcnow
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.demo import DEMO_PASSWORD, create_demo
from fieldcheck.domain import qr

TITLE = "the field report: HTML + QR and PDF rendering, QR version, payload length"
RUNS = 30


def _verified_report(app):
    from fieldcheck.cases import service as cases
    from fieldcheck.models import Case, User
    from fieldcheck.registry import service as registry
    from fieldcheck.review import service as review

    with app.app_context(), database.atomic():
        if not signing.list_keys(app.instance_path):  # (the demo makes one for its reports)
            signing.create_key(app.instance_path)
        supervisor = accounts.Actor(User.get(User.username == "supervisor"), utcnow(), "bench")
        case = Case.get(Case.state == "assigned")
        for action in ("take_to_field", "submit", "begin_registry_check"):
            cases.move(supervisor, case, action, role="system")
        registry.proceed_without(supervisor, case, "bench")
        return review.verify(supervisor, Case.get_by_id(case.id))


def _median_ms(fn, runs=RUNS):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(ctx) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="fieldcheck-bench-reports-"))
    url = sqlite_url(folder / "fieldcheck.db")
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "LOGIN_LIMIT_PER_USERNAME": "1000 per minute",
            "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
            "SECOND_FACTOR_ROLES": (),  # rendering is measured here, not the supervisor's sign-in
        }
    )
    with app.app_context(), database.atomic():
        create_demo(accounts.Actor(None, utcnow(), "bench"))
    report = _verified_report(app)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/login", data={"username": "supervisor", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    progress("report HTML, PDF and the case page, each rendered repeatedly")

    def html():
        from fieldcheck.reports.views import _qr_svg

        _qr_svg.cache_clear()  # the QR drawn anew each time: HTML + QR generation
        assert client.get(f"/reports/{report.report_id}").status_code == 200

    def html_again():
        assert client.get(f"/reports/{report.report_id}").status_code == 200

    def pdf():
        assert client.get(f"/reports/{report.report_id}.pdf").status_code == 200

    def case_page():
        assert client.get(f"/cases/{report.case_id}").status_code == 200

    def qr_only():
        qr.make_qr_svg(report.qr_text)

    html()
    pdf()
    case_page()
    result = Result()
    html_s, case_s = _median_ms(html), _median_ms(case_page)
    html_again()
    again_s = _median_ms(html_again)
    pdf_s = _median_ms(pdf, runs=10)
    qr_s = _median_ms(qr_only)
    result.rows += [
        Row("sqlite", "report page: HTML + QR (median)", html_s, "case page", case_s),
        Row("sqlite", "  of which the QR SVG alone", qr_s, "case page", case_s),
        Row("sqlite", "report page again (QR drawing kept)", again_s, "case page", case_s),
        Row("sqlite", "report PDF (WeasyPrint, median)", pdf_s, "report page", html_s),
    ]
    frame = len(qr.base45_decode(report.qr_text[len(qr.PREFIX) :]))
    version = qr.qr_version(report.qr_text)
    result.notes += [
        f"QR version {version} at error correction Q (target ≤ 10: "
        f"{'OK' if version <= 10 else 'MISS'}); text {len(report.qr_text)} characters, "
        f"signed frame {frame} bytes (key id 4 + payload {frame - 68} + signature 64).",
    ]
    return result
