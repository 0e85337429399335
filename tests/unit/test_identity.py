"""NIK, KK and phone numbers: what they encode, when they are wrong, and the findings a NIK
makes against the application (DOMAIN.md, "Identity numbers")."""

import csv
from datetime import date

import pytest

from fieldcheck.domain.identity import (
    PROVINCE_CODES,
    Finding,
    PhoneResult,
    Problem,
    cross_check,
    decode_kk,
    decode_nik,
    encode_nik,
    normalise_phone,
    parse_phone,
)
from tests.conftest import REGIONS_CSV

ON = date(2025, 6, 1)  # the application date, unless a test says otherwise
WOMAN_1999 = "3204124503990001"  # 32.04.12, woman, 5 March 1999, serial 0001
MAN_2005 = "3204121508050002"  # 32.04.12, man, 15 August 2005, serial 0002


def codes(problems):
    return [p.code for p in problems]


def nik_for(birth_date, sex="F", district="32.04.12", serial=1):
    return encode_nik(district, sex, birth_date, serial)


# --- NIK: what it encodes -------------------------------------------------------------------


def test_a_womans_nik_gives_her_region_sex_birth_date_and_serial():
    nik = decode_nik(WOMAN_1999, ON)
    assert nik.valid
    assert (nik.errors, nik.warnings) == ([], [])
    assert nik.nik == WOMAN_1999
    assert nik.province_code == "32"
    assert nik.regency_code == "32.04"
    assert nik.district_code == "32.04.12"
    assert nik.sex == "F"
    assert nik.birth_date == date(1999, 3, 5)
    assert nik.serial == "0001"
    assert nik.age_on(ON) == 26


def test_a_man_born_in_2005_is_born_in_2005_not_1905():
    nik = decode_nik(MAN_2005, ON)
    assert nik.valid
    assert nik.sex == "M"
    assert nik.birth_date == date(2005, 8, 15)
    assert nik.age_on(ON) == 19


@pytest.mark.parametrize(
    "typed",
    [
        "3204 1245 0599 0001",
        "3204.1245.0599.0001",
        "3204-1245-0599-0001",
        " 3204124505990001\n",
        "3204\u00a01245\t0599 0001",
    ],
)
def test_spaces_dots_and_dashes_people_type_are_ignored(typed):
    nik = decode_nik(typed, ON)
    assert nik.valid
    assert nik.nik == "3204124505990001"
    assert nik.birth_date == date(1999, 5, 5)


def test_encode_nik_adds_40_to_a_womans_day_of_birth():
    assert encode_nik("32.04.12", "F", date(1999, 3, 5), 1) == WOMAN_1999
    assert encode_nik("320412", "M", date(2005, 8, 15), 2) == MAN_2005


@pytest.mark.parametrize(
    ("district", "sex", "serial"),
    [("32.04", "F", 1), ("32.04.1x", "F", 1), ("32.04.12", "W", 1), ("32.04.12", "F", 0)],
)
def test_encode_nik_refuses_what_no_nik_can_hold(district, sex, serial):
    with pytest.raises(ValueError):
        encode_nik(district, sex, date(1999, 3, 5), serial)


# --- NIK: errors ----------------------------------------------------------------------------


def test_serial_0000_is_an_error():
    nik = decode_nik("3204124503990000", ON)
    assert not nik.valid
    assert codes(nik.errors) == ["nik_serial_zero"]
    assert nik.birth_date is None


@pytest.mark.parametrize(("typed", "length"), [("", 0), ("320412450399001", 15), ("1" * 17, 17)])
def test_a_nik_without_16_digits_is_a_length_error_saying_how_many(typed, length):
    nik = decode_nik(typed, ON)
    assert nik.errors == [Problem("nik_length", {"length": length})]


@pytest.mark.parametrize(
    "typed", ["32041245039900O1", "3204124503990001a", "NIK 3204124503990001", "٣٢٠٤١٢٤٥٠٣٩٩٠٠٠١"]
)
def test_letters_or_non_latin_digits_are_an_error(typed):
    assert codes(decode_nik(typed, ON).errors) == ["nik_not_digits"]


