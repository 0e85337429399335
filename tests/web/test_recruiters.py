"""Recruiters and agencies linked across every case of every office (issue 16): the links, the
risk signal they feed, the case page's count, the recruiter's page and network, and the
headquarters analyst who reads them without any applicant's data."""

import json
import random
import re
import uuid

import pytest

from fieldcheck.clock import utcnow
from fieldcheck.models import (
    AuditEvent,
    Case,
    Decision,
    FieldVisit,
    Recruiter,
    RecruiterLink,
    Team,
    User,
)
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web, parse, squeeze

PHONE_WAYS = ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 34567890"]


def office(code, name):
    return factories.office(code=code, name=name)


def refuse(app, case, supervisor):
    """A case refused (as the review would leave it), without walking it there."""
    with app.app_context():
        Case.update(state="refused").where(Case.id == case.id).execute()
        Decision.create(case=case.id, outcome="refused", supervisor=supervisor, decided_at=utcnow())


@pytest.fixture
def network(app):
    """One recruiter named in five cases of three offices, written four ways; two of the
    cases refused. Office A (Bandung) holds the newest case, which names the phone a fifth way."""
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    b = office("KANIM-JKT", "Kantor Imigrasi Jakarta Selatan")
    c = office("KANIM-SBY", "Kantor Imigrasi Surabaya")
    supervisor_a = factories.user("supervisor", "supervisor", a)
    supervisor_b = factories.user("supervisor_b", "supervisor", b)
    factories.user("intake", "intake", a)
    factories.user("analyst", "analyst")
    people = {
        "a_old": factories.case(
            a,
            applicant_name="Neng Rina",
            phone="+6285711110001",
            recruiter_name="Bu Rina",
            recruiter_phone=PHONE_WAYS[0],
        ),
        "b_refused": factories.case(
            b,
            applicant_name="Yuyun Wahyuni",
            address="Jl. Melati 9, Tebet",
            phone="+6281377776666",
            recruiter_name="Rina",
            recruiter_phone=PHONE_WAYS[1],
            district="32.05.10",
        ),
        "b_open": factories.case(
            b,
            applicant_name="Euis Komariah",
            address="Jl. Kenanga 3, Pancoran",
            phone="+6285711110003",
            recruiter_phone=PHONE_WAYS[2],
            recruiter_handle="@rina.kerja",
        ),
        "c_refused": factories.case(
            c,
            applicant_name="Lilis Suryani",
            address="Jl. Pemuda 12, Surabaya",
            phone="+6285711110004",
            recruiter_handle="rina.kerja",
            recruiter_agency="PT Golden Sun",
        ),
    }
    refuse(app, people["b_refused"], supervisor_b)
    refuse(app, people["c_refused"], supervisor_b)
    people["a_new"] = factories.case(
        a,
        applicant_name="Ai Susanti",
        phone="+6285711110005",
        recruiter_name="Ibu Rina",
        recruiter_phone=PHONE_WAYS[3],
    )
    return {"offices": (a, b, c), "cases": people, "supervisor": supervisor_a}


def fired(case) -> dict:
    return {s["id"]: s for s in json.loads(Case.get_by_id(case.id).risk_signals)}


def test_the_same_recruiter_written_five_ways_in_three_offices_is_one_recruiter(app, network):
    with app.app_context():
        linked = {link.recruiter_id for link in RecruiterLink.select()}
        assert len(linked) == 1
        (recruiter,) = Recruiter.select().where(Recruiter.merged_into.is_null())
        assert recruiter.name == "Bu Rina"


