"""The bodies of the JSON API under /api/v1, as pydantic models: what each route takes and what
it answers. The OpenAPI document's `components.schemas` are these models' own JSON Schemas
(fieldcheck.api.openapi); request bodies are judged by them, answers are built with them.

What a phone pushes is described where it is judged: the envelope in the sync engine
(sync.envelope), the visit and the note in fieldcheck.domain. Here they are put together, one
operation type with the payload it takes.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model

from fieldcheck import labels
from fieldcheck.domain import case_states, qr, roles, visits
from fieldcheck.domain.notes import NotePayload
from fieldcheck.domain.payloads import clean_text
from fieldcheck.domain.visits import VisitPayload
from fieldcheck.security import TOKEN_PROBLEMS
from fieldcheck.sync_handlers import NOTE_ADD, VISIT_AMEND, VISIT_SUBMIT
from sync.envelope import Envelope, Operation

MAX_LABEL = 100  # characters of a device's name kept

# Every error is {"error": {"code", "message"}}; these are the codes each answer can carry.
DEVICE_401 = (*TOKEN_PROBLEMS, "unauthenticated")
SIGNED_IN_401 = (*DEVICE_401, "session_expired")
FORBIDDEN_403 = ("forbidden", "password_change_required")
PUSH_400 = ("body_not_json", "envelope_invalid", "unsupported_version", "too_many_operations")
PULL_400 = ("limit_invalid", "cursor_invalid")
MEDIA_400 = ("sha256_invalid", "hash_mismatch")
ENROLMENT_400 = (
    "body_not_json",
    "enrolment_code_invalid",
    "enrolment_code_used",
    "enrolment_code_expired",
)

# Why one operation of a push was rejected: by the envelope check, the engine or a handler.
REJECTION_CODES = (
    "operation_invalid",
    "op_id_invalid",
    "type_missing",
    "record_id_invalid",
    "base_version_invalid",
    "payload_invalid",
    "unknown_type",
    "op_id_reused",
    "record_id_missing",
    "invalid",
    "record_exists",
    "case_not_found",
    "amends_unknown",
)
# Field error codes: the validator's, and the ones handlers add for the record and the case.
FIELD_ERROR_CODES = (*visits.ERROR_CODES, "case_not_found", "not_found", "mismatch")
TOMBSTONE_REASONS = ("gone", "reassigned", *case_states.STATES)

# A time as the API has always written it (Python's isoformat: +00:00 for UTC).
Moment = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    Field(json_schema_extra={"format": "date-time"}),
]
Uuid = Annotated[str, Field(pattern=visits.UUID_PATTERN, json_schema_extra={"format": "uuid"})]
Sha256 = Annotated[str, Field(pattern=visits.SHA256_PATTERN, description="lower-case hex")]


def _codes(values):
    return Literal[tuple(values)]


class Body(BaseModel):
    """An answer of the API: exactly these names."""

    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> dict:
        """The answer as JSON values, for jsonify."""
        return self.model_dump(mode="json")


# -- errors -------------------------------------------------------------------------------------


class ErrorDetail(Body):
    code: str = Field(description="stable, for programs")
    message: str = Field(description="in the caller's language, for people")


class Error(Body):
    """Every error of the API: {"error": {"code", "message"}}."""

    error: ErrorDetail


def _error_codes(name: str, codes, doc: str) -> type[BaseModel]:
    """The codes one error answer can carry, beside `Error` (the document says `allOf` both)."""
    detail = create_model(f"{name}Code", __doc__=doc, code=(_codes(codes), ...))
    return create_model(name, __doc__=doc, error=(detail, ...))


ERROR_ANSWERS = {
    name: _error_codes(name, codes, doc)
    for name, codes, doc in [
        ("Unauthorized", SIGNED_IN_401, "no valid credentials (never a redirect)"),
        ("DeviceUnauthorized", DEVICE_401, "no valid device token"),
        ("Forbidden", FORBIDDEN_403, "the role may not, or the password must change first"),
        ("NotFound", ("not_found",), "not found, or not the caller's to see"),
        ("TooLarge", ("too_large",), "the body is larger than the route takes"),
        ("RateLimited", ("rate_limited",), "too many attempts: wait"),
        ("TokenBodyInvalid", ("body_not_json",), "the body is not a JSON object"),
        (
            "SignInFailed",
            ("credentials_invalid", "second_factor_required", "second_factor_invalid"),
            "wrong username or password, or the second factor missing or wrong",
        ),
        (
            "NoTokenGiven",
            ("password_change_required", "no_token_for_role"),
            "the temporary password must be changed first, or the role gets no token",
        ),
        ("PushUnreadable", PUSH_400, "the envelope cannot be read: nothing was applied"),
        ("PullArgumentInvalid", PULL_400, "a bad cursor or limit"),
        ("VerifyBodyInvalid", ("body_invalid",), 'the body is not {"qr": text}'),
        ("MediaAddressInvalid", MEDIA_400, "a bad address, or bytes with another SHA-256"),
        ("NotAnImage", ("not_an_image",), "not a JPEG, PNG or WebP photo"),
        (
            "StorageUnavailable",
            ("storage_unavailable",),
            "the photo store cannot be reached just now: try again (Retry-After)",
        ),
        ("EnrolmentRefused", ENROLMENT_400, "the enrolment code is wrong, used or expired"),
    ]
}


# -- meta ---------------------------------------------------------------------------------------


class Health(Body):
    status: Literal["ok"]


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str


class Me(Body):
    username: str
    name: str
    role: _codes(roles.ROLES)
    office: str | None = Field(description="office code")
    team: int | None = Field(description="team id")
    language: str | None = Field(description="null: the browser's")


class AuditReport(Body):
    ok: bool
    checked: int = Field(ge=0)
    unsealed: int = Field(ge=0)
    broken_seq: int | None
    broken_event_id: int | None
    problem: str | None
    checkpoints: int = Field(ge=0, description="signed checkpoints of the chain's head that hold")


# -- device tokens ------------------------------------------------------------------------------


# A sign-in is read as it always was: whatever JSON is sent under a name is taken as text, so
# that what no account can match fails to sign in (401) rather than being a different error.


def _username(value) -> str:
    return clean_text(str(value)).lower()[:64]


def _password(value) -> str:
    # A lone surrogate or a control character: no password has one, so it cannot match.
    return value if isinstance(value, str) and clean_text(value) == value else ""


def _label(value) -> str:
    return clean_text(str(value or ""))[:MAX_LABEL]


def _text_only(value) -> str | None:
    return value if isinstance(value, str) else None


class TokenRequest(BaseModel):
    """Username and password (and a second factor's code, for a user who has one) for a
    device token."""

    username: Annotated[str, BeforeValidator(_username)] = Field(
        description="any case, spaces trimmed"
    )
    password: Annotated[str, BeforeValidator(_password)]
    label: Annotated[str, BeforeValidator(_label)] = Field(
        "", description=f"names the device in the owner's list (cut to {MAX_LABEL} characters)"
    )
    code: Annotated[str | None, BeforeValidator(_text_only)] = Field(
        None,
        description="the authenticator's code or a recovery code, for a user with a second factor",
    )


class TokenUser(Body):
    username: str
    name: str
    role: _codes(roles.ROLES)
    team: int | None
    language: str | None


class IssuedToken(Body):
    token: str = Field(
        pattern="^fc1_[A-Za-z0-9_-]+$",
        description="shown once: send it as `Authorization: Bearer <token>`",
    )
    token_id: int
    scope: _codes(roles.TOKEN_SCOPES.values())
    expires_at: Moment
    user: TokenUser


# -- phone enrolment (fieldcheck.enrolment) -------------------------------------------------


class EnrolmentRequest(BaseModel):
    """A one-time enrolment code as the phone read it (typed, or the QR code's text), and a
    name for the phone."""

    code: Annotated[str, BeforeValidator(_text_only)] = Field(
        max_length=2000,
        description="8 characters (any case; spaces and dashes ignored) or the QR code's text",
    )
    label: Annotated[str, BeforeValidator(_label)] = Field(
        "", description=f"names the phone in the officer's list (cut to {MAX_LABEL} characters)"
    )


class EnrolmentOfficer(Body):
    """Whom an open enrolment code enrols: the phone shows it before asking for the token."""

    username: str
    name: str
    office: str = Field(description="office code")
    office_name: str
    expires_at: Moment


class DeviceToken(Body):
    id: int
    label: str = Field(max_length=MAX_LABEL)
    scope: str = Field(description="sync or verify; empty for an old token of a desk role")
    created_at: Moment
    last_used_at: Moment | None
    expires_at: Moment
    revoked_at: Moment | None


class DeviceTokens(Body):
    tokens: list[DeviceToken] = Field(description="newest first")


# -- push ---------------------------------------------------------------------------------------


class VisitSubmitOperation(Operation):
    """A field verification of a case assigned to the officer's team."""

    type: Literal[VISIT_SUBMIT]
    payload: VisitPayload


class VisitAmendOperation(Operation):
    """The corrected verification of a returned case: `amends` names the returned visit."""

    type: Literal[VISIT_AMEND]
    payload: VisitPayload


class NoteAdd(Operation):
    """A note on a case."""

    type: Literal[NOTE_ADD]
    payload: NotePayload


PUSH_EXAMPLE = {
    "version": 1,
    "device": "Android 14 (Samsung A15)",
    "operations": [
        {
            "op_id": "5f0c6e1a-3b7d-4c1e-9a2f-0d6b8e4c2a11",
            "type": "visit.submit",
            "record_id": "9b2d4f6e-8a1c-4e3b-b5d7-1f3a5c7e9b02",
            "base_version": 3,
            "created_at": "2026-11-02T08:15:00+07:00",
            "payload": {
                "case_id": 1042,
                "visited_at": "2026-11-02T08:00:00+07:00",
                "household": {
                    "address_found": True,
                    "met_name": "Ibu Euis",
                    "met_relation": "mother",
                    "aware_of_trip": False,
                },
                "gps": {"status": "fixed", "lat": -6.9856, "lon": 107.6284, "accuracy_m": 12.5},
                "family": [
                    {
                        "uuid": "7d1f3c1e-1111-4a4a-9a9a-000000000001",
                        "relation": "mother",
                        "kk_relation": "wife",
                        "name": "Euis Sumarni",
                        "birth_date": "1975-04-02",
                        "present": True,
                    }
                ],
                "interview": {
                    "purpose": "work",
                    "job_offer_channel": "social_media",
                    "recruiter_phone": "+85512345678",
                    "promised_salary_idr": 18000000,
                },
                "photos": [{"sha256": "ab" * 32, "caption": "Rumah dari jalan"}],
                "assessment": "Keluarga tidak tahu tujuan sebenarnya.",
                "recommendation": "refuse",
            },
        },
        {
            "op_id": "c3e5a7b9-1d2f-4a6c-8e0b-2f4d6a8c0e13",
            "type": "note.add",
            "record_id": "e1a3c5e7-9b0d-4f2a-8c4e-6a8c0e2a4c14",
            "payload": {"case_id": 1042, "text": "Rumah kosong pagi ini, kembali sore."},
        },
    ],
}

PushOperation = Annotated[
    VisitSubmitOperation | VisitAmendOperation | NoteAdd, Field(discriminator="type")
]


class PushRequest(Envelope[PushOperation]):
    """A batch of operations, each applied atomically and answered on its own: one bad
    operation never spoils the batch. An operation the server cannot read (not an object, no
    UUID op_id, ...) is answered `rejected`, not a 400."""

    model_config = ConfigDict(json_schema_extra={"examples": [PUSH_EXAMPLE]})


class FieldError(Body):
    field: str = Field(description="dotted path into the payload (list items by index)")
    code: _codes(FIELD_ERROR_CODES)
    params: dict[str, Any] | None = Field(None, description="never the value that was wrong")


class VisitResult(Body):
    visit_id: Uuid
    case_id: int
    status: Literal["complete", "incomplete"]
    flag: Literal["late", "second", "conflict"] | None
    missing_photos: list[Sha256]
    case_state: _codes(case_states.STATES)
    case_version: int


class NoteResult(Body):
    note_id: Uuid
    case_id: int
    flag: Literal["late"] | None


RecordResult = VisitResult | NoteResult


class AppliedResult(Body):
    op_id: Uuid
    status: Literal["applied"]
    result: RecordResult


class ConflictResult(Body):
    """Stored and flagged for a supervisor (late, second, conflict)."""

    op_id: Uuid
    status: Literal["conflict"]
    result: RecordResult
    reason: str


class DuplicateResult(Body):
    """Seen before with the same content: the first result again."""

    op_id: Uuid
    status: Literal["duplicate"]
    first: Literal["applied", "conflict"]
    result: RecordResult


class RejectedResult(Body):
    """Nothing of the operation was kept: the officer mends it and sends it again."""

    op_id: Uuid | None = Field(description="null when it could not be read")
    status: Literal["rejected"]
    code: _codes(REJECTION_CODES)
    message: str
    errors: Annotated[list[FieldError], Field(min_length=1)] | None = None


OperationResult = Annotated[
    AppliedResult | ConflictResult | DuplicateResult | RejectedResult,
    Field(discriminator="status"),
]


class PushResponse(Body):
    """One result per operation, in the order sent."""

    results: list[OperationResult]


# -- pull ---------------------------------------------------------------------------------------


class Tombstone(Body):
    """A case to drop from the phone, and why."""

    id: int
    reason: _codes(TOMBSTONE_REASONS)


class PhoneApplication(Body):
    number: str
    date: date
    purpose: str
    destination_country: str
    sponsor: str | None
    visa_type: str


class PhoneApplicant(Body):
    name: str
    nik: str
    kk: str | None
    sex: _codes(labels.SEXES)
    birth_date: date
    birth_place: str | None
    address: str
    village_code: str | None
    phone: str | None


class Referral(Body):
    reasons: list[str]
    notes: str


class ReturnedVisit(Body):
    visit_id: Uuid
    comment: str


class CaseUrls(Body):
    page: str


class PhoneCase(Body):
    """A case as the phone holds it."""

    id: int
    version: int = Field(description="base_version of an amendment")
    state: _codes(case_states.STATES)
    priority: _codes(labels.PRIORITIES)
    due_date: date | None
    team: str | None
    officer_id: int | None
    application: PhoneApplication
    applicant: PhoneApplicant
    referral: Referral
    risk_level: _codes(labels.RISK_LEVELS)
    returned: ReturnedVisit | None
    urls: CaseUrls


class PullResponse(Body):
    cursor: str = Field(pattern="^[0-9]+$", description="send as `since` next time")
    more: bool = Field(description="pull again with the new cursor")
    cases: list[PhoneCase]
    tombstones: list[Tombstone]
    cache_urls: list[str] = Field(description="pages the service worker should cache")


# -- reports ------------------------------------------------------------------------------------


class VerifyRequest(BaseModel):
    """A field report's QR text, as scanned."""

    qr: str = Field(description="the QR's text, as scanned (FC1...)")


class ReportSummary(Body):
    report_id: str
    application_number: str
    decision: str
    office: str
    issued: date
    expires: date
    digest: str = Field(pattern="^[0-9a-f]{32}$")
    key_id: str = Field(pattern="^[0-9a-f]+$")


class Verification(Body):
    """The summary is there whenever the signature checked out."""

    status: _codes(qr.STATUSES)
    reason: _codes(qr.REASONS)
    key_id: str | None
    summary: ReportSummary | None


class Revocations(Body):
    """What offline verifiers cache, with its age."""

    generated_at: Moment
    reports: list[str]
    keys: list[str]


# -- media --------------------------------------------------------------------------------------


class MediaStored(Body):
    sha256: Sha256
    stored: Literal[True]
    new: bool = Field(description="false: it was here already")
    completed: list[Uuid] = Field(description="visits no longer waiting for a photo")


# The models of the document: what requests carry (judged) and what answers hold (built).
REQUESTS = (TokenRequest, PushRequest, VerifyRequest, EnrolmentRequest)
ANSWERS = (
    Error,
    *ERROR_ANSWERS.values(),
    Health,
    OpenApiDocument,
    Me,
    AuditReport,
    IssuedToken,
    EnrolmentOfficer,
    DeviceTokens,
    PushResponse,
    PullResponse,
    Verification,
    Revocations,
    MediaStored,
)
