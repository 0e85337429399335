"""The sync API: push, pull, media. Only device tokens count here (DESIGN.md, "Sync contract")."""

import json

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from fieldcheck import audit
from fieldcheck.accounts import Actor
from fieldcheck.api import bp, schemas
from fieldcheck.audit import (  # the one vocabulary of actions
    MEDIA_READ,
    MEDIA_UPLOAD,
    SYNC_PULL,
    SYNC_PUSH,
)
from fieldcheck.cases import query
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.domain import case_states, roles
from fieldcheck.limits import body_limit
from fieldcheck.models import Case, FieldVisit
from fieldcheck.security import (
    client_address,
    device_required,
    json_error,
    signed_in,
    token_scope,
)
from fieldcheck.sync_handlers import complete_visits, team_scope
from sync import EnvelopeError, PushContext
from sync.media import sha256_of, sniff_type

# The cases a field officer holds on the phone: the ones to visit, or to correct.
MAX_PULL = 2000
MAX_CURSOR = 2**62

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
        return json_error(400, "body_not_json", "the body must be JSON (application/json)")
    context = PushContext(
        author=current_user.username, principal=current_user._get_current_object(), now=utcnow()
    )

    def audited(results):  # in the push's own transaction
        _actor().record(
            SYNC_PUSH,
            None,
            {
                "operations": len(results),
                "statuses": _count(r["status"] for r in results),
                "device": context.device,
            },
        )

    sync = engine()
    try:
        with audit.written_by(sync.insert):  # a push's events in one statement at its end
            results = sync.push(body, context, finish=audited)
    except EnvelopeError as error:
        return json_error(400, error.code, error.message)
    return jsonify({"results": results})


def _count(values) -> dict:
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


@bp.route("/sync/pull")
@field_device
def pull():
    """What changed for this officer since the cursor: cases to hold, tombstones to drop."""
    since = request.args.get("since", "")
    limit = request.args.get("limit", str(MAX_PULL))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_PULL:
        return json_error(400, "limit_invalid", f"limit must be 1 to {MAX_PULL}")
    limit = int(limit)
    officer = current_user._get_current_object()
    if since == "":
        cursor = engine().cursor_now()  # read first: what changes during this pull comes again
        cases = list(
            query.visible_cases(officer)
            .where(Case.state.in_(case_states.ON_PHONE))
            .order_by(Case.id)
            .limit(limit + 1)
        )
        more = len(cases) > limit
        if more:  # a full download that does not fit: the phone pages through the feed
            cases, cursor = cases[:limit], 0
        tombstones = []
    else:
        if not (since.isascii() and since.isdigit()) or int(since) > MAX_CURSOR:
            return json_error(400, "cursor_invalid", "since must be a cursor from an earlier pull")
        changes, cursor, more = engine().changes([team_scope(officer.team_id)], int(since), limit)
        ids = sorted({int(c.entity_id) for c in changes if c.entity == "case"})
        held = (
            {
                c.id: c
                for c in query.visible_cases(officer).where(
                    Case.id.in_(ids) & Case.state.in_(case_states.ON_PHONE)
                )
            }
            if ids
            else {}
        )
        cases = [held[i] for i in ids if i in held]
        tombstones = [_tombstone(i) for i in ids if i not in held]
    payload = [_case_payload(c) for c in cases]
    with database.atomic():
        _actor().record(
            SYNC_PULL,
            None,
            {
                "since": since or None,
                "cursor": cursor,
                "cases": [c.id for c in cases],
                "tombstones": len(tombstones),
            },
        )
    return jsonify(
        {
            "cursor": str(cursor),
            "more": more,
            "cases": payload,
            "tombstones": tombstones,
            "cache_urls": [u for c in payload for u in c["urls"].values()],
        }
    )


def _tombstone(case_id: int) -> dict:
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        reason = "gone"
    elif case.team_id != current_user.team_id:
        reason = "reassigned"
    else:
        reason = case.state
    return {"id": case_id, "reason": reason}


def _case_payload(case: Case) -> dict:
    returned = None
    if case.state == case_states.RETURNED:
        visit = (
            FieldVisit.select()
            .where((FieldVisit.case == case) & FieldVisit.returned_comment.is_null(False))
            .order_by(FieldVisit.id.desc())
            .first()
        )
        if visit is not None:
            returned = {"visit_id": visit.uuid, "comment": visit.returned_comment}
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
        "returned": returned,
        "urls": {"page": url_for("field.case", case_id=case.id)},
    }


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _photo_of_visible_case(sha256: str) -> bool:
    """Whether a visit of a case this user may see names this photo (exactly, in its list)."""
    visible = query.visible_cases(current_user).select(Case.id)
    # json.dumps escapes quotes inside captions, so this text can only be a list entry's key.
    candidates = FieldVisit.select(FieldVisit.photos).where(
        FieldVisit.case.in_(visible) & FieldVisit.photos.contains(f'"sha256": "{sha256}"')
    )
    return any(sha256 in {p.get("sha256") for p in json.loads(v.photos)} for v in candidates)


@bp.route("/media/<sha256>", methods=["PUT"])
@body_limit("MEDIA_MAX_BYTES")
@field_device
def media_put(sha256):
    """Upload a photo under the SHA-256 of its bytes: idempotent, never overwritten."""
    if not _is_sha256(sha256):
        return json_error(400, "sha256_invalid", "the address must be 64 lower-case hex digits")
    data = request.get_data(cache=False)  # a photo over MEDIA_MAX_BYTES is a 413 (limits.py)
    mime = sniff_type(data)
    if mime is None:
        return json_error(415, "not_an_image", "only JPEG, PNG and WebP photos are accepted")
    if sha256_of(data) != sha256:
        return json_error(400, "hash_mismatch", "the bytes do not have this SHA-256: resend")
    storage = current_app.extensions["media"]
    storage.put(sha256, data)
    actor = _actor()
    with database.atomic():
        created, completed = engine().media_arrived(
            sha256, len(data), mime, current_user.username, actor.at
        )
        if created:
            actor.record(MEDIA_UPLOAD, ("media", sha256), {"size": len(data), "mime": mime})
        complete_visits(completed, actor)
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
    from sync.store import Media

    if not _is_sha256(sha256):
        return "", 404
    found = Media.get_or_none(Media.sha256 == sha256)
    if found is None or found.uploaded_by != current_user.username:
        return "", 404
    return "", 200, {"ETag": f'"{sha256}"'}  # what a captive portal's 200 cannot say


@bp.route("/media/<sha256>", methods=["GET"])
@token_scope(roles.SYNC_SCOPE, methods=("GET",))
@signed_in
def media_get(sha256):
    """A photo, for a user who may see a case that names it."""
    storage = current_app.extensions["media"]
    if not _is_sha256(sha256) or not _photo_of_visible_case(sha256) or not storage.exists(sha256):
        return json_error(404, "not_found", "not found")
    with database.atomic():
        _actor().record(MEDIA_READ, ("media", sha256))
    data = storage.read(sha256)
    response = current_app.response_class(data, mimetype=sniff_type(data) or "image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
