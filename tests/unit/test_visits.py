"""The server's judgement of a pushed field visit: what a good one cleans to, every error by its
field path and stable code, all at once, and no JSON that makes it raise (DESIGN.md, "The one
write path from the phone")."""

import copy
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.domain.visits import (
    CHANNELS,
    COSTS,
    ERROR_CODES,
    KK_RELATIONS,
    PURPOSES,
    RECOMMENDATIONS,
    RELATIONS,
    VISA_TYPES,
    VisitCheck,
    clean_text,
    facts_from_visit,
    validate_visit,
)

NOW = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 08:30 in Bandung (WIB, UTC+7)
FATHER_UUID = "0b6f7f0e-4a8c-4d1e-9a55-6c1f2f0d9b01"
MOTHER_UUID = "5d0c2a9e-1f3b-4e6a-8c7d-2b9e4f6a1c02"
FATHER_NIK = "3204121205750001"  # 32.04.12, man, 12 May 1975
MOTHER_NIK = "3204126008780002"  # 32.04.12, woman, 20 August 1978
HOUSE_PHOTO = "ab" * 32
CARD_PHOTO = "cd" * 32
DELETE = object()


def full_payload() -> dict:
    """What a careful officer's phone sends: every field, written as people type."""
    return {
        "case_id": 42,
        "visited_at": "2026-11-02T08:15:00+07:00",
        "household": {
            "address_found": True,
            "met_name": "  Siti Aminah ",
            "met_relation": "mother",
            "applicant_lives_there": True,
            "aware_of_trip": False,
            "purpose_matches": None,
            "account": "Katanya kerja di restoran.\r\nDi Phnom Penh.\x00",
            "living_conditions": "Rumah kayu,\tdua kamar.",
        },
        "gps": {"status": "fixed", "lat": -6.9175, "lon": 107, "accuracy_m": 12.5},
        "family": [
            {
                "uuid": FATHER_UUID.upper(),
                "relation": "father",
                "kk_relation": "head",
                "name": "Ahmad Sutisna",
                "nik": "3204 1212.0575-0001",
                "birth_date": "1975-05-12",
                "alive": True,
                "present": False,
            },
            {"uuid": MOTHER_UUID, "relation": "mother", "name": "Siti Aminah", "present": True},
        ],
        "interview": {
            "purpose": "tourism",
            "job_offer_channel": "social_media",
            "recruiter_name": "Pak Joko",
            "recruiter_phone": "0812-3456-7890",
            "recruiter_agency": "PT Maju Jaya",
            "recruiter_handle": "@pak.joko",
            "recruiter_account": "123-456-7890",
            "promised_salary_idr": 15_000_000,
            "costs_paid_by": "recruiter",
            "contract_seen": False,
            "visa_type": "visit",
            "knowledge": "Hanya tahu nama kota.",
        },
        "photos": [
            {"sha256": HOUSE_PHOTO, "caption": "Rumah"},
            {"sha256": CARD_PHOTO},
        ],
        "assessment": "Keluarga tidak tahu rencana kerja.",
        "recommendation": "refuse",
    }


def minimal_payload() -> dict:
    """Only what is required."""
    return {
        "case_id": 7,
        "visited_at": "2026-11-02T01:00:00Z",
        "household": {"address_found": False},
        "gps": {"status": "denied"},
        "interview": {"purpose": "work"},
        "recommendation": "unclear",
    }


def changed(payload: dict, path: str, value) -> dict:
    """A copy of `payload` with the dotted `path` set to `value` (or removed with DELETE)."""
    payload = copy.deepcopy(payload)
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    key = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return payload


def errors_of(payload, now=NOW) -> list[dict]:
    check = validate_visit(payload, now=now)
    assert check.clean is None
    return check.errors


def fields_and_codes(payload, now=NOW) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in errors_of(payload, now)]


def clean(payload, now=NOW) -> dict:
    check = validate_visit(payload, now=now)
    assert check.errors == []
    assert check.valid
    return check.clean


# --- What a good visit cleans to ------------------------------------------------------------


