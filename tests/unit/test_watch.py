"""Seen before (issue 16): the 24-month window of another office's case, prevention-list entries
in and out of force, and repatriated victims' records held against cases, never on a name
alone (fieldcheck.domain.watch)."""

from datetime import date

import pytest

from fieldcheck.domain import watch
from fieldcheck.domain.identity import encode_nik

TODAY = date(2026, 11, 20)
BORN = date(1999, 3, 5)
NIK = encode_nik("32.04.12", "F", BORN, 1)
OTHER_NIK = encode_nik("32.05.01", "F", BORN, 7)
APPLICANT = {"name": "Siti Nurhaliza", "nik": NIK, "birth_date": BORN}


def earlier(state="refused", on=date(2026, 1, 10), **overrides):
    row = {
        "id": 7,
        "office": "Kantor Imigrasi Cirebon",
        "state": state,
        "nik": NIK,
        "name": "Siti Nurhaliza",
        "birth_date": BORN,
        "application_date": on,
        "refused_on": on if state == "refused" else None,
    }
    return {**row, **overrides}


# --- the 24-month window ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months_ago", "counts"),
    [(0, True), (1, True), (23, True), (24, True), (25, False), (36, False)],
)
def test_a_refusal_counts_for_24_months(months_ago, counts):
    on = watch.months_before(TODAY, months_ago)
    found = watch.sightings(APPLICANT, [earlier(on=on)], TODAY)
    assert bool(found) is counts


def test_the_window_ends_on_the_same_day_24_calendar_months_before():
    assert watch.months_before(TODAY, 24) == date(2024, 11, 20)
    assert watch.within_months(date(2024, 11, 20), TODAY)
    assert not watch.within_months(date(2024, 11, 19), TODAY)
    assert not watch.within_months(date(2026, 11, 21), TODAY)  # a day after "today" is no past
    assert watch.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert watch.months_before(date(2028, 3, 31), 1) == date(2028, 2, 29)


def test_an_open_case_counts_from_its_application_date_and_a_closed_one_never():
    open_ = watch.sightings(
        APPLICANT, [earlier("in_field", on=watch.months_before(TODAY, 23))], TODAY
    )
    assert [(s.kind, s.office) for s in open_] == [(watch.IN_CHECK, "Kantor Imigrasi Cirebon")]
    stale = earlier("assigned", on=watch.months_before(TODAY, 25))
    assert watch.sightings(APPLICANT, [stale], TODAY) == []
    for state in ("verified", "cancelled", "revoked"):
        assert watch.sightings(APPLICANT, [earlier(state, on=date(2026, 10, 1))], TODAY) == []


def test_the_same_applicant_under_another_nik_is_found_by_name_and_birth_date():
    row = earlier(nik=OTHER_NIK, name="Siti Nurhalizah")  # a typo in the other office's name
    [found] = watch.sightings(APPLICANT, [row], TODAY)
    assert found.basis == watch.NAME_BIRTH_DATE
    assert watch.sightings(APPLICANT, [earlier(nik=OTHER_NIK, name="Dewi Lestari")], TODAY) == []
    born_else = earlier(nik=OTHER_NIK, birth_date=date(1999, 3, 6))
    assert watch.sightings(APPLICANT, [born_else], TODAY) == []


def test_sightings_come_newest_first_and_keep_nothing_of_the_other_case_but_office_and_date():
    rows = [earlier(on=date(2025, 6, 1)), earlier("registry_check", on=date(2026, 9, 1), id=9)]
    found = watch.sightings(APPLICANT, rows, TODAY)
    assert [(s.case_id, s.kind, s.on) for s in found] == [
        (9, watch.IN_CHECK, date(2026, 9, 1)),
        (7, watch.REFUSED, date(2025, 6, 1)),
    ]
    assert set(vars(found[0])) == {"case_id", "office", "kind", "on", "basis"}


# --- the prevention list ------------------------------------------------------------------------


