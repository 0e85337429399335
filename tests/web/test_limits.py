"""Limits: how much a request may send (413 before the body is read), the CSV import's caps in
bytes and rows (refused before a row is checked), the push's JSON cap, the verify rate limits
(429), and the scan log that keeps a flood of verifications from filling the audit trail."""

import io
import json
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from fieldcheck import security
from fieldcheck.cases import importer
from fieldcheck.cases.forms import CaseForm
from fieldcheck.cases.importer import COLUMNS
from fieldcheck.models import AuditEvent, Case, FieldVisit, ScanLog
from sync.envelope import MAX_OPERATIONS
from tests import factories
from tests.helpers import Web, list_rows, text_of

EN = {"Accept-Language": "en"}
ID = {"Accept-Language": "id"}
MiB = 1024 * 1024
README = Path(__file__).resolve().parents[2] / "README.md"


class Body(io.RawIOBase):
    """A request body of `size` bytes that counts how many were read."""

    def __init__(self, size: int, fill: bytes = b"a"):
        self.size, self.fill, self.read_bytes = size, fill, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = self.fill * n
        self.read_bytes += n
        return n


def send(app, path, body: Body, *, length=True, terminated=False, method="POST", **builder):
    """Run one request with `body` as its input, as a WSGI server would hand it over: with a
    Content-Length, or without one (chunked) from a server that ends the stream itself."""
    environ = EnvironBuilder(path=path, method=method, **builder).get_environ()
    environ["wsgi.input"] = body
    environ.pop("CONTENT_LENGTH", None)
    if length:
        environ["CONTENT_LENGTH"] = str(body.size)
    if terminated:
        environ["wsgi.input_terminated"] = True
    answer, status, response_headers = run_wsgi_app(app, environ)
    text = b"".join(answer).decode()
    return int(status.split()[0]), text, dict(response_headers)


# -- request size -----------------------------------------------------------------------------


def test_a_30_mib_anonymous_sign_in_is_refused_before_its_body_is_read(app):
    body = Body(30 * MiB)
    status, text, _ = send(
        app, "/login", body, content_type="application/x-www-form-urlencoded", headers=EN
    )
    assert status == 413 and body.read_bytes == 0
    assert "This request is larger than FieldCheck takes here: at most 256 KB." in text

    indonesian = send(app, "/login", Body(30 * MiB), content_type="text/plain", headers=ID)
    assert indonesian[0] == 413 and "paling banyak 256 KB" in indonesian[1]


def test_a_body_without_a_length_is_read_only_up_to_the_cap(app):
    """Chunked, from a server that ends the stream (gunicorn, werkzeug): read one byte past the
    cap, then 413 (werkzeug alone would hand the first 256 KiB on as the whole form)."""
    body = Body(30 * MiB)
    status, _, _ = send(
        app,
        "/login",
        body,
        length=False,
        terminated=True,
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 413 and body.read_bytes == app.config["MAX_CONTENT_LENGTH"] + 1


def test_a_body_without_a_length_that_the_server_does_not_end_is_not_read(app):
    body = Body(30 * MiB)
    status, _, _ = send(
        app, "/login", body, length=False, content_type="application/x-www-form-urlencoded"
    )
    assert status == 400 and body.read_bytes == 0  # an empty form: no CSRF token


def test_the_api_answers_413_as_its_error_object_in_the_readers_language(app, client):
    factories.user("passport", "passport")
    scanner = token(client, "passport")
    big = {"qr": "x" * (300 * 1024)}  # was parsed whole, up to 16 MB and beyond
    english = client.post("/api/v1/reports/verify", json=big, headers={**scanner, **EN})
    assert english.status_code == 413
    assert english.json == {
        "error": {
            "code": "too_large",
            "message": "This request is larger than FieldCheck takes here: at most 256 KB.",
        }
    }
    indonesian = client.post("/api/v1/reports/verify", json=big, headers={**scanner, **ID})
    assert indonesian.json["error"]["code"] == "too_large"
    assert "paling banyak 256 KB" in indonesian.json["error"]["message"]


@pytest.fixture
def phone(app, client):
    """A field officer's device token, and a case assigned to the officer."""
    intake = factories.user("intake", "intake")
    officer = factories.user("field1", "field")
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, officer.team, officer)
    response = client.post(
        "/api/v1/auth/token", json={"username": "field1", "password": Web.PASSWORD}
    )
    return {"headers": {"Authorization": f"Bearer {response.json['token']}"}, "case": case}