@pytest.mark.parametrize("province", ["00", "10", "20", "37", "54", "90", "97", "99"])
def test_a_nik_outside_the_38_provinces_is_an_error(province):
    nik = decode_nik(province + WOMAN_1999[2:], ON)
    assert nik.errors == [Problem("nik_province", {"province": province})]


@pytest.mark.parametrize("province", sorted(PROVINCE_CODES))
def test_every_province_code_is_accepted(province):
    assert decode_nik(province + WOMAN_1999[2:], ON).province_code == province


def test_the_province_codes_are_the_two_digit_rows_of_the_region_table():
    if not REGIONS_CSV.exists():
        pytest.fail(f"the real region table is not at {REGIONS_CSV}")
    with REGIONS_CSV.open(encoding="utf-8-sig") as f:
        provinces = {row["code"] for row in csv.DictReader(f) if len(row["code"]) == 2}
    assert provinces == PROVINCE_CODES
    assert len(PROVINCE_CODES) == 38


@pytest.mark.parametrize(
    ("ddmmyy", "day", "month"),
    [
        ("310299", 31, 2),  # 31 February
        ("710299", 31, 2),  # a woman's 31 February
        ("000199", 0, 1),  # day 0
        ("400199", 40, 1),  # 40: no man's day, and a woman's would be day 0
        ("350199", 35, 1),  # 32-40 is neither a man's day nor a woman's
        ("720199", 32, 1),  # a woman's day 32
        ("050099", 5, 0),  # month 0
        ("051399", 5, 13),  # month 13
        ("310499", 31, 4),  # 31 April
    ],
)
def test_a_day_or_month_that_does_not_exist_is_a_birth_date_error(ddmmyy, day, month):
    nik = decode_nik(f"320412{ddmmyy}0001", ON)
    assert nik.errors == [Problem("nik_birth_date", {"day": day, "month": month, "year": 99})]


def test_errors_are_all_reported_together():
    nik = decode_nik("9904123102990000", ON)
    assert codes(nik.errors) == ["nik_province", "nik_birth_date", "nik_serial_zero"]


# --- NIK: the century of a two-digit year ---------------------------------------------------


def test_29_february_is_a_birth_date_in_a_leap_year():
    assert decode_nik("3204126902040001", ON).birth_date == date(2004, 2, 29)
    assert decode_nik("3204122902960001", ON).birth_date == date(1996, 2, 29)


def test_29_february_is_an_error_in_a_year_that_is_not_leap():
    nik = decode_nik("3204122902030001", ON)
    assert nik.errors == [Problem("nik_birth_date", {"day": 29, "month": 2, "year": 3})]


def test_29_february_00_is_2000_because_2000_was_a_leap_year():
    assert decode_nik("3204122902000001", ON).birth_date == date(2000, 2, 29)


def test_29_february_00_before_it_came_is_invalid_because_1900_was_not_leap():
    nik = decode_nik("3204122902000001", date(2000, 1, 15))
    assert not nik.valid
    assert nik.errors == [
        Problem("nik_future_birth", {"birth_date": date(2000, 2, 29), "on": date(2000, 1, 15)})
    ]


def test_born_on_the_application_date_is_valid_and_aged_0():
    nik = decode_nik(nik_for(ON), ON)
    assert nik.valid
    assert nik.birth_date == ON
    assert nik.age_on(ON) == 0


def test_born_the_day_after_the_application_date_is_99_years_old():
    nik = decode_nik(nik_for(date(2025, 6, 2)), ON)
    assert nik.birth_date == date(1925, 6, 2)
    assert nik.age_on(ON) == 99


def test_the_day_before_a_100th_birthday_is_99_years_old():
    nik = decode_nik(nik_for(date(1925, 12, 31)), ON)
    assert nik.birth_date == date(1925, 12, 31)
    assert nik.age_on(ON) == 99


def test_an_exact_100th_birthday_reads_as_a_newborn_since_the_nik_holds_two_year_digits():
    # 1 June 1925 and 1 June 2025 share the NIK; the rule picks the date that is not 100 years ago.
    nik = decode_nik(nik_for(date(1925, 6, 1)), ON)
    assert nik.valid
    assert nik.birth_date == ON


