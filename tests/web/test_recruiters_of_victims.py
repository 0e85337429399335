"""Recruiters named in repatriated victims' records (issue 16): linked to the recruiters of
every office's cases by the same rules (a phone, handle, account, or name with agency; never a
name alone), whether or not the record matched a case; shown on the recruiter's page and in its
network only as "repatriated victim", issuing office and return date; counted on the case page;
and a new case naming such a recruiter fires a high-weight signal with its reason."""

import io
import json

import pytest

from fieldcheck.models import AuditEvent, Case, RecruiterLink, RecruiterVictimLink
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web, parse, squeeze

EN = {"Accept-Language": "en"}


@pytest.fixture
def tied(app):
    """A recruiter named by a case of Bandung (phone written one way) and by a victim whose
    passport Cirebon issued (the phone written another way, with an agency and an account);
    the victim's record matched no case."""
    bandung = factories.office()
    cirebon = factories.office(code="KANIM-CBN", name="Kantor Imigrasi Cirebon")
    hq = factories.hq_admin()
    factories.user("supervisor", "supervisor", bandung)
    factories.user("supervisor_cbn", "supervisor", cirebon)
    factories.user("intake_cbn", "intake", cirebon)
    case = factories.case(bandung, recruiter_name="Bu Rina", recruiter_phone="0812-3456-7890")
    victim = factories.repatriated_victim(
        cirebon,
        hq,
        recruiter_name="Rina",
        recruiter_phone="+62 812 3456 7890",
        recruiter_agency="PT Golden Sun",
        recruiter_account="0123-4567-89",
    )
    return {"offices": (bandung, cirebon), "hq": hq, "case": case, "victim": victim}


def recruiter_of_case(case) -> int:
    return RecruiterLink.get(RecruiterLink.case == case.id).recruiter_id


def fired(case) -> dict:
    return {s["id"]: s for s in json.loads(Case.get_by_id(case.id).risk_signals)}


def test_a_victims_recruiter_phone_written_differently_links_to_the_cases_recruiter(app, tied):
    with app.app_context():
        link = RecruiterVictimLink.get(RecruiterVictimLink.victim == tied["victim"].id)
        assert link.recruiter_id == recruiter_of_case(tied["case"])
        assert link.agency.name == "PT Golden Sun" and link.name == "Rina"
        assert tied["victim"].case_id is None  # linked though it matched no case
        event = AuditEvent.get(AuditEvent.action == "recruiter.link_victims")
    assert event.subject_type == "repatriation_import" and event.actor_name == "hqadmin"
    assert event.details_dict["links"] == {
        str(tied["victim"].id): [link.recruiter_id, link.agency_id]
    }


def test_a_victim_naming_only_a_common_name_does_not_link_to_a_namesake(app, tied):
    bandung, cirebon = tied["offices"]
    case = factories.case(bandung, recruiter_name="Siti Aminah", recruiter_phone="0813 1111 2222")
    victim = factories.repatriated_victim(
        cirebon, tied["hq"], name="Dewi Lestari", nik=None, recruiter_name="Siti Aminah"
    )
    with_agency = factories.repatriated_victim(
        cirebon,
        tied["hq"],
        name="Nining Kurniasih",
        nik=None,
        recruiter_name="Siti Aminah",
        recruiter_agency="PT Golden Sun",
    )
    with app.app_context():
        assert RecruiterVictimLink.get_or_none(RecruiterVictimLink.victim == victim.id) is None
        link = RecruiterVictimLink.get(RecruiterVictimLink.victim == with_agency.id)
        # Name and agency identify someone, but no case names Siti Aminah of PT Golden Sun.
        assert link.agency.name == "PT Golden Sun"
        assert link.recruiter_id not in (recruiter_of_case(case), recruiter_of_case(tied["case"]))
        later = factories.case(bandung, recruiter_name="Siti Aminah")
        assert "recruiter_tied_to_repatriated_victims" not in fired(case)
        assert "recruiter_tied_to_repatriated_victims" not in fired(later)


def test_a_victim_naming_two_recruiters_identifiers_shows_them_to_be_one(app, tied):
    bandung, cirebon = tied["offices"]
    other = factories.case(bandung, recruiter_name="Pak Anton", recruiter_handle="@anton.kerja")
    victim = factories.repatriated_victim(
        cirebon, tied["hq"], recruiter_phone="081234567890", recruiter_handle="anton.kerja"
    )
    with app.app_context():
        one = recruiter_of_case(tied["case"])
        assert recruiter_of_case(other) == one  # merged into the older
        assert RecruiterVictimLink.get(RecruiterVictimLink.victim == victim.id).recruiter_id == one
        assert AuditEvent.get(AuditEvent.action == "recruiter.merge").subject_id == str(one)


