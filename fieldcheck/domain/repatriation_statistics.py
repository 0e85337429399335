"""What only FieldCheck knows of the repatriated victims (issue 17): whether a field check
preceded the passport, by issuing office, destination, year of return, sex and age band, with
the Human Trafficking Case Data Standard's field names and codes where it has them
(`hte_Country`: ISO 3166-1 alpha-2; `prs_Gender`: Feminine / Masculine / NonSpecifiedUnknown),
as a table of counts and as k-anonymous records (fieldcheck.domain.kanonymity).
"""

from dataclasses import dataclass
from datetime import date

from fieldcheck.domain import kanonymity
from fieldcheck.domain.identity import age_on, decode_nik
from fieldcheck.domain.statistics import Table

# HTCDS prs_Gender's codes for the sex a record or its NIK states.
GENDER = {"F": "Feminine", "M": "Masculine", None: "NonSpecifiedUnknown"}
UNKNOWN = "unknown"

# Age at return in completed years: the Counter-Trafficking Data Collaborative's bands, then
# two coarser ladders' steps.
AGE_BANDS = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47))
OLDEST = 48  # "48+"
BROAD = {
    "0-8": "0-17",
    "9-17": "0-17",
    "18-20": "18-29",
    "21-23": "18-29",
    "24-26": "18-29",
    "27-29": "18-29",
    "30-38": "30+",
    "39-47": "30+",
    "48+": "30+",
}
ADULT = {"0-17": "0-17", "18-29": "18+", "30+": "18+"}

# Destination country (ISO 3166-1 alpha-2) to its UN M49 sub-region, for the destinations
# FieldCheck's applicants state most; any other is "other".
REGIONS = {
    **dict.fromkeys(
        ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"), "South-eastern Asia"
    ),
    **dict.fromkeys(("CN", "HK", "JP", "KP", "KR", "MN", "MO", "TW"), "Eastern Asia"),
    **dict.fromkeys(
        ("AE", "BH", "IL", "IQ", "JO", "KW", "LB", "OM", "QA", "SA", "SY", "TR", "YE"),
        "Western Asia",
    ),
    **dict.fromkeys(("AF", "BD", "BT", "IN", "IR", "LK", "MV", "NP", "PK"), "Southern Asia"),
    **dict.fromkeys(("AU", "NZ", "PG", "FJ"), "Oceania"),
}


def age_band(age: int | None) -> str:
    """The CTDC age band of an age in completed years ("21-23", "48+"), or "unknown"."""
    if age is None or age < 0:
        return UNKNOWN
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return f"{OLDEST}+"


def region_of(country: str) -> str:
    return REGIONS.get(country, "other") if country != UNKNOWN else UNKNOWN


def period_of_year(year: str) -> str:
    """A year's five-year period ("2026" -> "2026-2030"), for a coarser release."""
    if not year.isdigit():
        return year
    first = int(year) - (int(year) - 1) % 5
    return f"{first}-{first + 4}"


@dataclass(frozen=True)
class VictimRecord:
    """One repatriated victim as codes only."""

    office: str
    country: str  # hte_Country
    year: str  # of return
    gender: str  # prs_Gender
    age_band: str  # at return
    field_check: bool  # a field check preceded the passport

    def as_tuple(self) -> tuple:
        return (self.office, self.country, self.year, self.gender, self.age_band, self.field_check)


def record(
    office: str,
    country: str | None,
    returned_on: date,
    sex: str | None,
    born: date | None,
    nik: str | None,
    field_check: bool,
) -> VictimRecord:
    """A victim's record as codes: sex and date of birth as the record states them, else as its
    NIK encodes them."""
    decoded = decode_nik(nik, returned_on) if nik else None
    if decoded is not None and decoded.valid:
        sex = sex or decoded.sex
        born = born or decoded.birth_date
    return VictimRecord(
        office=office,
        country=country or UNKNOWN,
        year=str(returned_on.year),
        gender=GENDER.get(sex, GENDER[None]),
        age_band=age_band(age_on(born, returned_on) if born else None),
        field_check=field_check,
    )


CHECK_COLUMNS = ("field_check", "no_field_check")
KEY_FIELDS = ("hte_Country", "year", "prs_Gender", "age_band")
SEPARATOR = "|"


def table(records: list[VictimRecord]) -> Table:
    """Counts by destination, year, sex and age band (a row each, its key the four joined by
    "|"), split by whether a field check preceded the passport."""
    cells: dict[tuple[str, str], int] = {}
    for r in records:
        row = SEPARATOR.join((r.country, r.year, r.gender, r.age_band))
        column = CHECK_COLUMNS[0] if r.field_check else CHECK_COLUMNS[1]
        cells[(row, column)] = cells.get((row, column), 0) + 1
    return Table(
        "repatriated_victims",
        rows=sorted({row for row, _ in cells}),
        columns=list(CHECK_COLUMNS),
        cells=cells,
        row_totals=True,
        column_totals=True,
    )


# The record release's quasi-identifiers, in order, each with its ladder.
LADDERS = (
    kanonymity.Ladder("office"),
    kanonymity.Ladder("hte_Country", (region_of,)),
    kanonymity.Ladder("year", (period_of_year,)),
    kanonymity.Ladder("prs_Gender"),
    kanonymity.Ladder("age_band", (lambda b: BROAD.get(b, b), lambda b: ADULT.get(b, b))),
)


def release(records: list[VictimRecord], k: int) -> kanonymity.Release:
    """The records, k-anonymous over office, destination, year, sex and age band."""
    return kanonymity.anonymise([r.as_tuple() for r in records], LADDERS, k)