def test_exactly_100_years_old_is_plausible_and_101_is_not():
    # From 2100 on, 20YY can be more than 100 years back: the age limit is what catches it.
    on = date(2101, 1, 1)
    hundred = decode_nik(nik_for(date(2001, 1, 1)), on)
    assert hundred.valid
    assert hundred.age_on(on) == 100
    over = decode_nik(nik_for(date(2000, 1, 1)), on)
    assert over.errors == [
        Problem("nik_implausible_age", {"birth_date": date(2000, 1, 1), "age": 101})
    ]


def test_a_birth_after_the_application_date_in_both_centuries_is_an_error():
    on = date(1999, 6, 1)
    nik = decode_nik(nik_for(date(1999, 6, 2)), on)
    assert nik.errors == [Problem("nik_future_birth", {"birth_date": date(1999, 6, 2), "on": on})]


@pytest.mark.parametrize(
    ("ddmmyy", "born"),
    [("311299", date(1999, 12, 31)), ("010100", date(2000, 1, 1)), ("311200", date(2000, 12, 31))],
)
def test_births_either_side_of_2000_get_their_own_century(ddmmyy, born):
    assert decode_nik(f"320412{ddmmyy}0001", ON).birth_date == born


def test_an_invalid_nik_has_no_age():
    with pytest.raises(ValueError):
        decode_nik("3204124503990000", ON).age_on(ON)


# --- NIK: districts the region table does not know ------------------------------------------


def test_a_district_the_region_table_does_not_know_is_a_warning_not_an_error():
    asked = []

    def known(code):
        asked.append(code)
        return False

    nik = decode_nik(WOMAN_1999, ON, known_district=known)
    assert nik.valid
    assert nik.warnings == [Problem("nik_unknown_district", {"district": "32.04.12"})]
    assert asked == ["32.04.12"]


def test_a_known_district_or_no_lookup_gives_no_warning():
    assert decode_nik(WOMAN_1999, ON, known_district=lambda code: True).warnings == []
    assert decode_nik(WOMAN_1999, ON).warnings == []


def test_an_invalid_nik_does_not_ask_about_its_district():
    def known(code):
        raise AssertionError("asked about an invalid NIK's district")

    assert not decode_nik("3204124503990000", ON, known_district=known).valid


# --- cross-checks against the application ---------------------------------------------------


def check(nik=WOMAN_1999, **stated):
    given = {
        "stated_sex": None,
        "stated_birth_date": None,
        "marital_status": None,
        "office_region_codes": None,
        "on": ON,
    }
    return cross_check(decode_nik(nik, given["on"]), **(given | stated))


def test_a_stated_sex_the_nik_contradicts_is_a_finding():
    assert check(stated_sex="M") == [
        Finding("nik_sex_mismatch", {"nik_sex": "F", "stated_sex": "M"}, "warning")
    ]


def test_a_stated_sex_the_nik_agrees_with_or_none_stated_is_no_finding():
    assert check(stated_sex="F") == []
    assert check(stated_sex=None) == []


def test_a_stated_birth_date_the_nik_contradicts_is_a_finding_with_both_dates():
    assert check(stated_birth_date=date(1998, 3, 5)) == [
        Finding(
            "nik_birth_date_mismatch",
            {"nik_birth_date": date(1999, 3, 5), "stated_birth_date": date(1998, 3, 5)},
            "warning",
        )
    ]


def test_a_stated_birth_date_the_nik_agrees_with_or_none_stated_is_no_finding():
    assert check(stated_birth_date=date(1999, 3, 5)) == []
    assert check(stated_birth_date=None) == []


def test_a_centenarians_stated_birth_date_agrees_with_the_nik_that_reads_as_a_newborns():
    nik = nik_for(date(1925, 6, 1))
    assert check(nik, stated_birth_date=date(1925, 6, 1), marital_status="widowed") == []


def test_a_stated_date_a_century_before_a_minors_nik_date_is_still_a_mismatch():
    nik = nik_for(date(2010, 1, 1))
    findings = check(nik, stated_birth_date=date(1910, 1, 1), marital_status="single")
    assert codes(findings) == ["nik_birth_date_mismatch", "minor_unmarried"]


