"""Properties of the NIK, KK and phone parsers over many generated inputs: a NIK round-trips
with its century, never decodes to a birth after the application date, and no input raises."""

import re
from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from fieldcheck.domain.identity import (
    PROVINCE_CODES,
    age_on,
    decode_kk,
    decode_nik,
    encode_nik,
    normalise_phone,
    parse_phone,
)

# Until 2099 one of 19YY and 20YY always gives an age of 0-99: the round trip holds there.
APPLICATION_DATES = st.dates(date(2000, 1, 1), date(2099, 12, 31))
SEXES = st.sampled_from(["F", "M"])
SERIALS = st.integers(1, 9999)
DISTRICTS = st.builds(
    "{}.{:02d}.{:02d}".format,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(1, 99),
    st.integers(1, 99),
)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@st.composite
def applications(draw):
    """An application date and a birth date 0-99 full years before it."""
    on = draw(APPLICATION_DATES)
    earliest = years_before(on, 100) + timedelta(days=1)
    return on, draw(st.dates(earliest, on))


@st.composite
def leap_day_births(draw):
    """A 29 February birth and an application date on which the person is 0-99."""
    year = draw(st.sampled_from(range(1904, 2100, 4)))
    born = date(year, 2, 29)
    on = draw(
        st.dates(max(born, date(2000, 1, 1)), min(date(2099, 12, 31), date(year + 99, 12, 31)))
    )
    return on, born


def assert_round_trip(district, sex, born, serial, on):
    nik = decode_nik(encode_nik(district, sex, born, serial), on)
    assert nik.valid, nik.errors
    assert nik.district_code == district
    assert nik.regency_code == district[:5]
    assert nik.province_code == district[:2]
    assert nik.sex == sex
    assert nik.birth_date == born
    assert nik.serial == f"{serial:04d}"
    assert 0 <= nik.age_on(on) <= 99


@given(DISTRICTS, SEXES, applications(), SERIALS)
@example("32.04.12", "F", (date(2025, 6, 1), date(2025, 6, 1)), 1)  # born on the day
@example("32.04.12", "M", (date(2025, 6, 1), date(1925, 6, 2)), 1)  # 99, a day short of 100
@example("32.04.12", "F", (date(2025, 6, 1), date(1999, 12, 31)), 9999)
@example("32.04.12", "F", (date(2025, 6, 1), date(2000, 1, 1)), 9999)
@example("32.04.12", "F", (date(2000, 1, 1), date(1999, 12, 31)), 1)
@example("32.04.12", "M", (date(2000, 1, 1), date(2000, 1, 1)), 1)
def test_a_nik_decodes_to_what_it_was_encoded_from_century_included(
    district, sex, application, serial
):
    on, born = application
    assert_round_trip(district, sex, born, serial, on)


@given(DISTRICTS, SEXES, leap_day_births(), SERIALS)
@example("32.04.12", "F", (date(2025, 6, 1), date(2000, 2, 29)), 1)
@example("32.04.12", "F", (date(2000, 2, 29), date(2000, 2, 29)), 1)
@example("32.04.12", "M", (date(2025, 6, 1), date(1928, 2, 29)), 1)
def test_a_29_february_birth_round_trips(district, sex, application, serial):
    on, born = application
    assert_round_trip(district, sex, born, serial, on)


@given(st.sampled_from(sorted(PROVINCE_CODES)), st.integers(0, 10**14 - 1), APPLICATION_DATES)
def test_a_decoded_birth_date_is_never_after_the_application_date(province, rest, on):
    nik = decode_nik(f"{province}{rest:014d}", on)
    if nik.valid:
        assert nik.birth_date <= on
        assert 0 <= age_on(nik.birth_date, on) <= 100


SIXTEEN_DIGITS = st.one_of(
    st.text("0123456789", min_size=16, max_size=16),
    st.builds(
        "{}{:014d}".format, st.sampled_from(sorted(PROVINCE_CODES)), st.integers(0, 10**14 - 1)
    ),
)


@given(SIXTEEN_DIGITS, st.dates(date(1900, 1, 1), date(2199, 12, 31)))
def test_any_16_digits_either_decode_or_give_errors_and_never_raise(digits, on):
    for result in (decode_nik(digits, on), decode_kk(digits, on)):
        assert result.valid != bool(result.errors)
        assert result.valid == (result.district_code is not None)
    nik = decode_nik(digits, on, known_district=lambda code: False)
    assert nik.valid == bool(nik.warnings)
    if nik.valid:
        assert nik.birth_date <= on


@given(st.text(max_size=30), APPLICATION_DATES)
def test_any_text_decodes_or_gives_errors_and_never_raises(text, on):
    assert decode_nik(text, on).valid in (True, False)
    assert decode_kk(text, on).valid in (True, False)


E164 = re.compile(r"\+[1-9][0-9]{7,14}")


@given(st.one_of(st.text(max_size=25), st.text("+0123456789 -().", max_size=25)))
def test_a_phone_number_is_e164_or_none_with_a_reason_and_normalising_twice_changes_nothing(text):
    result = parse_phone(text)
    assert (result.number is None) != (result.problem is None)
    if result.number is not None:
        assert E164.fullmatch(result.number)
        assert normalise_phone(result.number) == result.number
