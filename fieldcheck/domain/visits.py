"""The server's judgement of a field visit a phone pushes (`visit.submit`, `visit.amend`).

DOMAIN.md, "The data a field check gathers"; DESIGN.md, "The one write path from the phone":
the phone checks only what HTML can, so everything is judged here, once. `validate_visit`
takes the JSON payload as decoded and returns either the clean visit or every error at once,
so the officer mends them all in one go. It never raises on any JSON value.

The visit is the pydantic model `VisitPayload` (built from fieldcheck.domain.payloads): the same
model gives the JSON Schema of the API document, so what the document says and what the server
judges are one description. The clock is its validation context. Errors are
`{"field": "family.1.nik", "code": "nik_invalid", "params": {...}}`: the field is a dotted path
into the payload (list items by index, "" for the payload itself), the code is one of
`ERROR_CODES`, and `params` (only when there are some) hold plain JSON values, never the number
or text that was wrong, so logs do not collect NIKs.

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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic.functional_validators import AfterValidator, BeforeValidator

from fieldcheck.domain.identity import decode_nik, parse_phone
from fieldcheck.domain.payloads import (
    Code,
    Entries,
    Flag,
    Integer,
    Matching,
    Number,
    Payload,
    Text,
    clean_text,
    field_errors,
    now_of,
    problem,
)

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
MAX_HANDLE = 100
MAX_ACCOUNT = 40
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

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA256_PATTERN = "^[0-9a-f]{64}$"


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
    try:
        visit = VisitPayload.model_validate(payload, context={"now": now})
    except ValidationError as error:
        return VisitCheck(errors=field_errors(error))
    return VisitCheck(clean=visit.model_dump())


def facts_from_visit(clean: dict) -> dict:
    """The risk-signal facts a clean visit gives (fieldcheck.domain.signals), unknowns left out.

    Some are answers intake gave too (BOTH_ANSWER): laid over intake's facts, they win.
    """
    interview, household = clean["interview"], clean.get("household") or {}
    visa_type = interview.get("visa_type")
    facts = {
        "interview.job_offer_channel": interview.get("job_offer_channel"),
        "interview.costs_paid_by": interview.get("costs_paid_by"),
        "interview.promised_salary_idr": interview.get("promised_salary_idr"),
        "interview.contract_seen": interview.get("contract_seen"),
        # "Not known yet" is no answer: it must not hide the visa intake recorded.
        "application.visa_type": None if visa_type == "unknown" else visa_type,
        "household.aware_of_trip": household.get("aware_of_trip"),
        "household.purpose_matches": household.get("purpose_matches"),
    }
    return {key: value for key, value in facts.items() if value is not None}


# The questions intake and the field both answer, by the fact each answer gives: the visa, a
# contract (among the documents at intake, seen in the field), who pays, how the job was offered.
BOTH_ANSWER = (
    "application.visa_type",
    "interview.contract_seen",
    "interview.costs_paid_by",
    "interview.job_offer_channel",
)


@dataclass(frozen=True)
class Answers:
    """What intake and the field answered to one question (None, or a visa "unknown": no
    answer); the field's answer is the one that counts, for the risk signals and on the pages."""

    fact: str
    intake: object = None
    field: object = None

    @property
    def counts(self):
        """The field's answer when it gave one, else intake's (None, or "unknown", if none)."""
        return self.field if _answered(self.field) else self.intake

    @property
    def differ(self) -> bool:
        """Both answered, differently."""
        return _answered(self.intake) and _answered(self.field) and self.intake != self.field


def intake_answers(*, visa_type, documents, costs_paid_by, job_offer_channel) -> dict:
    """Intake's answers to the questions of BOTH_ANSWER, as facts. Intake's contract answer is
    whether one was among the documents presented: none there is "no contract" until the field
    sees one."""
    return {
        "application.visa_type": visa_type,
        "interview.contract_seen": "employment_contract" in (documents or ()),
        "interview.costs_paid_by": costs_paid_by,
        "interview.job_offer_channel": job_offer_channel,
    }


def answers_compared(intake_facts: dict, field_facts: dict) -> list[Answers]:
    """Both sides' answers to each question of BOTH_ANSWER, from their facts."""
    return [Answers(fact, intake_facts.get(fact), field_facts.get(fact)) for fact in BOTH_ANSWER]


def _answered(value) -> bool:
    return value is not None and value != "unknown"


# -- what each part of a visit is ----------------------------------------------------------------


def _today(info: ValidationInfo) -> date:
    # Kept in the context with the moment it is of: a payload's every date and NIK asks.
    now, kept = now_of(info), info.context.get("today")
    if kept is None or kept[0] is not now:
        kept = info.context["today"] = (now, now.astimezone(LATEST_INDONESIAN_TIME).date())
    return kept[1]


def _iso_date(value) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise problem("not_a_date") from None


def _not_in_the_future(day: date, info: ValidationInfo) -> date:
    if day > _today(info):
        raise problem("in_the_future")
    return day


def _aware_moment(value) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        # Without a timezone the phone's local time could be 7 to 9 hours off UTC.
        raise problem("not_a_datetime")
    return moment


def _recent(moment: datetime, info: ValidationInfo) -> datetime:
    now = now_of(info)
    # Compared before converting: year 1 or 9999 in another zone cannot be put in UTC.
    if moment > now + CLOCK_DRIFT:
        raise problem("in_the_future")
    if moment < now - MAX_VISIT_AGE:
        raise problem("out_of_range", max_age_days=MAX_VISIT_AGE.days)
    return moment.astimezone(UTC)


