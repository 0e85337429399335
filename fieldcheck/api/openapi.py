"""The OpenAPI 3.1 document of the JSON API, served at GET /api/v1/openapi.json.

It is built from the same constants the server judges with (fieldcheck.domain.visits, the
sync envelope, the case states), so an enum or a bound cannot drift from the validator.
tests/web/test_openapi.py holds it to the app's routes and to real responses, and
tests/web/test_api_fuzz.py fuzzes the API from it.
"""

import functools

from flask import jsonify

from fieldcheck import config, labels
from fieldcheck.api import bp
from fieldcheck.api.sync import MAX_PULL
from fieldcheck.domain import case_states, qr, roles, visits
from fieldcheck.security import TOKEN_PROBLEMS, public
from sync import envelope

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
SESSION_COOKIE = config.SESSION_COOKIE_NAME
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")

# Every error is {"error": {"code", "message"}}; these are the codes each status can carry.
DEVICE_401 = (*TOKEN_PROBLEMS, "unauthenticated")
SIGNED_IN_401 = (*DEVICE_401, "session_expired")
FORBIDDEN_403 = ("forbidden", "password_change_required")
PUSH_400 = ("body_not_json", "envelope_invalid", "unsupported_version", "too_many_operations")
PULL_400 = ("limit_invalid", "cursor_invalid")
MEDIA_400 = ("sha256_invalid", "hash_mismatch")

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

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA256_PATTERN = "^[0-9a-f]{64}$"
# What fieldcheck.domain.identity.parse_phone takes, without separators: an Indonesian number
# (0, 62 or +62, then 9 to 13 digits; or a mobile's 8... without its 0), or +country (not 62).
PHONE_PATTERN = (
    r"^(\+62|62|0)[1-9][0-9]{8,12}$|^8[0-9]{8,12}$|^\+([1-57-9][0-9]|6[013-9])[0-9]{6,13}$"
)


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


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """The schema, or null (a field not given may be absent, null or blank text)."""
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    schema = {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def text(max_length: int, required: bool = False, description: str | None = None) -> dict:
    """Text the validator cleans (CRLF to LF, control characters dropped, trimmed), then bounds.

    Required text must not be blank once cleaned; optional text may be blank, null or absent.
    """
    schema = {"type": "string", "maxLength": max_length}
    if required:
        schema.update(minLength=1, pattern=r"\S")
    if description:
        schema["description"] = description
    return schema if required else nullable(schema)


def code(values, description: str | None = None) -> dict:
    schema = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict, required=(), additional: bool = False, **extra) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if not additional:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


UUID = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}
SHA256 = {"type": "string", "pattern": SHA256_PATTERN, "description": "SHA-256, lower-case hex"}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
BOOLEAN = {"type": "boolean"}


