"""`fieldcheck demo`: about 40 realistic cases across the states, made by the case services."""

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from fieldcheck.demo import DEMO_CASES, planned_cases
from fieldcheck.domain import case_states, identity
from fieldcheck.models import AuditEvent, Case, CaseFinding, Decision, FieldReport, Region, Team
from tests.helpers import Web, case_names, text_of, texts

EN = {"Accept-Language": "en"}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return list(Case.select().order_by(Case.id))


def known_district(code):
    return Region.select().where(Region.code == code).exists()


def fired(case):
    return {s["id"] for s in json.loads(case.risk_signals)}


def test_the_demo_makes_about_forty_cases_across_the_states(demo):
    assert 35 <= len(demo) <= 45
    states = Counter(c.state for c in demo)
    assert states["referred"] >= 8 and states["assigned"] >= 8 and states["in_field"] >= 5
    assert all(states[s] >= 1 for s in ("submitted", "registry_check", "under_review"))
    assert (states["verified"], states["refused"], states["cancelled"], states["returned"]) == (
        2,
        1,
        1,
        1,
    )
    bandung = Team.get(Team.name == "Timpora Kabupaten Bandung")
    assigned = [c for c in demo if c.state == "assigned"]
    assert all(c.team_id == bandung.id for c in assigned)
    officers = Counter(c.officer.username if c.officer else None for c in assigned)
    assert officers["field1"] >= 3 and officers[None] >= 1
    assert all(c.team_id is None for c in demo if c.state in ("referred", "cancelled"))
    beyond = [c for c in demo if c.state not in ("referred", "assigned", "cancelled")]
    assert all(c.team_id == bandung.id and c.officer_id for c in beyond)


def test_every_nik_decodes_and_its_district_is_in_the_region_table(demo):
    for case in demo:
        nik = identity.decode_nik(case.nik, case.application_date, known_district)
        assert nik.valid and not nik.warnings, (case.applicant_name, nik)
        assert nik.district_code == case.district_code
        kk = identity.decode_kk(case.kk, case.application_date, known_district)
        assert kk.valid and not kk.warnings, (case.applicant_name, kk)
        assert case.village_code is None or known_district(case.village_code)
        assert case.phone is None or (
            case.phone.startswith("+628") and identity.normalise_phone(case.phone) == case.phone
        )
    assert Region.get_by_id("32.73.16").name == "Kiaracondong"
    assert Region.get_by_id("33.01.14").name == "Majenang"


def test_there_is_a_minor_without_the_parents_consent(demo):
    minors = [
        c
        for c in demo
        if identity.age_on(c.birth_date, c.application_date) < 17
        and c.marital_status == "single"
        and "parents_consent" not in json.loads(c.documents)
    ]
    assert minors
    assert all("minor_without_parents_consent" in fired(c) for c in minors)
    assert all(c.risk_level == "high" and c.priority == "high" for c in minors)


def test_cambodia_bound_young_women_are_high_risk_and_every_level_occurs(demo):
    cambodia = [
        c
        for c in demo
        if c.destination_country == "KH" and c.sex == "F" and c.purpose == "work"
        and c.visa_type == "visit"
    ]  # fmt: skip
    assert len(cambodia) >= 10
    assert all(c.risk_level == "high" for c in cambodia)
    assert {"high_risk_destination", "young_woman", "visit_visa_for_work"} <= fired(cambodia[0])
    assert {c.risk_level for c in demo} == {"low", "medium", "high"}
    assert {c.destination_country for c in demo} >= {"KH", "MM", "TH", "MY", "SA", "JP", "KR"}
    harmless = [c for c in demo if c.destination_country in ("JP", "SA") and c.risk_level == "low"]
    assert {c.purpose for c in harmless} >= {"tourism", "pilgrimage"}


def test_some_cases_carry_identity_findings(demo):
    findings = CaseFinding.select().where(CaseFinding.source == "identity")
    codes = Counter(f.code for f in findings)
    assert set(codes) == {
        "nik_sex_mismatch",
        "nik_birth_date_mismatch",
        "nik_outside_office_area",
        "minor_unmarried",
    }
    outside = Case.get(Case.district_code.startswith("33."))
    assert outside.village_code.startswith("32.73.") and "nik_outside_office_area" in fired(outside)


def test_application_dates_lie_in_the_last_sixty_days(demo, clock):
    today = clock.at.date()
    dates = [c.application_date for c in demo]
    assert all(today - timedelta(days=60) <= d <= today for d in dates)
    assert max(dates) - min(dates) >= timedelta(days=50)
    assert all(c.due_date and c.due_date > c.application_date for c in demo)
    assert {c.priority for c in demo} == {"high", "normal", "low"}
    # Numbered in the order of application, so the newest case is the latest application.
    assert [c.application_date for c in demo] == sorted(dates)
    assert len({c.application_number for c in demo}) == len(demo)


def test_a_few_open_cases_are_overdue_as_in_a_working_office(demo, clock):
    """Enough to show the mark and the filter, not half the office late."""
    today = clock.at.date()
    open_ = [c for c in demo if c.state in case_states.OPEN_STATES]
    late = [c for c in open_ if case_states.overdue(c.state, c.due_date, today)]
    assert 2 <= len(late) <= len(open_) // 4


