"""What the phones pages read: the field officers of one office, and their phones."""

import peewee

from fieldcheck.domain import roles
from fieldcheck.models import DeviceToken, Team, User


def field_officers(office_id: int) -> list[User]:
    """The office's active field officers by name, with their teams."""
    return list(
        User.select(User, Team)
        .join(Team, peewee.JOIN.LEFT_OUTER)
        .where(
            (User.office == office_id) & (User.role == roles.FIELD) & (User.active == True)  # noqa: E712
        )
        .order_by(User.name)
    )


def field_officer(office_id: int, user_id: int) -> User | None:
    """A field officer of the office (active or not: a lost phone may still need signing out),
    or None: other offices' people and other roles are not for this page."""
    return User.get_or_none(
        (User.id == user_id) & (User.office == office_id) & (User.role == roles.FIELD)
    )


def phones_of(user_id: int) -> list[DeviceToken]:
    """An officer's phones (their sync tokens), newest first, signed out ones too."""
    return list(
        DeviceToken.select()
        .where((DeviceToken.user == user_id) & (DeviceToken.scope == roles.SYNC_SCOPE))
        .order_by(DeviceToken.created_at.desc())
    )


def phone_of(user_id: int, token_id: int) -> DeviceToken | None:
    """One of an officer's phones, or None when it is not theirs."""
    return DeviceToken.get_or_none(
        (DeviceToken.id == token_id)
        & (DeviceToken.user == user_id)
        & (DeviceToken.scope == roles.SYNC_SCOPE)
    )