def _schemas() -> dict:
    lat_low, lat_high = visits.LAT_RANGE
    lon_low, lon_high = visits.LON_RANGE
    no_number = {"type": "null"}
    schemas = {
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": {"type": "string", "description": "stable, for programs"},
                        "message": {
                            "type": "string",
                            "description": "in the caller's language, for people",
                        },
                    },
                    required=("code", "message"),
                )
            },
            required=("error",),
            description='Every error of the API: {"error": {"code", "message"}}.',
        ),
        "Health": obj({"status": {"const": "ok"}}, required=("status",)),
        "Me": obj(
            {
                "username": {"type": "string"},
                "name": {"type": "string"},
                "role": code(roles.ROLES),
                "office": {"type": ["string", "null"], "description": "office code"},
                "team": {"type": ["integer", "null"], "description": "team id"},
                "language": {"type": ["string", "null"], "description": "null: the browser's"},
            },
            required=("username", "name", "role", "office", "team", "language"),
        ),
        "AuditReport": obj(
            {
                "ok": BOOLEAN,
                "checked": {"type": "integer", "minimum": 0},
                "unsealed": {"type": "integer", "minimum": 0},
                "broken_seq": {"type": ["integer", "null"]},
                "broken_event_id": {"type": ["integer", "null"]},
                "problem": {"type": ["string", "null"]},
                "checkpoints": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "signed checkpoints of the chain's head that hold",
                },
            },
            required=(
                "ok",
                "checked",
                "unsealed",
                "broken_seq",
                "broken_event_id",
                "problem",
                "checkpoints",
            ),
        ),
        "TokenRequest": obj(
            {
                "username": {"type": "string", "description": "any case, spaces trimmed"},
                "password": {"type": "string"},
                "label": {
                    "type": "string",
                    "maxLength": 100,
                    "description": "names the device in the owner's list (cut to 100)",
                },
                "code": {
                    "type": "string",
                    "description": "the authenticator's code or a recovery code, for a user "
                    "with a second factor",
                },
            },
            required=("username", "password"),
        ),
        "IssuedToken": obj(
            {
                "token": {
                    "type": "string",
                    "pattern": "^fc1_[A-Za-z0-9_-]+$",
                    "description": "shown once: send it as `Authorization: Bearer <token>`",
                },
                "token_id": {"type": "integer"},
                "scope": code(tuple(roles.TOKEN_SCOPES.values())),
                "expires_at": DATE_TIME,
                "user": obj(
                    {
                        "username": {"type": "string"},
                        "name": {"type": "string"},
                        "role": code(roles.ROLES),
                        "team": {"type": ["integer", "null"]},
                        "language": {"type": ["string", "null"]},
                    },
                    required=("username", "name", "role", "team", "language"),
                ),
            },
            required=("token", "token_id", "scope", "expires_at", "user"),
        ),
        "DeviceToken": obj(
            {
                "id": {"type": "integer"},
                "label": {"type": "string", "maxLength": 100},
                "scope": {
                    "type": "string",
                    "description": "sync or verify; empty for an old token of a desk role",
                },
                "created_at": DATE_TIME,
                "last_used_at": nullable(DATE_TIME),
                "expires_at": DATE_TIME,
                "revoked_at": nullable(DATE_TIME),
            },
            required=(
                "id",
                "label",
                "scope",
                "created_at",
                "last_used_at",
                "expires_at",
                "revoked_at",
            ),
        ),
        "DeviceTokens": obj(
            {"tokens": {"type": "array", "items": ref("DeviceToken")}}, required=("tokens",)
        ),
        # -- push -------------------------------------------------------------------------------
        "PushRequest": obj(
            {
                "version": {"const": envelope.ENVELOPE_VERSION},
                "device": {
                    "type": "string",
                    "maxLength": 100,
                    "description": "a label of the device (cut to 100 characters)",
                },
                "operations": {
                    "type": "array",
                    "maxItems": envelope.MAX_OPERATIONS,
                    "items": ref("Operation"),
                },
            },
            required=("version", "operations"),
            additional=True,
            examples=[PUSH_EXAMPLE],
            description=(
                "A batch of operations, each applied atomically and answered on its own: one "
                "bad operation never spoils the batch. An operation the server cannot read "
                "(not an object, no UUID op_id, ...) is answered `rejected`, not a 400."
            ),
        ),
        "Operation": {
            "oneOf": [ref("VisitSubmitOperation"), ref("VisitAmendOperation"), ref("NoteAdd")],
            "discriminator": {
                "propertyName": "type",
                "mapping": {
                    "visit.submit": "#/components/schemas/VisitSubmitOperation",
                    "visit.amend": "#/components/schemas/VisitAmendOperation",
                    "note.add": "#/components/schemas/NoteAdd",
                },
            },
        },
        "VisitSubmitOperation": _operation("visit.submit", ref("VisitPayload")),
        "VisitAmendOperation": _operation(
            "visit.amend",
            {
                "allOf": [
                    ref("VisitPayload"),
                    {"required": ["amends"], "properties": {"amends": UUID}},
                ],
                "description": "the corrected visit; `amends` names the returned one",
            },
        ),
        "NoteAdd": _operation("note.add", ref("NotePayload")),
        "NotePayload": obj(
            {
                "case_id": {"type": "integer"},
                "text": {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": r"\S"},
            },
            required=("case_id", "text"),
            additional=True,
        ),
        "VisitPayload": obj(
            {
                "case_id": {"type": "integer", "minimum": 1, "maximum": visits.MAX_CASE_ID},
                "visited_at": {
                    **DATE_TIME,
                    "description": (
                        "with a time zone; at most "
                        f"{int(visits.CLOCK_DRIFT.total_seconds() // 60)} minutes after and "
                        f"{visits.MAX_VISIT_AGE.days} days before the server's time"
                    ),
                },
                "household": ref("Household"),
                "gps": ref("Gps"),
                "family": nullable(
                    {
                        "type": "array",
                        "maxItems": visits.MAX_FAMILY,
                        "items": ref("FamilyMember"),
                        "description": "each member's uuid once",
                    }
                ),
                "interview": ref("Interview"),
                "photos": nullable(
                    {
                        "type": "array",
                        "maxItems": visits.MAX_PHOTOS,
                        "items": ref("Photo"),
                        "description": "each sha256 once; upload with PUT /media/{sha256}",
                    }
                ),
                "assessment": text(8000),
                "recommendation": code(visits.RECOMMENDATIONS),
                "amends": nullable({**UUID, "description": "visit.amend: the returned visit"}),
            },
            required=(
                "case_id",
                "visited_at",
                "household",
                "gps",
                "interview",
                "recommendation",
            ),
            description=(
                "A field verification (fieldcheck.domain.visits). Every error is reported at "
                "once, each as {field, code, params?}."
            ),
        ),
        "Household": obj(
            {
                "address_found": BOOLEAN,
                "met_name": text(visits.MAX_NAME),
                "met_relation": nullable(code(visits.MET_RELATIONS)),
                "applicant_lives_there": nullable(BOOLEAN),
                "aware_of_trip": nullable(BOOLEAN),
                "purpose_matches": nullable(BOOLEAN),
                "account": text(4000),
                "living_conditions": text(2000),
            },
            required=("address_found",),
        ),
        "Gps": {
            "oneOf": [
                obj(
                    {
                        "status": {"const": visits.GPS_FIXED},
                        "lat": {"type": "number", "minimum": lat_low, "maximum": lat_high},
                        "lon": {"type": "number", "minimum": lon_low, "maximum": lon_high},
                        "accuracy_m": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "maximum": visits.MAX_ACCURACY_M,
                        },
                    },
                    required=("status", "lat", "lon", "accuracy_m"),
                ),
                obj(
                    {
                        "status": code(s for s in visits.GPS_STATUSES if s != visits.GPS_FIXED),
                        "lat": no_number,
                        "lon": no_number,
                        "accuracy_m": no_number,
                    },
                    required=("status",),
                ),
            ],
            "description": "a fix inside Indonesia with its numbers, or why there is none",
        },
        "FamilyMember": obj(
            {
                "uuid": UUID,
                "relation": code(visits.RELATIONS, "who the person is to the applicant"),
                "kk_relation": nullable(
                    code(visits.KK_RELATIONS, "SHDK: relationship to the head on the KK")
                ),
                "name": text(visits.MAX_NAME, required=True),
                "nik": nullable({"type": "string", "pattern": "^[0-9]{16}$"}),
                "birth_date": nullable({**DATE, "description": "not in the future"}),
                "alive": nullable({**BOOLEAN, "default": True}),
                "present": nullable({**BOOLEAN, "default": False}),
            },
            required=("uuid", "relation", "name"),
        ),
        "Interview": obj(
            {
                "purpose": code(visits.PURPOSES),
                "job_offer_channel": nullable(code(visits.CHANNELS)),
                "recruiter_name": text(visits.MAX_NAME),
                "recruiter_phone": nullable(
                    {
                        "type": "string",
                        "pattern": PHONE_PATTERN,
                        "description": "Indonesian (08..., 62..., +62...) or +country number",
                    }
                ),
                "promised_salary_idr": nullable(
                    {"type": "integer", "minimum": 0, "maximum": visits.MAX_SALARY_IDR}
                ),
                "costs_paid_by": nullable(code(visits.COSTS)),
                "contract_seen": nullable(BOOLEAN),
                "visa_type": nullable(code(visits.VISA_TYPES)),
                "knowledge": text(2000),
            },
            required=("purpose",),
        ),
        "Photo": obj({"sha256": SHA256, "caption": text(visits.MAX_NAME)}, required=("sha256",)),
        "PushResponse": obj(
            {"results": {"type": "array", "items": ref("OperationResult")}},
            required=("results",),
            description="one result per operation, in the order sent",
        ),
        "OperationResult": {
            "oneOf": [
                ref("AppliedResult"),
                ref("ConflictResult"),
                ref("DuplicateResult"),
                ref("RejectedResult"),
            ],
            "discriminator": {
                "propertyName": "status",
                "mapping": {
                    "applied": "#/components/schemas/AppliedResult",
                    "conflict": "#/components/schemas/ConflictResult",
                    "duplicate": "#/components/schemas/DuplicateResult",
                    "rejected": "#/components/schemas/RejectedResult",
                },
            },
        },
        "AppliedResult": obj(
            {"op_id": UUID, "status": {"const": "applied"}, "result": ref("RecordResult")},
            required=("op_id", "status", "result"),
        ),
        "ConflictResult": obj(
            {
                "op_id": UUID,
                "status": {"const": "conflict"},
                "result": ref("RecordResult"),
                "reason": {"type": "string"},
            },
            required=("op_id", "status", "result", "reason"),
            description="stored and flagged for a supervisor (late, second, conflict)",
        ),
        "DuplicateResult": obj(
            {
                "op_id": UUID,
                "status": {"const": "duplicate"},
                "first": code(("applied", "conflict")),
                "result": ref("RecordResult"),
            },
            required=("op_id", "status", "first", "result"),
            description="seen before with the same content: the first result again",
        ),
        "RejectedResult": obj(
            {
                "op_id": nullable({**UUID, "description": "null when it could not be read"}),
                "status": {"const": "rejected"},
                "code": code(REJECTION_CODES),
                "message": {"type": "string"},
                "errors": {"type": "array", "minItems": 1, "items": ref("FieldError")},
            },
            required=("op_id", "status", "code", "message"),
            description="nothing of the operation was kept: the officer mends it and resends",
        ),
        "FieldError": obj(
            {
                "field": {
                    "type": "string",
                    "description": "dotted path into the payload (list items by index)",
                },
                "code": code(FIELD_ERROR_CODES),
                "params": {"type": "object", "description": "never the value that was wrong"},
            },
            required=("field", "code"),
        ),
        "RecordResult": {"anyOf": [ref("VisitResult"), ref("NoteResult")]},
        "VisitResult": obj(
            {
                "visit_id": UUID,
                "case_id": {"type": "integer"},
                "status": code(("complete", "incomplete")),
                "flag": nullable(code(("late", "second", "conflict"))),
                "missing_photos": {"type": "array", "items": SHA256},
                "case_state": code(case_states.STATES),
                "case_version": {"type": "integer"},
            },
            required=(
                "visit_id",
                "case_id",
                "status",
                "flag",
                "missing_photos",
                "case_state",
                "case_version",
            ),
        ),
        "NoteResult": obj(
            {"note_id": UUID, "case_id": {"type": "integer"}, "flag": nullable(code(("late",)))},
            required=("note_id", "case_id", "flag"),
        ),
        # -- pull -------------------------------------------------------------------------------
        "PullResponse": obj(
            {
                "cursor": {
                    "type": "string",
                    "pattern": "^[0-9]+$",
                    "description": "send as `since` next time",
                },
                "more": {"type": "boolean", "description": "pull again with the new cursor"},
                "cases": {"type": "array", "items": ref("PhoneCase")},
                "tombstones": {"type": "array", "items": ref("Tombstone")},
                "cache_urls": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "pages the service worker should cache",
                },
            },
            required=("cursor", "more", "cases", "tombstones", "cache_urls"),
        ),
        "Tombstone": obj(
            {"id": {"type": "integer"}, "reason": code(TOMBSTONE_REASONS)},
            required=("id", "reason"),
            description="a case to drop from the phone, and why",
        ),
        "PhoneCase": obj(
            {
                "id": {"type": "integer"},
                "version": {"type": "integer", "description": "base_version of an amendment"},
                "state": code(case_states.STATES),
                "priority": code(labels.PRIORITIES),
                "due_date": nullable(DATE),
                "team": {"type": ["string", "null"]},
                "officer_id": {"type": ["integer", "null"]},
                "application": obj(
                    {
                        "number": {"type": "string"},
                        "date": DATE,
                        "purpose": {"type": "string"},
                        "destination_country": {"type": "string"},
                        "sponsor": {"type": ["string", "null"]},
                        "visa_type": {"type": "string"},
                    },
                    required=(
                        "number",
                        "date",
                        "purpose",
                        "destination_country",
                        "sponsor",
                        "visa_type",
                    ),
                ),
                "applicant": obj(
                    {
                        "name": {"type": "string"},
                        "nik": {"type": "string"},
                        "kk": {"type": ["string", "null"]},
                        "sex": code(labels.SEXES),
                        "birth_date": DATE,
                        "birth_place": {"type": ["string", "null"]},
                        "address": {"type": "string"},
                        "village_code": {"type": ["string", "null"]},
                        "phone": {"type": ["string", "null"]},
                    },
                    required=(
                        "name",
                        "nik",
                        "kk",
                        "sex",
                        "birth_date",
                        "birth_place",
                        "address",
                        "village_code",
                        "phone",
                    ),
                ),
                "referral": obj(
                    {
                        "reasons": {"type": "array", "items": {"type": "string"}},
                        "notes": {"type": "string"},
                    },
                    required=("reasons", "notes"),
                ),
                "risk_level": code(labels.RISK_LEVELS),
                "returned": nullable(
                    obj(
                        {"visit_id": UUID, "comment": {"type": "string"}},
                        required=("visit_id", "comment"),
                    )
                ),
                "urls": obj({"page": {"type": "string"}}, required=("page",)),
            },
            required=(
                "id",
                "version",
                "state",
                "priority",
                "due_date",
                "team",
                "officer_id",
                "application",
                "applicant",
                "referral",
                "risk_level",
                "returned",
                "urls",
            ),
        ),
        # -- reports ----------------------------------------------------------------------------
        "VerifyRequest": obj(
            {"qr": {"type": "string", "description": "the QR's text, as scanned (FC1...)"}},
            required=("qr",),
            additional=True,
        ),
        "Verification": obj(
            {
                "status": code(qr.STATUSES),
                "reason": code(qr.REASONS),
                "key_id": {"type": ["string", "null"]},
                "summary": nullable(ref("ReportSummary")),
            },
            required=("status", "reason", "key_id", "summary"),
            description="the summary is there whenever the signature checked out",
        ),
        "ReportSummary": obj(
            {
                "report_id": {"type": "string"},
                "application_number": {"type": "string"},
                "decision": {"type": "string"},
                "office": {"type": "string"},
                "issued": DATE,
                "expires": DATE,
                "digest": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "key_id": {"type": "string", "pattern": "^[0-9a-f]+$"},
            },
            required=(
                "report_id",
                "application_number",
                "decision",
                "office",
                "issued",
                "expires",
                "digest",
                "key_id",
            ),
        ),
        "Revocations": obj(
            {
                "generated_at": DATE_TIME,
                "reports": {"type": "array", "items": {"type": "string"}},
                "keys": {"type": "array", "items": {"type": "string"}},
            },
            required=("generated_at", "reports", "keys"),
            description="what offline verifiers cache, with its age",
        ),
        # -- media ------------------------------------------------------------------------------
        "MediaStored": obj(
            {
                "sha256": SHA256,
                "stored": {"const": True},
                "new": {"type": "boolean", "description": "false: it was here already"},
                "completed": {
                    "type": "array",
                    "items": UUID,
                    "description": "visits no longer waiting for a photo",
                },
            },
            required=("sha256", "stored", "new", "completed"),
        ),
    }
    return schemas