def test_a_full_visit_cleans_to_utc_time_normalised_numbers_stripped_text_and_defaults():
    assert clean(full_payload()) == {
        "case_id": 42,
        "visited_at": datetime(2026, 11, 2, 1, 15, tzinfo=UTC),
        "household": {
            "address_found": True,
            "met_name": "Siti Aminah",
            "met_relation": "mother",
            "applicant_lives_there": True,
            "aware_of_trip": False,
            "purpose_matches": None,
            "account": "Katanya kerja di restoran.\nDi Phnom Penh.",
            "living_conditions": "Rumah kayu,\tdua kamar.",
        },
        "gps": {"status": "fixed", "lat": -6.9175, "lon": 107.0, "accuracy_m": 12.5},
        "family": [
            {
                "uuid": FATHER_UUID,
                "relation": "father",
                "kk_relation": "head",
                "name": "Ahmad Sutisna",
                "nik": FATHER_NIK,
                "birth_date": date(1975, 5, 12),
                "alive": True,
                "present": False,
            },
            {
                "uuid": MOTHER_UUID,
                "relation": "mother",
                "kk_relation": None,
                "name": "Siti Aminah",
                "nik": None,
                "birth_date": None,
                "alive": True,
                "present": True,
            },
        ],
        "interview": {
            "purpose": "tourism",
            "job_offer_channel": "social_media",
            "recruiter_name": "Pak Joko",
            "recruiter_phone": "+6281234567890",
            "recruiter_agency": "PT Maju Jaya",
            "recruiter_handle": "@pak.joko",
            "recruiter_account": "123-456-7890",
            "promised_salary_idr": 15_000_000,
            "costs_paid_by": "recruiter",
            "contract_seen": False,
            "visa_type": "visit",
            "knowledge": "Hanya tahu nama kota.",
        },
        "photos": [
            {"sha256": HOUSE_PHOTO, "caption": "Rumah"},
            {"sha256": CARD_PHOTO, "caption": None},
        ],
        "assessment": "Keluarga tidak tahu rencana kerja.",
        "recommendation": "refuse",
        "amends": None,
    }


def test_the_visited_at_time_is_an_aware_utc_datetime():
    visited_at = clean(full_payload())["visited_at"]
    assert visited_at.tzinfo is UTC
    assert visited_at.utcoffset() == timedelta(0)


def test_a_minimal_visit_gets_none_for_what_was_not_given_and_empty_lists():
    result = clean(minimal_payload())
    assert result["family"] == [] and result["photos"] == []
    assert result["gps"] == {"status": "denied", "lat": None, "lon": None, "accuracy_m": None}
    assert result["household"]["met_name"] is None
    assert result["interview"]["promised_salary_idr"] is None
    assert result["assessment"] is None and result["amends"] is None


def test_blank_form_inputs_count_as_not_given():
    payload = minimal_payload()
    payload["household"].update(met_name="   ", met_relation="", aware_of_trip="")
    payload["interview"].update(recruiter_phone=" ", promised_salary_idr="", visa_type="")
    payload.update(family="", amends="")
    result = clean(payload)
    assert result["household"]["met_name"] is None
    assert result["household"]["met_relation"] is None
    assert result["household"]["aware_of_trip"] is None
    assert result["interview"]["recruiter_phone"] is None
    assert result["interview"]["promised_salary_idr"] is None
    assert result["family"] == [] and result["amends"] is None


def test_an_amendment_names_the_visit_it_amends_in_lowercase():
    payload = changed(minimal_payload(), "amends", MOTHER_UUID.upper())
    assert clean(payload)["amends"] == MOTHER_UUID


def test_alive_defaults_to_true_and_present_to_false_also_when_null():
    payload = full_payload()
    payload["family"][1].update(alive=None, present=None)
    member = clean(payload)["family"][1]
    assert (member["alive"], member["present"]) == (True, False)


def test_a_dead_parent_is_recorded_as_not_alive():
    payload = changed(full_payload(), "family.0.alive", False)
    assert clean(payload)["family"][0]["alive"] is False


def test_a_foreign_recruiter_phone_is_kept_in_e164():
    payload = changed(full_payload(), "interview.recruiter_phone", "+855 12 345 678")
    assert clean(payload)["interview"]["recruiter_phone"] == "+85512345678"


# --- Each error code, by its exact field path -----------------------------------------------