def _identifier(value) -> str:
    """Text of any length for a parser that judges it (its length is its own error)."""
    if not isinstance(value, str):
        raise problem("not_text")
    return clean_text(value)


def _valid_nik(text: str, info: ValidationInfo) -> str:
    nik = decode_nik(text, on=_today(info))
    if not nik.valid:
        # The problems' codes say what is wrong; their params could rebuild the NIK.
        raise problem("nik_invalid", reasons=[p.code for p in nik.errors])
    return nik.nik


def _valid_phone(text: str) -> str:
    phone = parse_phone(text)
    if phone.number is None:
        raise problem("phone_invalid", reason=phone.problem.code)
    return phone.number


Name = Text(MAX_NAME)
Uuid = Matching(UUID_PATTERN, "not_a_uuid", lower=True, format="uuid")
Sha256 = Matching(SHA256_PATTERN, "not_a_sha256")
PastDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_not_in_the_future)]
VisitTime = Annotated[datetime, BeforeValidator(_aware_moment), AfterValidator(_recent)]
Nik = Annotated[str, BeforeValidator(_identifier), AfterValidator(_valid_nik)]
Phone = Annotated[str, BeforeValidator(_identifier), AfterValidator(_valid_phone)]


class Household(Payload):
    """Whether the address was found, who was met there and what they said."""

    address_found: Flag
    met_name: Name | None = None
    met_relation: Code(MET_RELATIONS) | None = None
    applicant_lives_there: Flag | None = None
    aware_of_trip: Flag | None = None
    purpose_matches: Flag | None = None
    account: Text(4000) | None = None
    living_conditions: Text(2000) | None = None


class Gps(Payload):
    """A fix inside Indonesia with its numbers, or why there is none (and then no numbers)."""

    status: Code(GPS_STATUSES)
    lat: Number(*LAT_RANGE) | None = Field(None, validate_default=True)
    lon: Number(*LON_RANGE) | None = Field(None, validate_default=True)
    accuracy_m: Number(0, MAX_ACCURACY_M, above=True) | None = Field(None, validate_default=True)

    @field_validator("lat", "lon", "accuracy_m", mode="before")
    @classmethod
    def _as_the_status_says(cls, value, info: ValidationInfo):
        status = info.data.get("status")  # there when it is a known one
        if status == GPS_FIXED and value is None:
            raise problem("required")
        if status in GPS_STATUSES and status != GPS_FIXED and value is not None:
            # A position sent with "denied" means the form and the script disagree.
            raise problem("unexpected_field")
        return value


class FamilyMember(Payload):
    """A person of the applicant's family, as met or told of at the visit."""

    uuid: Uuid
    relation: Code(RELATIONS) = Field(description="who the person is to the applicant")
    kk_relation: Code(KK_RELATIONS) | None = Field(
        None, description="SHDK: the relationship to the head of the family on the KK"
    )
    name: Text(MAX_NAME, required=True)
    nik: Nik | None = Field(None, description="16 digits; spaces, dots and dashes are dropped")
    birth_date: PastDate | None = Field(None, description="not in the future")
    alive: Flag | None = True
    present: Flag | None = False


class Interview(Payload):
    """What the applicant's household knows of the trip and of who arranged it."""

    purpose: Code(PURPOSES)
    job_offer_channel: Code(CHANNELS) | None = None
    recruiter_name: Name | None = None
    recruiter_phone: Phone | None = Field(
        None, description="Indonesian (08..., 62..., +62...) or +country number"
    )
    recruiter_agency: Name | None = Field(None, description="the agency or company named")
    recruiter_handle: Text(MAX_HANDLE) | None = Field(
        None, description="a social-media or messaging account, e.g. @rina.kerja"
    )
    recruiter_account: Text(MAX_ACCOUNT) | None = Field(
        None, description="a bank account the applicant was asked to pay into"
    )
    promised_salary_idr: Integer(0, MAX_SALARY_IDR) | None = None
    costs_paid_by: Code(COSTS) | None = None
    contract_seen: Flag | None = None
    visa_type: Code(VISA_TYPES) | None = None
    knowledge: Text(2000) | None = None


class Photo(Payload):
    """A photo of the visit, by the SHA-256 of its bytes (uploaded with PUT /media/{sha256})."""

    sha256: Sha256
    caption: Name | None = None


class VisitPayload(Payload):
    """A field verification (fieldcheck.domain.visits). Every error is reported at once, each
    as {field, code, params?}."""

    case_id: Integer(1, MAX_CASE_ID)
    visited_at: VisitTime = Field(
        description=(
            f"with a time zone; at most {CLOCK_DRIFT.seconds // 60} minutes after and "
            f"{MAX_VISIT_AGE.days} days before the server's time"
        )
    )
    household: Household
    gps: Gps
    family: Annotated[list[FamilyMember], Entries(MAX_FAMILY, unique="uuid")] | None = Field(
        default_factory=list, description="each member's uuid once"
    )
    interview: Interview
    photos: Annotated[list[Photo], Entries(MAX_PHOTOS, unique="sha256")] | None = Field(
        default_factory=list, description="each sha256 once; upload with PUT /media/{sha256}"
    )
    assessment: Text(8000) | None = None
    recommendation: Code(RECOMMENDATIONS)
    amends: Uuid | None = Field(None, description="visit.amend: the visit it corrects")