def _operation(kind: str, payload: dict) -> dict:
    return obj(
        {
            "op_id": {**UUID, "description": "made once on the phone for this operation"},
            "type": {"const": kind},
            "record_id": {**UUID, "description": "client-made UUID of the record"},
            "base_version": nullable(
                {"type": "integer", "minimum": 0, "description": "the case version it was made on"}
            ),
            "created_at": nullable({**DATE_TIME, "description": "when made (not judged)"}),
            "payload": payload,
        },
        required=("op_id", "type", "record_id", "payload"),
        additional=True,
    )


def _error(description: str, codes) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        ref("Error"),
                        {"properties": {"error": {"properties": {"code": code(codes)}}}},
                    ]
                }
            }
        },
    }


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses() -> dict:
    return {
        "Unauthorized": _error(
            "no valid credentials (never a redirect): sign in again", SIGNED_IN_401
        ),
        "DeviceUnauthorized": _error(
            "no valid device token: the phone keeps its outbox until the same officer signs in",
            DEVICE_401,
        ),
        "Forbidden": _error(
            "the role may not do this, or the password must be changed first", FORBIDDEN_403
        ),
        "NotFound": _error("not found, or not yours to see", ("not_found",)),
        "TooLarge": _error(
            "the body is larger than this route takes (the app's MAX_CONTENT_LENGTH, 256 KiB, "
            "unless the route says otherwise): refused before it is read",
            ("too_large",),
        ),
    }