def test_a_new_case_tied_to_refused_cases_fires_the_high_weight_signal_with_its_reason(
    app, network
):
    with app.app_context():
        signals = fired(network["cases"]["a_new"])
    tied = signals["recruiter_tied_to_refused_cases"]
    assert tied["weight"] >= 60
    assert tied["reason"]["en"].startswith(
        "The recruiter named in this case is also named in 2 case(s) whose application was "
        "refused (of 4 other case(s) in 3 office(s))."
    )
    seen = signals["recruiter_seen_before"]["reason"]["en"]
    assert "(the same phone, social-media handle or bank account, or the same name with the "
    assert "already appears in 4 other case(s) in 3 office(s)." in seen
    with app.app_context():
        assert Case.get_by_id(network["cases"]["a_new"].id).risk_level == "high"


def test_a_case_whose_recruiter_is_seen_nowhere_else_fires_neither(app, network):
    lone = factories.case(network["offices"][0], recruiter_phone="0899 1234 5678")
    with app.app_context():
        assert not {"recruiter_seen_before", "recruiter_tied_to_refused_cases"} & set(fired(lone))


def test_supervisors_see_the_link_count_on_the_case_page(app, network):
    web = Web(app.test_client())
    web.login("supervisor")
    page = web.get(f"/cases/{network['cases']['a_new'].id}", headers={"Accept-Language": "en"}).text
    ties = squeeze(parse(page).select_one("#case-recruiters .recruiter-ties").get_text())
    assert ties == "This recruiter appears in 4 other cases in 3 offices (2 refused)."
    link = parse(page).select_one("#case-recruiters a")
    assert link["href"].startswith("/recruiters/")
    indonesian = web.get(f"/cases/{network['cases']['a_new'].id}").text
    ties = squeeze(parse(indonesian).select_one("#case-recruiters .recruiter-ties").get_text())
    assert ties == "Perekrut ini muncul di 4 kasus lain di 3 kantor (2 ditolak)."


def _applicants(app, cases) -> list[str]:
    """What no other office may read of these cases: names, NIKs, addresses, phones."""
    with app.app_context():
        rows = [Case.get_by_id(c.id) for c in cases]
    return [v for c in rows for v in (c.applicant_name, c.nik, c.address, c.phone) if v]


def test_another_offices_case_appears_on_the_recruiter_page_only_as_office_state_decision_date(
    app, network
):
    web = Web(app.test_client())
    web.login("supervisor")
    case_page = web.get(f"/cases/{network['cases']['a_new'].id}").text
    href = parse(case_page).select_one("#case-recruiters a")["href"]
    page = web.get(href, headers={"Accept-Language": "en"}).text
    doc = parse(page)
    others = doc.select("#recruiter-cases tr.other-office-case")
    own = doc.select("#recruiter-cases tr.own-case")
    assert len(others) == 3 and len(own) == 2
    for row in others:
        office_, state, decision, day, _via, application = [
            squeeze(td.get_text()) for td in row.find_all("td")
        ]
        assert office_ in ("Kantor Imigrasi Jakarta Selatan", "Kantor Imigrasi Surabaya")
        assert state in ("Referred", "Refused")
        assert decision in ("Refused", "—")
        assert re.search(r"\d{4}", day)
        assert application == "another office's case"
        assert row.find("a") is None  # no way into another office's case
    others_data = _applicants(
        app, [network["cases"][k] for k in ("b_refused", "b_open", "c_refused")]
    )
    text = doc.get_text(" ")
    assert [value for value in others_data if value in page or value in text] == []
    # The reader's own office's cases show their application and applicant.
    assert {squeeze(r.find_all("td")[-1].get_text()).split(" · ")[1] for r in own} == {
        "Neng Rina",
        "Ai Susanti",
    }
    assert (
        doc.select_one("#recruiter-summary")
        .get_text(" ", strip=True)
        .startswith("Named in 5 cases in 3 offices (2 refused)")
    )