@pytest.mark.parametrize("office", [["32.04"], ["32"], ["32.04.12"], ["31.71", "32.04"]])
def test_a_nik_from_inside_the_offices_area_is_no_finding(office):
    assert check(office_region_codes=office) == []


@pytest.mark.parametrize("office", [["32.05"], ["33"], ["32.04.1"], ["32.04.13", "31.71"]])
def test_a_nik_from_outside_the_offices_area_is_an_info_finding(office):
    assert check(office_region_codes=office) == [
        Finding("nik_outside_office_area", {"district": "32.04.12"}, "info")
    ]


@pytest.mark.parametrize("office", [None, []])
def test_an_office_without_an_area_makes_no_area_finding(office):
    assert check(office_region_codes=office) == []


SIXTEEN = date(2008, 6, 2)  # 16 on ON, 17 the next day


@pytest.mark.parametrize("status", ["single", "divorced", "widowed", None])
def test_an_unmarried_minor_needs_both_parents_consent(status):
    assert check(nik_for(SIXTEEN), marital_status=status) == [
        Finding("minor_unmarried", {"age": 16}, "warning")
    ]


def test_a_married_minor_is_not_an_unmarried_minor():
    assert check(nik_for(SIXTEEN), marital_status="married") == []


def test_on_the_17th_birthday_the_applicant_is_no_longer_a_minor():
    assert check(nik_for(date(2008, 6, 1)), marital_status="single") == []


def test_a_minor_by_the_stated_date_alone_is_still_a_minor():
    findings = check(nik_for(date(2000, 1, 1)), stated_birth_date=SIXTEEN, marital_status="single")
    assert codes(findings) == ["nik_birth_date_mismatch", "minor_unmarried"]


def test_an_invalid_nik_makes_no_nik_finding_but_a_stated_minor_still_shows():
    stated = {
        "stated_sex": "M",
        "stated_birth_date": SIXTEEN,
        "marital_status": "single",
        "office_region_codes": ["31"],
    }
    assert check("3204124503990000", **stated) == [
        Finding("minor_unmarried", {"age": 16}, "warning")
    ]


@pytest.mark.parametrize(
    ("field", "value"), [("stated_sex", "female"), ("marital_status", "kawin")]
)
def test_a_value_outside_the_vocabulary_is_refused_rather_than_read_as_a_disagreement(field, value):
    with pytest.raises(ValueError):
        check(**{field: value})


def test_every_check_fires_at_once_when_everything_disagrees():
    findings = check(
        nik_for(SIXTEEN, sex="F"),
        stated_sex="M",
        stated_birth_date=date(2000, 1, 1),
        marital_status="single",
        office_region_codes=["31.71"],
    )
    assert codes(findings) == [
        "nik_sex_mismatch",
        "nik_birth_date_mismatch",
        "nik_outside_office_area",
        "minor_unmarried",
    ]


# --- KK (family card) -----------------------------------------------------------------------


def test_a_family_card_number_gives_its_region_issue_date_and_serial():
    kk = decode_kk("3204 1215 0310 0005", ON)
    assert kk.valid
    assert kk.kk == "3204121503100005"
    assert (kk.province_code, kk.regency_code, kk.district_code) == ("32", "32.04", "32.04.12")
    assert kk.issue_date == date(2010, 3, 15)
    assert kk.serial == "0005"


def test_a_family_card_issued_in_the_1990s_is_read_so():
    assert decode_kk("3204121503980005", ON).issue_date == date(1998, 3, 15)


def test_a_family_card_issued_on_the_application_date_is_valid():
    assert decode_kk("3204120106250005", ON).issue_date == ON


def test_a_family_cards_day_has_no_40_added():
    kk = decode_kk("3204125503100005", ON)
    assert kk.errors == [Problem("kk_issue_date", {"day": 55, "month": 3, "year": 10})]


