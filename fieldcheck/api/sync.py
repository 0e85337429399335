"""The sync API: push, pull, media. Only device tokens count here (DESIGN.md, "Sync contract")."""

import json
from collections import Counter

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from fieldcheck import photos, sync_handlers
from fieldcheck.accounts import Actor
from fieldcheck.api import bp, schemas
from fieldcheck.audit import SYNC_PUSH  # the one vocabulary of actions
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.errors import api_error, in_words, message
from fieldcheck.limits import body_limit
from fieldcheck.models import Case, FieldVisit
from fieldcheck.pull import pull as pull_cases
from fieldcheck.security import client_address, device_required, signed_in, token_scope
from sync import ENVELOPE_VERSION, EnvelopeError, PushContext
from sync.envelope import MAX_OPERATIONS
from sync.media import MediaUnavailable, sha256_of, sniff_type

# The cases a field officer holds on the phone: the ones to visit, or to correct.
MAX_PULL = 2000
MAX_CURSOR = 2**62
# Seconds a phone is asked to wait when the photo store cannot be reached.
STORE_RETRY_AFTER = 60

field_device = device_required(roles.FIELD)


def engine():
    return current_app.extensions["sync"]


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


@bp.route("/sync/push", methods=["POST"])
@body_limit("PUSH_MAX_BYTES")
@field_device
def push():
    """Apply a batch of operations; one result each (see the OpenAPI document)."""
    body = request.get_json(silent=True)
    if body is None:
        return api_error(400, "body_not_json")
    context = PushContext(
        author=current_user.username, principal=current_user._get_current_object(), now=utcnow()
    )
    sync = engine()
    try:
        results = sync_handlers.apply_push(sync, body, context, finish=_audited(context))
    except EnvelopeError as error:
        return api_error(400, error.code, ENVELOPE_LIMITS)
    return jsonify({"results": [_in_words(r) for r in results]})


# What the envelope's refusals name (fieldcheck.errors: unsupported_version, too_many_operations).
ENVELOPE_LIMITS = {"version": ENVELOPE_VERSION, "max": MAX_OPERATIONS}


def _in_words(result: dict) -> dict:
    """A result with the catalogue's message for its code, and a conflict's reason, in the
    officer's language (the engine and the handlers keep codes)."""
    if "message" in result:
        result = {**result, "message": message(result["code"])}
    if "reason" in result:
        result = {**result, "reason": in_words(result["reason"])}
    return result


def _audited(context: PushContext):
    """What a push does when it finishes, in its own transaction: its audit event."""

    def audited(results):
        _actor().record(
            SYNC_PUSH,
            None,
            {
                "operations": len(results),
                "statuses": dict(Counter(r["status"] for r in results)),
                "device": context.device,
            },
        )

    return audited


@bp.route("/sync/pull")
@field_device
def pull():
    """What changed for this officer since the cursor: cases to hold, tombstones to drop."""
    since = request.args.get("since", "")
    limit = request.args.get("limit", str(MAX_PULL))
    if not _whole(limit) or not 1 <= int(limit) <= MAX_PULL:
        return api_error(400, "limit_invalid", {"max": MAX_PULL})
    if since != "" and (not _whole(since) or int(since) > MAX_CURSOR):
        return api_error(400, "cursor_invalid")
    pulled = pull_cases(_actor(), engine(), since, int(limit))
    payload = [_case_payload(c, pulled.returned.get(c.id)) for c in pulled.cases]
    return jsonify(
        {
            "cursor": str(pulled.cursor),
            "more": pulled.more,
            "cases": payload,
            "tombstones": pulled.tombstones,
            "cache_urls": [u for c in payload for u in c["urls"].values()],
        }
    )


def _whole(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _case_payload(case: Case, returned: FieldVisit | None) -> dict:
    """A case as the phone holds it (with the supervisor's comment when it was returned)."""
    return {
        "id": case.id,
        "version": case.version,
        "state": case.state,
        "priority": case.priority,
        "due_date": case.due_date and case.due_date.isoformat(),
        "team": case.team.name if case.team_id else None,
        "officer_id": case.officer_id,
        "application": {
            "number": case.application_number,
            "date": case.application_date.isoformat(),
            "purpose": case.purpose,
            "destination_country": case.destination_country,
            "sponsor": case.sponsor,
            "visa_type": case.visa_type,
        },
        "applicant": {
            "name": case.applicant_name,
            "nik": case.nik,
            "kk": case.kk,
            "sex": case.sex,
            "birth_date": case.birth_date.isoformat(),
            "birth_place": case.birth_place,
            "address": case.address,
            "village_code": case.village_code,
            "phone": case.phone,
        },
        "referral": {"reasons": json.loads(case.referral_reasons), "notes": case.referral_notes},
        "risk_level": case.risk_level,
        "returned": returned and {"visit_id": returned.uuid, "comment": returned.returned_comment},
        "urls": {"page": url_for("field.case", case_id=case.id)},
    }


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


@bp.errorhandler(MediaUnavailable)
def _store_unavailable(error):
    """The photo store cannot be reached: 503, and the phone keeps the photo to send again."""
    current_app.logger.warning("photo store unavailable: %s", error)
    response = api_error(503, "storage_unavailable")
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
    return response


@bp.route("/media/<sha256>", methods=["PUT"])
@body_limit("MEDIA_MAX_BYTES")
@field_device
def media_put(sha256):
    """Upload a photo under the SHA-256 of its bytes: idempotent, never overwritten."""
    if not _is_sha256(sha256):
        return api_error(400, "sha256_invalid")
    data = request.get_data(cache=False)  # a photo over MEDIA_MAX_BYTES is a 413 (limits.py)
    mime = sniff_type(data)
    if mime is None:
        return api_error(415, "not_an_image")
    if sha256_of(data) != sha256:
        return api_error(400, "hash_mismatch")
    storage = current_app.extensions["media"]
    created, completed = photos.store_photo(_actor(), engine(), storage, sha256, data, mime)
    stored = schemas.MediaStored(
        sha256=sha256,
        stored=True,
        new=created,
        completed=[o.removeprefix("visit:") for o in completed],
    )
    return stored.to_json(), (201 if created else 200)


@bp.route("/media/<sha256>", methods=["HEAD"])
@field_device
def media_head(sha256):
    """Whether a photo arrived, for its uploader; anybody else learns nothing (404)."""
    if not _is_sha256(sha256) or photos.uploaded_by(sha256) != current_user.username:
        return "", 404
    return "", 200, {"ETag": f'"{sha256}"'}  # what a captive portal's 200 cannot say


@bp.route("/media/<sha256>", methods=["GET"])
@token_scope(roles.SYNC_SCOPE, methods=("GET",))
@signed_in
def media_get(sha256):
    """A photo, for a user who may see a case that names it."""
    storage = current_app.extensions["media"]
    readable = _is_sha256(sha256) and photos.photo_of_visible_case(current_user, sha256)
    data = photos.read_photo(_actor(), storage, sha256) if readable else None
    if data is None:
        return api_error(404, "not_found")
    response = current_app.response_class(data, mimetype=sniff_type(data) or "image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
