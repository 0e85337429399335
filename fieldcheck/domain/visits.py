"""The server's judgement of a field visit a phone pushes (`visit.submit`, `visit.amend`).

DOMAIN.md, "The data a field check gathers"; DESIGN.md, "The one write path from the phone":
the phone checks only what HTML can, so everything is judged here, once. `validate_visit`
takes the JSON payload as decoded and returns either the clean visit or every error at once,
so the officer mends them all in one go. It never raises on any JSON value.

Errors are `{"field": "family.1.nik", "code": "nik_invalid", "params": {...}}`: the field is a
dotted path into the payload (list items by index, "" for the payload itself), the code is one
of `ERROR_CODES`, and `params` (only when there are some) hold plain JSON values, never the
number or text that was wrong, so logs do not collect NIKs.

Relations. A family tree is drawn around the applicant, and a household member is met as
"her mother", so `relation` (and `household.met_relation`) say who a person is *to the
applicant*: `RELATIONS`. What the family card (KK) says is another thing: its SHDK code (Status
Hubungan Dalam Keluarga, the relationship *to the head of the family* printed on every KK row)
may be recorded as the optional `kk_relation`, one of `KK_RELATIONS`. Each relation maps to the
SHDK number it usually has on the applicant's card when the applicant is a child of the head
(a young woman still on her parents' card): father -> 1 head, mother -> 3 wife, sibling -> 4
child, and so on. When she is on her husband's card, or her mother heads the family, the usual
number is wrong, which is why the card's own code can be recorded beside it; comparing the tree
with the card should prefer `kk_relation` and fall back on `RELATIONS[relation]`.

The clean visit has every field of the payload; a field not given (absent, null, or text that
is blank once cleaned, as a form's empty input may send) is None, lists not given are [],
`alive` defaults to True and `present` to False. `visited_at` is an aware UTC datetime,
`birth_date` a date, UUIDs are lowercase, NIKs are their 16 digits and phone numbers E.164
(`+6281234567890`). Numbers of a GPS fix are floats.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from fieldcheck.domain.identity import decode_nik, parse_phone

# SHDK codes and numbers, in the order of the family card's own list.
KK_RELATIONS = {
    "head": 1,  # Kepala Keluarga
    "husband": 2,  # Suami
    "wife": 3,  # Istri
    "child": 4,  # Anak
    "child_in_law": 5,  # Menantu
    "grandchild": 6,  # Cucu
    "parent": 7,  # Orang Tua
    "parent_in_law": 8,  # Mertua
    "other_relative": 9,  # Famili Lain
    "household_help": 10,  # Pembantu
    "other": 11,  # Lainnya
}

# Who a person is to the applicant -> the SHDK number they usually have on her card when she is
# a child of the head (see the module docstring).
RELATIONS = {
    "father": 1,  # the head (2, husband, when the mother heads the family)
    "mother": 3,  # the head's wife
    "spouse": 5,  # a married child's spouse on her parents' card is the head's menantu
    "child": 6,  # the head's cucu
    "sibling": 4,  # another child of the head
    "grandparent": 7,  # the head's parent (8, mertua, on the mother's side)
    "grandchild": 9,  # SHDK has no great-grandchild: famili lain
    "parent_in_law": 9,  # the head's besan, if on the card at all: famili lain
    "other_relative": 9,
    "other": 11,
}
MET_RELATIONS = ("applicant", *RELATIONS, "neighbour", "village_official", "none")

PURPOSES = ("work", "tourism", "family_visit", "study", "pilgrimage", "business", "other")
CHANNELS = (
    "social_media",
    "messaging_app",
    "online_ad",
    "recruiter",
    "agency",
    "friend_or_family",
    "walk_in",
    "none",
)
COSTS = ("self", "family", "employer", "recruiter", "other")
VISA_TYPES = ("visit", "tourist", "work", "student", "none", "unknown")
RECOMMENDATIONS = ("verify", "refuse", "unclear")
GPS_FIXED = "fixed"
GPS_STATUSES = (GPS_FIXED, "denied", "unavailable")

ERROR_CODES = (
    "required",
    "not_an_object",  # the payload, or one of its objects, is not a JSON object
    "not_a_boolean",
    "not_a_number",
    "not_an_integer",
    "not_text",
    "too_long",
    "not_a_date",
    "not_a_datetime",
    "in_the_future",
    "out_of_range",
    "unknown_code",
    "not_a_uuid",
    "not_a_list",
    "too_many",
    "duplicate",
    "nik_invalid",
    "phone_invalid",
    "not_a_sha256",
    "unexpected_field",
)

MAX_FAMILY = 40
MAX_PHOTOS = 20
MAX_NAME = 200
MAX_SALARY_IDR = 1_000_000_000
MAX_CASE_ID = 2**31 - 1  # a larger id would make the database fail the lookup, not say "no"
CLOCK_DRIFT = timedelta(minutes=10)  # phone clocks run ahead
MAX_VISIT_AGE = timedelta(days=60)
# Indonesia spans UTC+7 to UTC+9: its latest calendar day is the one in the east (WIT), so a
# child born today in Jayapura is not "in the future" while it is still yesterday in UTC.
LATEST_INDONESIAN_TIME = timezone(timedelta(hours=9))
LAT_RANGE = (-11.5, 6.5)  # Indonesia's bounding box
LON_RANGE = (94.5, 141.5)
MAX_ACCURACY_M = 10_000

# Text from a phone: a textarea may give CRLF; other control characters (and lone surrogates,
# which JSON can carry but UTF-8 cannot store) are dropped rather than refused.
LINE_BREAKS = re.compile(r"\r\n?")
UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class VisitCheck:
    """The clean visit (None when there are errors) and every error found."""

    clean: dict | None = None
    errors: list[dict] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_visit(payload: dict, *, now: datetime) -> VisitCheck:
    """Judge a pushed visit as of `now` (aware): its clean form, or all its errors."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    check = _Checker(now)
    clean = check.fields(payload, "", VISIT_FIELDS)
    if check.errors or clean is None:
        return VisitCheck(clean=None, errors=check.errors)
    return VisitCheck(clean=clean)


