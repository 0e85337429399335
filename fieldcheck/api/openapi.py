"""The OpenAPI 3.1 document of the JSON API, served at GET /api/v1/openapi.json.

Its schemas are the JSON Schemas of the models that judge the requests and build the answers
(fieldcheck.api.schemas, and the payloads in fieldcheck.domain and sync.envelope), so a bound or
an enum cannot drift from the validator: this module only says which route takes and answers
which model. tests/web/test_openapi.py holds the document to the app's routes, to real
responses and to the models, and tests/web/test_api_fuzz.py fuzzes the API from it.
"""

import functools

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from fieldcheck import config
from fieldcheck.api import bp, schemas
from fieldcheck.api.sync import MAX_PULL
from fieldcheck.domain import visits
from fieldcheck.security import public

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
SESSION_COOKIE = config.SESSION_COOKIE_NAME
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")
REF_TEMPLATE = "#/components/schemas/{model}"


def component_schemas() -> dict:
    """Every model's JSON Schema by its name: requests as they are judged (validation mode),
    answers as they are written (serialization mode)."""
    modes = [(model, "validation") for model in schemas.REQUESTS]
    modes += [(model, "serialization") for model in schemas.ANSWERS]
    _, document = models_json_schema(modes, ref_template=REF_TEMPLATE)
    return document["$defs"]


def ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _body(model: type[BaseModel]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


def _json(description: str, model: type[BaseModel]) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(model)}}}