def test_a_new_case_tied_to_a_recruiter_of_a_repatriated_victim_fires_the_signal_with_its_reason(
    app, tied
):
    bandung = tied["offices"][0]
    new = factories.case(bandung, recruiter_phone="(0812) 34567890")
    with app.app_context():
        signal = fired(new)["recruiter_tied_to_repatriated_victims"]
        assert Case.get_by_id(new.id).risk_level == "high"
    assert signal["weight"] >= 60
    assert signal["reason"]["en"] == (
        "The recruiter named in this case is also named in the records of 1 trafficking "
        "victim(s) repatriated from abroad. Check whether they belong to a syndicate."
    )
    assert signal["reason"]["id"].startswith(
        "Perekrut yang disebut dalam kasus ini juga disebut dalam catatan 1 korban"
    )
    web = Web(app.test_client())
    web.login("supervisor")
    doc = parse(web.get(f"/cases/{new.id}", headers=EN).text)
    reasons = [squeeze(li.get_text(" ")) for li in doc.select("ul.signals li")]
    assert any(
        "Recruiter tied to repatriated victims" in r and "records of 1 trafficking" in r
        for r in reasons
    )
    ties = doc.select_one("#case-recruiters .recruiter-ties").get_text()
    assert squeeze(ties) == "This recruiter appears in 1 other case in 1 office (0 refused)."
    victims = squeeze(doc.select_one("#case-recruiters .recruiter-victims").get_text())
    assert victims == "A trafficking victim repatriated from abroad named this recruiter too."


def test_a_pushed_visit_naming_a_victims_recruiter_fires_the_signal(app, tied, client):
    """A push links its visits as one batch (its ties counted from what it looked up): the
    victims' records count there too."""
    bandung = tied["offices"][0]
    intake = factories.user("intake", "intake", bandung)
    team = factories.team(bandung)
    factories.user("field1", "field", bandung, team_=team)
    case = factories.case(bandung)
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team)
        assert "recruiter_tied_to_repatriated_victims" not in fired(case)
    op = submit(case.id)
    op["payload"]["interview"].update(recruiter_account="0123 4567 89")  # the victim's only
    assert Phone(client, "field1").push(op).json["results"][0]["status"] == "applied"
    with app.app_context():
        signal = fired(case)["recruiter_tied_to_repatriated_victims"]
    assert "records of 1 trafficking victim(s)" in signal["reason"]["en"]


def test_a_case_whose_own_applicant_came_back_a_victim_does_not_count_her(app, tied):
    bandung, _ = tied["offices"]
    with app.app_context():
        case = Case.get_by_id(tied["case"].id)
    factories.repatriated_victim(
        bandung,
        tied["hq"],
        name=case.applicant_name,
        nik=case.nik,
        birth_date=case.birth_date,
        recruiter_phone="+6281234567890",
    )
    other = factories.case(bandung, recruiter_phone="0812 3456 7890")
    with app.app_context():
        assert fired(other)["recruiter_tied_to_repatriated_victims"]["reason"]["en"].startswith(
            "The recruiter named in this case is also named in the records of 2 trafficking"
        )


def test_the_recruiter_page_shows_a_victim_only_as_issuing_office_and_return_date(app, tied):
    web = Web(app.test_client())
    web.login("supervisor")  # of Bandung: the victim's passport is Cirebon's
    with app.app_context():
        recruiter = recruiter_of_case(tied["case"])
        victim = tied["victim"]
    response = web.get(f"/recruiters/{recruiter}", headers=EN)
    doc = parse(response.text)
    (row,) = doc.select("#recruiter-victims tr.repatriated-victim")
    who, office_, returned = [squeeze(td.get_text()) for td in row.find_all("td")]
    assert (who, office_) == ("Repatriated victim", "Kantor Imigrasi Cirebon")
    assert str(victim.returned_on.year) in returned
    assert row.find("a") is None  # not the reader's office's record
    summary = squeeze(doc.select_one("#recruiter-summary").get_text(" "))
    assert "Named by 1 trafficking victim repatriated from abroad" in summary
    drawn = [squeeze(t.get_text()) for t in doc.select("svg g.node-victim text")]
    assert len(drawn) == 1 and drawn[0] == f"Victim · {victim.returned_on}"
    (tabled,) = doc.select("#network-table tr.network-victim")
    assert squeeze(tabled.find_all("td")[-1].get_text()) == "Kantor Imigrasi Cirebon"
    personal = [victim.name, victim.nik, victim.passport_number, victim.circumstances]
    assert [v for v in personal if v in response.text] == []
    assert "0123456789" in {squeeze(td.get_text()) for td in doc.select("#network-table td")}
    with app.app_context():
        read = AuditEvent.get(AuditEvent.action == "recruiter.read")
    assert read.details_dict["victims"] == [victim.id]