ERROR_CASES = [
    ("case_id", DELETE, "case_id", "required", None),
    ("household.address_found", None, "household.address_found", "required", None),
    ("family.1.name", " \t", "family.1.name", "required", None),
    ("household", ["address_found"], "household", "not_an_object", None),
    ("family.0", "Ahmad", "family.0", "not_an_object", None),
    ("household.aware_of_trip", "yes", "household.aware_of_trip", "not_a_boolean", None),
    ("family.0.alive", 1, "family.0.alive", "not_a_boolean", None),
    ("gps.lat", "-6.9", "gps.lat", "not_a_number", None),
    ("gps.accuracy_m", True, "gps.accuracy_m", "not_a_number", None),
    ("case_id", 42.0, "case_id", "not_an_integer", None),
    (
        "interview.promised_salary_idr",
        True,
        "interview.promised_salary_idr",
        "not_an_integer",
        None,
    ),
    ("family.1.name", 5, "family.1.name", "not_text", None),
    ("interview.recruiter_phone", 81234567890, "interview.recruiter_phone", "not_text", None),
    (
        "household.met_name",
        "x" * 201,
        "household.met_name",
        "too_long",
        {"max": 200, "length": 201},
    ),
    ("assessment", "y" * 8001, "assessment", "too_long", {"max": 8000, "length": 8001}),
    ("family.0.birth_date", "12/05/1975", "family.0.birth_date", "not_a_date", None),
    ("visited_at", "2026-11-02T08:15:00", "visited_at", "not_a_datetime", None),
    ("visited_at", 1793577600, "visited_at", "not_a_datetime", None),
    ("family.0.birth_date", "2026-11-03", "family.0.birth_date", "in_the_future", None),
    ("gps.lon", 150.0, "gps.lon", "out_of_range", {"min": 94.5, "max": 141.5}),
    ("case_id", 0, "case_id", "out_of_range", {"min": 1, "max": 2**31 - 1}),
    (
        "interview.promised_salary_idr",
        1_000_000_001,
        "interview.promised_salary_idr",
        "out_of_range",
        {"min": 0, "max": 1_000_000_000},
    ),
    ("interview.purpose", "holiday", "interview.purpose", "unknown_code", None),
    ("family.0.relation", "head", "family.0.relation", "unknown_code", None),
    ("family.0.kk_relation", "father", "family.0.kk_relation", "unknown_code", None),
    ("recommendation", 1, "recommendation", "unknown_code", None),
    ("family.1.uuid", "member-2", "family.1.uuid", "not_a_uuid", None),
    ("amends", 12, "amends", "not_a_uuid", None),
    ("family", {"0": {}}, "family", "not_a_list", None),
    ("photos", "ab" * 32, "photos", "not_a_list", None),
    ("family.1.uuid", FATHER_UUID, "family.1.uuid", "duplicate", {"first": 0}),
    ("photos.1.sha256", HOUSE_PHOTO, "photos.1.sha256", "duplicate", {"first": 0}),
    ("family.1.nik", "3204126008780000", "family.1.nik", "nik_invalid", None),
    (
        "interview.recruiter_phone",
        "12345",
        "interview.recruiter_phone",
        "phone_invalid",
        {"reason": "phone_prefix"},
    ),
    ("photos.0.sha256", "AB" * 32, "photos.0.sha256", "not_a_sha256", None),
    ("photos.0.sha256", "ab" * 31, "photos.0.sha256", "not_a_sha256", None),
    ("household.adress_found", True, "household.adress_found", "unexpected_field", None),
    ("family.0.sex", "M", "family.0.sex", "unexpected_field", None),
    ("notes", "x", "notes", "unexpected_field", None),
]


@pytest.mark.parametrize(("path", "value", "field", "code", "params"), ERROR_CASES)
def test_an_error_names_its_field_path_and_stable_code(path, value, field, code, params):
    errors = errors_of(changed(full_payload(), path, value))
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    if params is not None:
        assert errors[0]["params"] == params


def test_every_error_code_is_shown_by_a_case():
    shown = {code for *_, code, _params in ERROR_CASES} | {"too_many"}
    assert shown == set(ERROR_CODES)


def test_more_than_20_photos_are_too_many():
    photos = [{"sha256": f"{n:064x}"} for n in range(21)]
    errors = errors_of(changed(full_payload(), "photos", photos))
    assert errors == [{"field": "photos", "code": "too_many", "params": {"max": 20}}]


def test_more_than_40_family_members_are_too_many():
    members = [
        {"uuid": f"00000000-0000-4000-8000-{n:012d}", "relation": "other_relative", "name": "X"}
        for n in range(41)
    ]
    assert fields_and_codes(changed(full_payload(), "family", members)) == [("family", "too_many")]