def entry(valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30), **overrides):
    row = {
        "id": 3,
        "name": "Siti Nurhaliza",
        "nik": NIK,
        "birth_date": BORN,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    return {**row, **overrides}


@pytest.mark.parametrize(
    ("on", "matches"),
    [
        (date(2026, 10, 31), False),  # before its validity
        (date(2026, 11, 1), True),  # its first day
        (date(2026, 11, 15), True),
        (date(2026, 11, 30), True),  # its last day
        (date(2026, 12, 1), False),  # expired
    ],
)
def test_an_entry_matches_only_while_in_force(on, matches):
    hits = watch.listed({"applicant": APPLICANT}, [entry()], on)
    assert bool(hits) is matches


def test_an_entry_matches_by_nik_or_by_name_and_birth_date_never_by_name_alone():
    people = {"applicant": APPLICANT, "father-1": {"name": "Ujang Suryana"}}
    by_nik = entry(name="Someone Else", birth_date=None)
    by_name = entry(id=4, nik=None)
    name_only = entry(id=5, nik=None, birth_date=None, name="Ujang Suryana")
    hits = watch.listed(people, [by_nik, by_name, name_only], date(2026, 11, 10))
    assert [(h.subject, h.entry_id, h.basis) for h in hits] == [
        ("applicant", 3, watch.NIK),
        ("applicant", 4, watch.NAME_BIRTH_DATE),
    ]


def test_an_entry_without_dates_is_never_in_force():
    assert not watch.in_force(None, date(2026, 12, 1), TODAY)
    assert not watch.in_force(date(2026, 1, 1), None, TODAY)


# --- repatriated victims ------------------------------------------------------------------------


def case_row(id_, **overrides):
    row = {
        "id": id_,
        "application_number": f"2026-BDG-{id_:06d}",
        "nik": NIK,
        "name": "Siti Nurhaliza",
        "birth_date": BORN,
        "application_date": date(2026, 2, 1),
        "state": "verified",
        "has_report": True,
    }
    return {**row, **overrides}


RECORD = {
    "name": "Siti Nurhaliza",
    "nik": None,
    "birth_date": None,
    "application_number": None,
    "returned_on": date(2026, 10, 1),
}


def test_a_victim_is_matched_by_nik():
    cases = [case_row(1, nik=OTHER_NIK, birth_date=date(1990, 1, 1)), case_row(2)]
    found, basis = watch.victim_match({**RECORD, "nik": NIK}, cases)
    assert (found["id"], basis) == (2, watch.NIK)


def test_a_victim_is_matched_by_application_number_before_anything_else():
    cases = [case_row(1), case_row(2, nik=OTHER_NIK, name="Dewi Lestari")]
    record = {**RECORD, "nik": NIK, "application_number": " 2026-bdg-000002 "}
    found, basis = watch.victim_match(record, cases)
    assert (found["id"], basis) == (2, watch.APPLICATION_NUMBER)


def test_a_victim_is_matched_by_name_and_birth_date():
    cases = [case_row(1, nik=OTHER_NIK, name="Siti Nur Haliza")]
    found, basis = watch.victim_match({**RECORD, "birth_date": BORN}, cases)
    assert (found["id"], basis) == (1, watch.NAME_BIRTH_DATE)


def test_a_victim_is_never_matched_on_a_name_alone():
    cases = [case_row(1, nik=OTHER_NIK)]
    assert watch.victim_match(RECORD, cases) is None  # the very same name, nothing else
    other_birthday = {**RECORD, "birth_date": date(1999, 3, 6)}
    assert watch.victim_match(other_birthday, cases) is None


def test_the_case_with_a_report_is_the_one_that_preceded_the_passport():
    cases = [
        case_row(1, state="refused", has_report=False, application_date=date(2026, 5, 1)),
        case_row(2, application_date=date(2025, 12, 1)),
        case_row(3, state="in_field", has_report=False, application_date=date(2026, 9, 1)),
    ]
    found, _ = watch.victim_match({**RECORD, "nik": NIK}, cases)
    assert found["id"] == 2


def test_a_case_applied_for_after_the_return_did_not_precede_the_passport():
    cases = [case_row(1, application_date=date(2026, 10, 2))]
    assert watch.victim_match({**RECORD, "nik": NIK}, cases) is None
    assert watch.victim_match({**RECORD, "nik": NIK}, [case_row(1)]) is not None