def test_the_issuing_offices_supervisor_may_follow_the_victim_to_its_record(app, tied):
    web = Web(app.test_client())
    with app.app_context():
        recruiter = recruiter_of_case(tied["case"])
    for username, linked in (("supervisor_cbn", True), ("intake_cbn", False)):
        web.login(username)
        doc = parse(web.get(f"/recruiters/{recruiter}", headers=EN).text)
        (row,) = doc.select("#recruiter-victims tr.repatriated-victim")
        link = row.find("a")
        assert (link is not None) == linked, username
        if linked:
            assert link["href"] == f"/repatriation/{tied['victim'].id}"
            assert web.get(link["href"]).status_code == 200
        web.logout()


def test_a_loaded_file_links_by_the_account_column(app, tied):
    web = Web(app.test_client())
    web.login("hqadmin")
    header = (
        "prs_FirstName,prs_Birthdate,issuing_office,return_date,recruiter_name,recruiter_account\n"
    )
    text = header + "Nining Kurniasih,2000-02-02,KANIM-CBN,2026-11-02,Pak Anton,012.345.6789\n"
    response = web.post(
        "/repatriation/load",
        {
            "file": (io.BytesIO(text.encode()), "kemlu.csv"),
            "source_agency": "KBRI Phnom Penh",
            "load": "1",
        },
        page="/repatriation/load",
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 303
    with app.app_context():
        links = list(RecruiterVictimLink.select().order_by(RecruiterVictimLink.id))
        assert len(links) == 2
        assert links[1].recruiter_id == recruiter_of_case(tied["case"])  # the same account
        assert links[1].victim.recruiter_account == "012.345.6789"


def test_records_loaded_before_are_linked_by_the_command(app, tied, runner):
    with app.app_context():
        RecruiterVictimLink.delete().execute()  # as a database upgraded from before the links
    assert "linked 1 " in runner.invoke(args=["recruiters", "link"]).output
    assert "linked 0 " in runner.invoke(args=["recruiters", "link"]).output
    with app.app_context():
        link = RecruiterVictimLink.get(RecruiterVictimLink.victim == tied["victim"].id)
        assert link.recruiter_id == recruiter_of_case(tied["case"])


def test_the_recruiter_list_counts_victims_and_holds_a_recruiter_only_victims_named(app, tied):
    """The list of recruiters counts the victims' records beside the cases, and a recruiter no
    case names but a victim's record does is listed too."""
    factories.repatriated_victim(
        tied["offices"][1],
        tied["hq"],
        name="Sri Wahyuni",
        nik="3209125512020004",
        recruiter_handle="@bos.bavet",
    )
    web = Web(app.test_client())
    web.login("supervisor")
    rows = parse(web.get("/recruiters/", headers=EN).text).select("#recruiter-list tbody tr")
    counts = [[squeeze(td.get_text()) for td in row.find_all("td")][1:] for row in rows]
    assert counts == [["1", "1", "0", "1"], ["0", "0", "0", "1"]]


def test_the_agency_page_lists_the_victims_who_named_it_as_office_and_date_only(app, tied):
    """The agency a victim's record names lists that record (issuing office and return date,
    nothing of the victim), counts it in its summary, lists the recruiter the record named,
    and audits the read."""
    with app.app_context():
        link = RecruiterVictimLink.get(RecruiterVictimLink.victim == tied["victim"].id)
        agency_id, recruiter_id = link.agency_id, link.recruiter_id
    victim = tied["victim"]
    web = Web(app.test_client())
    web.login("supervisor")  # of Bandung; no Bandung case names the agency
    response = web.get(f"/recruiters/agencies/{agency_id}", headers=EN)
    doc = parse(response.text)
    (row,) = doc.select("#recruiter-victims tr.repatriated-victim")
    who, office_, returned = [squeeze(td.get_text()) for td in row.find_all("td")]
    assert (who, office_) == ("Repatriated victim", "Kantor Imigrasi Cirebon")
    assert str(victim.returned_on.year) in returned and row.find("a") is None
    assert squeeze(doc.select_one("#h-victims").get_text()) == (
        "Repatriated victims who named this agency"
    )
    summary = squeeze(doc.select_one("#agency-summary").get_text(" "))
    assert "Named in 0 cases" in summary
    assert "Named by 1 trafficking victim repatriated from abroad" in summary
    listed = [a["href"] for a in doc.select("#h-recruiters + ul a")]
    assert listed == [f"/recruiters/{recruiter_id}"]
    personal = [victim.name, victim.nik, victim.passport_number, victim.circumstances]
    assert [v for v in personal if v in response.text] == []
    with app.app_context():
        read = AuditEvent.get(AuditEvent.action == "agency.read")
    assert read.details_dict["victims"] == [victim.id]