def facts_from_visit(clean: dict) -> dict:
    """The risk-signal facts a clean visit gives (fieldcheck.domain.signals), unknowns left out."""
    interview, household = clean["interview"], clean["household"]
    facts = {
        "interview.job_offer_channel": interview["job_offer_channel"],
        "interview.costs_paid_by": interview["costs_paid_by"],
        "interview.promised_salary_idr": interview["promised_salary_idr"],
        "interview.contract_seen": interview["contract_seen"],
        "household.aware_of_trip": household["aware_of_trip"],
        "household.purpose_matches": household["purpose_matches"],
    }
    return {key: value for key, value in facts.items() if value is not None}


def clean_text(text: str) -> str:
    """Text as stored: LF line breaks, no other control characters, no surrounding space."""
    return UNWANTED.sub("", LINE_BREAKS.sub("\n", text)).strip()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def _path(parent: str, key) -> str:
    return f"{parent}.{key}" if parent else str(key)


class _Checker:
    """Collects errors while cleaning; each method returns the clean value or None."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = now.astimezone(LATEST_INDONESIAN_TIME).date()
        self.errors: list[dict] = []

    def error(self, path: str, code: str, **params) -> None:
        self.errors.append(
            {"field": path, "code": code, "params": params}
            if params
            else {"field": path, "code": code}
        )

    def missing(self, value, path: str, required: bool) -> bool:
        """Whether no value is given (a form's blank field may come as ""): an error if required."""
        if _blank(value):
            if required:
                self.error(path, "required")
            return True
        return False

    def fields(self, value, path: str, spec: dict) -> dict | None:
        """A required object with the fields in `spec` (name -> check), each cleaned."""
        if not self.object(value, path, spec):
            return None
        return {
            name: check(self, value.get(name), _path(path, name)) for name, check in spec.items()
        }

    def object(self, value, path: str, names) -> bool:
        """Whether `value` is an object; a field not in `names` is an error, not dropped."""
        if self.missing(value, path, required=True):
            return False
        if not isinstance(value, dict):
            self.error(path, "not_an_object")
            return False
        for key in value:
            if key not in names:
                self.error(_path(path, key), "unexpected_field")
        return True

    def items(self, value, path: str, item_spec: dict, max_items: int, unique: str) -> list:
        """A list of objects, each cleaned, with `unique` told apart; absent is empty."""
        if _blank(value):
            return []
        if not isinstance(value, list):
            self.error(path, "not_a_list")
            return []
        if len(value) > max_items:
            self.error(path, "too_many", max=max_items)
        cleaned, first_at = [], {}
        for index, item in enumerate(value):
            clean = self.fields(item, _path(path, index), item_spec)
            key = clean[unique] if clean else None
            if key is not None and key in first_at:
                self.error(_path(_path(path, index), unique), "duplicate", first=first_at[key])
            elif key is not None:
                first_at[key] = index
            cleaned.append(clean)
        return cleaned

    def text(self, value, path: str, max_length: int, required: bool = False) -> str | None:
        if self.missing(value, path, required):
            return None
        if not isinstance(value, str):
            self.error(path, "not_text")
            return None
        text = clean_text(value)
        if len(text) > max_length:
            self.error(path, "too_long", max=max_length, length=len(text))
            return None
        return text

    def boolean(self, value, path: str, required: bool = False, default=None) -> bool | None:
        if self.missing(value, path, required and default is None):
            return default
        if not isinstance(value, bool):
            self.error(path, "not_a_boolean")
            return None
        return value

    def code(self, value, path: str, allowed, required: bool = False) -> str | None:
        if self.missing(value, path, required):
            return None
        if not isinstance(value, str) or value not in allowed:
            self.error(path, "unknown_code")
            return None
        return value

    def integer(self, value, path: str, low: int, high: int, required: bool = False) -> int | None:
        if self.missing(value, path, required):
            return None
        # JSON has one number type; 3.0 or true for a count or an id is a mistake, not a 3 or 1.
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(path, "not_an_integer")
            return None
        if not low <= value <= high:
            self.error(path, "out_of_range", min=low, max=high)
            return None
        return value

    def number(
        self, value, path: str, low: float, high: float, required: bool = False, above=False
    ) -> float | None:
        """A finite number in [low, high] (in (low, high] when `above`)."""
        if self.missing(value, path, required):
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.error(path, "not_a_number")
            return None
        try:
            number = float(value)
        except OverflowError:  # an integer too big for a float is out of any range we take
            number = math.inf if value > 0 else -math.inf
        if math.isnan(number):
            self.error(path, "not_a_number")
            return None
        if not (low < number if above else low <= number) or number > high:
            self.error(path, "out_of_range", min=low, max=high)
            return None
        return number

    def uuid(self, value, path: str, required: bool = False) -> str | None:
        if self.missing(value, path, required):
            return None
        if not isinstance(value, str) or not UUID.fullmatch(value):
            self.error(path, "not_a_uuid")
            return None
        return value.lower()

    def visited_at(self, value, path: str) -> datetime | None:
        if self.missing(value, path, required=True):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            moment = None
        if moment is None or moment.tzinfo is None:
            # Without a timezone the phone's local time could be 7 to 9 hours off UTC.
            self.error(path, "not_a_datetime")
            return None
        # Compared before converting: year 1 or 9999 in another zone cannot be put in UTC.
        if moment > self.now + CLOCK_DRIFT:
            self.error(path, "in_the_future")
            return None
        if moment < self.now - MAX_VISIT_AGE:
            self.error(path, "out_of_range", max_age_days=MAX_VISIT_AGE.days)
            return None
        return moment.astimezone(UTC)

    def birth_date(self, value, path: str) -> date | None:
        if self.missing(value, path, required=False):
            return None
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            self.error(path, "not_a_date")
            return None
        if day > self.today:
            self.error(path, "in_the_future")
            return None
        return day

    def nik(self, value, path: str) -> str | None:
        text = self.identifier(value, path)
        if text is None:
            return None
        nik = decode_nik(text, on=self.today)
        if not nik.valid:
            # The problems' codes say what is wrong; their params could rebuild the NIK.
            self.error(path, "nik_invalid", reasons=[problem.code for problem in nik.errors])
            return None
        return nik.nik

    def phone(self, value, path: str) -> str | None:
        text = self.identifier(value, path)
        if text is None:
            return None
        phone = parse_phone(text)
        if phone.number is None:
            self.error(path, "phone_invalid", reason=phone.problem.code)
        return phone.number

    def identifier(self, value, path: str) -> str | None:
        """Text of any length for a parser that judges it (its length is its own error)."""
        if self.missing(value, path, required=False):
            return None
        if not isinstance(value, str):
            self.error(path, "not_text")
            return None
        return clean_text(value) or None

    def sha256(self, value, path: str) -> str | None:
        if self.missing(value, path, required=True):
            return None
        if not isinstance(value, str) or not SHA256.fullmatch(value):
            self.error(path, "not_a_sha256")
            return None
        return value

    def gps(self, value, path: str) -> dict | None:
        """A GPS fix needs its numbers; a denied or unavailable one must not carry any."""
        ranges = {
            "lat": (*LAT_RANGE, False),
            "lon": (*LON_RANGE, False),
            "accuracy_m": (0, MAX_ACCURACY_M, True),
        }
        if not self.object(value, path, ("status", *ranges)):
            return None
        status = self.code(value.get("status"), _path(path, "status"), GPS_STATUSES, True)
        fixed = status == GPS_FIXED
        clean = {"status": status}
        for name, (low, high, above) in ranges.items():
            number, where = value.get(name), _path(path, name)
            if status in GPS_STATUSES and not fixed and not _blank(number):
                # A position sent with "denied" means the form and the script disagree.
                self.error(where, "unexpected_field")
                clean[name] = None
            else:
                clean[name] = self.number(number, where, low, high, required=fixed, above=above)
        return clean


def _text(max_length: int, required: bool = False):
    return lambda c, v, p: c.text(v, p, max_length, required)


def _boolean(required: bool = False, default=None):
    return lambda c, v, p: c.boolean(v, p, required, default)


def _code(allowed, required: bool = False):
    return lambda c, v, p: c.code(v, p, allowed, required)


HOUSEHOLD_FIELDS = {
    "address_found": _boolean(required=True),
    "met_name": _text(MAX_NAME),
    "met_relation": _code(MET_RELATIONS),
    "applicant_lives_there": _boolean(),
    "aware_of_trip": _boolean(),
    "purpose_matches": _boolean(),
    "account": _text(4000),
    "living_conditions": _text(2000),
}

FAMILY_MEMBER_FIELDS = {
    "uuid": lambda c, v, p: c.uuid(v, p, required=True),
    "relation": _code(RELATIONS, required=True),
    "kk_relation": _code(KK_RELATIONS),
    "name": _text(MAX_NAME, required=True),
    "nik": _Checker.nik,
    "birth_date": _Checker.birth_date,
    "alive": _boolean(default=True),
    "present": _boolean(default=False),
}

INTERVIEW_FIELDS = {
    "purpose": _code(PURPOSES, required=True),
    "job_offer_channel": _code(CHANNELS),
    "recruiter_name": _text(MAX_NAME),
    "recruiter_phone": _Checker.phone,
    "promised_salary_idr": lambda c, v, p: c.integer(v, p, 0, MAX_SALARY_IDR),
    "costs_paid_by": _code(COSTS),
    "contract_seen": _boolean(),
    "visa_type": _code(VISA_TYPES),
    "knowledge": _text(2000),
}

PHOTO_FIELDS = {
    "sha256": _Checker.sha256,
    "caption": _text(MAX_NAME),
}

VISIT_FIELDS = {
    "case_id": lambda c, v, p: c.integer(v, p, 1, MAX_CASE_ID, required=True),
    "visited_at": _Checker.visited_at,
    "household": lambda c, v, p: c.fields(v, p, HOUSEHOLD_FIELDS),
    "gps": _Checker.gps,
    "family": lambda c, v, p: c.items(v, p, FAMILY_MEMBER_FIELDS, MAX_FAMILY, unique="uuid"),
    "interview": lambda c, v, p: c.fields(v, p, INTERVIEW_FIELDS),
    "photos": lambda c, v, p: c.items(v, p, PHOTO_FIELDS, MAX_PHOTOS, unique="sha256"),
    "assessment": _text(8000),
    "recommendation": _code(RECOMMENDATIONS, required=True),
    "amends": _Checker.uuid,
}
