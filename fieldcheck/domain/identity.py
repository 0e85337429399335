"""Identity numbers an applicant states, and what they encode.

NIK (Nomor Induk Kependudukan) is the 16-digit personal number on the identity card (KTP);
KK (Kartu Keluarga) is the 16-digit number of the family card that every member of a household
shares. Both begin with the region code of the district (kecamatan) that issued them. DOMAIN.md,
"Identity numbers".

Everything here is pure: strings and dates in, frozen results out. Problems and findings carry
stable codes and parameters; fieldcheck.errors turns them into words in the reader's language.
Parameters never repeat the number itself: logs must not collect NIKs.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

# The 38 provinces: the rows with a two-digit code in shared/data/regions/wilayah-2025.csv
# (Kemendagri 2025). 93-96 are the Papua provinces created in 2022; older NIKs issued in Papua
# carry 91 or 94, which are still province codes, so no extra code is needed for them.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19",
        "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip

# People type numbers in groups ("3204 1245 0599 0001", "3204.1245.0599.0001"): drop those.
SEPARATORS = re.compile(r"[\s.\-]")
# str.isdigit() accepts Arabic-Indic and other digits that no registry record holds.
DIGITS = re.compile(r"[0-9]+")

FEMALE_DAY_OFFSET = 40  # women's NIKs add 40 to the day of birth
MAX_AGE = 100
MINOR_AGE = 17  # under 17 and unmarried: both parents must consent (the paper)
SEXES = ("F", "M")
MARITAL_STATUSES = ("single", "married", "divorced", "widowed")

INFO = "info"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong (an error) or worth a look (a warning) in a number, by stable code."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """A disagreement or a risk that the identity data shows, for the reviewer to weigh."""

    code: str
    params: dict = field(default_factory=dict)
    severity: str = WARNING


@dataclass(frozen=True)
class NikResult:
    """A decoded NIK: its errors and warnings and, when valid, what it encodes."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    nik: str | None = None  # the 16 digits, separators removed
    province_code: str | None = None  # "32"
    regency_code: str | None = None  # "32.04"
    district_code: str | None = None  # "32.04.12"
    sex: str | None = None  # "F" or "M"
    birth_date: date | None = None
    serial: str | None = None  # "0001"

    @property
    def valid(self) -> bool:
        """No errors: warnings alone leave a NIK valid."""
        return not self.errors

    def age_on(self, day: date) -> int:
        """Completed years of age on `day`, from the NIK's date of birth."""
        if self.birth_date is None:
            raise ValueError("an invalid NIK has no date of birth")
        return age_on(self.birth_date, day)


