"""The repatriated victims' record release is k-anonymous (fieldcheck.domain.kanonymity, with
fieldcheck.domain.repatriation_statistics' ladders): every combination of office, destination,
year, sex and age band occurs in at least k records, else generalised or left out."""

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.domain import kanonymity
from fieldcheck.domain import repatriation_statistics as victims
from fieldcheck.domain.identity import encode_nik

WIDTH = len(victims.LADDERS)


def _records(*groups):
    """(count, office, country, year, sex, band, checked) groups as VictimRecords."""
    return [victims.VictimRecord(*group[1:]) for group in groups for _ in range(group[0])]


def test_a_rare_destination_is_widened_to_its_region_and_a_lone_victim_left_out():
    records = _records(
        (11, "KANIM-BDG", "KH", "2026", "Feminine", "21-23", True),
        (6, "KANIM-BDG", "MY", "2026", "Feminine", "21-23", False),
        (5, "KANIM-BDG", "TH", "2026", "Feminine", "21-23", True),
        (1, "KANIM-SBY", "SA", "2025", "Masculine", "48+", False),
    )
    # Malaysia's 6 and Thailand's 5 are rarer than 11 (11 records, more than the 10 that may
    # be left out): the destination, with the most distinct values (4), becomes its region.
    # Then only the lone man from Saudi Arabia is rarer: he is left out.
    release = victims.release(records, 11)
    assert release.levels == {
        "office": 0,
        "hte_Country": 1,
        "year": 0,
        "prs_Gender": 0,
        "age_band": 0,
    }
    assert release.suppressed == 1
    sea = ("KANIM-BDG", "South-eastern Asia", "2026", "Feminine", "21-23")
    assert Counter(release.records) == {(*sea, False): 6, (*sea, True): 16}


def test_young_women_of_neighbouring_bands_are_released_in_a_wider_band():
    records = _records(
        (7, "KANIM-BDG", "KH", "2026", "Feminine", "18-20", True),
        (6, "KANIM-BDG", "KH", "2026", "Feminine", "21-23", True),
        (5, "KANIM-BDG", "KH", "2026", "Feminine", "24-26", False),
    )
    release = victims.release(records, 11)
    # Age band has the most distinct values: widened to 18-29, all 18 in one combination.
    assert release.levels["age_band"] == 1 and release.suppressed == 0
    assert Counter(r[:WIDTH] for r in release.records) == {
        ("KANIM-BDG", "KH", "2026", "Feminine", "18-29"): 18
    }


def test_fewer_than_k_victims_release_nothing():
    records = _records((10, "KANIM-BDG", "KH", "2026", "Feminine", "21-23", True))
    release = victims.release(records, 11)
    assert release.records == [] and release.suppressed == 10


def test_a_victims_record_takes_sex_and_age_from_the_nik_when_the_record_lacks_them():
    nik = encode_nik("32.04.12", "F", date(2004, 3, 9), 17)
    made = victims.record("KANIM-BDG", "KH", date(2026, 5, 1), None, None, nik, True)
    assert made == victims.VictimRecord("KANIM-BDG", "KH", "2026", "Feminine", "21-23", True)
    unknown = victims.record("KANIM-BDG", None, date(2026, 5, 1), None, None, None, False)
    assert (unknown.country, unknown.gender, unknown.age_band) == (
        "unknown",
        "NonSpecifiedUnknown",
        "unknown",
    )
    assert [victims.age_band(a) for a in (0, 17, 18, 29, 30, 47, 48, 90)] == [
        "0-8",
        "9-17",
        "18-20",
        "27-29",
        "30-38",
        "39-47",
        "48+",
        "48+",
    ]


records = st.lists(
    st.builds(
        victims.VictimRecord,
        office=st.sampled_from(["KANIM-BDG", "KANIM-SBY", "KANIM-MDN"]),
        country=st.sampled_from(["KH", "MY", "TH", "SA", "JP", "unknown"]),
        year=st.sampled_from(["2024", "2025", "2026"]),
        gender=st.sampled_from(["Feminine", "Masculine", "NonSpecifiedUnknown"]),
        age_band=st.sampled_from(["9-17", "18-20", "21-23", "24-26", "30-38", "48+", "unknown"]),
        field_check=st.booleans(),
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(records=records, k=st.integers(min_value=2, max_value=15))
def test_every_release_is_k_anonymous_and_each_record_is_one_generalised(records, k):
    release = victims.release(records, k)
    assert kanonymity.is_k_anonymous(release.records, WIDTH, k)
    assert len(release.records) + release.suppressed == len(records)
    # Few are left out unless nothing more can be generalised.
    tops = all(release.levels[ladder.name] == ladder.top for ladder in victims.LADDERS)
    assert release.suppressed <= k - 1 or tops
    # Each released record is an input record generalised to the release's levels.
    generalised = Counter(
        tuple(
            ladder.at(str(value), release.levels[ladder.name])
            for ladder, value in zip(victims.LADDERS, r.as_tuple(), strict=False)
        )
        + (r.field_check,)
        for r in records
    )
    assert not Counter(release.records) - generalised
