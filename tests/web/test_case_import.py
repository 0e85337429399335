"""CSV import of the passport system's export: dry run, all-or-nothing, valid-only, duplicates,
malformed files. Nothing is ever imported by half."""

import io

from fieldcheck.cases.importer import COLUMNS
from fieldcheck.models import AuditEvent, Case
from tests import factories
from tests.helpers import alerts, list_items, list_rows, main_text, parse, text_of

EN = {"Accept-Language": "en"}
HEADER = ",".join(COLUMNS)


def row(number, nik="3204124503990001", name="Siti Nurhaliza", **overrides):
    values = {
        "application_number": number,
        "application_date": "2026-10-20",
        "applicant_name": name,
        "nik": nik,
        "kk": "",
        "sex": "F",
        "birth_place": "Bandung",
        "birth_date": "1999-03-05",
        "marital_status": "single",
        "address": "Dayeuhkolot",
        "phone": "081234567890",
        "purpose": "work",
        "destination_country": "KH",
        "sponsor": "Golden Sun Co.",
        "sponsor_is_employer": "ya",
        "visa_type": "visit",
        "job_offer_channel": "",
        "costs_paid_by": "",
        "documents": "ktp;kk",
        "referral_reasons": "doubtful_purpose;recruiter_suspected",
        "referral_notes": "",
        "age_doubted": "",
        "priority": "normal",
        "due_date": "",
    }
    values.update(overrides)
    return ",".join(f'"{values[c]}"' for c in COLUMNS)