def test_the_recruiter_page_draws_the_network_with_the_same_facts_as_its_table(app, network):
    web = Web(app.test_client())
    web.login("supervisor")
    with app.app_context():
        recruiter = Recruiter.get(Recruiter.merged_into.is_null())
    doc = parse(web.get(f"/recruiters/{recruiter.id}", headers={"Accept-Language": "en"}).text)
    svg = doc.select_one("svg.network-drawing")
    assert svg["role"] == "group" and svg.find("title").get_text()
    drawn = {squeeze(t.get_text()) for t in svg.select("g.network-node text")}
    table = {squeeze(td.get_text()) for td in doc.select("#network-table td")}
    assert {"+6281234567890", "rina.kerja", "PT Golden Sun", "Kantor Imigrasi Surabaya"} <= (
        drawn & table
    )
    assert svg.select("path.network-line") and not svg.find(attrs={"style": True})
    assert not doc.find("style") and not doc.find(attrs={"style": True})


def test_reading_a_recruiter_page_is_audited_with_the_applicants_it_showed(app, network):
    web = Web(app.test_client())
    web.login("supervisor")
    with app.app_context():
        recruiter = Recruiter.get(Recruiter.merged_into.is_null())
    web.get(f"/recruiters/{recruiter.id}")
    web.get("/recruiters/")
    with app.app_context():
        read = AuditEvent.get(AuditEvent.action == "recruiter.read")
        listed = AuditEvent.get(AuditEvent.action == "recruiter.list")
    assert read.actor_name == "supervisor" and read.subject_id == str(recruiter.id)
    shown = sorted(read.details_dict["applicants_shown"])
    assert shown == sorted([network["cases"]["a_old"].id, network["cases"]["a_new"].id])
    assert len(read.details_dict["cases"]) == 5
    assert listed.details_dict["rows"] == 1


def test_every_link_is_audited(app, network):
    with app.app_context():
        links = list(AuditEvent.select().where(AuditEvent.action == "recruiter.link"))
    assert len(links) == 5
    assert {e.details_dict["source"] for e in links} == {"intake"}
    assert all("+62" not in e.details for e in links)  # kinds only, not the numbers


def test_a_name_alone_never_links_two_cases(app):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    first = factories.case(a, recruiter_name="Siti Aminah", recruiter_phone="0813 1111 2222")
    second = factories.case(a, recruiter_name="Siti Aminah", recruiter_phone="0813 9999 8888")
    third = factories.case(a, recruiter_name="Siti Aminah")
    with app.app_context():
        recruiters = {
            RecruiterLink.get(RecruiterLink.case == c.id).recruiter_id
            for c in (first, second, third)
        }
        assert len(recruiters) == 3
        assert "recruiter_seen_before" not in fired(second)


def test_a_mention_holding_two_recruiters_identifiers_merges_them(app):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    by_phone = factories.case(a, recruiter_phone="0812 1111 0000")
    by_handle = factories.case(a, recruiter_handle="@joko.kerja")
    factories.case(a, recruiter_phone="+62 812 1111 0000", recruiter_handle="joko.kerja")
    with app.app_context():
        old = RecruiterLink.get(RecruiterLink.case == by_handle.id).recruiter_id
        kept = RecruiterLink.get(RecruiterLink.case == by_phone.id).recruiter_id
        assert old == kept  # the links moved
        merged = AuditEvent.get(AuditEvent.action == "recruiter.merge")
        loser = merged.details_dict["merged"]
    web = Web(app.test_client())
    factories.user("supervisor", "supervisor", a)
    web.login("supervisor")
    response = web.get(f"/recruiters/{loser}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/{kept}")


def test_a_visit_naming_the_recruiter_links_the_case_and_counts_in_its_risk(app, client):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    intake = factories.user("intake", "intake", a)
    team = factories.team(a)
    factories.user("field1", "field", a, team_=team)
    earlier = factories.case(a, recruiter_handle="@rina.kerja")
    case = factories.case(a)
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team)
    op = submit(case.id)
    op["payload"]["interview"].update(recruiter_handle="Rina.Kerja", recruiter_agency="PT Sinar")
    assert Phone(client, "field1").push(op).json["results"][0]["status"] == "applied"
    with app.app_context():
        visit = FieldVisit.get(FieldVisit.case == case.id)
        link = RecruiterLink.get(RecruiterLink.source == f"visit:{visit.uuid}")
        assert link.recruiter_id == RecruiterLink.get(RecruiterLink.case == earlier.id).recruiter_id
        assert link.agency.name == "PT Sinar"
        assert "recruiter_seen_before" in fired(case)


