"""A partner agency's CSV file of repatriated trafficking victims, loaded at headquarters.

Column names follow the Human Trafficking Case Data Standard 2.0 (HTCDS, by IOM, CC BY 4.0)
where it has a field: the person (prs_), the victim (vic_) and the exploitation event (hte_).
Where it has none (the issuing office, the passport and application numbers, the return, the
recruiter's details: name, phone, agency, social-media or messaging handle, the bank account
the victim was asked to pay into), the columns are FieldCheck's own, in plain words, named as
the intake form names them. The recruiter's details link the record to the recruiters of every
office's cases (fieldcheck.recruiters). One record a line;
dates as YYYY-MM-DD; several vic_TypeOfExploitation codes separated by ";".
"""

from datetime import date
from typing import IO

from fieldcheck import csvload, labels
from fieldcheck.domain import identity, watch
from fieldcheck.errors import message

COLUMNS = (
    "prs_FirstName",
    "prs_MiddleName",
    "prs_SecondName",
    "prs_IdentityNumber",
    "prs_Birthdate",
    "prs_Gender",
    "issuing_office",
    "passport_number",
    "application_number",
    "return_date",
    "return_place",
    "hte_Country",
    "vic_TypeOfExploitation",
    "hte_Description",
    "recruiter_name",
    "recruiter_phone",
    "recruiter_agency",
    "recruiter_handle",
    "recruiter_account",
)
REQUIRED = ("prs_FirstName", "issuing_office", "return_date")
# A record's field by the column it came from (for the problems' column names).
COLUMN_OF = {
    "name": "prs_FirstName",
    "nik": "prs_IdentityNumber",
    "birth_date": "prs_Birthdate",
    "sex": "prs_Gender",
    "office": "issuing_office",
    "passport_number": "passport_number",
    "application_number": "application_number",
    "returned_on": "return_date",
    "return_place": "return_place",
    "destination_country": "hte_Country",
    "exploitation": "vic_TypeOfExploitation",
    "circumstances": "hte_Description",
    "recruiter_name": "recruiter_name",
    "recruiter_phone": "recruiter_phone",
    "recruiter_agency": "recruiter_agency",
    "recruiter_handle": "recruiter_handle",
    "recruiter_account": "recruiter_account",
}


def record_of(cells: dict[str, str], problems, words, offices: dict[str, int]) -> dict:
    """A line's cells as a record: the name joined, codes and phone read, the office found."""
    name = " ".join(
        " ".join(cells.get(c, "").split())
        for c in ("prs_FirstName", "prs_MiddleName", "prs_SecondName")
        if cells.get(c)
    )
    record = {
        "name": name,
        "nik": "".join(cells.get("prs_IdentityNumber", "").split()) or None,
        "birth_date": csvload.date_cell(cells, "prs_Birthdate", problems, words),
        "returned_on": csvload.date_cell(cells, "return_date", problems, words),
        "passport_number": cells.get("passport_number", "").upper() or None,
        "application_number": cells.get("application_number", "").upper() or None,
        "return_place": cells.get("return_place", ""),
        "circumstances": cells.get("hte_Description", ""),
        "exploitation": [
            c.strip() for c in cells.get("vic_TypeOfExploitation", "").split(";") if c.strip()
        ],
        "recruiter_name": cells.get("recruiter_name") or None,
        "recruiter_agency": cells.get("recruiter_agency") or None,
        "recruiter_handle": cells.get("recruiter_handle") or None,
        "recruiter_account": cells.get("recruiter_account") or None,
    }
    gender = cells.get("prs_Gender", "")
    if gender and gender not in watch.GENDERS:
        codes = ", ".join(watch.GENDERS)
        problems.append(("prs_Gender", message("victim_gender", {"value": gender, "codes": codes})))
    record["sex"] = watch.GENDERS.get(gender)
    office = cells.get("issuing_office", "").upper()
    record["office"] = offices.get(office)
    if office and record["office"] is None:
        problems.append(("issuing_office", message("victim_office_unknown", {"value": office})))
    elif not office:
        problems.append(("issuing_office", message("required")))
    country = cells.get("hte_Country", "").upper()
    if country and country not in labels.country_names():
        problems.append(("hte_Country", message("victim_country", {"value": country})))
    record["destination_country"] = country or None
    phone = cells.get("recruiter_phone", "")
    record["recruiter_phone"] = None
    if phone:
        parsed = identity.parse_phone(phone)
        if parsed.problem is not None:
            problems.append(
                ("recruiter_phone", message(parsed.problem.code, parsed.problem.params))
            )
        record["recruiter_phone"] = parsed.number
    return record


def parse(
    stream: IO[bytes], caps: csvload.Caps, on: date, offices: dict[str, int]
) -> csvload.ParsedFile:
    """Every line checked (fieldcheck.domain.watch.victim_problems, and the issuing office among
    `offices`, code -> id); the valid ones as records ready to load."""
    words = csvload.messages(caps, COLUMNS)

    def check_row(cells):
        problems = []
        record = record_of(cells, problems, words, offices)
        said = {column for column, _ in problems}
        for field, code, params in watch.victim_problems(record, on):
            column = COLUMN_OF[field]
            if column not in said:
                problems.append((column, message(code, params)))
        return record, problems

    return csvload.parse(stream, caps, words, COLUMNS, REQUIRED, check_row)