def export(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(web, data: bytes, *, check=False, mode="valid_only", name="export.csv"):
    form = {"file": (io.BytesIO(data), name), "mode": mode}
    form["check" if check else "import"] = "1"
    return web.post(
        "/cases/import", form, page="/cases/import", headers=EN, content_type="multipart/form-data"
    )


def row_problems(html) -> str:
    """The problems the check's table lists (line, column, problem), as one text."""
    return " ".join(problem for _line, _column, problem in list_rows(html))


def signed_in(web):
    factories.user("intake", "intake")
    web.login("intake")


def test_dry_run_reports_each_bad_row_and_saves_nothing(app, web):
    signed_in(web)
    data = export(
        row("A-1"),
        row("A-2", nik="12345"),
        row("A-3", birth_date="2030-01-01"),
        row("A-4", referral_reasons=""),
    )
    text = upload(web, data, check=True).text
    summary = list_items(text, "summary")
    assert "Rows in the file: 4" in summary and "Valid rows ready to import: 1" in summary
    assert "Rows with problems: 3" in summary
    problems = row_problems(text)
    assert "The NIK has 5 digits" in problems and "This date is in the future" in problems
    assert "Choose at least one reason" in problems
    assert [line for line, _column, _problem in list_rows(text)] == ["3", "4", "5"]
    assert Case.select().count() == 0


def test_a_dry_run_in_indonesian_says_every_problem_in_indonesian(app, web):
    """A code a column does not take is named, with the codes it takes (WTForms alone would say
    "Not a valid choice.", in English)."""
    signed_in(web)
    data = export(row("A-1", destination_country="XX"), row("A-2", purpose="smuggling"))
    form = {"file": (io.BytesIO(data), "export.csv"), "mode": "valid_only", "check": "1"}
    html = web.post(
        "/cases/import",
        form,
        page="/cases/import",
        headers={"Accept-Language": "id"},
        content_type="multipart/form-data",
    ).text
    problems = row_problems(html)
    assert "“XX” bukan kode negara" in problems
    assert "“smuggling” bukan kode yang diterima kolom ini: work, " in problems
    assert "Not a valid choice" not in main_text(html)


def test_a_yes_or_no_cell_that_is_neither_is_a_row_problem_not_a_no(app, web):
    signed_in(web)
    data = export(
        row("A-1", age_doubted="maybe"),
        row("A-2", age_doubted="Ya", sponsor_is_employer="tidak"),
        row("A-3", sponsor_is_employer="0", age_doubted="yes"),
    )
    html = upload(web, data, check=True).text
    assert "Valid rows ready to import: 2" in list_items(html, "summary")
    assert "“maybe” is neither yes nor no" in row_problems(html)
    upload(web, data).get_data()  # valid rows only (the streamed page runs the import)
    doubted = {c.application_number: (c.age_doubted, c.sponsor_is_employer) for c in Case.select()}
    assert doubted == {"A-2": (True, False), "A-3": (True, False)}


def test_the_job_channel_and_the_payer_are_imported_for_the_signals_to_compare(app, web):
    """Intake's answers that the field's answers are set against (issue 15): read from their
    own columns, codes checked as the intake form checks them."""
    signed_in(web)
    data = export(
        row("A-1", job_offer_channel="social_media", costs_paid_by="recruiter"),
        row("A-2", job_offer_channel="tiktok"),
    )
    html = upload(web, data, check=True).text
    assert "Valid rows ready to import: 1" in list_items(html, "summary")
    assert "“tiktok” is not a code this column takes: social_media, " in row_problems(html)
    upload(web, data).get_data()  # valid rows only (the streamed page runs the import)
    [case] = Case.select()
    assert (case.job_offer_channel, case.costs_paid_by) == ("social_media", "recruiter")


def test_the_import_page_lists_the_codes_each_column_takes(app, web):
    signed_in(web)
    codes = parse(web.get("/cases/import", headers=EN).text).find("dl", id="import-codes")
    named = [code.get_text() for term in codes.find_all("dt") for code in term.find_all("code")]
    coded = ("sex", "purpose", "visa_type", "job_offer_channel", "costs_paid_by", "documents")
    for column in (*coded, "referral_reasons", "priority"):
        assert column in named
    assert "F, M" in [code.get_text() for code in codes.select("dd > code")]
    assert "ISO 3166" in codes.get_text()


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(app, web):
    signed_in(web)
    data = export(row("A-1"), row("A-2", nik="12345"))
    text = upload(web, data, mode="all_or_nothing").text
    assert text_of(text, "h-report") == "Nothing was imported" and "mend the rows below" in alerts(
        text
    )
    assert Case.select().count() == 0


def test_valid_only_imports_the_valid_rows_and_lists_the_others(app, web):
    signed_in(web)
    data = export(row("A-1"), row("A-2", nik="12345"), row("A-3", name="Dewi Lestari"))
    response = upload(web, data)
    text = response.text
    assert response.status_code == 200
    assert "Imported 2 cases." in alerts(text) and "1 row with problems was left out" in alerts(
        text
    )
    assert parse(text).find("progress") is not None
    assert sorted(c.application_number for c in Case.select()) == ["A-1", "A-3"]
    event = AuditEvent.get(AuditEvent.action == "case.import")
    assert event.details_dict == {"imported": 2, "bad_lines": 1, "duplicates": 0}
    assert AuditEvent.select().where(AuditEvent.action == "case.create").count() == 2


def test_a_clean_file_in_all_or_nothing_mode_imports_everything(app, web):
    signed_in(web)
    text = upload(web, export(row("A-1"), row("A-2")), mode="all_or_nothing").text
    assert "Imported 2 cases." in alerts(text)
    assert Case.select().count() == 2


def test_duplicates_are_reported_not_imported_twice(app, web):
    signed_in(web)
    upload(web, export(row("A-1"), row("A-2"))).get_data()  # a streamed page: read it all
    summary = list_items(
        upload(web, export(row("A-1"), row("A-2"), row("A-3")), check=True).text, "summary"
    )
    assert "Already cases of this office (will not be imported again): 2" in summary
    assert "Valid rows ready to import: 1" in summary
    said = alerts(upload(web, export(row("A-1"), row("A-2"), row("A-3"))).text)
    assert "Imported 1 case." in said and "2 rows were already cases" in said
    assert Case.select().count() == 3


def test_the_same_number_twice_in_one_file_is_a_row_problem(app, web):
    signed_in(web)
    text = upload(web, export(row("A-1"), row("A-1")), check=True).text
    assert "already on line 2 of this file" in row_problems(text)


def test_wrong_columns_are_named(app, web):
    signed_in(web)
    said = alerts(upload(web, export("x", header="nomor,nama,nik")).text)
    assert "do not match" in said and "application_number" in said and "nomor" in said
    assert Case.select().count() == 0


def test_bad_encoding_is_explained(app, web):
    signed_in(web)
    data = export(row("A-1", name="Sit\u00ed")).decode().encode("utf-16")
    assert "not UTF-8" in alerts(upload(web, data).text)
    assert Case.select().count() == 0


def test_empty_file_is_explained(app, web):
    signed_in(web)
    assert "The file is empty" in alerts(upload(web, b"").text)
    assert "The file is empty" in alerts(upload(web, b"  \n").text)


def test_a_row_with_too_many_cells_is_a_row_problem(app, web):
    signed_in(web)
    text = upload(web, export(row("A-1") + ',"extra"'), check=True).text
    assert "more cells than the header" in row_problems(text)


def test_an_import_cut_off_midway_saves_nothing(app, web):
    signed_in(web)
    response = upload(web, export(row("A-1"), row("A-2")))
    response.close()  # the browser went away before the end: the transaction rolls back
    assert Case.select().count() == 0


def test_no_file_chosen(app, web):
    signed_in(web)
    response = web.post(
        "/cases/import", {"import": "1", "mode": "valid_only"}, page="/cases/import", headers=EN
    )
    assert response.status_code == 422 and "Choose a file" in text_of(response.text, "file-error")


def test_import_a_larger_file_shows_progress(app, web):
    from datetime import date, timedelta

    from fieldcheck.domain.identity import encode_nik

    signed_in(web)
    rows = []
    for i in range(120):
        born = date(1990, 1, 1) + timedelta(days=37 * i)
        nik = encode_nik("32.04.12", "F", born, i + 1)
        rows.append(row(f"B-{i:03d}", nik=nik, birth_date=born.isoformat()))
    text = upload(web, export(*rows)).text
    assert len(parse(text).select("p.progress-step progress")) == 3  # after 50, 100 and 120 rows
    assert "Imported 120 cases." in alerts(text)
    assert Case.select().count() == 120
