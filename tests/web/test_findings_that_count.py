"""Findings that count (issue 15): intake records how the job was offered and who pays with the
field form's own codes; a visit pushed through the sync API makes the field's answers the ones
the risk signals see, both ways; the case page and the review show both answers when they
differ, in English and in Indonesian."""

import json

import pytest

from fieldcheck.domain import visits
from fieldcheck.models import Case
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web, parse, squeeze

EN = {"Accept-Language": "en"}
ID = {"Accept-Language": "id"}

# The four questions both ask, and the signal each answer turns.
ANSWERED_AT_INTAKE_ONLY_CLEARED = {
    "visit_visa_for_work",
    "work_without_contract",
    "costs_paid_by_others",
    "job_through_recruiter",
}
RAISED_BY_THE_FIELD = {
    "visit_visa_for_work",
    "work_without_contract",
    "costs_paid_by_others",
    "job_offered_online",
}


@pytest.fixture
def desk(app, client):
    """An intake officer, a supervisor signed in, and field1's phone in a team."""
    intake = factories.user("intake", "intake")
    factories.user("supervisor", "supervisor")
    team = factories.team()
    factories.user("field1", "field", team_=team)
    web = Web(app.test_client())
    web.login("supervisor")

    def case_in_the_field(**intake_answers) -> Case:
        case = factories.case(**intake_answers)
        with app.app_context():
            from fieldcheck.cases import service

            service.assign(factories.actor(intake), case, team)
        return Case.get_by_id(case.id)

    return {"web": web, "phone": Phone(client, "field1"), "case": case_in_the_field}


def fired(case: Case) -> set[str]:
    return {signal["id"] for signal in json.loads(Case.get_by_id(case.id).risk_signals)}


def push_visit(phone, case: Case, **interview):
    payload = factories.visit_payload(case.id)
    result = phone.push(submit(case.id, interview={**payload["interview"], **interview}))
    assert result.json["results"][0]["status"] == "applied", result.json


def answer_rows(html) -> dict[str, str]:
    """The answers shown, by the fact they answer: `dd[data-fact]`, spaces squeezed."""
    return {dd["data-fact"]: squeeze(dd.get_text()) for dd in parse(html).select("dd[data-fact]")}


def test_the_intake_form_asks_how_the_job_was_offered_and_who_pays_in_the_fields_codes(app, web):
    factories.user("intake", "intake")
    web.login("intake")
    form = parse(web.get("/cases/new", headers=EN).text)
    for name, codes in (
        ("job_offer_channel", visits.CHANNELS),
        ("costs_paid_by", visits.COSTS),
    ):
        select = form.find("select", attrs={"name": name})
        assert [o.get("value", "") for o in select.find_all("option")] == ["", *codes]
        assert not select.has_attr("required")
    label = form.find("label", attrs={"for": "job_offer_channel"}).get_text()
    assert label == "How the job was offered"


@pytest.mark.parametrize(
    ("chosen", "stored"),
    [
        ({"job_offer_channel": "agency", "costs_paid_by": "recruiter"}, ("agency", "recruiter")),
        ({"job_offer_channel": "", "costs_paid_by": ""}, (None, None)),
    ],
)
def test_intake_stores_its_answers_or_none_and_scores_them(app, web, chosen, stored):
    factories.user("intake", "intake")
    web.login("intake")
    form = {
        "application_number": "2026-BDG-000777",
        "application_date": "2026-11-01",
        "applicant_name": "Siti Nurhaliza",
        "nik": "3204124503990001",
        "sex": "F",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "purpose": "work",
        "destination_country": "KH",
        "visa_type": "visit",
        "referral_reasons": ["doubtful_purpose"],
        "priority": "normal",
        **chosen,
    }
    response = web.post("/cases/new", form, page="/cases/new")
    assert response.status_code == 303, response.text
    case = Case.get()
    assert (case.job_offer_channel, case.costs_paid_by) == stored
    named = {"job_through_recruiter", "costs_paid_by_others"}
    assert (named <= fired(case)) is (stored[0] is not None)