def _r(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


SESSION = [{"sessionCookie": []}]
DEVICE = [{"deviceToken": []}]
SESSION_OR_DEVICE = [{"deviceToken": []}, {"sessionCookie": []}]
SHA256_PARAMETER = {
    "name": "sha256",
    "in": "path",
    "required": True,
    "description": "the SHA-256 of the photo's bytes, 64 lower-case hex digits",
    "schema": {"type": "string", "pattern": SHA256_PATTERN},
}


def _paths() -> dict:
    return {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "The server answers",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json("up", ref("Health"))},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json("the OpenAPI document", {"type": "object"})},
            }
        },
        "/me": {
            "get": {
                "operationId": "me",
                "summary": "Who the caller is signed in as",
                "tags": ["meta"],
                "security": SESSION,
                "responses": {
                    "200": _json("the caller", ref("Me")),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                },
            }
        },
        "/audit/verify": {
            "get": {
                "operationId": "auditVerify",
                "summary": "The state of the audit trail's hash chain (administrators)",
                "tags": ["meta"],
                "security": SESSION,
                "responses": {
                    "200": _json("the chain's state", ref("AuditReport")),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                },
            }
        },
        "/auth/token": {
            "post": {
                "operationId": "issueToken",
                "summary": "Username and password give a device token, shown once",
                "description": (
                    "A field officer gets a sync token (the sync routes, and GET of their own "
                    "phone pages), a passport officer a verify token (POST /reports/verify "
                    "only); other roles get none (403). Failed attempts are limited per address "
                    "and per username, shared with every route that checks a password, and "
                    "tokens issued per user and per address (429). The token lives a limited "
                    "number of days and can be revoked. Answers are never cached."
                ),
                "tags": ["auth"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("TokenRequest")}},
                },
                "responses": {
                    "201": _json("a new device token", ref("IssuedToken")),
                    "400": _error("the body is not a JSON object", ("body_not_json",)),
                    "401": _error(
                        "wrong username or password, or the second factor missing or wrong",
                        ("credentials_invalid", "second_factor_required", "second_factor_invalid"),
                    ),
                    "403": _error(
                        "the temporary password must be changed in the web app first, or the "
                        "role works with a session and gets no token",
                        ("password_change_required", "no_token_for_role"),
                    ),
                    "413": _r("TooLarge"),
                    "429": _error(
                        "too many failed attempts or tokens issued: wait", ("rate_limited",)
                    ),
                },
            }
        },
        "/auth/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "The caller's own devices",
                "tags": ["auth"],
                "security": SESSION,
                "responses": {
                    "200": _json("newest first", ref("DeviceTokens")),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                },
            }
        },
        "/auth/tokens/{token_id}": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke one of the caller's own devices",
                "tags": ["auth"],
                "security": SESSION,
                "parameters": [
                    {
                        "name": "token_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
                "responses": {
                    "200": _json("the revoked device", ref("DeviceToken")),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                    "404": _r("NotFound"),
                },
            }
        },
        "/sync/push": {
            "post": {
                "operationId": "push",
                "summary": "Apply a batch of operations; one result each",
                "description": (
                    "Same op_id and same content: `duplicate` with the first result. Same "
                    "op_id, other content: `rejected` with `op_id_reused`. Field officers' "
                    "device tokens only (a session cookie does not count). The body may hold "
                    "up to PUSH_MAX_BYTES (24 MiB: a full batch of the largest visits in Latin "
                    "text is 19.5 MB); a larger one is refused unread (413): send fewer "
                    "operations."
                ),
                "tags": ["sync"],
                "security": DEVICE,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("PushRequest")}},
                },
                "responses": {
                    "200": _json("one result per operation", ref("PushResponse")),
                    "400": _error("the envelope cannot be read: nothing was applied", PUSH_400),
                    "401": _r("DeviceUnauthorized"),
                    "403": _r("Forbidden"),
                    "413": _r("TooLarge"),
                },
            }
        },
        "/sync/pull": {
            "get": {
                "operationId": "pull",
                "summary": "What changed for this officer since the cursor",
                "description": (
                    "Without `since`: every case the officer holds (assigned, in the field, "
                    "returned). With it: the cases that changed, and tombstones for those to drop."
                ),
                "tags": ["sync"],
                "security": DEVICE,
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "required": False,
                        "description": "the cursor of an earlier pull; empty: a full download",
                        "schema": {"type": "string", "pattern": "^[0-9]*$"},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PULL,
                            "default": MAX_PULL,
                        },
                    },
                ],
                "responses": {
                    "200": _json("changes and a new cursor", ref("PullResponse")),
                    "400": _error("a bad cursor or limit", PULL_400),
                    "401": _r("DeviceUnauthorized"),
                    "403": _r("Forbidden"),
                },
            }
        },
        "/reports/verify": {
            "post": {
                "operationId": "verifyReport",
                "summary": "Check a field report's QR text (passport officers, supervisors)",
                "description": (
                    "Limited per device (its verify token, else the signed-in user) and per "
                    "address: VERIFY_LIMIT_PER_DEVICE (120 a minute) and "
                    "VERIFY_LIMIT_PER_ADDRESS (600 a minute), every call counted (429). Each "
                    "check is a row of the scan log; the first check of a report by a device in "
                    "an hour is an audit event too."
                ),
                "tags": ["reports"],
                "security": SESSION_OR_DEVICE,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("VerifyRequest")}},
                },
                "responses": {
                    "200": _json(
                        "VALID, INVALID, REVOKED, EXPIRED or UNKNOWN_KEY, and why",
                        ref("Verification"),
                    ),
                    "400": _error('the body is not {"qr": text}', ("body_invalid",)),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                    "413": _r("TooLarge"),
                    "429": _error(
                        "too many checks from this device or address: wait", ("rate_limited",)
                    ),
                },
            }
        },
        "/reports/revoked": {
            "get": {
                "operationId": "revocations",
                "summary": "Revoked reports and keys, for offline verifiers",
                "tags": ["reports"],
                "security": [],
                "responses": {"200": _json("the revocation list", ref("Revocations"))},
            }
        },
        "/media/{sha256}": {
            "parameters": [SHA256_PARAMETER],
            "put": {
                "operationId": "putMedia",
                "summary": "Upload a photo under the SHA-256 of its bytes (idempotent)",
                "description": (
                    "A file already there is never replaced (200, `new`: false). At most "
                    "MEDIA_MAX_BYTES (8 MiB); a larger body is refused unread (413)."
                ),
                "tags": ["media"],
                "security": DEVICE,
                "requestBody": {
                    "required": True,
                    "content": {
                        kind: {"schema": {"type": "string", "format": "binary"}}
                        for kind in (*MEDIA_TYPES, "application/octet-stream")
                    },
                },
                "responses": {
                    "200": _json("stored before", ref("MediaStored")),
                    "201": _json("stored now", ref("MediaStored")),
                    "400": _error("a bad address, or bytes with another SHA-256", MEDIA_400),
                    "401": _r("DeviceUnauthorized"),
                    "403": _r("Forbidden"),
                    "413": _r("TooLarge"),
                    "415": _error("not a JPEG, PNG or WebP photo", ("not_an_image",)),
                },
            },
            "head": {
                "operationId": "hasMedia",
                "summary": "Whether the caller's upload arrived (for anybody else: 404)",
                "tags": ["media"],
                "security": DEVICE,
                "responses": {
                    "200": {
                        "description": "arrived (the ETag names the photo, so that a captive "
                        "portal's 200 is not taken for it)",
                        "headers": {
                            "ETag": {
                                "description": 'the SHA-256 in quotes, e.g. "9f86d0…"',
                                "schema": {"type": "string"},
                            }
                        },
                    },
                    "401": {"description": "no valid device token"},
                    "403": {"description": "not a field officer"},
                    "404": {"description": "not (yet) uploaded by the caller"},
                },
            },
            "get": {
                "operationId": "getMedia",
                "summary": "A photo, for a user who may see a case that names it",
                "tags": ["media"],
                "security": SESSION_OR_DEVICE,
                "responses": {
                    "200": {
                        "description": "the photo's bytes (not cached)",
                        "content": {
                            kind: {"schema": {"type": "string", "format": "binary"}}
                            for kind in MEDIA_TYPES
                        },
                    },
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                    "404": _r("NotFound"),
                },
            },
        },
    }


@functools.cache
def document() -> dict:
    """The OpenAPI document (built once; a plain dict)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "FieldCheck API",
            "version": API_VERSION,
            "description": (
                "The JSON API the phones sync with (DESIGN.md, 'Sync contract'). Every error "
                'is {"error": {"code", "message"}}; the API never redirects. Phones sign '
                "requests with a device token (`Authorization: Bearer ...`) from POST "
                "/auth/token; the sync routes take nothing else. A token opens only the routes "
                "of its scope (sync: push, pull, media; verify: POST /reports/verify) and is "
                "refused elsewhere (401 token_not_accepted). Routes marked with the session "
                "cookie serve the web app's signed-in users."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "meta"},
            {"name": "auth", "description": "device tokens"},
            {"name": "sync", "description": "push and pull"},
            {"name": "media", "description": "photos by SHA-256"},
            {"name": "reports", "description": "verifying field reports' QR codes"},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "securitySchemes": {
                "deviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "fc1_...",
                    "description": "a device token from POST /auth/token",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "the web app's sign-in session (not for the sync routes)",
                },
            },
        },
    }


@bp.route("/openapi.json")
@public
def openapi_json():
    """This API's OpenAPI document."""
    return jsonify(document())