def test_the_link_command_links_what_was_recorded_before_and_nothing_twice(app, runner):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    first = factories.case(a, recruiter_phone="0812 2222 3333")
    factories.case(a, recruiter_phone="+6281222223333")
    with app.app_context():
        RecruiterLink.delete().execute()  # as a database upgraded from before recruiters
    result = runner.invoke(args=["recruiters", "link"])
    assert result.exit_code == 0 and "linked 2 " in result.output
    assert "linked 0 " in runner.invoke(args=["recruiters", "link"]).output
    with app.app_context():
        assert RecruiterLink.select(RecruiterLink.recruiter).distinct().count() == 1
        assert RecruiterLink.get(RecruiterLink.case == first.id).source == "intake"


# --- the headquarters analyst ----------------------------------------------------------------


def _arguments(app, network) -> dict:
    """Seeded ids for every path argument of the app's GET routes."""
    with app.app_context():
        case_id = network["cases"]["b_refused"].id
        team = Team.select().first()
        return {
            "case_id": case_id,
            "recruiter_id": Recruiter.get(Recruiter.merged_into.is_null()).id,
            "agency_id": RecruiterLink.get(RecruiterLink.agency.is_null(False)).agency_id,
            "user_id": User.get(User.username == "supervisor").id,
            "team_id": team.id if team else 1,
            "report_id": "00000000-0000-0000-0000-000000000000",
            "sha256": "0" * 64,
            "filename": "css/app.css",
            # The national lists' pages (headquarters'): an entry seeded, the rest any id.
            "entry_id": network.get("entry_id", 1),
            "hit_id": 1,
            "record_id": network.get("record_id", 1),
            "fmt": "json",  # the statistics exports (issue 17)
        }


OFFICE_CASE_PAGES = (
    "cases.show",
    "review.show",
    "review.decision_record",
    "field.case",
    "registry.family_page",
)


def test_the_analyst_reads_every_get_route_and_no_applicant_data_in_any_answer(app, network):
    listed = factories.prevention_entry(
        by=factories.hq_admin(), name="Yuliana Kartikasari", nik="3204124107980002"
    )
    network["entry_id"] = listed.id
    # A repatriated victim whose record names the network's recruiter (and an account).
    victim = factories.repatriated_victim(
        network["offices"][1],
        name="Wulan Sari Dewanti",
        passport_number="C9876543",
        circumstances="Disekap di kompleks Bavet.",
        recruiter_name="Rina",
        recruiter_phone="+62 812-3456-7890",
        recruiter_account="7788 9900 11",
    )
    network["record_id"] = victim.id
    web = Web(app.test_client())
    web.login("analyst")
    values = _arguments(app, network)
    secrets = _applicants(app, network["cases"].values()) + [listed.name, listed.nik]
    secrets += [victim.name, victim.nik, victim.passport_number, victim.circumstances]
    with app.app_context():
        secrets += [c.nik for c in Case.select()]
    leaked, statuses = {}, {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values[name]), path)
        response = web.get(path)
        statuses[rule.endpoint] = response.status_code
        body = response.get_data(as_text=True)
        found = [s for s in secrets if s in body]
        if found:
            leaked[path] = found
    assert leaked == {}
    recruiter_page = parse(web.get(f"/recruiters/{values['recruiter_id']}").text)
    assert len(recruiter_page.select("#recruiter-victims tr.repatriated-victim")) == 1
    assert {e: statuses[e] for e in OFFICE_CASE_PAGES} == dict.fromkeys(OFFICE_CASE_PAGES, 403)
    assert statuses["recruiters.index"] == statuses["recruiters.show"] == 200
    assert statuses["recruiters.agency"] == 200
    assert statuses["cases.index"] == 403
    national = [e for e in statuses if e.split(".")[0] in ("prevention", "repatriation")]
    assert national and {statuses[e] for e in national} == {403}  # headquarters' lists only
    # Statistics of every office, small counts hidden (issue 17); an office's monthly PDF not.
    assert statuses["statistics.index"] == statuses["statistics.export"] == 200
    assert statuses["statistics.monthly_pdf"] == 403


