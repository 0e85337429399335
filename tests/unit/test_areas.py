"""Areas made of region codes: what lies within an office's regions and what does not."""

from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.domain import areas

OFFICE = ["32.04", "32.05", "32.73"]


def test_a_region_lies_within_itself_and_its_parents_only():
    assert areas.within("32.04", "32.04")
    assert areas.within("32.04.12", "32.04") and areas.within("32.04.12.2003", "32.04")
    assert not areas.within("32.041", "32.04")  # a prefix of digits is not a parent
    assert not areas.within("32", "32.04")  # the province is larger than its regency
    assert not areas.within("33.01", "32.04")


def test_outside_names_the_codes_no_region_of_the_area_holds_in_their_order():
    codes = ["33.01", "32.04.12", "32", "32.73.16", "32.05.01.1001", "32.7"]
    assert areas.outside(codes, OFFICE) == ["33.01", "32", "32.7"]
    assert areas.outside(["32.04"], []) == ["32.04"]  # an empty area holds nothing
    assert areas.outside([], OFFICE) == []


part = st.integers(min_value=1, max_value=99).map(lambda n: f"{n:02d}")
code = st.lists(part, min_size=1, max_size=4).map(".".join)


@given(st.lists(code, max_size=6), st.lists(code, max_size=6))
def test_every_code_is_either_outside_or_below_one_of_the_areas_regions(codes, area):
    stray = areas.outside(codes, area)
    for c in codes:
        below = any(c == r or c.split(".")[: r.count(".") + 1] == r.split(".") for r in area)
        assert (c in stray) == (not below)