def test_a_family_card_issued_after_the_application_date_is_an_error():
    on = date(1999, 6, 1)
    kk = decode_kk("3204120206990005", on)
    assert kk.errors == [Problem("kk_future_issue", {"issue_date": date(1999, 6, 2), "on": on})]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("3204121503100000", "kk_serial_zero"),
        ("9904121503100005", "kk_province"),
        ("3104123102100005", "kk_issue_date"),
        ("320412150310000", "kk_length"),
        ("32041215031000O5", "kk_not_digits"),
    ],
)
def test_a_wrong_family_card_number_says_what_is_wrong(typed, code):
    assert codes(decode_kk(typed, ON).errors) == [code]


def test_a_family_cards_unknown_district_is_a_warning():
    kk = decode_kk("3204121503100005", ON, known_district=lambda code: code != "32.04.12")
    assert kk.valid
    assert kk.warnings == [Problem("kk_unknown_district", {"district": "32.04.12"})]


# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("81234567890", "+6281234567890"),
        ("+62 (0)812-3456-7890", "+6281234567890"),
        ("0812.3456.7890", "+6281234567890"),
        ("(021) 5551 2345", "+622155512345"),  # a Jakarta landline
        ("0" + "8" * 9, "+62" + "8" * 9),  # 9 digits after the 0
        ("0" + "8" * 13, "+62" + "8" * 13),  # 13 digits after the 0
        ("+855 12 345 678", "+85512345678"),  # Cambodia
        ("+1 (202) 555-0123", "+12025550123"),
        ("+" + "9" * 8, "+" + "9" * 8),
        ("+" + "9" * 15, "+" + "9" * 15),
    ],
)
def test_a_plausible_number_is_kept_in_e164_form(typed, number):
    assert normalise_phone(typed) == number
    assert parse_phone(typed).problem is None


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", Problem("phone_empty")),
        (None, Problem("phone_empty")),
        ("  - ", Problem("phone_empty")),
        ("0812 3456 7890 (WA)", Problem("phone_characters")),
        ("0812+3456", Problem("phone_characters")),
        ("0" + "8" * 8, Problem("phone_length", {"digits": 8})),
        ("0" + "8" * 14, Problem("phone_length", {"digits": 14})),
        ("+62 812 345", Problem("phone_length", {"digits": 6})),
        ("00855 12 345 678", Problem("phone_prefix")),
        ("+0855 12 345 678", Problem("phone_prefix")),
        ("123456789", Problem("phone_prefix")),
        ("+62 00812 3456 7890", Problem("phone_prefix")),
        ("+" + "9" * 7, Problem("phone_foreign_length", {"digits": 7})),
        ("+" + "9" * 16, Problem("phone_foreign_length", {"digits": 16})),
    ],
)
def test_an_implausible_number_is_none_with_the_reason(typed, problem):
    assert normalise_phone(typed) is None
    assert parse_phone(typed) == PhoneResult(number=None, problem=problem)


# --- messages -------------------------------------------------------------------------------


def test_every_problem_and_finding_code_has_a_message_in_the_catalogue():
    from fieldcheck.errors import MESSAGES

    assert {
        "nik_not_digits",
        "nik_length",
        "nik_province",
        "nik_birth_date",
        "nik_future_birth",
        "nik_implausible_age",
        "nik_serial_zero",
        "nik_unknown_district",
        "kk_not_digits",
        "kk_length",
        "kk_province",
        "kk_issue_date",
        "kk_future_issue",
        "kk_serial_zero",
        "kk_unknown_district",
        "phone_empty",
        "phone_characters",
        "phone_prefix",
        "phone_length",
        "phone_foreign_length",
        "nik_sex_mismatch",
        "nik_birth_date_mismatch",
        "nik_outside_office_area",
        "minor_unmarried",
    } <= set(MESSAGES)


def test_a_message_is_filled_in_from_the_params():
    from flask import Flask
    from flask_babel import Babel

    from fieldcheck.errors import message

    app = Flask(__name__)
    Babel(app)  # no catalogue: the English of the code
    finding = check(stated_birth_date=date(1998, 3, 5))[0]
    with app.test_request_context():
        assert message("nik_length", {"length": 15}) == "The NIK has 15 digits; it must have 16."
        assert message(finding.code, finding.params) == (
            "The NIK gives the birth date Mar 5, 1999; the application says Mar 5, 1998."
        )