def test_every_change_is_an_audited_move_by_the_right_person(demo):
    events = list(AuditEvent.select().where(AuditEvent.subject_type == "case"))
    created = [e for e in events if e.action == "case.create"]
    assert len(created) == len(demo) and {e.actor_name for e in created} == {"intake"}
    by_action = {}
    for event in events:
        by_action.setdefault(event.action, []).append(event)
    refused = json.loads(by_action["case.refuse"][0].details)
    assert by_action["case.refuse"][0].actor_name == "supervisor" and "TPPO" in refused["reason"]
    assert json.loads(by_action["case.cancel"][0].details)["reason"]
    assert json.loads(by_action["case.return_for_correction"][0].details)["comment"]
    assert json.loads(by_action["case.reassign"][0].details)["reason"]
    assert {e.actor_name for e in by_action["case.take_to_field"]} == {"field1", "field2"}
    # The registry clerk's last answer starts the review.
    assert {e.actor_name for e in by_action["case.begin_review"]} == {"registry"}
    assert AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count() == 0
    # The version counts the moves: a verified case went through seven.
    verified = [c for c in demo if c.state == "verified"]
    assert all(c.version == 7 for c in verified)


def test_the_demos_verified_cases_carry_a_decision_and_a_report_that_verifies_valid(app, demo):
    verified = [c for c in demo if c.state == "verified"]
    assert verified
    officer = Web(app.test_client())
    officer.login("passport")
    for case in verified:
        [decision] = Decision.select().where(Decision.case == case)
        assert (decision.outcome, decision.supervisor.username) == ("verified", "supervisor")
        assert decision.note and decision.revoked_at is None
        [report] = FieldReport.select().where(FieldReport.case == case)
        assert report.decision_id == decision.id and report.qr_text.startswith("FC1.")
        page = officer.post("/verify", {"qr": report.qr_text}, page="/verify", headers=EN)
        result = text_of(page.get_data(as_text=True), "verify-result")
        assert result.startswith("VALID ") and case.application_number in result
        answer = officer.client.post("/api/v1/reports/verify", json={"qr": report.qr_text}).json
        assert answer["status"] == "VALID"
        assert answer["summary"]["report_id"] == report.report_id
        assert answer["summary"]["application_number"] == case.application_number
    issued = AuditEvent.select().where(AuditEvent.action == "report.issue")
    assert {e.subject_id for e in issued} == {str(c.id) for c in verified}


def test_the_demos_refused_case_has_a_decision_record_and_no_report(app, demo):
    [refused] = [c for c in demo if c.state == "refused"]
    [decision] = Decision.select().where(Decision.case == refused)
    assert decision.outcome == "refused" and "TPPO" in decision.note
    assert json.loads(decision.reasons) == ["trafficking_signs", "recruiter_involved"]
    assert decision.police_referral and decision.police_unit == "Polresta Bandung"
    assert not FieldReport.select().where(FieldReport.case == refused).exists()
    supervisor = Web(app.test_client())
    supervisor.login("supervisor")
    record = supervisor.get(f"/review/cases/{refused.id}/decision", headers=EN)
    assert record.status_code == 200 and "Yes: Polresta Bandung" in texts(record.text, "dd")


def test_a_demo_verification_can_be_revoked_and_its_report_then_answers_revoked(app, demo):
    case = next(c for c in demo if c.state == "verified")
    report = FieldReport.get(FieldReport.case == case)
    supervisor = Web(app.test_client())
    supervisor.login("supervisor")
    page = f"/review/cases/{case.id}"
    response = supervisor.post(f"{page}/revoke", {"reason": "Sponsor palsu"}, page=page)
    assert (response.status_code, response.headers["Location"]) == (303, page)
    assert Case.get_by_id(case.id).state == "revoked"
    officer = Web(app.test_client())
    officer.login("passport")
    answer = officer.client.post("/api/v1/reports/verify", json={"qr": report.qr_text}).json
    assert (answer["status"], answer["reason"]) == ("REVOKED", "report_revoked")


def test_field1_sees_the_team_cases_on_the_case_list(demo, web):
    web.login("field1")
    listed = case_names(web.get("/cases", headers=EN).text)
    mine = [c for c in demo if c.officer and c.officer.username == "field1"]
    assert mine and all(c.applicant_name in listed for c in mine if c.state == "assigned")
    referred = [c.applicant_name for c in demo if c.state == "referred"]
    assert not any(name in listed for name in referred)
    case = next(c for c in mine if c.state == "in_field")
    assert web.get(f"/cases/{case.id}", headers=EN).status_code == 200


def test_the_planned_cases_are_the_same_every_time_and_keep_their_ages():
    today = date(2028, 2, 29)
    first, again = planned_cases(today), planned_cases(today)
    assert first == again and len(first) == len(DEMO_CASES)
    for spec, data in first:
        assert identity.age_on(data["birth_date"], data["application_date"]) == spec["age"]
        nik = identity.decode_nik(data["nik"], data["application_date"])
        assert nik.valid and nik.sex == spec.get("nik_sex", spec["sex"])
        assert identity.age_on(nik.birth_date, data["application_date"]) == spec.get(
            "nik_age", spec["age"]
        )
    family = [d["kk"] for s, d in first if s.get("family") == "suryana"]
    assert len(family) == 3 and len(set(family)) == 1