def test_the_analyst_sees_every_offices_cases_only_as_office_state_decision_date(app, network):
    web = Web(app.test_client())
    web.login("analyst")
    recruiter = _arguments(app, network)["recruiter_id"]
    doc = parse(web.get(f"/recruiters/{recruiter}", headers={"Accept-Language": "en"}).text)
    assert len(doc.select("#recruiter-cases tr.other-office-case")) == 5
    assert doc.select("#recruiter-cases tr.own-case") == []
    listed = parse(web.get("/recruiters/").text).select("#recruiter-list tbody tr")
    assert [squeeze(td.get_text()) for td in listed[0].find_all("td")][1:] == ["5", "3", "2", "0"]


def test_an_analyst_has_no_office_and_headquarters_administrator_can_make_one(app):
    factories.hq_admin("admin")
    web = Web(app.test_client())
    web.login("admin")
    form = web.get("/admin/users/new").text
    assert "analyst" in [o["value"] for o in parse(form).select("#role option")]
    response = web.post(
        "/admin/users/new",
        {
            "username": "hq.analyst",
            "name": "Bayu Pratama",
            "role": "analyst",
            "team": "",
            "agency": "",
            "language": "",
            "regions": "",
            "password": "temporary-secret-1",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        made = User.get(User.username == "hq.analyst")
        assert made.role == "analyst" and made.office_id is None
    assert web.get(f"/admin/users/{made.id}").status_code == 200


# --- where the recruiter is asked -------------------------------------------------------------


def intake_form(**overrides):
    form = {
        "application_number": "2026-bdg-000901",
        "application_date": "2026-11-01",
        "applicant_name": "Siti Nurhaliza",
        "nik": "3204 1245 0399 0001",
        "sex": "F",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "purpose": "work",
        "destination_country": "KH",
        "visa_type": "visit",
        "referral_reasons": ["recruiter_suspected"],
        "priority": "high",
        "documents": ["ktp"],
    }
    form.update(overrides)
    return form


def test_intake_records_the_recruiter_and_the_case_page_shows_it(app, clock):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    factories.user("intake", "intake", a)
    factories.case(a, recruiter_handle="@rina.kerja")
    web = Web(app.test_client())
    web.login("intake")
    response = web.post(
        "/cases/new",
        intake_form(
            recruiter_name="  Bu   Rina ",
            recruiter_phone="0812-3456-7890",
            recruiter_agency="PT Golden Sun",
            recruiter_handle="Rina.Kerja",
            recruiter_account="1234-5678-90",
        ),
        page="/cases/new",
    )
    assert response.status_code == 303
    with app.app_context():
        case = Case.get(Case.application_number == "2026-BDG-000901")
        assert (case.recruiter_name, case.recruiter_phone) == ("Bu Rina", "+6281234567890")
        assert "recruiter_seen_before" in fired(case)
    page = parse(web.get(response.headers["Location"], headers={"Accept-Language": "en"}).text)
    facts = squeeze(page.select_one("#intake-recruiter").get_text(" "))
    assert "Bu Rina" in facts and "1234-5678-90" in facts and "PT Golden Sun" in facts
    assert "appears in 1 other case in 1 office (0 refused)" in page.select_one(
        "#case-recruiters"
    ).get_text(" ")


def test_intake_refuses_what_cannot_be_a_phone_or_an_account(app):
    factories.user("intake", "intake")
    web = Web(app.test_client())
    web.login("intake")
    response = web.post(
        "/cases/new",
        intake_form(recruiter_phone="abc", recruiter_account="12"),
        page="/cases/new",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    said = parse(response.text).get_text(" ")
    assert "This is not a phone number." in said
    assert "An account number has at least 6 digits." in said


def test_the_csv_import_takes_the_recruiter_and_links_it(app):
    from fieldcheck.cases.importer import COLUMNS

    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    factories.user("intake", "intake", a)
    factories.case(a, recruiter_phone="+62 812 9999 0000")
    values = {
        **{c: "" for c in COLUMNS},
        "application_number": "CSV-1",
        "application_date": "2026-10-20",
        "applicant_name": "Lilis Suryani",
        "nik": "3204124503990001",
        "sex": "F",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "purpose": "work",
        "destination_country": "KH",
        "visa_type": "visit",
        "referral_reasons": "recruiter_suspected",
        "priority": "normal",
        "recruiter_name": "Pak Joko",
        "recruiter_phone": "0812-9999-0000",
    }
    data = ",".join(COLUMNS) + "\n" + ",".join(f'"{values[c]}"' for c in COLUMNS) + "\n"
    web = Web(app.test_client())
    web.login("intake")
    from io import BytesIO

    response = web.post(
        "/cases/import",
        {"file": (BytesIO(data.encode()), "export.csv"), "mode": "valid_only", "import": "1"},
        page="/cases/import",
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.text  # the import runs as it streams
    with app.app_context():
        case = Case.get(Case.application_number == "CSV-1")
        assert case.recruiter_phone == "+6281299990000"
        assert "recruiter_seen_before" in fired(case)


def test_an_agency_whose_name_folds_to_nothing_links_nothing(app):
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    case = factories.case(a, recruiter_agency="PT.")
    with app.app_context():
        assert RecruiterLink.select().where(RecruiterLink.case == case.id).count() == 0


@pytest.mark.parametrize("refusal", [False, True], ids=["all-applied", "one-refused"])
def test_one_push_links_its_visits_to_each_other_and_survives_a_refused_operation(
    app, client, refusal
):
    """A push links its visits as it goes (a batch looked up once, links written at its end):
    a later visit of the same push finds a recruiter an earlier one named, a merge in the middle
    of the push carries the links already made, and an operation refused between them takes
    back nothing the others linked."""
    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    intake = factories.user("intake", "intake", a)
    team = factories.team(a)
    factories.user("field1", "field", a, team_=team)
    by_phone = factories.case(a, recruiter_phone="0812 4444 5555")  # the older recruiter
    by_handle = factories.case(a, recruiter_handle="@agus.kerja")
    cases = [factories.case(a) for _ in range(3)]
    with app.app_context():
        from fieldcheck.cases import service

        for case in cases:
            service.assign(factories.actor(intake), case, team)
        kept = RecruiterLink.get(RecruiterLink.case == by_phone.id).recruiter_id
        merged = RecruiterLink.get(RecruiterLink.case == by_handle.id).recruiter_id
    ops = [submit(case.id) for case in cases]
    ops[0]["payload"]["interview"].update(recruiter_handle="agus.kerja")
    ops[1]["payload"]["interview"].update(
        recruiter_handle="@Agus.Kerja", recruiter_phone="+62 812 4444 5555"
    )
    ops[2]["payload"]["interview"].update(recruiter_phone="081244445555")
    if refusal:  # the push's lookups are dropped with the rollback: the rest links without
        ops.insert(1, submit(cases[0].id, kind="visit.amend", amends=str(uuid.uuid4())))
    results = Phone(client, "field1").push(*ops).json["results"]
    statuses = ["applied", "rejected", "applied", "applied"] if refusal else ["applied"] * 3
    assert [r["status"] for r in results] == statuses
    with app.app_context():
        for case in cases:
            link = RecruiterLink.get(
                (RecruiterLink.case == case.id) & RecruiterLink.source.startswith("visit:")
            )
            assert link.recruiter_id == kept  # the first visit's link followed the merge
        assert Recruiter.get_by_id(merged).merged_into_id == kept
        # The last visit's case counts the four other cases of the recruiter, two of this push.
        signal = fired(cases[2])["recruiter_seen_before"]
        assert "in 4 other case(s) in 1 office(s)" in signal["reason"]["en"]


@pytest.mark.parametrize("seed", [16, 2026, 7])
def test_a_push_batch_counts_every_case_s_ties_as_the_database_does(app, seed):
    """What a push looks up for its links (recruiters.service.Batch: a recruiter's cases outside
    the push counted by the database, read case by case only where two recruiters' cases may
    overlap or after a merge) gives each of its cases the ties queries.ties_of_case counts, after
    every link: a recruiter named again, a second recruiter, merges, new recruiters, cases of
    two offices, refused ones."""
    from fieldcheck.domain import recruiters as rules
    from fieldcheck.recruiters import queries, service

    rng = random.Random(seed)
    offices = [office("KANIM-BDG", "Kantor Imigrasi Bandung"), office("KANIM-JKT", "Jakarta")]
    supervisor = factories.user("supervisor", "supervisor", offices[0])
    phones = [f"0812 5555 {n:04d}" for n in range(6)]
    handles = [f"@agen.{n}" for n in range(4)]
    for n in range(24):  # cases outside the push, each naming one recruiter at intake
        named = {"recruiter_phone": rng.choice(phones)} if n % 3 else {}
        named.update({"recruiter_handle": rng.choice(handles)} if n % 3 != 1 else {})
        made = factories.case(offices[n % 2], **named)
        if n % 4 == 0:
            refuse(app, made, supervisor)
    pushed = [
        factories.case(offices[n % 2], **({"recruiter_phone": rng.choice(phones)} if n % 2 else {}))
        for n in range(8)
    ]
    refuse(app, pushed[0], supervisor)
    with app.app_context():
        cases = {made.id: Case.get_by_id(made.id) for made in pushed}
        # Rows handed to `insert` written at once: the database then holds every link made so
        # far, and ties_of_case is the count to meet.
        batch = service.Batch(
            {case_id: [] for case_id in cases}, lambda model, row: model.insert(row).execute()
        )
        actor = factories.actor(supervisor)
        merged_before = Recruiter.select().where(Recruiter.merged_into.is_null(False)).count()
        for _ in range(30):
            case = cases[rng.choice(list(cases))]
            answers = {"recruiter_name": rng.choice(["Pak Agus", "Bu Rina", None])}
            if rng.random() < 0.7:
                answers["recruiter_phone"] = rng.choice([*phones, "0813 9999 0000"])
            if rng.random() < 0.5:
                answers["recruiter_handle"] = rng.choice(handles)
            mention = rules.mention_from(answers)
            source = service.visit_source(str(uuid.uuid4()))
            service.link_mention(actor, case, source, mention, new=True, batch=batch)
            for case_id in cases:
                assert batch.ties(case_id) == queries.ties_of_case(case_id), case_id
        assert (
            Recruiter.select().where(Recruiter.merged_into.is_null(False)).count() > merged_before
        )
        assert batch.ties(-1) is None  # a case the batch was not given


def test_each_case_on_the_recruiter_page_shows_its_latest_decision_dated_by_it(app):
    """Refused, then revoked: the decision and its date (the revocation's); a case never
    decided, and one whose decided state came without a decision record: "—" and the day
    the case was made."""
    from datetime import UTC, datetime

    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    supervisor = factories.user("supervisor", "supervisor", a)
    phone = "0812 7777 1234"
    refused, revoked, open_, bare = (factories.case(a, recruiter_phone=phone) for _ in range(4))
    with app.app_context():
        for case, state in ((refused, "refused"), (revoked, "revoked"), (bare, "verified")):
            Case.update(state=state).where(Case.id == case.id).execute()
        Decision.create(
            case=refused.id,
            outcome="refused",
            supervisor=supervisor,
            decided_at=datetime(2025, 3, 4, 5, 0, tzinfo=UTC),
        )
        for decided, revoked_at in (
            (datetime(2025, 1, 2, tzinfo=UTC), None),
            (datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 6, 7, 9, 30, tzinfo=UTC)),
        ):
            Decision.create(
                case=revoked.id,
                outcome="verified",
                supervisor=supervisor,
                decided_at=decided,
                revoked_at=revoked_at,
            )
        recruiter_id = RecruiterLink.get(RecruiterLink.case == refused.id).recruiter_id
        made_on = utcnow().date()
    web = Web(app.test_client())
    web.login("supervisor")
    doc = parse(web.get(f"/recruiters/{recruiter_id}", headers={"Accept-Language": "en"}).text)
    shown = {}
    for row in doc.select("#recruiter-cases tbody tr"):
        _office, state, decision, day, _via, application = [
            squeeze(td.get_text()) for td in row.find_all("td")
        ]
        shown[application.split(" · ")[0]] = (state, decision, day)
    assert shown[refused.application_number][:2] == ("Refused", "Refused")
    assert "2025" in shown[refused.application_number][2]
    assert "Mar" in shown[refused.application_number][2]
    assert shown[revoked.application_number][:2] == ("Revoked", "Verification revoked")
    assert "Jun" in shown[revoked.application_number][2]
    for case in (open_, bare):
        state, decision, day = shown[case.application_number]
        assert decision == "—" and str(made_on.year) in day


def test_the_recruiter_page_names_the_recruiters_sharing_its_cases_first_then_its_agencies(app):
    """Another recruiter named in one of its cases, one named for the same agency only, one
    tied by neither: the first two on the page (the case's sharer first), the third not."""
    from fieldcheck.domain import recruiters as rules
    from fieldcheck.recruiters import service

    a = office("KANIM-BDG", "Kantor Imigrasi Bandung")
    supervisor = factories.user("supervisor", "supervisor", a)
    mine = factories.case(
        a, recruiter_name="Bu Rina", recruiter_phone="0812 1111 2222", recruiter_agency="PT Maju"
    )
    factories.case(a, recruiter_name="Bu Rina", recruiter_phone="0812 1111 2222")
    factories.case(
        a, recruiter_name="Pak Joko", recruiter_phone="0813 3333 4444", recruiter_agency="PT Maju"
    )
    factories.case(a, recruiter_name="Pak Budi", recruiter_phone="0819 9999 0000")
    with app.app_context():
        case = Case.get_by_id(mine.id)
        named = rules.mention_from(
            {"recruiter_name": "Mas Eko", "recruiter_phone": "0857 5555 6666"}
        )
        service.link_mention(factories.actor(supervisor), case, "visit:one", named)
        ids = {r.name: r.id for r in Recruiter.select().where(Recruiter.merged_into.is_null())}
    web = Web(app.test_client())
    web.login("supervisor")
    doc = parse(web.get(f"/recruiters/{ids['Bu Rina']}", headers={"Accept-Language": "en"}).text)
    related = [
        [squeeze(td.get_text()) for td in row.find_all("td")]
        for row in doc.select("#network-table tr")
        if row.find("td") and squeeze(row.find("td").get_text()) == "Another recruiter"
    ]
    assert [row[1] for row in related] == ["Mas Eko", "Pak Joko"]
    assert related[0][2] == "1 shared case, 0 shared agencies"
    assert related[1][2] == "0 shared cases, 1 shared agency"
    drawn = {squeeze(t.get_text()) for t in doc.select("svg g.network-node text")}
    assert {"Mas Eko", "Pak Joko"} <= drawn and "Pak Budi" not in drawn