def test_forty_family_members_are_allowed():
    members = [
        {"uuid": f"00000000-0000-4000-8000-{n:012d}", "relation": "sibling", "name": "X"}
        for n in range(40)
    ]
    assert len(clean(changed(full_payload(), "family", members))["family"]) == 40


def test_a_nik_error_says_why_by_code_but_never_repeats_the_number():
    errors = errors_of(changed(full_payload(), "family.1.nik", "3204126008780000"))
    assert errors == [
        {"field": "family.1.nik", "code": "nik_invalid", "params": {"reasons": ["nik_serial_zero"]}}
    ]
    short = errors_of(changed(full_payload(), "family.0.nik", "320412"))
    assert short[0]["params"] == {"reasons": ["nik_length"]}
    assert "320412" not in repr(short)


def test_a_payload_that_is_not_an_object_is_one_error_on_the_whole():
    assert errors_of(None) == [{"field": "", "code": "required"}]
    assert errors_of([full_payload()]) == [{"field": "", "code": "not_an_object"}]
    assert errors_of("visit") == [{"field": "", "code": "not_an_object"}]


def test_an_empty_payload_asks_for_every_required_part():
    assert fields_and_codes({}) == [
        ("case_id", "required"),
        ("visited_at", "required"),
        ("household", "required"),
        ("gps", "required"),
        ("interview", "required"),
        ("recommendation", "required"),
    ]


def test_all_errors_are_reported_at_once():
    payload = full_payload()
    payload["case_id"] = "42"
    payload["household"]["aware_of_trip"] = "tidak"
    payload["household"]["colour"] = "green"
    payload["gps"]["lat"] = 40.0
    payload["family"][0]["nik"] = "1234"
    payload["family"][1]["uuid"] = FATHER_UUID
    payload["family"][1]["name"] = ""
    payload["interview"]["purpose"] = "kerja"
    payload["interview"]["recruiter_phone"] = "abc"
    payload["photos"][1]["sha256"] = "not a hash"
    payload["recommendation"] = "approve"
    assert fields_and_codes(payload) == [
        ("case_id", "not_an_integer"),
        ("household.colour", "unexpected_field"),
        ("household.aware_of_trip", "not_a_boolean"),
        ("gps.lat", "out_of_range"),
        ("family.0.nik", "nik_invalid"),
        ("family.1.name", "required"),
        ("family.1.uuid", "duplicate"),  # told once the member is read
        ("interview.purpose", "unknown_code"),
        ("interview.recruiter_phone", "phone_invalid"),
        ("photos.1.sha256", "not_a_sha256"),
        ("recommendation", "unknown_code"),
    ]


def test_a_visit_with_errors_has_no_clean_form():
    check = validate_visit(changed(full_payload(), "case_id", -1), now=NOW)
    assert isinstance(check, VisitCheck)
    assert check.clean is None and not check.valid


# --- GPS ------------------------------------------------------------------------------------


def test_a_fix_needs_lat_lon_and_accuracy():
    payload = changed(full_payload(), "gps", {"status": "fixed"})
    assert fields_and_codes(payload) == [
        ("gps.lat", "required"),
        ("gps.lon", "required"),
        ("gps.accuracy_m", "required"),
    ]


@pytest.mark.parametrize("status", ["denied", "unavailable"])
def test_without_a_fix_gps_carries_no_position(status):
    payload = changed(full_payload(), "gps", {"status": status, "lat": -6.9, "accuracy_m": 30})
    assert fields_and_codes(payload) == [
        ("gps.lat", "unexpected_field"),
        ("gps.accuracy_m", "unexpected_field"),
    ]


@pytest.mark.parametrize("status", ["denied", "unavailable"])
def test_without_a_fix_null_coordinates_are_fine(status):
    gps = {"status": status, "lat": None, "lon": None, "accuracy_m": None}
    assert clean(changed(full_payload(), "gps", gps))["gps"] == gps


def test_a_gps_status_is_required_and_must_be_known():
    assert fields_and_codes(changed(full_payload(), "gps.status", DELETE)) == [
        ("gps.status", "required")
    ]
    assert fields_and_codes(changed(full_payload(), "gps.status", "off")) == [
        ("gps.status", "unknown_code")
    ]


