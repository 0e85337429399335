"""Sign-in sessions kept on the server (OWASP ASVS V3).

The browser's cookie carries a random session id and nothing that grants access by itself:
the server keeps a record of each session (the id's hash, the user, when it began and was last
seen, from which address and browser). A session counts only while its record is open, so
ending the record ends the session at once, whatever copy of the cookie is still around:
sign-out, a password change, deactivation, an administrator's "sign out everywhere", idle time
and an absolute lifetime are all decided here, on the server. Records live in the app's
database, so every app process sees the same sessions.
"""

import hashlib
import secrets
from datetime import timedelta

import peewee

from fieldcheck.db import database
from fieldcheck.models import Office, User, UserSession

# Why a session ended (user_session.end_reason).
LOGOUT = "logout"
IDLE = "idle"
EXPIRED = "expired"
MOVED = "moved"  # the cookie came from another address or browser than it was given to
PASSWORD_CHANGE = "password_change"  # noqa: S105  (a reason, not a password)
PASSWORD_RESET = "password_reset"  # noqa: S105  (a reason, not a password)
DEACTIVATED = "deactivated"
SIGNED_OUT_EVERYWHERE = "everywhere"
ENDED_BY_USER = "ended_by_user"

# Last activity is written at most this often: a session may so end up to this much before
# its idle limit after the last request, never after it.
SEEN_EVERY = timedelta(seconds=60)


def sid_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start(user: User, *, at, address: str | None, user_agent: str) -> str:
    """Open a session for a user who just signed in; returns its id, for the cookie only."""
    raw = secrets.token_urlsafe(32)
    UserSession.create(
        user=user,
        sid_hash=sid_hash(raw),
        created_at=at,
        last_seen_at=at,
        address=address,
        user_agent=(user_agent or "")[:200],
    )
    return raw


def find(raw: str, *, now, idle: timedelta, lifetime: timedelta, address, user_agent: str):
    """The open session with this id, with its user and office; or (record or None, why not).

    A session is bound to the address and browser it began in (a copied cookie used from
    elsewhere ends it). The problem is one of "unknown", "ended", "inactive", MOVED, IDLE or
    EXPIRED.
    """
    found = (
        UserSession.select(UserSession, User, Office)
        .join(User)
        .join(Office, peewee.JOIN.LEFT_OUTER, on=(User.office == Office.id))
        .where(UserSession.sid_hash == sid_hash(raw))
        .first()
    )
    if found is None:
        return None, "unknown"
    if found.ended_at is not None:
        return found, "ended"
    if not found.user.active:
        return found, "inactive"
    if found.address != address or found.user_agent != (user_agent or "")[:200]:
        return found, MOVED
    if now - found.created_at >= lifetime:
        return found, EXPIRED
    if now - found.last_seen_at > idle:
        return found, IDLE
    return found, None


def touch(user_session: UserSession, now):
    """Note activity (at most every SEEN_EVERY)."""
    if now - user_session.last_seen_at > SEEN_EVERY:
        UserSession.update(last_seen_at=now).where(UserSession.id == user_session.id).execute()
        user_session.last_seen_at = now


def end(user_session: UserSession, *, at, reason: str) -> bool:
    """End one session; False when it had already ended."""
    ended = (
        UserSession.update(ended_at=at, end_reason=reason)
        .where((UserSession.id == user_session.id) & UserSession.ended_at.is_null())
        .execute()
    )
    user_session.ended_at, user_session.end_reason = at, reason
    return bool(ended)


def end_all(user: User, *, at, reason: str, keep: UserSession | None = None) -> int:
    """End every open session of a user (but `keep`); returns how many ended."""
    with database.atomic():
        query = UserSession.update(ended_at=at, end_reason=reason).where(
            (UserSession.user == user.id) & UserSession.ended_at.is_null()
        )
        if keep is not None:
            query = query.where(UserSession.id != keep.id)
        return query.execute()


def session_of(user_id: int, session_id: int) -> UserSession | None:
    """One of a user's sessions (open or ended), or None when it is not theirs."""
    return UserSession.get_or_none((UserSession.id == session_id) & (UserSession.user == user_id))


def open_sessions(user: User, *, now, idle: timedelta, lifetime: timedelta) -> list[UserSession]:
    """A user's sessions that still count, newest first."""
    return list(
        UserSession.select()
        .where(
            (UserSession.user == user.id)
            & UserSession.ended_at.is_null()
            & (UserSession.created_at > now - lifetime)
            & (UserSession.last_seen_at >= now - idle)
        )
        .order_by(UserSession.created_at.desc())
    )


# (marker in the User-Agent, name shown), most specific first: Edge and Opera also say Chrome,
# Chrome also says Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str | None) -> str:
    """A person's name for a browser ("Chrome on Android"), from its User-Agent header."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or (agent[:40] if agent else "?")
