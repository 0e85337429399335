"""The same applicant seen in another office (issue 16, part 2): a new case whose applicant was
refused, or is under a field check, in another office within 24 months fires a risk signal
naming that office and date, and the supervisors of both offices see the link, each only the
other office's name, the state of its case and its date."""

import json
from datetime import date, timedelta

import pytest

from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import AuditEvent, Case, CaseLink
from tests import factories
from tests.helpers import main_text, parse

EN = {"Accept-Language": "en"}
BORN = date(1999, 3, 5)
NIK_HERE = encode_nik("32.04.12", "F", BORN, 1)
NIK_THERE = encode_nik("32.05.01", "F", BORN, 9)

# What the other office knows of its applicant: none of it may reach this office.
THERE = {
    "applicant_name": "Siti Nurhaliza",
    "nik": NIK_THERE,
    "address": "Jl. Kartini 12, Kesambi",
    "phone": "+6285711112222",
    "sponsor": "Mekong Star Recruitment",
}
HERE = {
    "applicant_name": "Siti Nur Haliza",
    "nik": NIK_HERE,
    "address": "Kp. Cangkuang RT 02 RW 05",
}


@pytest.fixture
def offices(app):
    here = factories.office()
    there = factories.office(code="KANIM-CBN", name="Kantor Imigrasi Cirebon")
    people = {
        "intake": factories.user("intake", "intake", here),
        "supervisor": factories.user("supervisor", "supervisor", here),
        "supervisor_cbn": factories.user("supervisor_cbn", "supervisor", there),
        "intake_cbn": factories.user("intake_cbn", "intake", there),
        "clerk": factories.user("clerk", "registry", here, regions=["32.04", "32.05"]),
    }
    team = factories.team(there, name="Timpora Cirebon")
    people["field_cbn"] = factories.user("field_cbn", "field", there, team_=team)
    return {"here": here, "there": there, **people}


def refused_there(offices, **overrides):
    return factories.refused_case(
        offices["supervisor_cbn"],
        offices["field_cbn"],
        offices["clerk"],
        office_=offices["there"],
        birth_date=BORN,
        **{**THERE, **overrides},
    )


def signals_of(case) -> dict:
    return {s["id"]: s for s in json.loads(Case.get_by_id(case.id).risk_signals)}


def test_a_refusal_in_another_office_fires_a_signal_naming_only_that_office_and_date(
    offices, clock
):
    refused_there(offices)
    case = factories.case(offices["here"], offices["intake"], birth_date=BORN, **HERE)
    signal = signals_of(case)["refused_in_other_office"]
    today = clock.at.date()
    assert signal["reason"]["en"] == (
        "The same applicant (the same NIK, or the same name and birth date) was refused at "
        f"Kantor Imigrasi Cirebon on {today.day} {today:%B} {today.year}."
    )
    assert "in_check_at_other_office" not in signals_of(case)
    [link] = CaseLink.select().where(CaseLink.case == case.id)
    assert link.matched_by == "name_birth_date"
    event = AuditEvent.get(AuditEvent.action == "case.seen_elsewhere")
    assert (event.subject_type, event.subject_id) == ("case", str(case.id))


def test_an_open_case_in_another_office_fires_the_under_a_field_check_signal(offices):
    factories.case(offices["there"], offices["intake_cbn"], birth_date=BORN, **THERE)
    case = factories.case(offices["here"], offices["intake"], birth_date=BORN, **HERE)
    assert "in_check_at_other_office" in signals_of(case)
    assert "Kantor Imigrasi Cirebon" in signals_of(case)["in_check_at_other_office"]["reason"]["id"]


def test_the_same_office_a_stranger_or_an_old_refusal_fire_nothing(offices, clock):
    factories.case(offices["here"], offices["intake"], birth_date=BORN, **THERE)  # same office
    factories.case(  # another office, another person born the same day
        offices["there"],
        offices["intake_cbn"],
        birth_date=BORN,
        **{**THERE, "applicant_name": "Dewi Lestari"},
    )
    clock.at -= timedelta(days=25 * 31)  # refused more than 24 months ago
    refused_there(offices, nik=encode_nik("32.05.01", "F", BORN, 11))
    clock.at += timedelta(days=25 * 31)
    case = factories.case(offices["here"], offices["intake"], birth_date=BORN, **HERE)
    fired = signals_of(case)
    assert "refused_in_other_office" not in fired and "in_check_at_other_office" not in fired
    assert CaseLink.select().where(CaseLink.case == case.id).count() == 0


def _seen_section(page) -> str:
    section = parse(page).find(id="seen-elsewhere")
    assert section is not None, "no section on the same applicant in other offices"
    return " ".join(section.get_text(" ").split())


def test_supervisors_of_both_offices_see_the_link_and_nothing_else_of_the_other_case(
    offices, web, clock
):
    there = refused_there(offices)
    here = factories.case(offices["here"], offices["intake"], birth_date=BORN, **HERE)

    web.login("supervisor")
    page = web.get(f"/cases/{here.id}", headers=EN).text
    assert _seen_section(page).startswith(
        "The same applicant in other offices Kantor Imigrasi Cirebon — Refused"
    )
    assert "an earlier case" in _seen_section(page)
    said = main_text(page)
    for secret in (*THERE.values(), there.application_number):
        assert secret not in said, secret
    review = web.get(f"/review/cases/{here.id}", headers=EN).text
    assert "Kantor Imigrasi Cirebon — Refused" in _seen_section(review)
    for secret in (*THERE.values(), there.application_number):
        assert secret not in main_text(review), secret

    web.logout()
    web.login("supervisor_cbn")
    page = web.get(f"/review/cases/{there.id}", headers=EN).text
    assert "Kantor Imigrasi Bandung — Referred" in _seen_section(page)
    assert "a later case" in _seen_section(page)
    for secret in (*HERE.values(), here.application_number):
        assert secret not in main_text(page), secret
    assert "Kantor Imigrasi Bandung" in _seen_section(web.get(f"/cases/{there.id}").text)


def test_the_intake_officer_sees_the_signal_but_not_the_link(offices, web):
    refused_there(offices)
    here = factories.case(offices["here"], offices["intake"], birth_date=BORN, **HERE)
    web.login("intake")
    page = web.get(f"/cases/{here.id}", headers=EN).text
    assert parse(page).find(id="seen-elsewhere") is None
    signals = parse(page).find(id="h-signals").parent
    assert "Refused at another office" in signals.get_text()
