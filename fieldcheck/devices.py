"""Device tokens: what a field officer's phone signs the sync API with, and a passport
officer's scanner the verify API. Each opens only its scope's routes (fieldcheck.domain.roles
.TOKEN_SCOPES); other roles get none. Only a hash is stored; a token can be listed and revoked
by its owner and by an administrator of the owner's office."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app

from fieldcheck import accounts
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    DEVICE_TOKEN_ISSUE,
    DEVICE_TOKEN_REVOKE,
)
from fieldcheck.db import database
from fieldcheck.domain import roles
from fieldcheck.domain.payloads import clean_text
from fieldcheck.models import DeviceToken, User


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class NoTokenForRole(ValueError):
    """The user's role works at a desk, with a session: it gets no device token."""


def issue_token(actor: Actor, user: User, label: str) -> tuple[str, DeviceToken]:
    """A new bearer token for one of the user's devices, with the scope their role gets:
    (the token, shown once; its record). Raises NoTokenForRole for a desk role."""
    scope = roles.token_scope(user.role)
    if scope is None:
        raise NoTokenForRole(user.role)
    raw = "fc1_" + secrets.token_urlsafe(32)
    days = current_app.config["DEVICE_TOKEN_DAYS"]
    with database.atomic():
        token = DeviceToken.create(
            user=user,
            token_hash=token_hash(raw),
            label=label[:100],
            scope=scope,
            created_at=actor.at,
            expires_at=actor.at + timedelta(days=days),
        )
        actor.record(
            DEVICE_TOKEN_ISSUE, user, {"token": token.id, "label": token.label, "scope": scope}
        )
    return raw, token


class SignInRefused(Exception):
    """Why a device gets no token, as a code of the error catalogue (fieldcheck.errors)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# The refusals that are a guess at a password or a code: counted against the sign-in limits.
GUESSES = frozenset({"credentials_invalid", "second_factor_invalid"})


def sign_in_device(
    username: str | None, password: str | None, code: str | None, label: str, *, at, address
) -> tuple[str, DeviceToken]:
    """Username + password (+ the second factor's code) -> a new token for the device, as
    issue_token; or SignInRefused, naming the first thing wrong."""
    user = accounts.authenticate(username, password) if username is not None else None
    if user is None:
        raise SignInRefused("credentials_invalid")
    actor = Actor(user, at, address)
    if roles.token_scope(user.role) is None:
        raise SignInRefused("no_token_for_role")
    if accounts.needs_second_factor(user):
        if not code or not code.strip():
            raise SignInRefused("second_factor_required")
        if accounts.check_second_factor(actor, user, clean_text(code)) is None:
            raise SignInRefused("second_factor_invalid")
    if user.must_change_password:
        raise SignInRefused("password_change_required")
    try:
        return issue_token(actor, user, label)
    except NoTokenForRole:
        raise SignInRefused("no_token_for_role") from None


def revoke_token(actor: Actor, token: DeviceToken):
    """Revoke a device: its next contact gets a 401 that tells the phone to wipe case data."""
    if token.revoked_at is not None:
        return
    with database.atomic():
        token.revoked_at = actor.at
        token.save(only=[DeviceToken.revoked_at])
        actor.record(DEVICE_TOKEN_REVOKE, token.user, {"token": token.id, "label": token.label})


def tokens_of(user_id: int) -> list[DeviceToken]:
    """A user's device tokens, newest first (revoked and expired ones too: their history)."""
    return list(
        DeviceToken.select()
        .where(DeviceToken.user == user_id)
        .order_by(DeviceToken.created_at.desc())
    )


def token_of(user_id: int, token_id: int) -> DeviceToken | None:
    """One of a user's device tokens, or None when it is not theirs (nor anybody's)."""
    return DeviceToken.get_or_none((DeviceToken.id == token_id) & (DeviceToken.user == user_id))


def find_token(raw: str, now) -> tuple[DeviceToken | None, str | None]:
    """The token record for a presented token, or why it does not count (a stable code)."""
    token = (
        DeviceToken.select(DeviceToken, User)
        .join(User)
        .where(DeviceToken.token_hash == token_hash(raw))
        .first()
    )
    if token is None:
        return None, "token_unknown"
    if token.revoked_at is not None:
        return token, "token_revoked"
    if token.expires_at <= now:
        return token, "token_expired"
    if not token.user.active:
        return token, "account_inactive"
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        DeviceToken.update(last_used_at=now).where(DeviceToken.id == token.id).execute()
    return token, None
