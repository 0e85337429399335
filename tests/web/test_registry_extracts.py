"""Registry extracts: import with bad rows reported by line, pre-answers the clerk confirms,
purge after REGISTRY_EXTRACT_DAYS; the family tree against the family card."""

import csv
import io
import json
from datetime import date

import pytest

from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import (
    AuditEvent,
    Case,
    CaseFinding,
    RegistryExtract,
    RegistryPerson,
    RegistryQuestion,
)
from tests import factories
from tests.factories import submit_with_family
from tests.helpers import Web, alerts, list_items, list_rows, main_text, texts

EN = {"Accept-Language": "en"}
HEADER = "nik,kk,name,sex,birth_place,birth_date,relationship,father_name,mother_name"
KK = "3204120101150001"
APPLICANT_NIK = encode_nik("32.04.12", "F", date(1999, 3, 5), 1)


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _row(nik, name, sex="P", born="1999-03-05", relation="child", kk=KK):
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        [nik, kk, name, sex, "Bandung", born, relation, "Ujang Suryana", "Euis Sumarni"]
    )
    return out.getvalue()


def _load(web, data: bytes, filename="extract.csv"):
    return web.post(
        "/registry/extracts",
        {"file": (io.BytesIO(data), filename)},
        page="/registry/extracts",
        headers=EN,
        content_type="multipart/form-data",
    )


def _clerk(app):
    web = Web(app.test_client())
    web.login("clerk")
    return web


def _suggestion(kind="nik_identity"):
    question = RegistryQuestion.get(
        (RegistryQuestion.kind == kind) & (RegistryQuestion.subject == "applicant")
    )
    return question, json.loads(question.suggestion) if question.suggestion else None


def test_bad_rows_are_reported_by_line_and_not_loaded(app, desk):  # noqa: F811
    web = _clerk(app)
    other = encode_nik("32.04.12", "M", date(1970, 1, 1), 2)
    outside = encode_nik("33.01.01", "M", date(1980, 1, 1), 3)
    data = _csv(
        _row(APPLICANT_NIK, "Siti Nurhaliza"),  # line 2: good
        _row("1234", "Bad Nik"),  # line 3
        _row(other, "", sex="L", born="1970-01-01", relation="1"),  # line 4: no name
        _row(other, "Ujang Suryana", sex="X", born="1970-13-01", relation="boss"),  # line 5
        _row(outside, "Outside Person", sex="L", born="1980-01-01"),  # line 6: outside
        _row(other, "Ujang Suryana", sex="L", born="1970-01-01", relation="1", kk="12"),  # 7
        _row(other, "Ujang Suryana", sex="L", born="1970-01-01", relation="1"),  # line 8: good
    )
    response = _load(web, data)
    assert response.status_code == 200
    assert "2 row(s) loaded, 5 bad row(s) not loaded." in texts(response.text, "[role=status] p")
    problems = list_items(response.text, "problems")
    assert {p.split(":")[0].split(" · ")[0] for p in problems} == {
        f"line {line}" for line in (3, 4, 5, 6, 7)
    }
    said = " ".join(problems)
    assert "outside your regions" in said and "33.01.01" in said
    assert "Sex is F/M or P/L" in said and "YYYY-MM-DD" in said and "SHDK" in said
    extract = RegistryExtract.get()
    people = {p.name: p for p in RegistryPerson.select()}
    assert set(people) == {"Siti Nurhaliza", "Ujang Suryana"}
    assert people["Ujang Suryana"].kk_relation == "head" and people["Ujang Suryana"].sex == "M"
    assert people["Siti Nurhaliza"].region_code == "32.04.12"
    assert extract.rows == 2 and (extract.purge_after - extract.loaded_at).days == 30
    event = AuditEvent.get(AuditEvent.action == "registry.extract_load")
    assert event.details_dict["rows"] == 2 and event.details_dict["bad_rows"] == 5
    # the page lists the extract with its purge date
    listing = web.get("/registry/extracts", headers=EN).text
    assert [row[1] for row in list_rows(listing)] == ["extract.csv"]
    assert texts(listing, "thead th")[-1] == "Deleted on" and list_rows(listing)[0][-1]


def test_a_file_with_a_wrong_header_loads_nothing(app, desk):  # noqa: F811
    web = _clerk(app)
    response = _load(web, b"nik,name\n3204124503990001,Siti\n")
    assert response.status_code == 422
    assert "missing:" in alerts(response.text)
    assert RegistryExtract.select().count() == 0


