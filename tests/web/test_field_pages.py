"""The field officer's pages: the team's cases on the phone, and a case's form, prefilled from
the visit a supervisor returned."""

import json
from datetime import timedelta

import pytest

from fieldcheck.models import Case, FieldVisit
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import parse, texts


@pytest.fixture
def team_cases(app, clock):
    """Three cases of field1's team: two assigned (the later one due first), one returned to
    intake's desk unassigned; and one of another team."""
    intake = factories.user("intake", "intake")
    supervisor = factories.user("supervisor", "supervisor")
    team, other_team = factories.team(), factories.team(name="Tim Garut")
    field1 = factories.user("field1", "field", team_=team)
    today = clock.now().date()
    due_late = factories.case(applicant_name="Siti Late", due_date=today + timedelta(days=9))
    due_soon = factories.case(applicant_name="Rina Soon", due_date=today + timedelta(days=2))
    waiting = factories.case(applicant_name="Dewi Waiting")
    elsewhere = factories.case(applicant_name="Ani Elsewhere")
    with app.app_context():
        from fieldcheck.cases import service

        actor = factories.actor(intake)
        service.assign(actor, due_late, team, field1)
        service.assign(actor, due_soon, team, field1)
        service.assign(actor, elsewhere, other_team)
    return {
        "supervisor": supervisor,
        "due_late": due_late,
        "due_soon": due_soon,
        "waiting": waiting,
        "elsewhere": elsewhere,
    }


def test_the_officer_sees_the_teams_cases_on_the_phone_soonest_due_first(web, team_cases):
    web.login("field1")
    page = parse(web.get("/field/").get_data(as_text=True))
    shown = " ".join(texts(page, "main"))
    assert shown.index("Rina Soon") < shown.index("Siti Late")
    assert "Dewi Waiting" not in shown and "Ani Elsewhere" not in shown


def test_another_teams_case_is_not_found(web, team_cases):
    web.login("field1")
    assert web.get(f"/field/cases/{team_cases['due_soon'].id}").status_code == 200
    assert web.get(f"/field/cases/{team_cases['elsewhere'].id}").status_code == 404
    assert web.get(f"/field/cases/{team_cases['waiting'].id}").status_code == 404


def test_a_new_case_form_submits_and_is_not_prefilled(web, team_cases):
    web.login("field1")
    page = parse(web.get(f"/field/cases/{team_cases['due_soon'].id}").get_data(as_text=True))
    form = page.select_one("#visit-form")
    assert form["data-kind"] == "visit.submit" and form["data-amends"] == ""
    assert json.loads(page.select_one("#family-list")["data-prefill"]) == []


def test_a_returned_case_form_is_prefilled_from_the_returned_visit(app, client, web, team_cases):
    case = team_cases["due_soon"]
    Phone(client, "field1").push(submit(case.id))
    with app.app_context():
        from fieldcheck.cases import service
        from fieldcheck.registry import service as registry

        actor = factories.actor(team_cases["supervisor"])
        registry.proceed_without(actor, Case.get_by_id(case.id), "Dukcapil answers later")
        visit = FieldVisit.get()
        visit.returned_comment = "Tambahkan NIK ibu."
        visit.save()
        service.move(actor, Case.get_by_id(case.id), "return_for_correction", comment="Tambahkan")

    web.login("field1")
    page = parse(web.get(f"/field/cases/{case.id}").get_data(as_text=True))
    form = page.select_one("#visit-form")
    assert form["data-kind"] == "visit.amend" and form["data-amends"] == visit.uuid
    assert texts(page, ".returned .notes") == ["Tambahkan NIK ibu."]
    family = json.loads(page.select_one("#family-list")["data-prefill"])
    assert [(m["relation"], m["name"]) for m in family] == [
        ("mother", "Euis Sumarni"),
        ("father", "Ujang Suryana"),
    ]


def test_the_field_officers_start_page_is_the_phones_own_list(web, team_cases):
    assert web.login("field1").headers["Location"] == "/field/"
    response = web.get("/")  # the start page too: never the desk's list, which needs the network
    assert response.status_code == 302 and response.headers["Location"] == "/field/"
    page = parse(web.get("/field/").get_data(as_text=True))
    assert page.select_one("#case-list") is not None


def test_each_case_is_one_card_with_state_risk_and_due_date(app, web, team_cases, clock):
    with app.app_context():  # due yesterday where the office is: overdue
        Case.update(due_date=clock.now().date() - timedelta(days=1)).where(
            Case.id == team_cases["due_late"].id
        ).execute()
    web.login("field1")
    page = parse(web.get("/field/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    cards = page.select("#case-list > li")
    assert [len(card.select("a")) for card in cards] == [1, 1]  # the whole card one link
    late = page.select_one(f"#case-list [data-case-id='{team_cases['due_late'].id}']")
    assert late.select_one("[data-overdue]").get("hidden") is None
    assert late.select_one("[data-due-on]") is not None
    assert late.select_one("[data-due-on]").get("hidden") is not None
    soon = page.select_one(f"#case-list [data-case-id='{team_cases['due_soon'].id}']")
    assert soon.select_one("[data-overdue]").get("hidden") is not None
    level = Case.get_by_id(team_cases["due_soon"].id).risk_level
    assert soon.select_one(f".badge.risk-{level}").get_text(strip=True) == f"Risk: {level.title()}"
    assert soon.select_one(".badge.state-assigned").get_text(strip=True) == "Assigned"


def test_a_case_returned_for_correction_comes_first(app, client, web, team_cases):
    case = team_cases["due_late"]  # due last: only its state can put it first
    Phone(client, "field1").push(submit(case.id))
    with app.app_context():
        from fieldcheck.cases import service
        from fieldcheck.registry import service as registry

        actor = factories.actor(team_cases["supervisor"])
        registry.proceed_without(actor, Case.get_by_id(case.id), "Dukcapil answers later")
        service.move(actor, Case.get_by_id(case.id), "return_for_correction", comment="NIK ibu")
    web.login("field1")
    page = parse(web.get("/field/").get_data(as_text=True))
    assert [li["data-case-id"] for li in page.select("#case-list > li")] == [
        str(case.id),
        str(team_cases["due_soon"].id),
    ]
