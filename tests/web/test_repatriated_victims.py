"""Repatriated trafficking victims (issue 16, part 3): a headquarters administrator loads a
partner agency's file (all or nothing, every bad line by line and reason); each record goes to
the office that issued the passport, matched to the case that preceded it or marked "passport
issued without a field check"; a verified case whose applicant came back a victim is flagged
on the office's review queue, the field findings beside the victim's record."""

import io
import json
from datetime import date

import pytest

from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import AuditEvent, Case, RepatriatedVictim, RepatriationImport
from tests import factories
from tests.helpers import Web, list_rows, main_text, parse, text_of

EN = {"Accept-Language": "en"}
ID = {"Accept-Language": "id"}
HEADER = (
    "prs_FirstName,prs_SecondName,prs_IdentityNumber,prs_Birthdate,prs_Gender,issuing_office,"
    "passport_number,application_number,return_date,return_place,hte_Country,"
    "vic_TypeOfExploitation,hte_Description,recruiter_name,recruiter_phone,recruiter_agency,"
    "recruiter_handle\n"
)


def line(first, second="", nik="", born="", office="KANIM-BDG", number="", **more) -> str:
    cells = [
        first,
        second,
        nik,
        born,
        more.get("gender", "Feminine"),
        office,
        more.get("passport", "X1234567"),
        number,
        more.get("returned", "2026-11-02"),
        more.get("place", "Bandara Soekarno-Hatta"),
        more.get("country", "KH"),
        more.get("exploitation", "ForcedLabour;SexualExploitation"),
        more.get("description", "Dipaksa menipu lewat telepon di kompleks Sihanoukville."),
        more.get("recruiter", "Bu Rina"),
        more.get("phone", "+85512345678"),
        more.get("agency", "PT Maju Jaya Abadi"),
        more.get("handle", "@lokerkamboja (Telegram)"),
    ]
    return ",".join(cells) + "\n"


def load(web, text, *, check=False, agency="KBRI Phnom Penh", headers=EN):
    form = {"file": (io.BytesIO(text.encode()), "kemlu.csv"), "source_agency": agency}
    form["check" if check else "load"] = "1"
    return web.post(
        "/repatriation/load",
        form,
        page="/repatriation/load",
        content_type="multipart/form-data",
        headers=headers,
    )


def words_of(page, element_id) -> str:
    """The text of an element, its terms and values apart (get_text(" "), spaces squeezed)."""
    return " ".join(parse(page).find(id=element_id).get_text(" ").split())


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


@pytest.fixture
def offices(app):
    here = factories.office()
    there = factories.office(code="KANIM-CBN", name="Kantor Imigrasi Cirebon")
    factories.hq_admin()
    factories.user("supervisor", "supervisor", here)
    factories.user("admin", "admin", here)
    factories.user("intake", "intake", here)
    factories.user("supervisor_cbn", "supervisor", there)
    return {"here": here, "there": there}


def test_records_are_matched_by_nik_application_number_or_name_and_birth_date(offices, web):
    born = date(2001, 7, 9)
    by_nik = factories.case(offices["here"], nik=encode_nik("32.04.12", "F", born, 3),
                            birth_date=born, applicant_name="Euis Sumarni")  # fmt: skip
    by_number = factories.case(offices["here"], applicant_name="Neng Rina")
    by_name = factories.case(offices["here"], applicant_name="Yuyun Wahyuni", birth_date=born,
                             nik=encode_nik("32.04.12", "F", born, 4))  # fmt: skip
    web.login("hqadmin")
    text = (
        HEADER
        + line("Euis", "Sumarni", nik=by_nik.nik)
        + line("Neng", "Rina", number=by_number.application_number.lower())
        + line("Yuyun", "Wahyuni", nik=encode_nik("32.05.01", "F", born, 8), born=born.isoformat())
        + line("Yuyun", "Wahyuni", office="KANIM-CBN", born="2001-07-09")  # another office
        + line("Siti", "Nurhaliza", born="1999-03-06")  # the default case, another birth date
    )
    response = load(web, text)
    assert response.status_code == 303
    records = {r.line: r for r in RepatriatedVictim.select()}
    assert {line_: (r.case_id, r.matched_by) for line_, r in records.items()} == {
        2: (by_nik.id, "nik"),
        3: (by_number.id, "application_number"),
        4: (by_name.id, "name_birth_date"),
        5: (None, None),
        6: (None, None),
    }
    assert records[5].office_id == offices["there"].id
    [batch] = RepatriationImport.select()
    assert (batch.rows, batch.matched, batch.source_agency) == (5, 3, "KBRI Phnom Penh")
    [loaded] = events("repatriation.import")
    assert loaded.details_dict["matched"] == 3 and loaded.actor_name == "hqadmin"
    kept = records[2]
    assert (kept.recruiter_name, kept.recruiter_phone, kept.recruiter_agency) == (
        "Bu Rina",
        "+85512345678",
        "PT Maju Jaya Abadi",
    )
    assert kept.recruiter_handle == "@lokerkamboja (Telegram)"
    assert json.loads(kept.exploitation) == ["ForcedLabour", "SexualExploitation"]
    assert (kept.passport_number, kept.sex, kept.destination_country) == ("X1234567", "F", "KH")