def test_with_an_unknown_status_the_numbers_are_still_checked():
    gps = {"status": "gps", "lat": 95.0, "lon": 107.6, "accuracy_m": 5}
    assert fields_and_codes(changed(full_payload(), "gps", gps)) == [
        ("gps.status", "unknown_code"),
        ("gps.lat", "out_of_range"),
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy_m"),
    [(-11.5, 94.5, 10_000), (6.5, 141.5, 0.1), (0, 120, 1)],
)
def test_a_fix_on_the_edge_of_indonesia_is_accepted(lat, lon, accuracy_m):
    gps = {"status": "fixed", "lat": lat, "lon": lon, "accuracy_m": accuracy_m}
    assert clean(changed(full_payload(), "gps", gps))["gps"]["lat"] == float(lat)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lat", -11.6),
        ("lat", 6.51),
        ("lon", 94.4),
        ("lon", 141.6),
        ("accuracy_m", 0),
        ("accuracy_m", -5),
        ("accuracy_m", 10_000.1),
        ("lat", float("inf")),
        ("lon", 10**400),
    ],
)
def test_a_fix_outside_indonesia_or_with_impossible_accuracy_is_out_of_range(name, value):
    assert fields_and_codes(changed(full_payload(), f"gps.{name}", value)) == [
        (f"gps.{name}", "out_of_range")
    ]


def test_a_nan_coordinate_is_not_a_number():
    assert fields_and_codes(changed(full_payload(), "gps.lat", float("nan"))) == [
        ("gps.lat", "not_a_number")
    ]


# --- When the visit took place --------------------------------------------------------------


def test_a_visit_time_in_utc_with_z_is_read():
    payload = changed(full_payload(), "visited_at", "2026-11-02T01:15:00Z")
    assert clean(payload)["visited_at"] == datetime(2026, 11, 2, 1, 15, tzinfo=UTC)


def test_a_phone_clock_up_to_ten_minutes_ahead_is_accepted():
    ahead = (NOW + timedelta(minutes=10)).isoformat()
    assert clean(changed(full_payload(), "visited_at", ahead))["visited_at"] == NOW + timedelta(
        minutes=10
    )


def test_a_visit_more_than_ten_minutes_ahead_is_in_the_future():
    ahead = (NOW + timedelta(minutes=10, seconds=1)).isoformat()
    assert fields_and_codes(changed(full_payload(), "visited_at", ahead)) == [
        ("visited_at", "in_the_future")
    ]


def test_a_visit_60_days_old_is_accepted_but_an_older_one_is_out_of_range():
    oldest = (NOW - timedelta(days=60)).isoformat()
    assert clean(changed(full_payload(), "visited_at", oldest))
    too_old = (NOW - timedelta(days=60, seconds=1)).isoformat()
    assert errors_of(changed(full_payload(), "visited_at", too_old)) == [
        {"field": "visited_at", "code": "out_of_range", "params": {"max_age_days": 60}}
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0001-01-01T00:00:00+05:00", "out_of_range"),
        ("9999-12-31T23:59:59-05:00", "in_the_future"),
        ("2026-11-02", "not_a_datetime"),
        ("kemarin", "not_a_datetime"),
        ("2026-11-02T08:15:00+25:00", "not_a_datetime"),
    ],
)
def test_an_extreme_or_unreadable_visit_time_is_an_error_not_a_crash(text, code):
    assert fields_and_codes(changed(full_payload(), "visited_at", text)) == [("visited_at", code)]


def test_a_child_born_today_in_eastern_indonesia_is_not_in_the_future():
    # 20:00 UTC is already 05:00 the next day in Jayapura (WIT, UTC+9).
    late = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
    payload = changed(full_payload(), "family.1.birth_date", "2026-11-03")
    assert clean(payload, now=late)["family"][1]["birth_date"] == date(2026, 11, 3)
    tomorrow = changed(full_payload(), "family.1.birth_date", "2026-11-04")
    assert fields_and_codes(tomorrow, now=late) == [("family.1.birth_date", "in_the_future")]


def test_the_server_clock_must_be_timezone_aware():
    with pytest.raises(ValueError):
        validate_visit(full_payload(), now=datetime(2026, 11, 2, 1, 30))


# --- Text, booleans, integers, codes --------------------------------------------------------


