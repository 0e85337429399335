"""The national prevention list (daftar cegah, issue 16, part 4): kept by headquarters
administrators (every change audited), checked at intake, in the CSV import and in field
submissions; a hit fires a high-weight signal, holds the case, appears at once on the
supervisor's start page and is audited; the intake officer sees "hold" and never the
authority's reason; expired and not-yet-valid entries match no one."""

import io
import json
import uuid
from datetime import date, timedelta

import pytest

from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import AuditEvent, Case, PreventionEntry, PreventionHit
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import alerts, list_rows, main_text, parse, text_of

EN = {"Accept-Language": "en"}
BORN = date(1999, 3, 5)
NIK = encode_nik("32.04.12", "F", BORN, 1)
REASON = "Diduga perekrut sindikat penipuan daring di Sihanoukville."
LETTER = "B/1234/XI/2026/Bareskrim"
HQ_PAGES = ("/prevention/", "/prevention/new", "/prevention/import")


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def entry_form(**overrides) -> dict:
    form = {
        "name": "Siti Nurhaliza",
        "nik": NIK,
        "birth_date": "1999-03-05",
        "authority": "Bareskrim Polri",
        "letter_number": LETTER,
        "reason": REASON,
        "valid_from": "2026-10-01",
        "valid_until": "2027-09-30",
    }
    form.update(overrides)
    return form


def intake_form(**overrides) -> dict:
    form = {
        "application_number": "2026-bdg-000901",
        "application_date": "2026-11-01",
        "applicant_name": "Siti Nurhaliza",
        "nik": NIK,
        "sex": "F",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "purpose": "work",
        "destination_country": "KH",
        "visa_type": "visit",
        "referral_reasons": ["doubtful_purpose"],
        "priority": "high",
        "documents": ["ktp"],
    }
    form.update(overrides)
    return form


@pytest.fixture
def desk(app):
    return {
        "hq": factories.hq_admin(),
        "intake": factories.user("intake", "intake"),
        "supervisor": factories.user("supervisor", "supervisor"),
        "admin": factories.user("admin", "admin"),
    }


# --- headquarters keeps the list -------------------------------------------------------------


def test_a_headquarters_administrator_adds_changes_and_removes_entries_each_audited(desk, web):
    web.login("hqadmin")
    response = web.post("/prevention/new", entry_form(), headers=EN)
    assert response.status_code == 303
    entry = PreventionEntry.get()
    [added] = events("prevention.create")
    assert (added.subject_type, added.subject_id) == ("prevention_entry", str(entry.id))
    assert added.actor_name == "hqadmin" and added.details_dict["letter_number"] == LETTER

    listed = web.get("/prevention/", headers=EN).text
    assert list_rows(listed)[0][:2] == ["Siti Nurhaliza", NIK]
    [shown] = events("prevention.list")
    assert shown.details_dict["rows"] == 1

    page = f"/prevention/{entry.id}"
    assert web.get(page).status_code == 200
    [read] = events("prevention.read")
    assert read.subject_id == str(entry.id)
    web.post(page, entry_form(valid_until="2027-03-31"))
    [changed] = events("prevention.update")
    assert changed.details_dict == {"valid_until": ["2027-09-30", "2027-03-31"]}

    web.post(f"{page}/remove", {}, page=page)
    [removed] = events("prevention.remove")
    assert removed.subject_id == str(entry.id)
    assert PreventionEntry.get_by_id(entry.id).removed_at is not None
    assert list_rows(web.get("/prevention/", headers=EN).text) == [["The list is empty."]]
    assert web.get(page).status_code == 404


def test_an_entry_needs_a_nik_or_a_birth_date_a_name_alone_is_refused(desk, web):
    web.login("hqadmin")
    response = web.post(
        "/prevention/new", entry_form(nik="", birth_date=""), page="/prevention/new", headers=EN
    )
    assert response.status_code == 422
    assert "a name alone is never matched" in alerts(response.text)
    bad_dates = web.post("/prevention/new", entry_form(valid_until="2026-09-01"), headers=EN)
    assert "cannot come before the first" in alerts(bad_dates.text)
    assert PreventionEntry.select().count() == 0 and events("prevention.create") == []


@pytest.mark.parametrize("who", ["admin", "supervisor", "intake"])
def test_no_one_but_a_headquarters_administrator_opens_the_list(desk, web, who):
    entry = factories.prevention_entry(desk["hq"])
    web.login(who)
    for page in (*HQ_PAGES, f"/prevention/{entry.id}"):
        response = web.get(page, headers=EN)
        assert response.status_code == 403, page
        assert "This page is for: Headquarters administrator" in main_text(response.text)
    assert web.post("/prevention/new", entry_form()).status_code == 403
    assert web.post(f"/prevention/{entry.id}/remove", {}, page="/").status_code == 403
    assert PreventionEntry.select().count() == 1 and events("prevention.read") == []