@dataclass(frozen=True)
class KkResult:
    """A decoded family-card (KK) number: its errors and warnings and, when valid, its parts."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    kk: str | None = None
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    issue_date: date | None = None
    serial: str | None = None

    @property
    def valid(self) -> bool:
        """No errors: warnings alone leave a KK number valid."""
        return not self.errors


@dataclass(frozen=True)
class PhoneResult:
    """A phone number in E.164 form (`+6281234567890`), or the problem that stopped it."""

    number: str | None = None
    problem: Problem | None = None


def age_on(birth_date: date, day: date) -> int:
    """Completed years between `birth_date` and `day` (a 29 February birthday counts on 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def decode_nik(
    nik: str, on: date, known_district: Callable[[str], bool] | None = None
) -> NikResult:
    """Check a NIK as of the application date `on` and decode region, sex and date of birth."""
    digits, errors = _digits_of(nik, "nik")
    if errors:
        return NikResult(errors=errors)
    errors = _region_errors(digits, "nik")
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "F" if day > FEMALE_DAY_OFFSET else "M"
    if sex == "F":
        day -= FEMALE_DAY_OFFSET
    birth_date, failure = _resolve_century(day, month, yy, on)
    if failure == "date":
        errors.append(Problem("nik_birth_date", {"day": day, "month": month, "year": yy}))
    elif failure == "future":
        errors.append(
            Problem("nik_future_birth", {"birth_date": _earliest(day, month, yy), "on": on})
        )
    elif (age := age_on(birth_date, on)) > MAX_AGE:
        # Only reachable from 2100 on: until then 19YY or 20YY always gives an age of 0-99.
        errors.append(Problem("nik_implausible_age", {"birth_date": birth_date, "age": age}))
    if digits[12:] == "0000":
        errors.append(Problem("nik_serial_zero"))
    if errors:
        return NikResult(errors=errors, nik=digits)
    codes = _region_codes(digits)
    return NikResult(
        warnings=_district_warnings(codes[2], known_district, "nik"),
        nik=digits,
        province_code=codes[0],
        regency_code=codes[1],
        district_code=codes[2],
        sex=sex,
        birth_date=birth_date,
        serial=digits[12:],
    )


def encode_nik(district_code: str, sex: str, birth_date: date, serial: int) -> str:
    """The NIK for a district ("32.04.12"), sex ("F"/"M"), date of birth and serial 1-9999."""
    region = district_code.replace(".", "")
    if not (len(region) == 6 and DIGITS.fullmatch(region)):
        raise ValueError(f"not a district code: {district_code!r}")
    if sex not in SEXES:
        raise ValueError(f"sex must be F or M, not {sex!r}")
    if not 1 <= serial <= 9999:
        raise ValueError(f"the serial must be 1-9999, not {serial}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "F" else 0)
    return f"{region}{day:02d}{birth_date:%m%y}{serial:04d}"


def decode_kk(kk: str, on: date, known_district: Callable[[str], bool] | None = None) -> KkResult:
    """Check a family-card number as of `on` and decode its region and issue date."""
    digits, errors = _digits_of(kk, "kk")
    if errors:
        return KkResult(errors=errors)
    errors = _region_errors(digits, "kk")
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    issue_date, failure = _resolve_century(day, month, yy, on)
    if failure == "date":
        errors.append(Problem("kk_issue_date", {"day": day, "month": month, "year": yy}))
    elif failure == "future":
        errors.append(
            Problem("kk_future_issue", {"issue_date": _earliest(day, month, yy), "on": on})
        )
    if digits[12:] == "0000":
        errors.append(Problem("kk_serial_zero"))
    if errors:
        return KkResult(errors=errors, kk=digits)
    codes = _region_codes(digits)
    return KkResult(
        warnings=_district_warnings(codes[2], known_district, "kk"),
        kk=digits,
        province_code=codes[0],
        regency_code=codes[1],
        district_code=codes[2],
        issue_date=issue_date,
        serial=digits[12:],
    )


def cross_check(
    nik: NikResult,
    *,
    stated_sex: str | None,
    stated_birth_date: date | None,
    marital_status: str | None,
    office_region_codes: list[str] | None,
    on: date,
) -> list[Finding]:
    """Findings where the NIK disagrees with the application, or shows a minor without consent."""
    # A misspelt value ("female", "kawin") would silently pass as a disagreement or as unmarried.
    if stated_sex not in (*SEXES, None):
        raise ValueError(f"stated_sex must be F, M or None, not {stated_sex!r}")
    if marital_status not in (*MARITAL_STATUSES, None):
        raise ValueError(f"unknown marital status {marital_status!r}")
    findings = []
    nik_birth = nik.birth_date if nik.valid else None
    if nik.valid and stated_sex is not None and nik.sex != stated_sex:
        findings.append(
            Finding("nik_sex_mismatch", {"nik_sex": nik.sex, "stated_sex": stated_sex}, WARNING)
        )
    if nik_birth is not None and stated_birth_date is not None:
        if _same_nik_date(nik_birth, stated_birth_date, on):
            # The NIK holds two digits of the year, so a 100-year-old's reads as a newborn's:
            # a stated date a century earlier is what the NIK says, not a disagreement.
            nik_birth = stated_birth_date
        elif nik_birth != stated_birth_date:
            params = {"nik_birth_date": nik_birth, "stated_birth_date": stated_birth_date}
            findings.append(Finding("nik_birth_date_mismatch", params, WARNING))
    # An empty list means the office's area is not set up: every case would be "outside".
    if (
        nik.valid
        and office_region_codes
        and not any(_within(nik.district_code, code) for code in office_region_codes)
    ):
        findings.append(Finding("nik_outside_office_area", {"district": nik.district_code}, INFO))
    # Either date saying "under 17" is enough, since traffickers make minors look older (the
    # mismatch finding already shows which date is in doubt). An unknown marital status does
    # not count as married, so a missing answer cannot hide a minor.
    births = [b for b in (nik_birth, stated_birth_date) if b is not None and b <= on]
    if births and marital_status != "married":
        age = age_on(max(births), on)
        if age < MINOR_AGE:
            findings.append(Finding("minor_unmarried", {"age": age}, WARNING))
    return findings


def normalise_phone(text: str | None) -> str | None:
    """A phone number in E.164 form (`0812-3456-7890` -> `+6281234567890`), or None."""
    return parse_phone(text).number


def parse_phone(text: str | None) -> PhoneResult:
    """Read an Indonesian (0812..., 62812..., +62 812..., 812...) or foreign (+855...) number."""
    raw = re.sub(r"[\s.\-()]", "", text or "")
    if not raw:
        return PhoneResult(problem=Problem("phone_empty"))
    international = raw.startswith("+")
    digits = raw[1:] if international else raw
    if not DIGITS.fullmatch(digits):
        return PhoneResult(problem=Problem("phone_characters"))
    if digits.startswith("62"):
        # "+62 (0)812..." is a common way to write it: the trunk 0 does not belong after 62.
        national = digits[3:] if digits[2:3] == "0" else digits[2:]
    elif international:
        return _foreign(digits)
    elif digits.startswith("0") and not digits.startswith("00"):
        national = digits[1:]
    elif digits.startswith("8"):
        # Mobile numbers start 08; people often leave the 0 off.
        national = digits
    else:
        # "00..." could be any of Indonesia's international prefixes (001, 007, 008, 01017):
        # guessing the country from it would record a wrong number.
        return PhoneResult(problem=Problem("phone_prefix"))
    if national.startswith("0"):
        return PhoneResult(problem=Problem("phone_prefix"))
    if not 9 <= len(national) <= 13:
        return PhoneResult(problem=Problem("phone_length", {"digits": len(national)}))
    return PhoneResult(number=f"+62{national}")


def _foreign(digits: str) -> PhoneResult:
    # Recruiters' numbers are often foreign (+855 Cambodia) and must still be compared across
    # cases, so they are kept as written; no country code starts with 0.
    if digits.startswith("0"):
        return PhoneResult(problem=Problem("phone_prefix"))
    if not 8 <= len(digits) <= 15:
        return PhoneResult(problem=Problem("phone_foreign_length", {"digits": len(digits)}))
    return PhoneResult(number=f"+{digits}")


def _digits_of(text: str, kind: str) -> tuple[str, list[Problem]]:
    digits = SEPARATORS.sub("", text or "")
    errors = []
    if digits and not DIGITS.fullmatch(digits):
        errors.append(Problem(f"{kind}_not_digits"))
    elif len(digits) != 16:
        errors.append(Problem(f"{kind}_length", {"length": len(digits)}))
    return digits, errors


def _region_errors(digits: str, kind: str) -> list[Problem]:
    if digits[:2] in PROVINCE_CODES:
        return []
    return [Problem(f"{kind}_province", {"province": digits[:2]})]


def _region_codes(digits: str) -> tuple[str, str, str]:
    return digits[:2], f"{digits[:2]}.{digits[2:4]}", f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}"


def _district_warnings(
    district: str, known_district: Callable[[str], bool] | None, kind: str
) -> list[Problem]:
    # Districts are split and renumbered over time while the numbers people carry stay the
    # same, so an unknown district is worth a look, not a refusal.
    if known_district is None or known_district(district):
        return []
    return [Problem(f"{kind}_unknown_district", {"district": district})]


def _resolve_century(day: int, month: int, yy: int, on: date) -> tuple[date | None, str | None]:
    """The date DD-MM-YY falls on, as of `on`: 20YY unless that is after `on`, then 19YY.

    Returns (date, None), or (None, "date") when neither century has such a day, or
    (None, "future") when the only such day is after `on`.
    """
    recent = _date_or_none(2000 + yy, month, day)
    if recent is not None and recent <= on:
        return recent, None
    older = _date_or_none(1900 + yy, month, day)
    if older is None:
        # 29-02-00 before 29 February 2000: 1900 was no leap year.
        return None, "date" if recent is None else "future"
    if older > on:
        return None, "future"
    return older, None


def _earliest(day: int, month: int, yy: int) -> date:
    """The first real date DD-MM-YY can mean (only called when one exists)."""
    return _date_or_none(1900 + yy, month, day) or date(2000 + yy, month, day)


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _same_nik_date(nik_birth: date, stated: date, on: date) -> bool:
    """Whether a stated date of birth, though in another century, is plausible and fits the NIK."""
    same_digits = (nik_birth.day, nik_birth.month, nik_birth.year % 100) == (
        stated.day,
        stated.month,
        stated.year % 100,
    )
    return same_digits and stated <= on and age_on(stated, on) <= MAX_AGE


def _within(district: str, region: str) -> bool:
    """Whether a dotted district code lies in a dotted region code (the same, or below it)."""
    region = region.strip()
    return district == region or district.startswith(region + ".")