def test_text_loses_control_characters_and_crlf_but_keeps_newlines_and_tabs():
    payload = changed(
        full_payload(), "assessment", " \x07Baris satu\r\nbaris\tdua\x1b\u0085\ud800 "
    )
    assert clean(payload)["assessment"] == "Baris satu\nbaris\tdua"


def test_text_length_is_counted_after_cleaning():
    payload = changed(full_payload(), "household.met_name", "  " + "x" * 200 + "\x00\x00  ")
    assert clean(payload)["household"]["met_name"] == "x" * 200


@pytest.mark.parametrize("value", ["true", 1, 0, "ya"])
def test_a_yes_no_answer_must_be_a_real_boolean(value):
    assert fields_and_codes(changed(full_payload(), "interview.contract_seen", value)) == [
        ("interview.contract_seen", "not_a_boolean")
    ]


@pytest.mark.parametrize("value", [42.0, 42.5, True, "42", [42]])
def test_a_case_id_must_be_a_json_integer(value):
    assert fields_and_codes(changed(full_payload(), "case_id", value)) == [
        ("case_id", "not_an_integer")
    ]


def test_a_case_id_too_big_for_the_database_is_out_of_range():
    assert fields_and_codes(changed(full_payload(), "case_id", 2**31)) == [
        ("case_id", "out_of_range")
    ]


def test_the_vocabularies_are_the_documented_ones():
    assert PURPOSES == (
        "work",
        "tourism",
        "family_visit",
        "study",
        "pilgrimage",
        "business",
        "other",
    )
    assert "social_media" in CHANNELS and "walk_in" in CHANNELS and len(CHANNELS) == 8
    assert COSTS == ("self", "family", "employer", "recruiter", "other")
    assert VISA_TYPES == ("visit", "tourist", "work", "student", "none", "unknown")
    assert RECOMMENDATIONS == ("verify", "refuse", "unclear")


def test_the_family_card_codes_are_shdk_1_to_11_in_order():
    assert list(KK_RELATIONS.values()) == list(range(1, 12))
    assert (KK_RELATIONS["head"], KK_RELATIONS["wife"], KK_RELATIONS["other"]) == (1, 3, 11)


def test_each_relation_to_the_applicant_maps_to_an_shdk_number():
    assert set(RELATIONS.values()) <= set(KK_RELATIONS.values())
    assert (RELATIONS["father"], RELATIONS["mother"], RELATIONS["sibling"]) == (1, 3, 4)


@pytest.mark.parametrize("relation", ["neighbour", "village_official", "none", "sibling"])
def test_the_person_met_may_be_a_relative_a_neighbour_an_official_or_nobody(relation):
    payload = changed(full_payload(), "household.met_relation", relation)
    assert clean(payload)["household"]["met_relation"] == relation


def test_a_neighbour_cannot_be_a_family_member():
    payload = changed(full_payload(), "family.1.relation", "neighbour")
    assert fields_and_codes(payload) == [("family.1.relation", "unknown_code")]


# --- Facts for the risk signals -------------------------------------------------------------


def test_a_visit_gives_its_interview_and_household_facts():
    assert facts_from_visit(clean(full_payload())) == {
        "interview.job_offer_channel": "social_media",
        "interview.costs_paid_by": "recruiter",
        "interview.promised_salary_idr": 15_000_000,
        "interview.contract_seen": False,
        "application.visa_type": "visit",
        "household.aware_of_trip": False,
    }


def test_unknown_answers_give_no_facts():
    assert facts_from_visit(clean(minimal_payload())) == {}


# --- Properties -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