def csv_file(text: str, name="cegah.csv"):
    return (io.BytesIO(text.encode()), name)


HEADER = "name,nik,birth_date,authority,letter_number,reason,valid_from,valid_until\n"


def test_a_csv_file_with_bad_lines_loads_nothing_and_says_each_line_and_why(desk, web):
    factories.prevention_entry(desk["hq"])
    web.login("hqadmin")
    before = PreventionEntry.select().count()
    text = (
        HEADER
        + "Dewi Lestari,,1998-01-02,Polda Jabar,B/1/2026,Perekrut,2026-10-01,2027-10-01\n"
        + "Agus Setiawan,,,Polda Jabar,B/2/2026,Perekrut,2026-10-01,2027-10-01\n"
        + "Rina,123,1990-13-01,Polda Jabar,B/3/2026,Perekrut,2026-10-01,2027-10-01\n"
        + f"Yuyun,{NIK},,Polda Jabar,,Perekrut,2027-10-01,2026-10-01\n"
    )
    response = web.post(
        "/prevention/import",
        {"file": csv_file(text), "load": "1"},
        page="/prevention/import",
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 200
    problems = list_rows(parse(response.text).find(id="import-report"))
    assert problems == [
        [
            "3",
            "nik, birth_date",
            "Give the NIK or the birth date (or both): a name alone is never matched.",
        ],
        ["4", "birth_date", "“1990-13-01” is not a date: write it as YYYY-MM-DD."],
        ["4", "nik", "The NIK is not valid."],
        ["5", "letter_number", "This is required."],
        ["5", "valid_until", "The last day of validity cannot come before the first."],
    ]
    assert PreventionEntry.select().count() == before
    assert events("prevention.import") == []


def test_a_good_csv_file_loads_every_line_each_audited(desk, web):
    web.login("hqadmin")
    text = (
        HEADER
        + "Dewi Lestari,,1998-01-02,Polda Jabar,B/1/2026,Perekrut,2026-10-01,2027-10-01\n"
        + f"Siti Nurhaliza,{NIK},,Bareskrim,B/2/2026,Perekrut,2026-10-01,2027-10-01\n"
    )
    response = web.post(
        "/prevention/import",
        {"file": csv_file(text), "load": "1"},
        page="/prevention/import",
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert PreventionEntry.select().count() == 2
    assert len(events("prevention.create")) == 2
    [load] = events("prevention.import")
    assert load.details_dict == {"added": 2}


# --- a hit ---------------------------------------------------------------------------------------


def test_intake_of_a_listed_applicant_holds_the_case_and_never_shows_the_reason(desk, web):
    factories.prevention_entry(desk["hq"])
    web.login("intake")
    response = web.post("/cases/new", intake_form(), page="/cases/new", headers=EN)
    assert response.status_code == 303
    case = Case.get()
    page = web.get(response.headers["Location"], headers=EN).text
    assert "Hold: refer to the supervisor." in alerts(page)
    assert text_of(page, "case-hold").startswith("Hold: refer to the supervisor.")
    said = main_text(page)
    for secret in (REASON, LETTER, "Sihanoukville"):
        assert secret not in said, secret
    fired = {s["id"]: s for s in json.loads(case.risk_signals)}
    assert fired["prevention_list"]["weight"] == 100 and case.risk_level == "high"
    [hit] = PreventionHit.select()
    assert (hit.case_id, hit.source, hit.subject, hit.matched_by) == (
        case.id,
        "intake",
        "applicant",
        "nik",
    )
    [audited] = events("prevention.hit")
    assert (audited.subject_type, audited.subject_id) == ("case", str(case.id))
    assert audited.details_dict["hit"] == hit.id and "reason" not in audited.details_dict


def test_the_hit_is_on_the_supervisors_start_page_and_holds_the_case_until_handled(desk, web):
    factories.prevention_entry(desk["hq"])
    case = factories.case(actor_user=desk["intake"])
    team = factories.team()
    web.login("supervisor")
    home = web.get("/", headers=EN).text
    section = parse(home).find(id="prevention-hits")
    assert section is not None
    assert "Prevention list: 1 case on hold" in section.get_text()
    assert case.application_number in section.get_text()
    [shown] = events("prevention.hit_list")
    assert shown.details_dict["rows"] == 1

    assigned = web.post(
        f"/cases/{case.id}/assign",
        {"team": str(team.id), "officer": ""},
        page=f"/cases/{case.id}",
        headers=EN,
    )
    assert Case.get_by_id(case.id).team_id is None
    follow = web.get(assigned.headers["Location"], headers=EN).text
    assert "This case is on hold" in alerts(follow)

    hit = PreventionHit.get()
    page = f"/prevention/hits/{hit.id}"
    details = web.get(page, headers=EN).text
    assert REASON in text_of(details, "hit-entry")
    [read] = events("prevention.hit_read")
    assert read.subject_id == str(case.id)
    empty = web.post(page, {"note": " "}, headers=EN)
    assert empty.status_code == 422 and PreventionHit.get().handled_at is None
    web.post(page, {"note": "Polda Jabar diberi tahu; permohonan ditolak."})
    assert PreventionHit.get().handled_at is not None
    [handled] = events("prevention.hit_handle")
    assert handled.details_dict["note"] == "Polda Jabar diberi tahu; permohonan ditolak."
    assert parse(web.get("/", headers=EN).text).find(id="prevention-hits") is None
    web.post(
        f"/cases/{case.id}/assign", {"team": str(team.id), "officer": ""}, page=f"/cases/{case.id}"
    )
    assert Case.get_by_id(case.id).team_id == team.id


def test_another_offices_supervisor_cannot_open_the_hit(desk, web):
    factories.prevention_entry(desk["hq"])
    factories.case(actor_user=desk["intake"])
    other = factories.office(code="KANIM-CBN", name="Kantor Imigrasi Cirebon")
    factories.user("supervisor_cbn", "supervisor", other)
    web.login("supervisor_cbn")
    assert parse(web.get("/").text).find(id="prevention-hits") is None
    assert web.get(f"/prevention/hits/{PreventionHit.get().id}").status_code == 404
    assert events("prevention.hit_read") == []


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(10, 40), (-40, -1)],  # not yet valid; expired yesterday
    ids=["not-yet-valid", "expired"],
)
def test_an_entry_out_of_force_holds_no_one(desk, clock, starts, ends):
    today = clock.at.date()
    factories.prevention_entry(
        desk["hq"],
        valid_from=today + timedelta(days=starts),
        valid_until=today + timedelta(days=ends),
    )
    case = factories.case(actor_user=desk["intake"])
    assert PreventionHit.select().count() == 0
    assert "prevention_list" not in {s["id"] for s in json.loads(case.risk_signals)}


