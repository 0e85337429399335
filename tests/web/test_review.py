"""The supervisor's review: decisions move the case, a verification issues a signed report, a
refusal a decision record, a return reaches the officer's phone, a revocation revokes."""

import pytest

from fieldcheck import signing
from fieldcheck.models import AuditEvent, Case, Decision, FieldReport, FieldVisit, User
from tests import factories
from tests.factories import submit
from tests.helpers import Web, alerts, list_rows, text_of, texts

EN = {"Accept-Language": "en"}


def test_the_queue_lists_cases_under_review_and_flagged_submissions(app, reviewed):
    case, phone = reviewed["case"], reviewed["phone"]
    first = FieldVisit.get(FieldVisit.case == case)
    second = phone.push(submit(case.id)).json["results"][0]
    conflict = phone.push(submit(case.id, kind="visit.amend", amends=first.uuid)).json["results"][0]
    withdrawn = factories.case(applicant_name="Ani Withdrawn")
    with app.app_context():
        from fieldcheck.cases import service

        intake = factories.actor(User.get(User.username == "intake"))
        service.assign(intake, withdrawn, factories.team())
        service.cancel(intake, Case.get_by_id(withdrawn.id), "Applicant withdrew")
    late = phone.push(submit(withdrawn.id)).json["results"][0]
    assert [r["result"]["flag"] for r in (second, conflict, late)] == ["second", "conflict", "late"]

    html = reviewed["web"].get("/review/", headers=EN).text
    assert texts(html, "ul.case-cards li strong") == [case.applicant_name]
    flagged = texts(html, 'section[aria-labelledby="h-flagged"] li')
    # each: "<number> — <name>: <what> (<why>) · <officer> · <received>"
    shown = sorted((item.split(": ")[0], item.split(": ", 1)[1].split(" (")[0]) for item in flagged)
    assert shown == sorted(
        [
            (f"{case.application_number} — {case.applicant_name}", "a second submission"),
            (f"{case.application_number} — {case.applicant_name}", "a conflict"),
            (f"{withdrawn.application_number} — Ani Withdrawn", "late"),
        ]
    )
    assert all(item.split(" · ")[-2] == "Field1" for item in flagged)
    assert any("cancelled while the officer was offline" in item for item in flagged)
    assert text_of(html, "h-workload") == "Team workload"
    assert [row[0] for row in list_rows(html)] == ["Timpora Kabupaten Bandung"]


def test_the_review_shows_all_the_evidence(app, reviewed):
    page = f"/review/cases/{reviewed['case'].id}"
    text = reviewed["web"].get(page, headers=EN).text
    assert text_of(text, "h-signals") == "Risk signals"
    assert text_of(text, "h-registry") == "Registry answers"
    [findings] = texts(text, 'section[aria-labelledby="h-visit"]')
    assert findings.startswith("Field findings") and "Ibu Euis" in findings
    assert "Euis Sumarni" in findings  # the family tree
    assert "Verify: issue the field report" in texts(text, "button")
    assert AuditEvent.select().where(AuditEvent.action == "case.read").count() >= 1


def test_verify_issues_a_signed_report_that_checks_out(app, reviewed):
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    response = reviewed["web"].post(f"{page}/verify", {"note": "All holds"}, page=page)
    assert response.status_code == 303
    assert Case.get_by_id(case.id).state == "verified"
    report = FieldReport.get(FieldReport.case == case)
    assert report.qr_text.startswith("FC1.") and "nik" not in report.decision_data
    with app.test_request_context():
        from fieldcheck.review import service

        result = service.check_text(report.qr_text, report.issued)
    assert result.status == "VALID" and result.summary.application_number == case.application_number


def test_verify_without_a_signing_key_decides_nothing(app, reviewed):
    import shutil

    shutil.rmtree(signing.keys_dir(app.instance_path))
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    response = reviewed["web"].post(
        f"{page}/verify", {}, page=page, follow_redirects=True, headers=EN
    )
    assert "No report-signing key exists" in alerts(response.text)
    assert Case.get_by_id(case.id).state == "under_review"
    assert Decision.select().count() == 0


def test_refuse_needs_reasons_and_records_a_police_referral(app, reviewed):
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    web = reviewed["web"]
    web.post(f"{page}/refuse", {"note": "x"}, page=page)
    assert Case.get_by_id(case.id).state == "under_review"
    web.post(f"{page}/refuse", {"reasons": "trafficking_signs", "police_referral": "1"}, page=page)
    assert Case.get_by_id(case.id).state == "under_review"  # the unit is required
    web.post(
        f"{page}/refuse",
        {
            "reasons": ["trafficking_signs", "recruiter_involved"],
            "police_referral": "1",
            "police_unit": "Polresta Bandung",
            "note": "Perekrut dikenal",
        },
        page=page,
    )
    assert Case.get_by_id(case.id).state == "refused"
    decision = Decision.get()
    assert decision.police_referral and decision.police_unit == "Polresta Bandung"
    assert FieldReport.select().count() == 0  # nothing an applicant carries marks them
    record = web.get(f"{page}/decision", headers=EN).text
    assert any("Not to be given to the applicant" in said for said in texts(record, "p.muted"))
    assert "Yes: Polresta Bandung" in texts(record, "dd")