def _operation(payload, kind="visit.submit"):
    return {
        "op_id": str(uuid.uuid4()),
        "type": kind,
        "record_id": str(uuid.uuid4()),
        "base_version": 2**31 - 1,
        "created_at": "2026-11-02T08:05:00.000+07:00",
        "payload": payload,
    }


def test_a_full_push_of_the_largest_valid_visits_fits_under_the_json_cap(app, client, phone):
    largest = factories.largest_visit_payload(phone["case"].id)
    one = {"version": 1, "device": "Android 14", "operations": [_operation(largest)]}
    applied = client.post("/api/v1/sync/push", json=one, headers=phone["headers"])
    assert applied.json["results"][0]["status"] == "applied"  # it is a valid visit
    assert FieldVisit.select().count() == 1

    amend = _operation({**largest, "amends": str(uuid.uuid4())}, kind="visit.amend")
    full = {"version": 1, "device": "d" * 100, "operations": [amend] * MAX_OPERATIONS}
    as_phone = json.dumps(full, ensure_ascii=False, separators=(",", ":")).encode()
    as_client = json.dumps(full, ensure_ascii=False).encode()  # python -m sync: with spaces
    assert 19.6 * 10**6 < len(as_phone) < 19.8 * 10**6  # README's figures
    assert 20 * 10**6 < len(as_client) < 20.2 * 10**6
    assert len(as_client) * 1.2 < app.config["PUSH_MAX_BYTES"] == 24 * MiB


def test_a_push_over_the_json_cap_is_refused_before_it_is_read(app, phone):
    body = Body(app.config["PUSH_MAX_BYTES"] + 1)
    status, text, headers = send(
        app,
        "/api/v1/sync/push",
        body,
        content_type="application/json",
        headers={**phone["headers"], **EN},
    )
    assert status == 413 and body.read_bytes == 0
    assert json.loads(text)["error"] == {
        "code": "too_large",
        "message": "This request is larger than FieldCheck takes here: at most 24 MB.",
    }


def test_a_photo_sent_without_a_length_stops_at_the_photo_cap(app, phone):
    app.config["MEDIA_MAX_BYTES"] = 1000
    body = Body(50_000)
    status, text, _ = send(
        app,
        f"/api/v1/media/{'0' * 64}",
        body,
        length=False,
        terminated=True,
        method="PUT",
        content_type="image/jpeg",
        headers={**phone["headers"], **EN},
    )
    assert status == 413 and body.read_bytes == 1001
    assert json.loads(text)["error"]["message"].endswith("at most 1 KB.")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/auth/token", "application/json"), ("/login", "application/x-www-form-urlencoded")],
)
def test_a_sign_in_over_the_cap_names_no_one_to_the_limits_and_raises_nothing(
    app, path, content_type
):
    # Flask-Limiter would take an error raised while it counts for its storage being down.
    body = b"username=" + b"x" * (300 * 1024)
    with app.test_request_context(path, method="POST", data=body, content_type=content_type):
        assert security.attempt_username() == "user:"


def test_sign_ins_over_the_cap_between_wrong_passwords_leave_the_limit_whole(app, client):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("field1", "field")
    too_big = {"username": "field1", "password": "x" * (300 * 1024)}
    wrong = {"username": "field1", "password": "wrong password"}
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json=too_big).status_code == 413
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    right = {"username": "field1", "password": Web.PASSWORD}
    answer = client.post("/api/v1/auth/token", json=right, headers=EN)
    assert answer.status_code == 429 and answer.json["error"]["code"] == "rate_limited"


# -- CSV import -------------------------------------------------------------------------------


def row(number, **overrides):
    values = {
        "application_number": number,
        "application_date": "2026-10-20",
        "applicant_name": "Siti Nurhaliza",
        "nik": "3204124503990001",
        "sex": "F",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "purpose": "work",
        "destination_country": "KH",
        "documents": "ktp;kk",
        "referral_reasons": "doubtful_purpose",
        **overrides,
    }
    return ",".join(f'"{values.get(c, "")}"' for c in COLUMNS)


def export(count: int, **overrides) -> bytes:
    lines = [",".join(COLUMNS), *(row(f"A-{i}", **overrides) for i in range(count))]
    return ("\n".join(lines) + "\n").encode()