def test_the_csv_import_of_applications_holds_a_listed_applicant(desk, web):
    factories.prevention_entry(desk["hq"], nik=None)  # by name and birth date
    web.login("intake")
    text = (
        "application_number,application_date,applicant_name,nik,sex,birth_date,marital_status,"
        "purpose,destination_country,referral_reasons\n"
        f"2026-BDG-000501,2026-11-01,Siti Nur Haliza,{encode_nik('32.04.12', 'F', BORN, 4)},F,"
        "1999-03-05,single,work,KH,doubtful_purpose\n"
        f"2026-BDG-000502,2026-11-01,Dewi Lestari,{encode_nik('32.04.12', 'F', BORN, 5)},F,"
        "1999-03-05,single,work,KH,doubtful_purpose\n"
    )
    response = web.post(
        "/cases/import",
        {"file": csv_file(text, "export.csv"), "mode": "all_or_nothing", "import": "1"},
        page="/cases/import",
        content_type="multipart/form-data",
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert "Hold: 1 imported case names someone on the prevention list." in text_of(
        page, "import-held"
    )
    [hit] = PreventionHit.select()
    assert (hit.source, hit.matched_by) == ("import", "name_birth_date")
    assert Case.get_by_id(hit.case_id).application_number == "2026-BDG-000501"
    assert REASON not in main_text(page)


def test_a_family_member_on_the_list_in_a_field_submission_holds_the_case(desk, client):
    team = factories.team()
    factories.user("field1", "field", team_=team)
    father = {"name": "Ujang Suryana", "birth_date": date(1970, 6, 1)}
    factories.prevention_entry(desk["hq"], nik=None, **father)
    case = factories.case(actor_user=desk["intake"], applicant_name="Euis Sumarni")
    assert PreventionHit.select().count() == 0
    with client.application.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(desk["intake"]), case, team)
    member = str(uuid.uuid4())
    op = submit(
        case.id,
        family=[
            {
                "uuid": member,
                "relation": "father",
                "name": "Ujang Suryana",
                "birth_date": "1970-06-01",
            }
        ],
    )
    result = Phone(client, "field1").push(op).json["results"][0]
    assert result["status"] == "applied", result
    [hit] = PreventionHit.select()
    assert (hit.source, hit.subject, hit.relation) == ("field", member, "father")
    [audited] = events("prevention.hit")
    assert audited.details_dict["source"] == "field" and audited.actor_name == "field1"
    stored = Case.get_by_id(case.id)
    assert "prevention_list" in {s["id"] for s in json.loads(stored.risk_signals)}
    assert stored.risk_level == "high"