def _error(description: str, codes: str) -> dict:
    """An error answer: the error object, with the codes this answer can carry."""
    schema = {"allOf": [ref(schemas.Error), ref(schemas.ERROR_ANSWERS[codes])]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses() -> dict:
    return {
        "Unauthorized": _error(
            "no valid credentials (never a redirect): sign in again", "Unauthorized"
        ),
        "DeviceUnauthorized": _error(
            "no valid device token: the phone keeps its outbox until the same officer signs in",
            "DeviceUnauthorized",
        ),
        "Forbidden": _error(
            "the role may not do this, or the password must be changed first", "Forbidden"
        ),
        "NotFound": _error("not found, or not yours to see", "NotFound"),
        "TooLarge": _error(
            "the body is larger than this route takes (the app's MAX_CONTENT_LENGTH, 256 KiB, "
            "unless the route says otherwise): refused before it is read",
            "TooLarge",
        ),
        "StorageUnavailable": {
            **_error(
                "the photo store cannot be reached just now: nothing was stored, try again",
                "StorageUnavailable",
            ),
            "headers": {
                "Retry-After": {
                    "description": "seconds to wait before trying again",
                    "schema": {"type": "integer"},
                }
            },
        },
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
    "schema": {"type": "string", "pattern": visits.SHA256_PATTERN},
}


def _paths() -> dict:
    return {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "The server answers",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json("up", schemas.Health)},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json("the OpenAPI document", schemas.OpenApiDocument)},
            }
        },
        "/me": {
            "get": {
                "operationId": "me",
                "summary": "Who the caller is signed in as",
                "tags": ["meta"],
                "security": SESSION,
                "responses": {
                    "200": _json("the caller", schemas.Me),
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
                    "200": _json("the chain's state", schemas.AuditReport),
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
                "requestBody": _body(schemas.TokenRequest),
                "responses": {
                    "201": _json("a new device token", schemas.IssuedToken),
                    "400": _error("the body is not a JSON object", "TokenBodyInvalid"),
                    "401": _error(
                        "wrong username or password, or the second factor missing or wrong",
                        "SignInFailed",
                    ),
                    "403": _error(
                        "the temporary password must be changed in the web app first, or the "
                        "role works with a session and gets no token",
                        "NoTokenGiven",
                    ),
                    "413": _r("TooLarge"),
                    "429": _error("too many failed attempts or tokens issued: wait", "RateLimited"),
                },
            },
            "delete": {
                "operationId": "signOutDevice",
                "summary": "A phone signs itself out: its own token is revoked",
                "description": (
                    "The phone's Sign out: the token that calls is revoked and audited; the "
                    "phone then wipes its case data (it keeps an unsent outbox only while it "
                    "refuses to sign out)."
                ),
                "tags": ["auth"],
                "security": DEVICE,
                "responses": {
                    "200": _json("the revoked device", schemas.DeviceToken),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                },
            },
        },
        "/auth/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "The caller's own devices",
                "tags": ["auth"],
                "security": SESSION,
                "responses": {
                    "200": _json("newest first", schemas.DeviceTokens),
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
                    "200": _json("the revoked device", schemas.DeviceToken),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                    "404": _r("NotFound"),
                },
            }
        },
        # Phone enrolment (issue 15): a one-time code from the desk, no password on the phone.
        "/enrolment/check": {
            "post": {
                "operationId": "checkEnrolmentCode",
                "summary": "Whom an enrolment code enrols (the code stays open)",
                "description": (
                    "The phone sends the code it read (8 characters, or the QR code's text) and "
                    "shows the officer's name and office before it asks for the token. Wrong, "
                    "used and expired codes are audited and limited per address "
                    "(ENROLMENT_LIMIT_PER_ADDRESS, 429). Answers are never cached."
                ),
                "tags": ["auth"],
                "security": [],
                "requestBody": _body(schemas.EnrolmentRequest),
                "responses": {
                    "200": _json("the officer the code enrols", schemas.EnrolmentOfficer),
                    "400": _error("the code is wrong, used or expired", "EnrolmentRefused"),
                    "413": _r("TooLarge"),
                    "429": _error("too many wrong codes from this address: wait", "RateLimited"),
                },
            }
        },
        "/enrolment/token": {
            "post": {
                "operationId": "enrolPhone",
                "summary": "An enrolment code gives its officer's sync token, once",
                "description": (
                    "A code made on the desk by a supervisor or an administrator for one field "
                    "officer, valid once and for ENROLMENT_CODE_MINUTES (10), gives that "
                    "officer's phone a sync token, shown once; the code is then used up."
                ),
                "tags": ["auth"],
                "security": [],
                "requestBody": _body(schemas.EnrolmentRequest),
                "responses": {
                    "201": _json("a new sync token for the officer's phone", schemas.IssuedToken),
                    "400": _error("the code is wrong, used or expired", "EnrolmentRefused"),
                    "413": _r("TooLarge"),
                    "429": _error("too many wrong codes from this address: wait", "RateLimited"),
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
                "requestBody": _body(schemas.PushRequest),
                "responses": {
                    "200": _json("one result per operation", schemas.PushResponse),
                    "400": _error(
                        "the envelope cannot be read: nothing was applied", "PushUnreadable"
                    ),
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
                    "200": _json("changes and a new cursor", schemas.PullResponse),
                    "400": _error("a bad cursor or limit", "PullArgumentInvalid"),
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
                "requestBody": _body(schemas.VerifyRequest),
                "responses": {
                    "200": _json(
                        "VALID, INVALID, REVOKED, EXPIRED or UNKNOWN_KEY, and why",
                        schemas.Verification,
                    ),
                    "400": _error('the body is not {"qr": text}', "VerifyBodyInvalid"),
                    "401": _r("Unauthorized"),
                    "403": _r("Forbidden"),
                    "413": _r("TooLarge"),
                    "429": _error(
                        "too many checks from this device or address: wait", "RateLimited"
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
                "responses": {"200": _json("the revocation list", schemas.Revocations)},
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
                    "200": _json("stored before", schemas.MediaStored),
                    "201": _json("stored now", schemas.MediaStored),
                    "400": _error(
                        "a bad address, or bytes with another SHA-256", "MediaAddressInvalid"
                    ),
                    "401": _r("DeviceUnauthorized"),
                    "403": _r("Forbidden"),
                    "413": _r("TooLarge"),
                    "415": _error("not a JPEG, PNG or WebP photo", "NotAnImage"),
                    "503": _r("StorageUnavailable"),
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
                    "503": _r("StorageUnavailable"),
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
            "schemas": component_schemas(),
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