def upload(web, data: bytes, *, check=False, headers=EN):
    form = {"file": (io.BytesIO(data), "export.csv"), "mode": "valid_only"}
    form["check" if check else "import"] = "1"
    return web.post(
        "/cases/import",
        form,
        page="/cases/import",
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def intake(web):
    factories.user("intake", "intake")
    web.login("intake")
    return web


@pytest.fixture
def checked_rows(monkeypatch):
    """How many rows the importer checked with the intake form's rules."""
    checked = []
    validate = CaseForm.validate

    def counting(form, *args, **kwargs):
        checked.append(form)
        return validate(form, *args, **kwargs)

    monkeypatch.setattr(CaseForm, "validate", counting)
    return checked


@pytest.mark.parametrize("check", [True, False])
def test_an_import_over_the_row_cap_is_refused_before_a_row_is_checked(
    app, intake, checked_rows, check
):
    assert app.config["IMPORT_MAX_ROWS"] == 10_000
    data = export(12_000)  # 2.6 MB: under the byte cap
    response = upload(intake, data, check=check)
    text = text_of(response.get_data(as_text=True), "main")
    assert "The file has more than 10,000 rows: split it." in text
    assert checked_rows == [] and Case.select().count() == 0
    indonesian = upload(intake, data, check=check, headers=ID).get_data(as_text=True)
    assert "lebih dari 10.000 baris" in indonesian
    assert checked_rows == [] and Case.select().count() == 0


def test_an_import_at_the_row_cap_is_checked_and_imported(app, intake):
    app.config["IMPORT_MAX_ROWS"] = 3
    response = upload(intake, export(3))
    assert "Imported 3 cases." in response.get_data(as_text=True)
    assert Case.select().count() == 3


class Recorded(io.BytesIO):
    """An upload's stream that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def read1(self, size=-1):
        data = super().read1(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


MESSAGES = {
    "empty": "empty",
    "encoding": "encoding",
    "columns": "columns %(missing)s %(unknown)s",
    "too_many": "too many rows",
    "too_big": "too big",
    "not_csv": "not CSV at line %(line)s",
}


def test_reading_an_import_stops_at_the_first_cap_crossed(checked_rows):
    data = export(60_000)
    stream = Recorded(data)
    caps = importer.Caps(max_bytes=len(data), max_rows=100)
    result = importer.parse(stream, None, MESSAGES, caps)
    assert result.file_error == "too many rows" and result.valid == []
    assert checked_rows == []
    # The header and 101 rows, read in chunks of 8 KiB: at most one chunk more than those.
    needed = len(data.split(b"\n", 1)[0]) + 101 * (len(row("A-1")) + 1)
    assert stream.read_bytes <= needed + io.DEFAULT_BUFFER_SIZE < len(data) / 300

    unread = Recorded(data)
    caps = importer.Caps(max_bytes=len(data) - 1, max_rows=10**6)
    assert importer.parse(unread, None, MESSAGES, caps).file_error == "too big"
    assert unread.read_bytes == 0 and checked_rows == []


def test_an_upload_over_the_byte_cap_gets_the_import_page_with_413(app, intake, checked_rows):
    app.config["IMPORT_MAX_BYTES"] = 100_000
    data = export(2_000)  # 440 KB: past the cap and its allowance for the form
    response = upload(intake, data)
    assert response.status_code == 413
    text = text_of(response.get_data(as_text=True), "main")
    assert "The file is larger than 97 KB: split it." in text
    assert "Nothing was imported" in text
    indonesian = upload(intake, data, headers=ID)
    assert indonesian.status_code == 413
    assert "lebih besar dari 97 KB" in indonesian.get_data(as_text=True)
    assert checked_rows == [] and Case.select().count() == 0
    again = upload(intake, export(1))  # the page's form still works
    assert "Imported 1 case." in again.get_data(as_text=True)


def test_a_file_just_over_the_byte_cap_is_refused_unchecked(app, intake, checked_rows):
    data = export(400)
    app.config["IMPORT_MAX_BYTES"] = len(data) - 1  # within the form's allowance
    text = text_of(upload(intake, data).get_data(as_text=True), "main")
    assert "The file is larger than" in text and "split it" in text
    assert checked_rows == [] and Case.select().count() == 0


def test_a_file_that_is_not_csv_is_explained_not_a_server_error(app, intake):
    data = (",".join(COLUMNS) + '\n"A-1,' + "x" * 200_000 + "\n").encode()  # a quote left open
    response = upload(intake, data, check=True)
    assert response.status_code == 200
    assert "Line 2 cannot be read as CSV" in response.get_data(as_text=True)


# -- verify: rate limits and the scan log -----------------------------------------------------


@pytest.fixture
def counter(app, client):
    """A verified case's report, and a passport officer's scanner signed in with a verify
    token."""
    supervisor = factories.user("supervisor", "supervisor")
    officer = factories.user("field1", "field")
    clerk = factories.user("registry", "registry")
    passport = factories.user("passport", "passport")
    report = factories.issued_report(supervisor, officer, clerk)
    scanner = token(client, "passport")
    return {"report": report, "scanner": scanner, "passport": passport, "client": client}


def token(client, username):
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": Web.PASSWORD}
    )
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def verify_events():
    return AuditEvent.select().where(AuditEvent.action == "report.verify").count()


def flood(client, headers, text, calls):
    return [
        client.post("/api/v1/reports/verify", json={"qr": text}, headers=headers)
        for _ in range(calls)
    ]


def test_a_verify_flood_meets_429_and_adds_rows_bounded_by_the_limit(app, counter):
    client, scanner, text = counter["client"], counter["scanner"], counter["report"].qr_text
    app.config["VERIFY_LIMIT_PER_DEVICE"] = "100000 per minute"
    app.config["VERIFY_LIMIT_PER_ADDRESS"] = "100000 per minute"
    answers = flood(client, scanner, text, 500)
    assert {a.json["status"] for a in answers} == {"VALID"}
    # One scan row each, one audit event: the device's first scan of the report this hour.
    assert ScanLog.select().count() == 500 and verify_events() == 1

    app.config["VERIFY_LIMIT_PER_DEVICE"] = "120 per minute"  # the defaults
    app.config["VERIFY_LIMIT_PER_ADDRESS"] = "600 per minute"
    answers = flood(client, {**scanner, **EN}, text, 500)
    passed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(passed) + len(refused) == 500 and refused
    assert len(passed) == 120  # the last minute's, wherever the clock's minute turns
    assert refused[0].json == {
        "error": {
            "code": "rate_limited",
            "message": "Too many reports were checked in a short time. "
            "Wait 1 minute and try again.",
        }
    }
    assert ScanLog.select().count() == 500 + len(passed) and verify_events() == 1


def test_a_limit_counts_the_last_minute_whenever_its_first_check_was(app, counter, monkeypatch):
    client, scanner, text = counter["client"], counter["scanner"], counter["report"].qr_text
    app.config["VERIFY_LIMIT_PER_DEVICE"] = "2 per minute"
    start = time.time()

    def checks_at(seconds):
        monkeypatch.setattr(time, "time", lambda: start + seconds)
        return flood(client, scanner, text, 1)[0].status_code

    assert [checks_at(0), checks_at(59)] == [200, 200]
    # A minute after the first check the one at 59 s still counts: one more, not two.
    assert [checks_at(60.5), checks_at(61)] == [200, 429]
    assert checks_at(119.5) == 200  # the checks at 59 and 60.5 s are over a minute old


def test_the_per_address_limit_counts_every_device_there(app, counter):
    client = counter["client"]
    factories.user("passport2", "passport")
    other = token(client, "passport2")
    app.config["VERIFY_LIMIT_PER_ADDRESS"] = "3 per minute"
    text = counter["report"].qr_text
    assert [a.status_code for a in flood(client, counter["scanner"], text, 2)] == [200, 200]
    answers = flood(client, {**other, **ID}, text, 2)
    assert [a.status_code for a in answers] == [200, 429]
    assert answers[1].json["error"]["message"].startswith("Terlalu banyak")


def test_the_verify_page_has_the_same_per_user_limit(app, counter):
    factories.user("supervisor2", "supervisor")
    web = Web(app.test_client())
    web.login("supervisor2")
    app.config["VERIFY_LIMIT_PER_DEVICE"] = "2 per minute"
    text = counter["report"].qr_text
    answers = [web.post("/verify", {"qr": text}, page="/verify", headers=EN) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    limited = web.post("/verify", {"qr": text}, page="/verify", headers=EN)
    assert limited.status_code == 429
    page = text_of(limited.get_data(as_text=True), "main")
    assert "Too many checks" in page and "Wait 1 minute" in page
    # The session's JSON calls count against the same user.
    assert web.client.post("/api/v1/reports/verify", json={"qr": text}).status_code == 429
    assert web.get("/verify").status_code == 200  # looking is not checking


def test_one_audit_event_per_report_per_device_per_hour(app, counter, clock):
    client, text = counter["client"], counter["report"].qr_text
    flood(client, counter["scanner"], text, 3)
    assert verify_events() == 1
    second = token(client, "passport")  # another scanner of the same officer
    flood(client, second, text, 2)
    assert verify_events() == 2
    browser = Web(app.test_client())
    browser.login("passport")
    browser.post("/verify", {"qr": text}, page="/verify")
    browser.post("/verify", {"qr": text}, page="/verify")
    assert verify_events() == 3  # the signed-in browser is a device of its own
    flood(client, counter["scanner"], "FC1:NOT-A-REPORT", 3)
    assert verify_events() == 3  # nothing was shown: logged, not audited
    clock.advance(hours=1)
    flood(client, counter["scanner"], text, 2)
    assert verify_events() == 4
    assert ScanLog.select().count() == 3 + 2 + 2 + 3 + 2
    audited = AuditEvent.select().where(AuditEvent.action == "report.verify").first()
    assert audited.details_dict["report"] == counter["report"].report_id
    assert audited.details_dict["application"] == counter["report"].case.application_number


def test_the_scan_log_page_reads_the_scan_log(app, counter):
    client, text = counter["client"], counter["report"].qr_text
    flood(client, counter["scanner"], text, 2)
    flood(client, counter["scanner"], "hello", 1)
    factories.user("passport2", "passport")
    flood(client, token(client, "passport2"), text, 1)
    web = Web(app.test_client())
    web.login("passport")
    rows = list_rows(web.get("/verify/log", headers=EN).get_data(as_text=True))
    report = counter["report"]
    mine = [report.case.application_number, report.case.office.code, report.expires.isoformat()]
    assert [r[1:5] for r in rows] == [  # newest first; not passport2's scan
        ["INVALID", "—", "—", "—"],
        ["VALID", *mine],
        ["VALID", *mine],
    ]


def test_scans_prune_removes_the_scans_older_than_scan_log_days(app, counter, clock, runner):
    client, text = counter["client"], counter["report"].qr_text
    flood(client, counter["scanner"], text, 2)
    clock.advance(days=app.config["SCAN_LOG_DAYS"], seconds=1)
    answers = flood(client, token(client, "passport"), text, 1)  # the first token expired
    assert answers[0].json["status"] == "VALID"
    result = runner.invoke(args=["scans", "prune"])
    assert result.exit_code == 0 and "removed 2 scans older than 90 days" in result.output
    assert ScanLog.select().count() == 1
    pruned = AuditEvent.get(AuditEvent.action == "scan_log.prune")
    assert pruned.details_dict["removed"] == 2
    assert "removed 0 scans" in runner.invoke(args=["scans", "prune"]).output


# -- documentation ----------------------------------------------------------------------------


def test_every_limit_setting_is_documented_in_the_readme():
    readme = README.read_text()
    for setting in (
        "MAX_CONTENT_LENGTH",
        "MEDIA_MAX_BYTES",
        "PUSH_MAX_BYTES",
        "IMPORT_MAX_BYTES",
        "IMPORT_MAX_ROWS",
        "REGISTRY_EXTRACT_MAX_BYTES",
        "VERIFY_LIMIT_PER_DEVICE",
        "VERIFY_LIMIT_PER_ADDRESS",
        "SCAN_LOG_DAYS",
        "fieldcheck scans prune",
    ):
        assert f"`{setting}" in readme, setting


def test_the_upgrade_copies_earlier_verifications_into_the_scan_log(blank_database):
    """ "My verifications" read the audit trail before the scan log: its history stays."""
    from fieldcheck import migrations

    db = blank_database
    migrations.upgrade(db, target=13)
    q = db.param
    db.execute_sql(
        'INSERT INTO "user" (username, name, password_hash, role, active, created_at, '
        f"must_change_password) VALUES ('passport', 'P', 'x', 'passport', {q}, {q}, {q})",
        (True, datetime(2026, 1, 1), False),
    )
    seen = json.dumps({"status": "VALID", "report": "1f0c6a52-0000-4000-8000-000000000001"})
    unread = json.dumps({"status": "INVALID", "report": None})
    for details, actor in ((seen, 1), (unread, 1), (seen, None)):
        db.execute_sql(
            f"INSERT INTO audit_event (at, actor_id, action, details) VALUES ({q}, {q}, {q}, {q})",
            (datetime(2026, 2, 1, 8), actor, "report.verify", details),
        )
    migrations.upgrade(db)
    rows = db.execute_sql(
        "SELECT user_id, device_token_id, status, report_id FROM scan_log ORDER BY id"
    ).fetchall()
    assert rows == [
        (1, None, "VALID", "1f0c6a52-0000-4000-8000-000000000001"),
        (1, None, "INVALID", None),
    ]
    assert db.execute_sql("SELECT COUNT(*) FROM audit_event").fetchone() == (3,)