def test_a_name_alone_is_never_matched_and_a_record_needs_more_than_a_name(offices, web):
    factories.case(offices["here"])  # Siti Nurhaliza
    web.login("hqadmin")
    response = load(web, HEADER + line("Siti", "Nurhaliza"))
    problems = list_rows(parse(response.text).find(id="import-report"))
    assert problems == [
        [
            "2",
            "prs_IdentityNumber",
            "Give the NIK, the application number or the birth date: a name alone is never "
            "matched.",
        ]
    ]
    assert RepatriatedVictim.select().count() == 0


def test_a_file_with_bad_lines_loads_nothing_and_names_every_line_and_reason(offices, web):
    factories.case(offices["here"])
    web.login("hqadmin")
    load(web, HEADER + line("Dewi", "Lestari", born="1998-01-02"))
    before = (RepatriatedVictim.select().count(), RepatriationImport.select().count())
    text = (
        HEADER
        + line("Dewi", "Lestari", born="1998-01-02")
        + line("Rina", nik="3204", office="KANIM-XXX")
        + line("", born="1990-02-31", returned="2027-01-01")
        + line("Euis", born="1999-01-01", country="ZZZ", exploitation="Scamming", phone="12")
    )
    response = load(web, text)
    assert response.status_code == 200
    problems = list_rows(parse(response.text).find(id="import-report"))
    assert problems == [
        ["3", "issuing_office", "“KANIM-XXX” is not the code of an immigration office in "
         "FieldCheck."],
        ["3", "prs_IdentityNumber", "The NIK is not valid."],
        ["4", "prs_Birthdate", "“1990-02-31” is not a date: write it as YYYY-MM-DD."],
        ["4", "prs_FirstName", "This is required."],
        ["4", "prs_IdentityNumber", "Give the NIK, the application number or the birth date: "
         "a name alone is never matched."],
        ["4", "return_date", "The date of return is in the future."],
        ["5", "hte_Country", "“ZZZ” is not a country code: write the country's two letters "
         "(ISO 3166), such as KH for Cambodia."],
        ["5", "recruiter_phone", "Write an Indonesian number starting with 0, 62 or +62, or a "
         "foreign one with + and its country code."],
        ["5", "vic_TypeOfExploitation", "“Scamming” is not a code this column takes: "
         + "ForcedLabour, SexualExploitation, ChildLabour, ForcedMarriage, Servitude, "
         "ForcedMilitaryByNonStateActors, OrganRemoval, ForcedBegging, ForcedAdoption, "
         "Surrogacy, Other."],
    ]  # fmt: skip
    after = (RepatriatedVictim.select().count(), RepatriationImport.select().count())
    assert after == before == (1, 1)
    assert len(events("repatriation.import")) == 1


def test_bad_lines_are_reported_in_indonesian_to_an_indonesian_reader(offices, web):
    web.login("hqadmin")
    nik = encode_nik("32.04.12", "F", date(1990, 2, 3), 1)
    response = load(web, HEADER + line("Rina", nik=nik, born="1990-02-31"), headers=ID)
    [[_, column, said]] = list_rows(parse(response.text).find(id="import-report"))
    assert column == "prs_Birthdate" and "bukan tanggal" in said


def test_a_wrong_header_is_named_and_loads_nothing(offices, web):
    web.login("hqadmin")
    response = load(web, "name,nik\nSiti,3204124503990001\n")
    said = text_of(response.text, "import-report")
    assert "Missing: prs_FirstName, issuing_office, return_date. Unknown: name, nik." in said
    assert RepatriatedVictim.select().count() == 0


def verified_with_a_visit(reviewed):
    """The `reviewed` case verified by its supervisor (a field report issued)."""
    case, web = reviewed["case"], reviewed["web"]
    page = f"/review/cases/{case.id}"
    web.post(f"{page}/verify", {"note": "Keluarga membenarkan."}, page=page)
    verified = Case.get_by_id(case.id)
    assert verified.state == "verified"
    return verified