def test_a_file_over_the_row_cap_is_refused_with_none_of_its_rows_checked(
    app,
    desk,  # noqa: F811
    monkeypatch,
):
    from fieldcheck.registry import extracts

    monkeypatch.setattr(extracts, "MAX_ROWS", 5)
    checked = []
    check = extracts._row
    monkeypatch.setattr(extracts, "_row", lambda *a: checked.append(1) or check(*a))
    web = _clerk(app)
    rows = [_row(APPLICANT_NIK, f"Siti {i}") for i in range(6)]
    response = _load(web, _csv(*rows))
    assert response.status_code == 422
    assert "more than 5 rows" in response.get_data(as_text=True)
    assert checked == [] and RegistryExtract.select().count() == 0
    assert _load(web, _csv(*rows[:5])).status_code != 422 and len(checked) == 5


def test_a_file_that_is_not_csv_is_explained_not_a_server_error(app, desk):  # noqa: F811
    web = _clerk(app)
    too_long = '"' + "x" * 200_000 + '"'  # past the longest cell csv reads
    for data in (_csv(too_long), (too_long + "\n").encode()):
        response = _load(web, data)
        assert response.status_code == 422
        assert "cannot be read as CSV" in response.get_data(as_text=True)
    assert RegistryExtract.select().count() == 0


def test_rows_outside_the_clerks_regions_are_refused(app, desk):  # noqa: F811
    factories.user("clerk2", "registry", regions=["32.05"])
    web = Web(app.test_client())
    web.login("clerk2")
    response = _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza")))
    assert response.status_code == 422
    assert "outside your regions" in texts(response.text, "[role=status]")[0]
    assert RegistryPerson.select().count() == 0
    # and clerk2's own extract does not pre-answer questions of 32.04
    _load(web, _csv(_row(encode_nik("32.05.01", "F", date(1999, 3, 5), 1), "Siti Nurhaliza")))
    assert RegistryExtract.select().count() == 1
    assert _suggestion()[1] is None


def test_other_roles_cannot_load_extracts(app, desk):  # noqa: F811
    web = Web(app.test_client())
    web.login("intake")
    assert web.get("/registry/extracts").status_code == 403


@pytest.mark.parametrize("name", ["Siti Nurhaliza", "Nurhaliza, Siti", "Siti Nur Haliza"])
def test_name_variants_are_pre_answered_as_a_match(app, desk, name):  # noqa: F811
    web = _clerk(app)
    _load(web, _csv(_row(APPLICANT_NIK, name)))
    question, suggestion = _suggestion()
    assert suggestion["answer"] == "match", suggestion
    assert suggestion["registry_value"] is None
    assert suggestion["score"] == 1.0 and "nik" in suggestion["reasons"]
    extract = RegistryExtract.get()
    assert suggestion["note"] == f"Matched against extract {extract.id}"
    card_question, card = _suggestion("kk_membership")
    assert card["answer"] == "match", card
    event = AuditEvent.get(AuditEvent.action == "registry.extract_match")
    assert event.details_dict["questions"] >= 2


def test_a_near_miss_is_not_a_match(app, desk):  # noqa: F811
    web = _clerk(app)
    other = encode_nik("32.04.12", "F", date(1999, 3, 5), 7)
    _load(web, _csv(_row(other, "Siti Nurhasanah")))
    _, suggestion = _suggestion()
    assert suggestion["answer"] == "not_found", suggestion
    assert suggestion["score"] < 0.9


def test_a_differing_birth_date_is_a_mismatch_with_the_registrys_value(app, desk):  # noqa: F811
    web = _clerk(app)
    _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza", born="1998-03-05")))
    _, suggestion = _suggestion()
    assert suggestion["answer"] == "mismatch"
    assert suggestion["registry_value"] == "born 1998-03-05"


def test_a_name_found_under_another_nik_is_a_mismatch(app, desk):  # noqa: F811
    web = _clerk(app)
    other = encode_nik("32.04.12", "F", date(1999, 3, 5), 9)
    _load(web, _csv(_row(other, "Siti Nur Haliza")))
    _, suggestion = _suggestion()
    assert suggestion["answer"] == "mismatch" and suggestion["registry_value"] == f"NIK {other}"
    assert 0.8 <= suggestion["score"] < 1.0


def test_confirming_a_suggestion_answers_the_question(app, desk):  # noqa: F811
    web = _clerk(app)
    _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza", born="1998-03-05")))
    question, suggestion = _suggestion()
    response = web.post(
        f"/registry/questions/{question.id}/answer",
        {"confirm": "suggestion"},
        page="/registry/",
        headers={**EN, "HX-Request": "true"},
    )
    assert response.status_code == 200
    question = RegistryQuestion.get_by_id(question.id)
    assert question.status == "answered" and question.answer == "mismatch"
    assert question.registry_value == "born 1998-03-05"
    assert question.note.startswith("Matched against extract")
    assert CaseFinding.get(CaseFinding.source == "registry").code == (
        "registry_nik_identity_mismatch"
    )


