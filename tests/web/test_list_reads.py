"""Reads of the lists that show names and NIKs are audited: who looked, at which list, with which
filters and how many rows it showed, never the rows themselves (issue: trust; OWASP ASVS V7.1)."""

import uuid
from datetime import date

from fieldcheck.models import AuditEvent, Case, RegistryQuestion
from tests import factories
from tests.helpers import Web, case_names, is_fragment, list_rows, main_text, texts

ADDRESS = "10.20.30.40"  # where every request of these tests comes from


def browser(app, username: str) -> Web:
    web = Web(from_address(app))
    assert web.login(username).status_code == 303
    return web


def from_address(app):
    """A test client whose requests come from ADDRESS (a session stays bound to its address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


def read_of(request, action: str) -> tuple[AuditEvent, str]:
    """The one audit event `request()` writes, which must be a read of the list `action`, and
    the page it answered."""
    last = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).first()
    response = request()
    assert response.status_code == 200
    written = list(
        AuditEvent.select().where(AuditEvent.id > (last.id if last else 0)).order_by(AuditEvent.id)
    )
    assert [event.action for event in written] == [action]
    return written[0], response.get_data(as_text=True)


def assert_names_no_one(event: AuditEvent, *cases: Case):
    """Nothing in the event says whose rows the list showed: no name, NIK or number."""
    row = " ".join(
        str(value)
        for value in (event.details, event.subject_type, event.subject_id, event.actor_name)
    )
    for case in cases:
        for held in (case.applicant_name, case.nik, case.kk, case.application_number):
            if held:
                assert held.lower() not in row.lower(), held


def open_questions(case: Case) -> int:
    return (
        RegistryQuestion.select()
        .where((RegistryQuestion.case == case) & (RegistryQuestion.status == "open"))
        .count()
    )


def assign(app, case: Case, team):
    with app.app_context():
        from fieldcheck.cases import service

        intake = factories.user("assigner", "intake", case.office)
        service.assign(factories.actor(intake), case, team)


# -- the case list ---------------------------------------------------------------------------


def test_opening_the_case_list_records_who_which_filters_and_how_many_rows(app):
    intake = factories.user("intake", "intake")
    shown = [factories.case(applicant_name=n) for n in ("Siti Nurhaliza", "Dewi Lestari")]
    web = browser(app, "intake")

    event, page = read_of(
        lambda: web.get("/cases?state=referred&risk=&sort=oldest&page=1&q=nurhaliza"),
        "case.list",
    )
    assert all(case.applicant_name in case_names(page) for case in shown)
    # A search text in a URL is ignored (personal data never travels there), and not recorded.
    assert "nurhaliza" not in event.details.lower()
    assert event.details_dict == {
        "filters": {"state": "referred"},
        "sort": "oldest",
        "page": 1,
        "rows": 2,
        "scope": {"office": intake.office_id},
    }
    assert (event.actor_id, event.actor_name, event.address) == (intake.id, "intake", ADDRESS)
    assert event.subject_type is None and event.subject_id is None
    assert_names_no_one(event, *shown)


def test_an_htmx_refresh_of_the_case_list_is_a_read_of_the_list(app):
    factories.user("intake", "intake")
    shown = factories.case(applicant_name="Siti Nurhaliza")
    factories.case(applicant_name="Dewi Lestari", district="32.05.01")
    web = browser(app, "intake")
    token = web.csrf_token("/")  # from the start page: fetched from the list, it would be a read

    refresh, page = read_of(
        lambda: web.post(
            "/cases",
            {"csrf_token": token, "q": "", "state": "referred", "district": "32.04"},
            headers={"HX-Request": "1"},
        ),
        "case.list",
    )
    assert is_fragment(page)  # the list's fragment, as htmx swaps it in
    assert case_names(page) == ["Siti Nurhaliza"]
    assert refresh.details_dict["filters"] == {"district": "32.04", "state": "referred"}
    assert refresh.details_dict["rows"] == 1
    assert_names_no_one(refresh, shown)

    # A search is the one list read whose event holds its text (case.search, sent by POST only):
    # it answers "who looked for this person", and writes no second event.
    search, _ = read_of(
        lambda: web.post(
            "/cases", {"csrf_token": token, "q": "nurhaliza"}, headers={"HX-Request": "1"}
        ),
        "case.search",
    )
    assert search.details_dict["results"] == 1


def test_the_case_list_of_another_office_records_none_of_this_offices_rows(app):
    shown = factories.case(applicant_name="Siti Nurhaliza")
    elsewhere = factories.office("KANIM-JKT", "Kantor Imigrasi Jakarta")
    stranger = factories.user("intake_jkt", "intake", elsewhere)
    web = browser(app, "intake_jkt")

    event, page = read_of(lambda: web.get("/cases"), "case.list")
    assert "Siti Nurhaliza" not in case_names(page)
    assert event.details_dict["rows"] == 0  # an empty list is a read too
    assert event.details_dict["scope"] == {"office": stranger.office_id}
    assert_names_no_one(event, shown)


# -- the registry queue and its print view -----------------------------------------------------


def test_the_registry_queue_records_its_filters_and_rows_but_not_the_number_typed(app):
    clerk = factories.user("clerk", "registry", regions=["32.04"])
    case = factories.case(kk="3204120101150001", documents=["ktp", "kk", "birth_certificate"])
    web = browser(app, "clerk")
    query = (
        f"/registry/?status=open&case={case.application_number.lower()}"
        f"&office={case.office_id}&priority=normal&age=0&page=1"
    )

    event, page = read_of(lambda: web.get(query), "registry.queue")
    assert case.nik in texts(page, "article.question dd")  # the rows are personal data
    assert open_questions(case) == 3
    assert event.details_dict == {
        "filters": {
            "status": "open",
            "application_number": "given",
            "office": case.office_id,
            "priority": "normal",
            "age": 0,
        },
        "page": 1,
        "rows": 3,  # the NIK, the family card and the birth certificate
        "scope": {"regions": ["32.04"]},
    }
    assert (event.actor_id, event.address) == (clerk.id, ADDRESS)
    assert_names_no_one(event, case)


def test_the_registry_print_view_records_its_read_as_a_printed_list(app):
    clerk = factories.user("clerk", "registry", regions=["32.04"])
    case = factories.case()
    web = browser(app, "clerk")

    event, page = read_of(
        lambda: web.get("/registry/print?status=answered&priority=normal"), "registry.print"
    )
    assert any(case.applicant_name in row[2] for row in list_rows(page))  # id, question, claims
    assert open_questions(case) > 0
    # The print view lists open questions whatever the status asked for, and says so.
    assert event.details_dict == {
        "filters": {"status": "open", "priority": "normal"},
        "rows": open_questions(case),
        "scope": {"regions": ["32.04"]},
    }
    assert event.actor_id == clerk.id
    assert_names_no_one(event, case)


def test_a_clerk_of_other_regions_records_none_of_these_questions(app):
    case = factories.case()
    factories.user("clerk2", "registry", regions=["32.05"])
    web = browser(app, "clerk2")

    for url, action in (("/registry/", "registry.queue"), ("/registry/print", "registry.print")):
        event, page = read_of(lambda u=url: web.get(u), action)
        assert case.applicant_name not in main_text(page)
        assert event.details_dict["rows"] == 0
        assert event.details_dict["scope"] == {"regions": ["32.05"]}
        assert_names_no_one(event, case)


# -- the phone's list --------------------------------------------------------------------------


def test_the_phones_list_records_its_read_by_session_and_by_device_token(app, client):
    team = factories.team()
    officer = factories.user("field1", "field", team_=team)
    case = factories.case()
    assign(app, case, team)
    factories.case(applicant_name="Rina Marlina")  # not the team's

    web = browser(app, "field1")
    by_session, _ = read_of(lambda: web.get("/field/"), "field.list")
    assert by_session.details_dict == {"filters": {}, "rows": 1, "scope": {"team": team.id}}
    assert (by_session.actor_id, by_session.address) == (officer.id, ADDRESS)

    token = client.post(
        "/api/v1/auth/token",
        json={"username": "field1", "password": Web.PASSWORD, "label": "Android"},
    ).json["token"]
    phone = from_address(app)  # no cookie: the token alone
    by_token, page = read_of(
        lambda: phone.get("/field/", headers={"Authorization": f"Bearer {token}"}),
        "field.list",
    )
    assert texts(page, "#case-list li strong") == [case.applicant_name]
    assert by_token.details_dict == by_session.details_dict
    assert (by_token.actor_id, by_token.actor_name, by_token.address) == (
        officer.id,
        "field1",
        ADDRESS,
    )
    assert_names_no_one(by_token, case)


def test_an_officer_of_another_team_records_none_of_this_teams_cases(app):
    team = factories.team()
    factories.user("field1", "field", team_=team)
    case = factories.case()
    assign(app, case, team)
    other = factories.team(name="Timpora Kabupaten Garut", district_code="32.05")
    factories.user("field9", "field", team_=other)
    web = browser(app, "field9")

    event, page = read_of(lambda: web.get("/field/"), "field.list")
    assert case.applicant_name not in main_text(page)
    assert event.details_dict == {"filters": {}, "rows": 0, "scope": {"team": other.id}}
    assert_names_no_one(event, case)


# -- the review queue --------------------------------------------------------------------------


def under_review(app, client, team) -> Case:
    """A case submitted from the field, the registry gone past by the supervisor."""
    case = factories.case(applicant_name="Dewi Lestari")
    assign(app, case, team)
    token = client.post(
        "/api/v1/auth/token",
        json={"username": "field1", "password": Web.PASSWORD, "label": "Android"},
    ).json["token"]
    op = {
        "op_id": str(uuid.uuid4()),
        "type": "visit.submit",
        "record_id": str(uuid.uuid4()),
        "payload": factories.visit_payload(case.id),
    }
    pushed = client.post(
        "/api/v1/sync/push",
        headers={"Authorization": f"Bearer {token}"},
        json={"version": 1, "operations": [op]},
    )
    assert pushed.json["results"][0]["status"] == "applied", pushed.json
    with app.app_context():
        from fieldcheck.registry import service as registry

        supervisor = factories.user("supervisor_of_" + case.application_number, "supervisor")
        registry.proceed_without(
            factories.actor(supervisor), Case.get_by_id(case.id), "Dukcapil answers by letter"
        )
    return Case.get_by_id(case.id)


def test_the_review_queue_records_how_many_rows_each_part_showed(app, client):
    team = factories.team()
    factories.user("field1", "field", team_=team)
    supervisor = factories.user("supervisor", "supervisor")
    reviewed = under_review(app, client, team)
    late = factories.case(applicant_name="Ani Late", due_date=date(2026, 10, 1))
    web = browser(app, "supervisor")

    event, page = read_of(lambda: web.get("/review/"), "review.queue")
    assert texts(page, "ul.case-cards li strong") == [reviewed.applicant_name]
    overdue = texts(page, 'section[aria-labelledby="h-overdue"] li')
    assert [late.applicant_name in item for item in overdue] == [True]
    assert event.details_dict == {
        "filters": {},
        "rows": 2,
        "parts": {"under_review": 1, "overdue": 1, "flagged": 0, "repatriated": 0},
        "scope": {"office": supervisor.office_id},
    }
    assert (event.actor_id, event.address) == (supervisor.id, ADDRESS)
    assert_names_no_one(event, reviewed, late)


def test_a_supervisor_of_another_office_records_none_of_this_offices_cases(app):
    late = factories.case(applicant_name="Ani Late", due_date=date(2026, 10, 1))
    elsewhere = factories.office("KANIM-JKT", "Kantor Imigrasi Jakarta")
    stranger = factories.user("supervisor_jkt", "supervisor", elsewhere)
    web = browser(app, "supervisor_jkt")

    event, page = read_of(lambda: web.get("/review/"), "review.queue")
    assert late.applicant_name not in main_text(page)
    assert event.details_dict == {
        "filters": {},
        "rows": 0,
        "parts": {"under_review": 0, "overdue": 0, "flagged": 0, "repatriated": 0},
        "scope": {"office": stranger.office_id},
    }
    assert_names_no_one(event, late)