def test_a_verified_case_whose_applicant_came_back_a_victim_waits_on_the_review_queue(
    app, reviewed
):
    case = verified_with_a_visit(reviewed)
    factories.hq_admin()
    hq = Web(app.test_client())
    hq.login("hqadmin")
    assert load(hq, HEADER + line("Siti", "Nurhaliza", nik=case.nik)).status_code == 303
    record = RepatriatedVictim.get()
    assert (record.case_id, record.review_state) == (case.id, "pending")
    assert record.report_id is not None

    supervisor = reviewed["web"]
    queue = supervisor.get("/review/", headers=EN).text
    section = parse(queue).find(id="review-repatriated")
    assert section is not None and case.application_number in section.get_text()
    link = section.find("a")["href"]
    assert link == f"/repatriation/{record.id}"

    page = supervisor.get(link, headers=EN).text
    victim = words_of(page, "victim-record")
    found = words_of(page, "field-check")
    assert "Dipaksa menipu lewat telepon" in victim and "Bu Rina" in victim
    assert "Keluarga tidak tahu tujuan sebenarnya." in found  # the officer's assessment
    assert "Household knows of the trip No" in found
    assert "the same phone as the victim's recruiter" in found  # +85512345678 both
    assert case.application_number in found
    [read] = events("repatriation.read")
    assert (read.subject_type, read.subject_id) == ("repatriated_victim", str(record.id))

    supervisor.post(
        f"/repatriation/{record.id}/review",
        {"note": "Tim tidak menanyakan siapa yang membayar tiket; kini wajib ditanyakan."},
        page=link,
    )
    assert RepatriatedVictim.get().review_state == "done"
    [reviewed_event] = events("repatriation.review")
    assert reviewed_event.details_dict["case"] == case.id
    assert parse(supervisor.get("/review/").text).find(id="review-repatriated") is None


def test_the_issuing_office_sees_its_list_and_no_other_office_does(offices, web):
    case = factories.case(offices["here"])
    other = factories.case(offices["there"], applicant_name="Dewi Lestari",
                           nik=encode_nik("32.05.01", "F", date(1998, 1, 2), 2))  # fmt: skip
    web.login("hqadmin")
    load(
        web,
        HEADER
        + line("Siti", "Nurhaliza", nik=case.nik)
        + line("Dewi", "Lestari", nik=other.nik, office="KANIM-CBN"),
    )
    here_record = RepatriatedVictim.get(RepatriatedVictim.office == offices["here"])
    web.logout()

    for who in ("supervisor", "admin"):
        web.login(who)
        listed = list_rows(web.get("/repatriation/", headers=EN).text)
        assert [row[0] for row in listed] == ["Siti Nurhaliza"]
        assert "Dewi Lestari" not in main_text(web.get("/repatriation/").text)
        web.logout()
    shown = events("repatriation.list")
    assert [e.details_dict["rows"] for e in shown] == [1, 1, 1, 1]
    assert shown[0].details_dict["scope"] == {"office": offices["here"].id}

    web.login("supervisor_cbn")
    assert web.get(f"/repatriation/{here_record.id}").status_code == 404
    assert [row[0] for row in list_rows(web.get("/repatriation/", headers=EN).text)] == [
        "Dewi Lestari"
    ]
    assert events("repatriation.read") == []


def test_a_record_without_a_case_says_the_passport_was_issued_without_a_field_check(offices, web):
    web.login("hqadmin")
    load(web, HEADER + line("Rina", "Marlina", born="2000-01-01"))
    web.logout()
    web.login("supervisor")
    listed = list_rows(web.get("/repatriation/", headers=EN).text)
    assert listed[0][-1] == "Passport issued without a field check"
    record = RepatriatedVictim.get()
    page = web.get(f"/repatriation/{record.id}", headers=EN).text
    assert words_of(page, "field-check").startswith(
        "What the field check found Passport issued without a field check."
    )


@pytest.mark.parametrize("who", ["admin", "supervisor", "intake"])
def test_only_headquarters_loads_records(offices, web, who):
    web.login(who)
    for page in ("/repatriation/load", "/repatriation/loads"):
        response = web.get(page, headers=EN)
        assert response.status_code == 403
        assert "This page is for: Headquarters administrator" in main_text(response.text)
    assert load(web, HEADER + line("Siti", born="1999-03-05")).status_code == 403
    assert RepatriatedVictim.select().count() == 0


def test_headquarters_and_intake_do_not_open_an_offices_list(offices, web):
    for who in ("hqadmin", "intake"):
        web.login(who)
        assert web.get("/repatriation/").status_code == 403
        web.logout()
