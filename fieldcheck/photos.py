"""Photos of visits: storing one that arrives (the visits waiting for it are complete then);
who may read one (whoever may see a case that names it) and learn it arrived (its uploader)."""

import json

from fieldcheck.accounts import Actor
from fieldcheck.audit import MEDIA_READ, MEDIA_UPLOAD
from fieldcheck.cases import query
from fieldcheck.db import database
from fieldcheck.models import Case, FieldVisit, User
from fieldcheck.sync_handlers import complete_visits
from sync.media import MediaMissing, MediaStorage
from sync.store import Media


def store_photo(actor: Actor, engine, storage: MediaStorage, sha256: str, data: bytes, mime: str):
    """Keep a photo's bytes (never overwritten) and book its arrival: (whether it is new, the
    owners, e.g. "visit:<uuid>", that no longer wait for any photo)."""
    storage.put(sha256, data)
    with database.atomic():
        created, completed = engine.media_arrived(
            sha256, len(data), mime, actor.user.username, actor.at
        )
        if created:
            actor.record(MEDIA_UPLOAD, ("media", sha256), {"size": len(data), "mime": mime})
        complete_visits(completed, actor)
    return created, completed


def read_photo(actor: Actor, storage: MediaStorage, sha256: str) -> bytes | None:
    """A photo's bytes, the reading recorded; None when it has not arrived."""
    try:
        data = storage.read(sha256)
    except MediaMissing:
        return None
    with database.atomic():
        actor.record(MEDIA_READ, ("media", sha256))
    return data


def photo_of_visible_case(user: User, sha256: str) -> bool:
    """Whether a visit of a case this user may see names this photo (exactly, in its list)."""
    visible = query.visible_cases(user).select(Case.id)
    # json.dumps escapes quotes inside captions, so this text can only be a list entry's key.
    candidates = FieldVisit.select(FieldVisit.photos).where(
        FieldVisit.case.in_(visible) & FieldVisit.photos.contains(f'"sha256": "{sha256}"')
    )
    return any(sha256 in {p.get("sha256") for p in json.loads(v.photos)} for v in candidates)


def uploaded_by(sha256: str) -> str | None:
    """The username that uploaded this photo, None when it has not arrived."""
    found = Media.get_or_none(Media.sha256 == sha256)
    return found.uploaded_by if found is not None else None