def paths(value, prefix=""):
    """Every dotted path inside a payload, objects and lists included."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path
        if isinstance(child, dict | list):
            yield from paths(child, path)


FULL_PATHS = sorted(paths(full_payload()))
FIELD_NAMES = sorted({path.split(".")[-1] for path in FULL_PATHS if not path[-1].isdigit()})


def assert_well_formed(check: VisitCheck):
    assert isinstance(check, VisitCheck)
    assert (check.clean is None) == bool(check.errors)
    for error in check.errors:
        assert set(error) <= {"field", "code", "params"}
        assert isinstance(error["field"], str)
        assert error["code"] in ERROR_CODES


@given(JSON)
def test_any_json_value_gives_a_result_never_an_exception(value):
    assert_well_formed(validate_visit(value, now=NOW))


@given(st.dictionaries(st.sampled_from([*FIELD_NAMES, "x"]), JSON, max_size=12))
def test_any_object_with_the_right_names_gives_a_result_never_an_exception(value):
    assert_well_formed(validate_visit(value, now=NOW))


@given(st.sampled_from(FULL_PATHS), JSON | st.text(max_size=30))
def test_any_json_in_any_field_of_a_good_visit_gives_a_result_never_an_exception(path, value):
    check = validate_visit(changed(full_payload(), path, value), now=NOW)
    assert_well_formed(check)
    top = path.split(".")[0]
    assert all(error["field"].split(".")[0] == top for error in check.errors)


@given(
    st.text(max_size=200),
    st.text(max_size=4000),
    st.text(max_size=2000),
    st.text(max_size=200),
    st.text(max_size=8000),
)
def test_a_good_visit_with_any_text_stays_good(met_name, account, knowledge, caption, assessment):
    payload = full_payload()
    payload["household"].update(met_name=met_name, account=account)
    payload["interview"]["knowledge"] = knowledge
    payload["photos"][0]["caption"] = caption
    payload["assessment"] = assessment
    result = clean(payload)
    assert result["household"]["met_name"] == (clean_text(met_name) or None)
    assert result["household"]["account"] == (clean_text(account) or None)
    assert result["interview"]["knowledge"] == (clean_text(knowledge) or None)
    assert result["photos"][0]["caption"] == (clean_text(caption) or None)
    assert result["assessment"] == (clean_text(assessment) or None)
    for text in (result["household"]["met_name"], result["assessment"]):
        assert text is None or (text == text.strip() and "\r" not in text and "\x00" not in text)


# Values that are dropped, kept, refused or cleaned, of every field's type and of none.
TRICKY = [
    None, "", " ", "\t\r\n", "\x00 \x7f", "\ud800", " \ud800 ", "\u3000", " padded ", "a\r\nb",
    "+62 812-3456-7890", "(x)", "@pak.joko", "-", "father", "FATHER", "head", "fixed", "denied",
    FATHER_UUID.upper(), HOUSE_PHOTO, HOUSE_PHOTO.upper(), "3204 1212.0575-0001",
    "3204121205750000", "1975-05-12", "2999-01-01", "2026-11-02T08:15:00+07:00",
    "2026-11-02T08:15:00", 0, 1, 7, 2**31, 10**400, 0.0, -6.9, 107, 12.5, float("nan"), True,
    False, [], [None], {}, "a" * 201,
]  # fmt: skip
NAMES = ["extra", "\ud800", "", "uuid ", "Name"]


def varied(rng, payload: dict) -> dict:
    """A copy of `payload` with a few of its objects changed: a value made TRICKY, a name
    removed or one added that no model knows, or the object emptied."""
    payload = copy.deepcopy(payload)
    objects = list(objects_in(payload))
    for _ in range(rng.randrange(1, 4)):
        target, action = rng.choice(objects), rng.random()
        if action < 0.6 and target:
            target[rng.choice(sorted(target))] = rng.choice(TRICKY)
        elif action < 0.75 and target:
            del target[rng.choice(sorted(target))]
        elif action < 0.9:
            target[rng.choice(NAMES)] = rng.choice(TRICKY)
        else:
            target.clear()
    return payload


def objects_in(value):
    """Every object in `value`, nested ones included."""
    if isinstance(value, dict):
        yield value
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, dict | list):
            yield from objects_in(item)


class Copied(dict):
    """A dict that Payload reads the long way, dropping from a copy (as in test_payloads)."""


def read_the_long_way(value):
    """`value` with every object in it a Copied: judged as a dict is, but read the long way."""
    if isinstance(value, dict):
        return Copied({key: read_the_long_way(item) for key, item in value.items()})
    if isinstance(value, list):
        return [read_the_long_way(item) for item in value]
    return value


def test_a_visit_passed_on_as_it_came_is_judged_as_one_read_the_long_way():
    rng = random.Random(20261102)  # the same payloads every run
    payloads = [varied(rng, base()) for base in (full_payload, minimal_payload) * 500]
    checks = [validate_visit(payload, now=NOW) for payload in payloads]
    assert sum(check.valid for check in checks) > 20  # both ways are compared on good ones too
    for payload, check in zip(payloads, checks, strict=True):
        long_way = validate_visit(read_the_long_way(payload), now=NOW)
        assert (check.clean, check.errors) == (long_way.clean, long_way.errors), payload
