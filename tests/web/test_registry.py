"""The civil registry desk: questions from intake and the field, a clerk's queue of their own
regions, answers and corrections, and the case leaving the registry check."""

import json

import pytest

from fieldcheck.models import AuditEvent, Case, CaseFinding, RegistryQuestion
from tests import factories
from tests.factories import submit_with_family
from tests.helpers import Web, alerts, attributes_of, is_fragment, list_rows, texts

EN = {"Accept-Language": "en"}


def queued_cases(html) -> set[str]:
    """The application numbers of the question cards the registry queue shows."""
    return {text.split(" · ")[0] for text in texts(html, "article.question > p.muted")}


def test_intake_asks_about_the_applicants_nik_card_and_birth_certificate(app, desk):
    kinds = {q.kind for q in RegistryQuestion.select().where(RegistryQuestion.case == desk["case"])}
    assert kinds == {"nik_identity", "kk_membership", "birth_certificate"}
    nik_q = RegistryQuestion.get(RegistryQuestion.kind == "nik_identity")
    assert nik_q.region_code == "32.04.12"
    assert json.loads(nik_q.claimed)["name"] == "Siti Nurhaliza"


def test_the_field_visit_asks_about_each_member_and_the_household_card(app, client, desk):
    submit_with_family(client, desk["case"])
    questions = RegistryQuestion.select().where(RegistryQuestion.case == desk["case"])
    members = [q for q in questions if q.kind == "member_identity"]
    assert len(members) == 1  # only the member with a NIK
    household = RegistryQuestion.get(
        (RegistryQuestion.kind == "kk_membership") & (RegistryQuestion.subject == "household")
    )
    assert [m["name"] for m in json.loads(household.claimed)["members"]] == [
        "Euis Sumarni",
        "Ujang Suryana",
    ]
    assert Case.get_by_id(desk["case"].id).state == "registry_check"


def test_a_clerk_sees_only_the_questions_of_their_regions(app, desk):
    factories.user("clerk2", "registry", regions=["32.05"])
    web = Web(app.test_client())
    web.login("clerk2")
    assert desk["case"].application_number not in queued_cases(web.get("/registry/").text)
    question = RegistryQuestion.get(RegistryQuestion.kind == "nik_identity")
    assert (
        web.post(
            f"/registry/questions/{question.id}/answer", {"answer": "match"}, page="/registry/"
        ).status_code
        == 404
    )
    mine = Web(app.test_client())
    mine.login("clerk")
    assert desk["case"].application_number in queued_cases(mine.get("/registry/").text)


def test_other_roles_do_not_reach_the_queue(app, desk):
    web = Web(app.test_client())
    web.login("intake")
    assert web.get("/registry/").status_code == 403


def test_answering_inline_returns_the_question_and_a_mismatch_becomes_a_finding(app, desk):
    web = Web(app.test_client())
    web.login("clerk")
    question = RegistryQuestion.get(RegistryQuestion.kind == "nik_identity")
    response = web.post(
        f"/registry/questions/{question.id}/answer",
        {
            "answer": "mismatch",
            "registry_value": "Born 1998-03-05",
            "note": "Checked the paper register",
        },
        page="/registry/",
        headers={**EN, "HX-Request": "true"},
    )
    text = response.text
    assert response.status_code == 200 and is_fragment(text)
    assert attributes_of(text, f"question-{question.id}")["tag"] == "article"
    assert "Born 1998-03-05" in texts(text, f"#question-{question.id} p.answer")[0]
    finding = CaseFinding.get(CaseFinding.source == "registry")
    assert finding.code == "registry_nik_identity_mismatch"
    fired = {s["id"] for s in json.loads(Case.get_by_id(desk["case"].id).risk_signals)}
    assert "registry_mismatch" in fired