def test_purge_removes_expired_extracts_and_is_audited(app, desk, clock, runner):  # noqa: F811
    web = _clerk(app)
    _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza")))
    clock.advance(days=29)
    result = runner.invoke(args=["registry", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 0 extracts" in result.output
    assert RegistryExtract.select().count() == 1
    clock.advance(days=2)
    result = runner.invoke(args=["registry", "purge"])
    assert "purged 1 extracts, 1 people" in result.output
    assert RegistryExtract.select().count() == 0 and RegistryPerson.select().count() == 0
    event = AuditEvent.get(AuditEvent.action == "registry.extract_purge")
    assert event.details_dict["extracts"] == 1 and event.details_dict["people"] == 1


def test_a_new_load_purges_expired_extracts(app, desk, clock):  # noqa: F811
    web = _clerk(app)
    _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza")))
    clock.advance(days=31)
    web = _clerk(app)  # the session ended meanwhile
    _load(web, _csv(_row(APPLICANT_NIK, "Siti Nurhaliza")))
    assert RegistryExtract.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "registry.extract_purge").count() == 1


# --- the family tree against the family card ---------------------------------------------------


def _family_extract(web):
    mother = "3204124204750001"
    father = encode_nik("32.04.12", "M", date(1970, 1, 1), 2)
    brother = encode_nik("32.04.12", "M", date(2003, 2, 10), 3)
    return _load(
        web,
        _csv(
            _row(father, "Ujang Suryana", sex="L", born="1970-01-01", relation="head"),
            _row(mother, "Euis Sumarni", born="1975-04-02", relation="wife"),
            _row(APPLICANT_NIK, "Siti Nurhaliza", relation="4"),
            _row(brother, "Dedi Kurniawan", sex="L", born="2003-02-10", relation="child"),
        ),
    )


def test_the_family_page_compares_and_records_the_differences(app, client, desk):  # noqa: F811
    submit_with_family(client, desk["case"])
    web = _clerk(app)
    _family_extract(web)
    url = f"/registry/cases/{desk['case'].id}/family"
    text = web.get(url, headers=EN).text
    side_by_side = list_rows(text)  # recorded, on the card, result
    assert any(row[0].startswith("Euis Sumarni") for row in side_by_side)
    assert ["—", "On the card, not recorded"] in [
        [row[0], row[2]] for row in side_by_side if row[1].startswith("Dedi Kurniawan")
    ]
    assert "1 difference(s)." in main_text(text)
    response = web.post(url, {}, page=url, headers=EN)
    assert response.status_code == 303
    codes = [f.code for f in CaseFinding.select().where(CaseFinding.source == "family")]
    assert codes == ["family_card_member_not_recorded"]
    web.post(url, {}, page=url, headers=EN)  # pressed twice: not recorded twice
    assert CaseFinding.select().where(CaseFinding.source == "family").count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "case.read").count() >= 1


def test_the_family_page_is_scoped(app, client, desk):  # noqa: F811
    case = desk["case"]
    url = f"/registry/cases/{case.id}/family"
    factories.user("clerk2", "registry", regions=["32.05"])
    for username, status in (("clerk", 200), ("clerk2", 404), ("supervisor", 200), ("intake", 200)):
        web = Web(app.test_client())
        web.login(username)
        assert web.get(url).status_code == status, username
    other_office = factories.office(code="KANIM-SMG", name="Kantor Imigrasi Semarang")
    factories.user("intake2", "intake", office_=other_office)
    web = Web(app.test_client())
    web.login("intake2")
    assert web.get(url).status_code == 404
    web = Web(app.test_client())
    web.login("supervisor")
    assert web.post(url, {}, page=url).status_code == 403
    field = Web(app.test_client())
    field.login("field1")
    assert field.get(url).status_code == 403
    assert Case.get_by_id(case.id).kk == KK


def test_a_case_without_a_district_is_for_the_clerk_of_its_family_cards_district(
    app,
    client,
    desk,  # noqa: F811
):
    """Neither its NIK nor its address gave the case a district: its family card's decides
    which clerk may open its family page (the district the card's question went to)."""
    case = desk["case"]
    Case.update(district_code=None, kk="3205010101150001").where(Case.id == case.id).execute()
    factories.user("clerk2", "registry", regions=["32.05"])
    for username, status in (("clerk", 404), ("clerk2", 200), ("supervisor", 200)):
        web = Web(app.test_client())
        web.login(username)
        assert web.get(f"/registry/cases/{case.id}/family").status_code == status, username