def test_return_for_correction_reaches_the_officers_pull(app, reviewed):
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    cursor = reviewed["phone"].pull().json["cursor"]
    reviewed["web"].post(f"{page}/return", {"comment": "Foto KK belum ada"}, page=page)
    assert Case.get_by_id(case.id).state == "returned"
    pulled = reviewed["phone"].pull(cursor).json
    [returned] = pulled["cases"]
    assert returned["returned"]["comment"] == "Foto KK belum ada"
    assert FieldVisit.get().returned_comment == "Foto KK belum ada"


def test_revoke_makes_the_report_answer_revoked(app, reviewed):
    case = reviewed["case"]
    page = f"/review/cases/{case.id}"
    web = reviewed["web"]
    web.post(f"{page}/verify", {}, page=page)
    web.post(f"{page}/revoke", {"reason": ""}, page=page)
    assert Case.get_by_id(case.id).state == "verified"
    web.post(f"{page}/revoke", {"reason": "The employer turned out to be fake"}, page=page)
    assert Case.get_by_id(case.id).state == "revoked"
    report = FieldReport.get()
    with app.test_request_context():
        from fieldcheck.review import service

        assert service.check_text(report.qr_text, report.issued).status == "REVOKED"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (EN, "This case was marked verified without a decision record or a field report"),
        ({"Accept-Language": "id"}, "Kasus ini ditandai terverifikasi tanpa catatan keputusan"),
    ],
)
def test_revoking_a_verified_case_without_a_decision_says_so_and_changes_nothing(
    app, reviewed, headers, message
):
    """Data from before decisions were recorded: a case moved to verified and nothing else."""
    case = reviewed["case"]
    with app.app_context():
        from fieldcheck.cases import service as cases

        supervisor = User.get(User.username == "supervisor")
        cases.move(factories.actor(supervisor), Case.get_by_id(case.id), "verify")
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first().id
    page = f"/review/cases/{case.id}"
    response = reviewed["web"].post(
        f"{page}/revoke",
        {"reason": "The employer turned out to be fake"},
        page=page,
        headers=headers,
    )
    assert (response.status_code, response.headers["Location"]) == (303, page)
    shown = reviewed["web"].get(page, headers=headers).text
    assert message in alerts(shown)
    assert Case.get_by_id(case.id).state == "verified"
    since = AuditEvent.select(AuditEvent.action).where(AuditEvent.id > last)
    assert {e.action for e in since} == {"case.read"}  # the page was read; nothing changed


def test_only_supervisors_review(app, reviewed):
    for role in ("intake", "field", "registry", "passport", "admin"):
        factories.user(f"{role}_x", role)
        web = Web(app.test_client())
        web.login(f"{role}_x")
        assert web.get("/review/").status_code == 403, role
        assert web.get(f"/review/cases/{reviewed['case'].id}").status_code == 403, role


def test_a_supervisor_of_another_office_gets_404(app, reviewed):
    elsewhere = factories.office(code="KANIM-JKT", name="Kantor Imigrasi Jakarta")
    factories.user("sup_jkt", "supervisor", office_=elsewhere)
    web = Web(app.test_client())
    web.login("sup_jkt")
    assert web.get(f"/review/cases/{reviewed['case'].id}").status_code == 404


def test_keys_commands(app, runner):
    result = runner.invoke(args=["keys", "create"])
    assert result.exit_code == 0, result.output
    first = signing.list_keys(app.instance_path)[0]["key_id"]
    assert runner.invoke(args=["keys", "create"]).exit_code != 0  # there is one already
    assert "active now" in runner.invoke(args=["keys", "rotate"]).output
    listed = runner.invoke(args=["keys", "list"]).output
    assert first in listed and "retired" in listed
    assert '"kty": "EC"' in runner.invoke(args=["keys", "export-public"]).output
    result = runner.invoke(args=["keys", "revoke", first, "--reason", "laptop stolen"])
    assert result.exit_code == 0 and "revoked" in result.output
    assert AuditEvent.select().where(AuditEvent.action == "key.revoke").count() == 1


def test_the_review_queue_and_the_case_list_agree_on_what_is_overdue_in_the_offices_day(app, clock):
    """At 20:00 UTC it is already the next day in Bandung (WIB): a case due that UTC day is
    overdue there, in the review queue as in the case list's filter."""
    from datetime import UTC, date, datetime

    clock.at = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 1 December, 03:00 WIB
    factories.user("supervisor", "supervisor")
    web = Web(app.test_client())
    late = factories.case(applicant_name="Ani Late", due_date=date(2026, 11, 30))
    factories.case(applicant_name="Budi Today", due_date=date(2026, 12, 1))
    web.login("supervisor")
    queue = web.get("/review/", headers=EN).text
    overdue_part = queue[queue.index('id="h-overdue"') :].split("</section>")[0]
    listed = web.get("/cases?overdue=1", headers=EN).text
    assert "Ani Late" in overdue_part and "Budi Today" not in overdue_part
    assert f"{late.application_number} — Ani Late" in overdue_part
    assert "Ani Late" in listed and "Budi Today" not in listed