def test_a_mismatch_needs_the_registrys_value(app, desk):
    web = Web(app.test_client())
    web.login("clerk")
    question = RegistryQuestion.get(RegistryQuestion.kind == "nik_identity")
    response = web.post(
        f"/registry/questions/{question.id}/answer",
        {"answer": "mismatch"},
        page="/registry/",
        headers={**EN, "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "write what the registry holds" in alerts(response.text)
    assert RegistryQuestion.get_by_id(question.id).status == "open"


def test_a_corrected_answer_keeps_the_earlier_one_in_the_audit_trail(app, desk):
    web = Web(app.test_client())
    web.login("clerk")
    question = RegistryQuestion.get(RegistryQuestion.kind == "nik_identity")
    url = f"/registry/questions/{question.id}/answer"
    web.post(url, {"answer": "not_found"}, page="/registry/")
    assert CaseFinding.select().where(CaseFinding.source == "registry").count() == 1
    web.post(url, {"answer": "match", "note": "Found under the old spelling"}, page="/registry/")
    assert RegistryQuestion.get_by_id(question.id).answer == "match"
    assert CaseFinding.select().where(CaseFinding.source == "registry").count() == 0
    correction = AuditEvent.get(AuditEvent.action == "registry.correct")
    assert correction.details_dict["before"]["answer"] == "not_found"
    assert correction.details_dict["answer"] == "match"


def test_the_last_answer_takes_the_case_to_review(app, client, desk):
    submit_with_family(client, desk["case"])
    web = Web(app.test_client())
    web.login("clerk")
    open_questions = list(RegistryQuestion.select().where(RegistryQuestion.status == "open"))
    for question in open_questions[:-1]:
        web.post(
            f"/registry/questions/{question.id}/answer", {"answer": "match"}, page="/registry/"
        )
        assert Case.get_by_id(desk["case"].id).state == "registry_check"
    web.post(
        f"/registry/questions/{open_questions[-1].id}/answer",
        {"answer": "match"},
        page="/registry/",
    )
    assert Case.get_by_id(desk["case"].id).state == "under_review"


def test_a_supervisor_may_go_on_without_the_registry_with_a_reason(app, client, desk):
    from fieldcheck.cases import service
    from fieldcheck.registry import service as registry

    submit_with_family(client, desk["case"])
    with app.app_context():
        case = Case.get_by_id(desk["case"].id)
        supervisor = factories.actor(
            __import__("fieldcheck.models", fromlist=["User"]).User.get(username="supervisor")
        )
        with pytest.raises(service.CaseError) as refused:
            service.move(supervisor, case, "begin_review")
        assert refused.value.code == "registry_open"
        registry.proceed_without(supervisor, case, "The Dukcapil office is closed this week")
    assert Case.get_by_id(desk["case"].id).state == "under_review"
    assert (
        AuditEvent.get(AuditEvent.action == "registry.proceed_without").details_dict["reason"]
        == "The Dukcapil office is closed this week"
    )


def test_the_printable_list_has_the_open_questions(app, desk):
    web = Web(app.test_client())
    web.login("clerk")
    rows = list_rows(web.get("/registry/print", headers=EN).text)  # number, question, ...
    assert any(
        desk["case"].application_number in row[0] and row[1] == "Does this birth certificate exist?"
        for row in rows
    )


def test_queue_filters_by_priority_and_age(app, clock, desk):
    web = Web(app.test_client())
    web.login("clerk")
    number = desk["case"].application_number
    assert number in queued_cases(web.get("/registry/?priority=normal").text)
    assert number not in queued_cases(web.get("/registry/?priority=high").text)
    assert number not in queued_cases(web.get("/registry/?age=3").text)
    clock.advance(days=4)
    later = Web(app.test_client())  # the first session has timed out meanwhile
    later.login("clerk")
    assert number in queued_cases(later.get("/registry/?age=3").text)


def test_the_queue_reads_a_huge_age_or_page_as_its_largest_not_as_an_error(app, desk):
    web = Web(app.test_client())
    web.login("clerk")
    number = desk["case"].application_number
    old = web.get("/registry/?age=99999999999")
    assert old.status_code == 200 and number not in old.get_data(as_text=True)
    far = web.get("/registry/?page=99999999999999999999999999")
    assert far.status_code == 200 and number not in far.get_data(as_text=True)