def test_a_visit_pushed_from_the_field_clears_what_intakes_answers_fired(app, desk):
    case = desk["case"](
        visa_type="visit",
        documents=["ktp", "kk"],
        costs_paid_by="recruiter",
        job_offer_channel="agency",
    )
    assert fired(case) >= ANSWERED_AT_INTAKE_ONLY_CLEARED
    push_visit(
        desk["phone"],
        case,
        visa_type="work",
        contract_seen=True,
        costs_paid_by="self",
        job_offer_channel="walk_in",
    )
    assert fired(case).isdisjoint(ANSWERED_AT_INTAKE_ONLY_CLEARED)


def test_a_visit_pushed_from_the_field_fires_what_intakes_answers_did_not(app, desk):
    case = desk["case"](
        visa_type="work",
        documents=["ktp", "kk", "employment_contract"],
        costs_paid_by="self",
        job_offer_channel="walk_in",
    )
    assert fired(case).isdisjoint(RAISED_BY_THE_FIELD)
    push_visit(
        desk["phone"],
        case,
        visa_type="visit",
        contract_seen=False,
        costs_paid_by="recruiter",
        job_offer_channel="social_media",
    )
    assert fired(case) >= RAISED_BY_THE_FIELD


SHOWN = {
    "en": {
        "application.visa_type": (
            "At intake: Visit visa; in the field: Work visa (the field's answer counts)"
        ),
        "interview.contract_seen": (
            "At intake: No contract; in the field: Contract seen (the field's answer counts)"
        ),
        "interview.costs_paid_by": (
            "At intake: The recruiter; in the field: The applicant (the field's answer counts)"
        ),
        "interview.job_offer_channel": "An agency",  # the field gave no answer: intake's
    },
    "id": {
        "application.visa_type": (
            "Saat penerimaan: Visa kunjungan; di lapangan: Visa kerja "
            "(jawaban dari lapangan yang berlaku)"
        ),
        "interview.contract_seen": (
            "Saat penerimaan: Tidak ada kontrak kerja; di lapangan: Kontrak kerja dilihat "
            "(jawaban dari lapangan yang berlaku)"
        ),
        "interview.costs_paid_by": (
            "Saat penerimaan: Perekrut/calo; di lapangan: Pemohon sendiri "
            "(jawaban dari lapangan yang berlaku)"
        ),
        "interview.job_offer_channel": "Agen/perusahaan penyalur",
    },
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_case_page_and_the_review_show_both_answers_where_they_differ(app, desk, language):
    case = desk["case"](
        visa_type="visit",
        documents=["ktp", "kk"],
        costs_paid_by="recruiter",
        job_offer_channel="agency",
    )
    headers = EN if language == "en" else ID
    before = answer_rows(desk["web"].get(f"/cases/{case.id}", headers=headers).text)
    assert not any(
        "At intake" in shown or "Saat penerimaan" in shown for shown in before.values()
    ), before
    push_visit(
        desk["phone"],
        case,
        visa_type="work",
        contract_seen=True,
        costs_paid_by="self",
        job_offer_channel=None,
    )
    for page in (f"/cases/{case.id}", f"/review/cases/{case.id}"):
        html = desk["web"].get(page, headers=headers).text
        assert answer_rows(html) == SHOWN[language], page
        differ = parse(html).select("dd.answers-differ")
        assert len(differ) == 3, page


def test_answers_that_agree_are_shown_once(app, desk):
    case = desk["case"](visa_type="visit", costs_paid_by="recruiter")
    push_visit(desk["phone"], case, visa_type="visit", costs_paid_by="recruiter")
    html = desk["web"].get(f"/cases/{case.id}", headers=EN).text
    rows = answer_rows(html)
    assert rows["application.visa_type"] == "Visit visa"
    assert rows["interview.costs_paid_by"] == "The recruiter"
    assert not parse(html).select("dd.answers-differ")
