"""The field report (HTML and PDF) with its QR code, and the passport officer's verification:
the page a scanner types into, the JSON API, the scan log, the published keys."""

import io

import pytest

from fieldcheck.models import AuditEvent, FieldReport, ScanLog
from tests import factories
from tests.helpers import Web, list_rows, parse, texts

EN = {"Accept-Language": "en"}


@pytest.fixture
def issued(app, reviewed):
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    reviewed["web"].post(f"{page}/verify", {}, page=page)
    factories.user("passport", "passport")
    officer = Web(app.test_client())
    officer.login("passport")
    return {**reviewed, "report": FieldReport.get(), "officer": officer}


def test_the_report_page_shows_the_qr_and_no_nik(app, issued):
    report, case = issued["report"], issued["case"]
    text = issued["web"].get(f"/reports/{report.report_id}", headers=EN).text
    assert parse(text).select_one("section.qr .code svg") is not None
    # Exactly, spaces not squeezed: the QR's alphabet (base45) has a space, two in a row at times.
    assert [p.get_text() for p in parse(text).select("p.qr-text")] == [report.qr_text]
    assert texts(text, "p.subtitle")[0].endswith(case.application_number)
    assert case.nik not in text  # nowhere in the page, markup included


def test_the_pdf_qr_decodes_to_the_exact_signed_text_at_150_dpi(app, issued):
    import pypdfium2
    import zxingcpp

    report = issued["report"]
    response = issued["web"].get(f"/reports/{report.report_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.data))
    image = pdf[0].render(scale=150 / 72).to_pil()
    # QR codes only: the page's printed lines and digits can read as a one-dimensional
    # barcode now and then (a stray "0134331000061" once), which is not what a scanner asks.
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [report.qr_text]


def test_the_passport_officer_verifies_a_typed_code(app, issued):
    report = issued["report"]
    response = issued["officer"].post(
        "/verify", {"qr": report.qr_text.lower() + "\n"}, page="/verify", headers=EN
    )
    text = response.text
    assert texts(text, "[role=status] h2.status") == ["VALID"]
    assert issued["case"].application_number in texts(text, "[role=status] dd")
    tampered = (
        report.qr_text[:-3] + ("A" if report.qr_text[-3] != "A" else "B") + report.qr_text[-2:]
    )
    text = issued["officer"].post("/verify", {"qr": tampered}, page="/verify", headers=EN).text
    assert texts(text, "[role=status] h2.status")[0] in ("INVALID", "UNKNOWN KEY")
    log = list_rows(issued["officer"].get("/verify/log", headers=EN).text)  # when, result, ...
    assert len(log) >= 2 and "VALID" in [row[1] for row in log]
    assert ScanLog.select().count() == 2
    # The tampered text names no report: logged, not audited.
    assert AuditEvent.select().where(AuditEvent.action == "report.verify").count() == 1


def test_the_same_check_as_json(app, issued):
    report = issued["report"]
    client = issued["officer"].client
    response = client.post("/api/v1/reports/verify", json={"qr": report.qr_text})
    assert response.status_code == 200 and response.json["status"] == "VALID"
    assert response.json["summary"]["application_number"] == issued["case"].application_number
    bad = client.post("/api/v1/reports/verify", json={"nope": 1})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "body_invalid"
    english = client.post("/api/v1/reports/verify", json={"nope": 1}, headers=EN)
    assert english.json["error"]["message"] == 'Send {"qr": "<the QR text>"} as JSON.'


def test_the_passport_officer_sees_nothing_else_of_a_case(app, issued):
    officer = issued["officer"]
    assert officer.get(f"/cases/{issued['case'].id}").status_code == 403
    assert officer.get(f"/reports/{issued['report'].report_id}").status_code == 403
    assert officer.get("/cases").status_code == 403


def test_a_passport_officer_of_another_office_verifies_too(app, issued):
    elsewhere = factories.office(code="KANIM-JKT", name="Kantor Imigrasi Jakarta")
    factories.user("passport_jkt", "passport", office_=elsewhere)
    web = Web(app.test_client())
    web.login("passport_jkt")
    response = web.client.post("/api/v1/reports/verify", json={"qr": issued["report"].qr_text})
    assert response.json["status"] == "VALID"


def test_public_keys_and_revocations_are_published(app, issued, client):
    keys = client.get("/.well-known/fieldcheck-keys.json").json["keys"]
    assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256"
    assert client.get("/api/v1/reports/revoked").json["reports"] == []
    page = f"/review/cases/{issued['case'].id}"
    issued["web"].post(f"{page}/revoke", {"reason": "Fake employer"}, page=page)
    assert client.get("/api/v1/reports/revoked").json["reports"] == [issued["report"].report_id]
    response = issued["officer"].client.post(
        "/api/v1/reports/verify", json={"qr": issued["report"].qr_text}
    )
    assert response.json["status"] == "REVOKED"
